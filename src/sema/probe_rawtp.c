/* rawtracepoint:NAME (also rawtracepoint:MODULE:NAME): the raw arguments as arg0..argN, and
 * `args.NAME` typed from the kernel's BTF (the btf_trace_NAME prototype). */
#include <errno.h>
#include <string.h>

#include "provider.h"

static void unknown(struct sema_attach *a, const char *name)
{
	struct compiler *c = a->c;
	const struct ast_node *at = a->at;
	sema_name_list names = { 0 };
	struct sema_suggest s;
	sema_missing(a, "unknown raw tracepoint 'rawtracepoint:%s'", name);
	sema_suggest_init(&s, name);
	if (kbtf_rawtp_match(&c->arena, "*", &names) == 0)
		for (int i = 0; i < names.len; i++)
			sema_suggest_add(&s, names.v[i]);
	if (sema_suggest_best(&s))
		diag_note(&c->diag, &at->loc, "did you mean 'rawtracepoint:%s'?",
			  sema_suggest_best(&s));
}

static int expand(struct sema_attach *a)
{
	struct compiler *c = a->c;
	const char *name = a->func ? a->func : a->target;
	if (!name || !name[0] || a->extra) {
		diag_error(&c->diag, &a->at->loc,
			   "rawtracepoint probes need a tracepoint name: rawtracepoint:<name>");
		return 0;
	}
	sema_name_list names = { 0 };
	if (sema_has_glob(name)) {
		int err = kbtf_rawtp_match(&c->arena, name, &names);
		if (err == -ENOMEM)
			return err;
		if (names.len == 0)
			diag_error(&c->diag, &a->at->loc,
				   "no raw tracepoint matches 'rawtracepoint:%s'", name);
	} else if (!kbtf_available() || kbtf_rawtp_nargs(name) >= 0) {
		if (vec_push(&c->arena, &names, name))
			return -ENOMEM;
	} else {
		unknown(a, name);
	}
	for (int i = 0; i < names.len; i++) {
		struct pd_probe p = { .func = names.v[i] };
		p.name = arena_sprintf(&c->arena, "rawtracepoint:%s", names.v[i]);
		if (sema_add_point(a, p, NULL))
			return -ENOMEM;
	}
	return 0;
}

/* Prints "    type name" per field of an args record, as bpftrace's -lv. */
void sema_list_record(struct sema_lister *l, const struct type *r)
{
	char buf[256];
	for (int i = 0; r && i < r->fields.len; i++)
		fprintf(l->out, "    %s %s\n", ty_name(r->fields.v[i].type, buf, sizeof(buf)),
			r->fields.v[i].name);
}

static int list(struct sema_lister *l)
{
	sema_name_list names = { 0 };
	int err = kbtf_rawtp_match(&l->arena, "*", &names);
	if (err)
		return err == -ENOMEM ? err : 0;
	for (int i = 0; i < names.len; i++) {
		char *full = arena_sprintf(&l->arena, "rawtracepoint:%s", names.v[i]);
		if (!full)
			return -ENOMEM;
		if (sema_list_name(l, full) && l->verbose)
			sema_list_record(l, kbtf_rawtp_args(&l->arena, names.v[i], &err));
	}
	return 0;
}

static struct type *args(struct compiler *c, const struct pd_probe *p, struct sema_probe *sp,
			 const char **why)
{
	int err;
	struct type *t = kbtf_rawtp_args(&c->arena, p->func, &err);
	if (!t)
		*why = err == -ENOENT ? arena_sprintf(&c->arena, "%s has no BTF description: "
						      "use arg0..argN", p->name)
				      : NULL;
	return t;
}

static int nargs(const struct pd_probe *p, struct sema_probe *sp)
{
	int n = kbtf_rawtp_nargs(p->func);
	return n >= 0 ? n : -1;
}

const struct sema_provider sema_prov_rawtp = {
	.expand = expand,
	.list = list,
	.args = args,
	.nargs = nargs,
};
