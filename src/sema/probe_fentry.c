/* fentry:FUNC / fexit:FUNC (also kfunc/kretfunc, and MODULE:FUNC): BPF trampolines on
 * kernel functions with BTF; `args.NAME` and `retval` are typed from the function's BTF. */
#include <errno.h>
#include <string.h>

#include "provider.h"

static int add(struct sema_attach *a, const char *module, const char *func)
{
	struct pd_probe p = { .target = module, .func = func };
	p.name = module ? arena_sprintf(&a->c->arena, "%s:%s:%s", a->provider, module, func)
			: arena_sprintf(&a->c->arena, "%s:%s", a->provider, func);
	return sema_add_point(a, p, NULL);
}

static int expand(struct sema_attach *a)
{
	struct compiler *c = a->c;
	const char *module = a->func ? a->target : NULL;
	const char *func = a->func ? a->func : a->target;
	if (!func || !func[0] || a->extra) {
		diag_error(&c->diag, &a->at->loc, "%s probes need a function: %s:<function>",
			   a->provider, a->provider);
		return 0;
	}
	if (!kbtf_available()) {
		diag_error(&c->diag, &a->at->loc, "%s probes need kernel BTF "
			   "(/sys/kernel/btf/vmlinux)", a->provider);
		return 0;
	}
	if (!sema_has_glob(func)) {
		if (!kbtf_has_func(func)) {
			sema_missing(a, "kernel function '%s' has no BTF description: %s cannot attach",
				     func, a->provider);
			return 0;
		}
		return add(a, module, func);
	}
	sema_name_list names = { 0 };
	int err = kbtf_func_match(&c->arena, func, &names);
	if (err == -ENOMEM)
		return err;
	if (names.len == 0)
		sema_missing(a, "no kernel function with BTF matches '%s:%s'", a->provider, func);
	for (int i = 0; i < names.len; i++)
		if ((err = add(a, module, names.v[i])))
			return err;
	return 0;
}

static int list(struct sema_lister *l)
{
	sema_name_list names = { 0 };
	int err = kbtf_func_match(&l->arena, "*", &names);
	if (err)
		return err == -ENOMEM ? err : 0;
	int nprov = l->glob && strncmp(l->glob, "fexit:", 6) == 0 ? 2 : 1;
	static const char *const provs[] = { "fentry", "fexit" };
	for (int p = 0; p < nprov; p++)
		for (int i = 0; i < names.len; i++) {
			char *s = arena_sprintf(&l->arena, "%s:%s", provs[p], names.v[i]);
			if (!s)
				return -ENOMEM;
			if (!sema_list_name(l, s) || !l->verbose)
				continue;
			struct type *ret = NULL;
			sema_list_record(l, kbtf_func_args(&l->arena, names.v[i], &ret, &err));
			char buf[256];
			if (ret && ret->kind != TY_NONE)
				fprintf(l->out, "    %s retval\n", ty_name(ret, buf, sizeof(buf)));
		}
	return 0;
}

static struct type *args(struct compiler *c, const struct pd_probe *p, struct sema_probe *sp,
			 const char **why)
{
	int err;
	struct type *t = kbtf_func_args(&c->arena, p->func, NULL, &err);
	if (!t && err == -ENOENT)
		*why = arena_sprintf(&c->arena, "%s has no BTF description", p->func);
	return t;
}

static struct type *retval(struct compiler *c, const struct pd_probe *p, struct sema_probe *sp)
{
	int err;
	struct type *ret = NULL;
	struct type *a = kbtf_func_args(&c->arena, p->func, &ret, &err);
	if (!a)
		return NULL;
	sp->retval_off = a->size; /* the return value follows the arguments */
	return ret && ret->kind != TY_NONE ? ret : ty_int(8, false);
}

static int nargs(const struct pd_probe *p, struct sema_probe *sp)
{
	int err;
	struct arena a = { 0 };
	struct type *t = kbtf_func_args(&a, p->func, NULL, &err);
	int n = t ? t->fields.len : -1;
	arena_free(&a);
	return n;
}

const struct sema_provider sema_prov_fentry = {
	.expand = expand,
	.list = list,
	.args = args,
	.nargs = nargs,
	.retval = retval,
};
