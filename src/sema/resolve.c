/* Probe resolution (sema_resolve): each attach point is expanded by its kind's provider
 * (src/sema/probe_*.c), one AST_PROBE per concrete attach point, each with an entry in
 * c->pd->probes. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../util/strbuf.h"
#include "provider.h"

struct resolver {
	struct compiler *c;
	sema_point_list points; /* of the attach point being expanded */
	int skipped; /* attach points of the probe being expanded skipped as missing */
};

/* "$N" anywhere in an attach point part stands for positional parameter N ("" when
 * missing), as in bpftrace: `uprobe:$1:main`, `BEG$1`. */
static const char *subst_params(struct compiler *c, const char *s)
{
	if (!s || !strchr(s, '$'))
		return s;
	struct strbuf sb = { 0 };
	for (const char *p = s; *p; p++) {
		if (p[0] == '$' && isdigit((unsigned char)p[1])) {
			int n = 0;
			while (isdigit((unsigned char)p[1]) && n < 100000)
				n = n * 10 + (*++p - '0');
			if (n >= 1 && n <= c->opts.nparams)
				sb_append(&sb, c->opts.params[n - 1]);
			continue;
		}
		sb_putc(&sb, *p);
	}
	const char *out = arena_strdup(&c->arena, sb_str(&sb));
	sb_free(&sb);
	return out;
}

static void unknown_provider(struct compiler *c, const struct ast_node *at, const char *prov)
{
	struct sema_suggest s;
	diag_error(&c->diag, &at->loc, "unknown probe type '%s'", prov);
	sema_suggest_init(&s, prov);
	for (int k = 0; k < PD_PROBE__COUNT; k++)
		sema_suggest_add(&s, pk_desc((enum pd_probe_kind)k)->name);
	if (sema_suggest_best(&s))
		diag_note(&c->diag, &at->loc, "did you mean '%s'?", sema_suggest_best(&s));
}

/* Appends the concrete points of one attach point as written (one of several: a missing
 * one is skipped with a warning). A provider written with a parameter ("BEG$1") is looked
 * up after substitution. */
static int expand_attach(struct resolver *r, const struct ast_node *at, bool several)
{
	struct compiler *c = r->c;
	const char *prov = subst_params(c, at->attach.provider ? at->attach.provider : "");
	struct sema_attach a = { .c = c, .at = at, .out = &r->points, .several = several };
	if (!prov)
		return -ENOMEM;
	if (!pk_find(prov, &a.kind)) {
		unknown_provider(c, at, prov);
		return 0;
	}
	a.provider = pk_desc(a.kind)->name;
	a.target = subst_params(c, at->attach.target);
	a.func = subst_params(c, at->attach.func);
	a.extra = subst_params(c, at->attach.extra);
	if ((at->attach.target && !a.target) || (at->attach.func && !a.func) ||
	    (at->attach.extra && !a.extra))
		return -ENOMEM;
	int err = sema_provider(a.kind)->expand(&a);
	r->skipped += a.skipped;
	return err;
}

/* A probe bound to one point, waiting for its pd index. */
struct bound {
	struct ast_node *probe;
	struct sema_point p;
	struct src_loc at_loc; /* the attach point as written */
	int written; /* index of the probe as written */
};

typedef VEC(struct bound) bound_list;

static int bind_point(struct compiler *c, struct ast_node *probe, const struct ast_node *at,
		      const struct sema_point *sp, int written, bound_list *out)
{
	struct ast_node *n = ast_new(&c->arena, AST_ATTACH, &at->loc);
	if (!n)
		return -ENOMEM;
	const struct pd_probe *p = &sp->p;
	n->attach.text = p->name;
	n->attach.provider = pk_desc(p->kind)->name;
	n->attach.target = p->target;
	n->attach.func = p->func;
	probe->probe.attach.len = 0;
	if (vec_push(&c->arena, &probe->probe.attach, n))
		return -ENOMEM;
	struct bound b = { probe, *sp, at->loc, written };
	return vec_push(&c->arena, out, b);
}

/* Expands one probe as written into bound probes (cloning it past the first point). */
static int expand_probe(struct resolver *r, struct ast_node *probe, int written, bound_list *out)
{
	struct compiler *c = r->c;
	struct ast_node *proto = NULL;
	bool first = true;
	ast_list attach = probe->probe.attach;

	r->skipped = 0;
	for (int i = 0; i < attach.len; i++) {
		r->points.len = 0;
		int err = expand_attach(r, attach.v[i], attach.len > 1);
		if (err)
			return err;
		for (int j = 0; j < r->points.len; j++) {
			struct ast_node *target = probe;
			if (!first) {
				if (!proto && !(proto = ast_clone(&c->arena, probe)))
					return -ENOMEM;
				target = ast_clone(&c->arena, proto);
				if (!target)
					return -ENOMEM;
			} else if (attach.len > 1 || r->points.len > 1) {
				/* keep an untouched copy to clone the others from */
				proto = ast_clone(&c->arena, probe);
				if (!proto)
					return -ENOMEM;
			}
			first = false;
			err = bind_point(c, target, attach.v[i], &r->points.v[j], written, out);
			if (err)
				return err;
		}
	}
	if (first && r->skipped == attach.len)
		diag_error(&c->diag, &attach.v[0]->loc,
			   "none of the probe's %d attach points exists", attach.len);
	return 0;
}

/* As bpftrace (BPFTRACE_MAX_PROBES): thousands of programs (tracepoint:*:*) take minutes to
 * compile and load and can make the system unresponsive once attached. Reported at the
 * attach point that goes over the limit. BEGIN and END count too, as in bpftrace 0.17 (its
 * BEGIN and END are uprobes): 100,000 BEGIN blocks are 100,000 programs to compile. */
#define MAX_PROBES_DEFAULT 512

static void check_probe_limit(struct compiler *c, const bound_list *bound)
{
	const struct ast_node *over = NULL;
	int n = 0, limit = c->opts.max_probes > 0 ? c->opts.max_probes : MAX_PROBES_DEFAULT;
	for (int i = 0; i < bound->len; i++) {
		if (++n == limit + 1)
			over = bound->v[i].probe;
	}
	if (!over)
		return;
	const struct ast_node *at = over->probe.attach.len ? over->probe.attach.v[0] : over;
	diag_error(&c->diag, &at->loc,
		   "the program has %d probes, more than the limit of %d; raise "
		   "BPFTRACE_MAX_PROBES to allow more, with care: many probes can stall the system",
		   n, limit);
}

static const char *pd_str(struct compiler *c, const char *s)
{
	return s ? arena_strdup(&c->pd->arena, s) : NULL;
}

/* Points of one probe as written and one kind form a group, led by the first added. */
static int group_of(struct compiler *c, const bound_list *bound, int i)
{
	/* a written probe's points are bound next to each other: look back only that far, so
	 * 100,000 probes are not 5e9 comparisons */
	int first = i;
	while (first > 0 && bound->v[first - 1].written == bound->v[i].written)
		first--;
	for (int j = first; j < i; j++) {
		const struct bound *o = &bound->v[j];
		if (o->written == bound->v[i].written && o->p.p.kind == bound->v[i].p.p.kind &&
		    o->probe->probe.sp)
			return o->probe->probe.sp->pd_index;
	}
	return c->pd->probes.len;
}

static int add_pd_probe(struct compiler *c, bound_list *bound, int i)
{
	struct bound *b = &bound->v[i];
	struct sema_probe *sp = arena_alloc(&c->arena, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	struct pd_probe pp = b->p.p;
	pp.name = pd_str(c, pp.name);
	pp.target = pd_str(c, pp.target);
	pp.func = pd_str(c, pp.func);
	if (!pp.name || (b->p.p.target && !pp.target) || (b->p.p.func && !pp.func))
		return -ENOMEM;
	pp.loc = b->at_loc;
	sp->group = group_of(c, bound, i);
	sp->pd_index = c->pd->probes.len;
	sp->prov_data = b->p.data;
	b->probe->probe.sp = sp;
	return vec_push(&c->pd->arena, &c->pd->probes, pp);
}

int sema_resolve(struct compiler *c)
{
	struct resolver r = { .c = c };
	bound_list bound = { 0 };
	if (!c->ast)
		return -EINVAL;
	int cerr = sema_apply_config(c);
	if (cerr)
		return cerr;
	ast_list *probes = &c->ast->program.probes;
	int n = probes->len;
	for (int i = 0; i < n; i++) {
		int err = expand_probe(&r, probes->v[i], i, &bound);
		if (err)
			return err;
	}
	check_probe_limit(c, &bound);
	if (diag_errors(&c->diag))
		return -EINVAL;
	/* The AST keeps the order as written; pd->probes has BEGIN first and END last. */
	probes->len = 0;
	for (int i = 0; i < bound.len; i++)
		if (vec_push(&c->arena, probes, bound.v[i].probe))
			return -ENOMEM;
	for (int pass = 0; pass < 3; pass++) {
		for (int i = 0; i < bound.len; i++) {
			enum pd_probe_kind k = bound.v[i].p.p.kind;
			int want = k == PD_PROBE_BEGIN ? 0 : pk_has(k, PK_LATE) ? 2 : 1;
			if (want != pass)
				continue;
			int err = add_pd_probe(c, &bound, i);
			if (err)
				return err;
		}
	}
	return diag_errors(&c->diag) ? -EINVAL : 0;
}
