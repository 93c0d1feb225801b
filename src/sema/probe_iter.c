/* iter:NAME (task, task_file, task_vma, ...): a BPF iterator that runs once over every
 * object of its kind when tracing starts; `ctx` points to its struct bpf_iter__NAME, as in
 * bpftrace (`ctx->task->pid`). Needs a kernel that loads BPF tracing programs. */
#include <errno.h>
#include <string.h>

#include "provider.h"

static struct type *iter_struct(struct arena *a, const char *name)
{
	char buf[256];
	snprintf(buf, sizeof(buf), "struct bpf_iter__%s", name);
	return kbtf_lookup(buf);
}

static int expand(struct sema_attach *a)
{
	struct compiler *c = a->c;
	if (!a->target || !a->target[0] || a->extra || (a->func && a->func[0])) {
		diag_error(&c->diag, &a->at->loc, "iter probes need an iterator: iter:<name> "
			   "(task, task_file, task_vma)");
		return 0;
	}
	if (!iter_struct(&c->arena, a->target)) {
		diag_error(&c->diag, &a->at->loc, "unknown iterator 'iter:%s': the kernel's BTF "
			   "has no struct bpf_iter__%s", a->target, a->target);
		return 0;
	}
	struct pd_probe p = { .func = a->target };
	p.name = arena_sprintf(&c->arena, "iter:%s", a->target);
	return sema_add_point(a, p, NULL);
}

static int list(struct sema_lister *l)
{
	static const char *const iters[] = { "task", "task_file", "task_vma" };
	for (size_t i = 0; i < sizeof(iters) / sizeof(iters[0]); i++) {
		char *s = arena_sprintf(&l->arena, "iter:%s", iters[i]);
		if (!s)
			return -ENOMEM;
		if (iter_struct(&l->arena, iters[i]) && sema_list_name(l, s) && l->verbose)
			sema_list_record(l, iter_struct(&l->arena, iters[i]));
	}
	return 0;
}

static struct type *ctx(struct compiler *c, const struct pd_probe *p)
{
	struct type *t = iter_struct(&c->arena, p->func);
	return t ? ty_ptr(&c->arena, t, false) : NULL;
}

const struct sema_provider sema_prov_iter = { .expand = expand, .list = list, .ctx = ctx };
