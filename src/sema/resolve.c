/* Probe resolution (sema_resolve): attach points are expanded against tracefs and kernel
 * BTF, one AST_PROBE per concrete attach point, each with an entry in c->pd->probes. */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../compiler.h"
#include "../progdesc.h"
#include "sema.h"
#include "sema_int.h"

struct provider {
	const char *name; /* canonical */
	const char *alias; /* short form or NULL */
	const char *alias2; /* another spelling or NULL */
	bool supported;
};

static const struct provider providers[] = {
	{ "BEGIN", NULL, NULL, true },
	{ "END", NULL, NULL, true },
	{ "tracepoint", "t", NULL, true },
	{ "rawtracepoint", "rt", NULL, true },
	{ "interval", "i", NULL, true },
	{ "profile", "p", NULL, true },
	{ "kprobe", "k", NULL, false },
	{ "kretprobe", "kr", NULL, false },
	{ "uprobe", "u", NULL, false },
	{ "uretprobe", "ur", NULL, false },
	{ "usdt", "U", NULL, false },
	{ "kfunc", "f", "fentry", false },
	{ "kretfunc", "fr", "fexit", false },
	{ "software", "s", NULL, false },
	{ "hardware", "h", NULL, false },
	{ "watchpoint", "w", NULL, false },
	{ "asyncwatchpoint", "aw", NULL, false },
	{ "iter", "it", NULL, false },
};

/* One concrete attach point. */
struct point {
	enum pd_probe_kind kind;
	const char *name; /* canonical, in c->arena */
	const char *provider;
	const char *target;
	const char *func;
	uint64_t period_ns;
	uint64_t freq_hz;
};

typedef VEC(struct point) point_list;

struct resolver {
	struct compiler *c;
	point_list points; /* of the attach point being expanded */
};

static const struct provider *find_provider(const char *name)
{
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++) {
		const struct provider *p = &providers[i];
		if (strcmp(name, p->name) == 0 || (p->alias && strcmp(name, p->alias) == 0) ||
		    (p->alias2 && strcmp(name, p->alias2) == 0))
			return p;
	}
	return NULL;
}

/* "$N" in an attach point stands for positional parameter N. */
static const char *subst_param(struct compiler *c, const char *s)
{
	if (!s || s[0] != '$' || !isdigit((unsigned char)s[1]))
		return s;
	int n = atoi(s + 1);
	return n >= 1 && n <= c->opts.nparams ? c->opts.params[n - 1] : "";
}

static int add_point(struct resolver *r, struct point p)
{
	return vec_push(&r->c->arena, &r->points, p);
}

static void suggest_event(struct resolver *r, const struct ast_node *at, const char *cat,
			  const char *event)
{
	struct compiler *c = r->c;
	sema_name_list names = { 0 };
	struct sema_suggest s;
	bool cat_exists = sema_tp_match(&c->arena, cat, "*", &names) == 0 && names.len > 0;
	if (!cat_exists) {
		names.len = 0;
		sema_suggest_init(&s, cat);
		if (sema_tp_match(&c->arena, "*", "*", &names) == 0)
			for (int i = 0; i < names.len; i++) {
				char *colon = strchr(names.v[i], ':');
				if (colon)
					*colon = '\0';
				sema_suggest_add(&s, names.v[i]);
			}
		if (sema_suggest_best(&s))
			diag_note(&c->diag, &at->loc, "did you mean 'tracepoint:%s:%s'?",
				  sema_suggest_best(&s), event);
		return;
	}
	sema_suggest_init(&s, event);
	for (int i = 0; i < names.len; i++)
		sema_suggest_add(&s, strchr(names.v[i], ':') + 1);
	if (sema_suggest_best(&s))
		diag_note(&c->diag, &at->loc, "did you mean 'tracepoint:%s:%s'?", cat,
			  sema_suggest_best(&s));
}

static int expand_tracepoint(struct resolver *r, const struct ast_node *at, const char *cat,
			     const char *event)
{
	struct compiler *c = r->c;
	if (!cat || !event || !cat[0] || !event[0] || at->attach.extra) {
		diag_error(&c->diag, &at->loc,
			   "tracepoint probes need a category and an event: "
			   "tracepoint:<category>:<event>");
		return 0;
	}
	if (!sema_tracefs_root()) {
		diag_error(&c->diag, &at->loc,
			   "cannot read tracepoints: tracefs is not mounted at /sys/kernel/tracing "
			   "and could not be mounted");
		return 0;
	}
	sema_name_list names = { 0 };
	if (sema_has_glob(cat) || sema_has_glob(event)) {
		int err = sema_tp_match(&c->arena, cat, event, &names);
		if (err == -ENOMEM)
			return err;
		if (names.len == 0)
			diag_error(&c->diag, &at->loc, "no tracepoint matches 'tracepoint:%s:%s'",
				   cat, event);
	} else if (sema_tp_exists(cat, event)) {
		char *s = arena_sprintf(&c->arena, "%s:%s", cat, event);
		if (!s || vec_push(&c->arena, &names, s))
			return -ENOMEM;
	} else {
		diag_error(&c->diag, &at->loc, "unknown tracepoint 'tracepoint:%s:%s'", cat, event);
		suggest_event(r, at, cat, event);
	}
	for (int i = 0; i < names.len; i++) {
		char *colon = strchr(names.v[i], ':');
		struct point p = { .kind = PD_PROBE_TRACEPOINT, .provider = "tracepoint" };
		p.name = arena_sprintf(&c->arena, "tracepoint:%s", names.v[i]);
		p.target = arena_strndup(&c->arena, names.v[i], (size_t)(colon - names.v[i]));
		p.func = colon + 1;
		if (!p.name || !p.target || add_point(r, p))
			return -ENOMEM;
	}
	return 0;
}

static int expand_rawtp(struct resolver *r, const struct ast_node *at, const char *target,
			const char *func)
{
	struct compiler *c = r->c;
	/* rawtracepoint:name, or rawtracepoint:module:name as newer bpftrace writes it */
	const char *name = func ? func : target;
	if (!name || !name[0] || at->attach.extra) {
		diag_error(&c->diag, &at->loc,
			   "rawtracepoint probes need a tracepoint name: rawtracepoint:<name>");
		return 0;
	}
	sema_name_list names = { 0 };
	if (sema_has_glob(name)) {
		int err = kbtf_rawtp_match(&c->arena, name, &names);
		if (err == -ENOMEM)
			return err;
		if (names.len == 0)
			diag_error(&c->diag, &at->loc, "no raw tracepoint matches 'rawtracepoint:%s'",
				   name);
	} else if (!kbtf_available() || kbtf_rawtp_nargs(name) >= 0) {
		if (vec_push(&c->arena, &names, name))
			return -ENOMEM;
	} else {
		diag_error(&c->diag, &at->loc, "unknown raw tracepoint 'rawtracepoint:%s'", name);
		struct sema_suggest s;
		sema_suggest_init(&s, name);
		if (kbtf_rawtp_match(&c->arena, "*", &names) == 0)
			for (int i = 0; i < names.len; i++)
				sema_suggest_add(&s, names.v[i]);
		if (sema_suggest_best(&s))
			diag_note(&c->diag, &at->loc, "did you mean 'rawtracepoint:%s'?",
				  sema_suggest_best(&s));
		return 0;
	}
	for (int i = 0; i < names.len; i++) {
		struct point p = { .kind = PD_PROBE_RAWTP, .provider = "rawtracepoint" };
		p.name = arena_sprintf(&c->arena, "rawtracepoint:%s", names.v[i]);
		p.func = names.v[i];
		if (!p.name || add_point(r, p))
			return -ENOMEM;
	}
	return 0;
}

/* Parses a positive decimal count; false on anything else. */
static bool parse_count(const char *s, uint64_t *out)
{
	if (!s || !isdigit((unsigned char)s[0]))
		return false;
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v == 0)
		return false;
	*out = v;
	return true;
}

/* interval:UNIT:N and profile:UNIT:N (also interval:Nunit, as newer bpftrace writes). */
static int expand_timer(struct resolver *r, const struct ast_node *at, const char *prov,
			const char *unit, const char *num)
{
	struct compiler *c = r->c;
	char split_unit[16];
	bool profile = strcmp(prov, "profile") == 0;
	if (unit && !num) {
		size_t digits = strspn(unit, "0123456789");
		if (digits > 0 && strlen(unit + digits) < sizeof(split_unit)) {
			snprintf(split_unit, sizeof(split_unit), "%s", unit + digits);
			num = arena_strndup(&c->arena, unit, digits);
			unit = split_unit;
		}
	}
	if (!unit || !num || !unit[0] || at->attach.extra) {
		diag_error(&c->diag, &at->loc, "%s probes need a unit and a count: %s:<unit>:<n>",
			   prov, prov);
		return 0;
	}
	uint64_t n, mult;
	if (strcmp(unit, "s") == 0)
		mult = 1000000000ull;
	else if (strcmp(unit, "ms") == 0)
		mult = 1000000ull;
	else if (strcmp(unit, "us") == 0)
		mult = 1000ull;
	else if (strcmp(unit, "hz") == 0)
		mult = 0;
	else {
		diag_error(&c->diag, &at->loc,
			   "unknown %s unit '%s': expected s, ms, us or hz", prov, unit);
		return 0;
	}
	if (!parse_count(num, &n) || (mult && n > UINT64_MAX / mult) ||
	    (!mult && n > 1000000000ull)) {
		diag_error(&c->diag, &at->loc, "invalid %s count '%s': expected a positive integer",
			   prov, num);
		return 0;
	}
	struct point p = { .kind = profile ? PD_PROBE_PROFILE : PD_PROBE_INTERVAL };
	p.provider = prov;
	p.target = arena_strdup(&c->arena, unit);
	p.func = arena_sprintf(&c->arena, "%llu", (unsigned long long)n);
	p.name = arena_sprintf(&c->arena, "%s:%s:%llu", prov, unit, (unsigned long long)n);
	if (mult)
		p.period_ns = n * mult;
	else if (profile)
		p.freq_hz = n;
	else
		p.period_ns = 1000000000ull / n;
	if (!p.name || !p.target || !p.func)
		return -ENOMEM;
	return add_point(r, p);
}

static void unknown_provider(struct resolver *r, const struct ast_node *at, const char *prov)
{
	struct compiler *c = r->c;
	struct sema_suggest s;
	diag_error(&c->diag, &at->loc, "unknown probe type '%s'", prov);
	sema_suggest_init(&s, prov);
	for (size_t i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		sema_suggest_add(&s, providers[i].name);
	if (sema_suggest_best(&s))
		diag_note(&c->diag, &at->loc, "did you mean '%s'?", sema_suggest_best(&s));
}

/* Appends the concrete points of one attach point as written. */
static int expand_attach(struct resolver *r, const struct ast_node *at)
{
	struct compiler *c = r->c;
	const char *prov_name = at->attach.provider ? at->attach.provider : "";
	const struct provider *prov = find_provider(prov_name);
	const char *target = subst_param(c, at->attach.target);
	const char *func = subst_param(c, at->attach.func);

	if (!prov) {
		unknown_provider(r, at, prov_name);
		return 0;
	}
	if (!prov->supported) {
		diag_error(&c->diag, &at->loc, "%s probes are not supported yet", prov->name);
		return 0;
	}
	if (strcmp(prov->name, "BEGIN") == 0 || strcmp(prov->name, "END") == 0) {
		if (target || func) {
			diag_error(&c->diag, &at->loc, "%s takes no arguments", prov->name);
			return 0;
		}
		struct point p = { .kind = prov->name[0] == 'B' ? PD_PROBE_BEGIN : PD_PROBE_END };
		p.name = prov->name;
		p.provider = prov->name;
		return add_point(r, p);
	}
	if (strcmp(prov->name, "tracepoint") == 0)
		return expand_tracepoint(r, at, target, func);
	if (strcmp(prov->name, "rawtracepoint") == 0)
		return expand_rawtp(r, at, target, func);
	return expand_timer(r, at, prov->name, target, func);
}

/* A probe bound to one point, waiting for its pd index. */
struct bound {
	struct ast_node *probe;
	struct point p;
};

typedef VEC(struct bound) bound_list;

static int bind_point(struct compiler *c, struct ast_node *probe, const struct ast_node *at,
		      const struct point *p, bound_list *out)
{
	struct ast_node *n = ast_new(&c->arena, AST_ATTACH, &at->loc);
	if (!n)
		return -ENOMEM;
	n->attach.text = p->name;
	n->attach.provider = p->provider;
	n->attach.target = p->target;
	n->attach.func = p->func;
	probe->probe.attach.len = 0;
	if (vec_push(&c->arena, &probe->probe.attach, n))
		return -ENOMEM;
	struct bound b = { probe, *p };
	return vec_push(&c->arena, out, b);
}

/* Expands one probe as written into bound probes (cloning it past the first point). */
static int expand_probe(struct resolver *r, struct ast_node *probe, bound_list *out)
{
	struct compiler *c = r->c;
	struct ast_node *proto = NULL;
	bool first = true;
	ast_list attach = probe->probe.attach;

	for (int i = 0; i < attach.len; i++) {
		r->points.len = 0;
		int err = expand_attach(r, attach.v[i]);
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
			err = bind_point(c, target, attach.v[i], &r->points.v[j], out);
			if (err)
				return err;
		}
	}
	return 0;
}

/* As bpftrace (BPFTRACE_MAX_PROBES): thousands of programs (tracepoint:*:*) take minutes to
 * compile and load and can make the system unresponsive once attached. Reported at the
 * attach point that goes over the limit. */
#define MAX_PROBES_DEFAULT 512

static void check_probe_limit(struct compiler *c, const bound_list *bound)
{
	const struct ast_node *over = NULL;
	int n = 0, limit = c->opts.max_probes > 0 ? c->opts.max_probes : MAX_PROBES_DEFAULT;
	for (int i = 0; i < bound->len; i++) {
		enum pd_probe_kind k = bound->v[i].p.kind;
		if (k == PD_PROBE_BEGIN || k == PD_PROBE_END)
			continue;
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

static int add_pd_probe(struct compiler *c, struct bound *b)
{
	struct sema_probe *sp = arena_alloc(&c->arena, sizeof(*sp));
	if (!sp)
		return -ENOMEM;
	struct pd_probe pp = { .kind = b->p.kind };
	pp.name = pd_str(c, b->p.name);
	pp.target = pd_str(c, b->p.target);
	pp.func = pd_str(c, b->p.func);
	pp.period_ns = b->p.period_ns;
	pp.freq_hz = b->p.freq_hz;
	if (!pp.name || (b->p.target && !pp.target) || (b->p.func && !pp.func))
		return -ENOMEM;
	sp->pd_index = c->pd->probes.len;
	b->probe->probe.sp = sp;
	return vec_push(&c->pd->arena, &c->pd->probes, pp);
}

int sema_resolve(struct compiler *c)
{
	struct resolver r = { .c = c };
	bound_list bound = { 0 };
	if (!c->ast)
		return -EINVAL;
	ast_list *probes = &c->ast->program.probes;
	int n = probes->len;
	for (int i = 0; i < n; i++) {
		int err = expand_probe(&r, probes->v[i], &bound);
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
			enum pd_probe_kind k = bound.v[i].p.kind;
			int want = k == PD_PROBE_BEGIN ? 0 : k == PD_PROBE_END ? 2 : 1;
			if (want != pass)
				continue;
			int err = add_pd_probe(c, &bound.v[i]);
			if (err)
				return err;
		}
	}
	return diag_errors(&c->diag) ? -EINVAL : 0;
}
