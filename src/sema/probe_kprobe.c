/* kprobe:FUNC[+OFFSET], kprobe:MODULE:FUNC and kretprobe:FUNC: wildcards expand against the
 * traceable kernel functions; arguments are arg0..arg5 from pt_regs, retval from rax. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"

/* As bpftrace: a kretprobe on these can deadlock the kernel (the return trampoline takes
 * the lock they implement). */
static const char *const banned_kretprobes[] = {
	"_raw_spin_lock", "_raw_spin_lock_irqsave", "_raw_spin_unlock_irqrestore",
	"queued_spin_lock_slowpath", NULL,
};

static bool banned(enum pd_probe_kind k, const char *func)
{
	for (int i = 0; k == PD_PROBE_KRETPROBE && banned_kretprobes[i]; i++)
		if (strcmp(func, banned_kretprobes[i]) == 0)
			return true;
	return false;
}

/* Splits "func+off" into func and off; false on a bad offset. */
static bool split_offset(struct arena *ar, const char *s, const char **func, uint64_t *off)
{
	const char *plus = strchr(s, '+');
	*off = 0;
	*func = s;
	if (!plus)
		return true;
	*func = arena_strndup(ar, s, (size_t)(plus - s));
	char *end;
	errno = 0;
	*off = strtoull(plus + 1, &end, 0);
	return *func && plus[1] && !*end && !errno;
}

static int add(struct sema_attach *a, const char *module, const char *func, uint64_t off)
{
	struct compiler *c = a->c;
	struct pd_probe p = { .target = module, .func = func, .offset = off };
	if (module)
		p.name = arena_sprintf(&c->arena, "%s:%s:%s", a->provider, module, func);
	else if (off)
		p.name = arena_sprintf(&c->arena, "%s:%s+%llu", a->provider, func,
				       (unsigned long long)off);
	else
		p.name = arena_sprintf(&c->arena, "%s:%s", a->provider, func);
	return sema_add_point(a, p, NULL);
}

static int expand_glob(struct sema_attach *a, const char *module, const char *glob)
{
	struct compiler *c = a->c;
	sema_name_list names = { 0 };
	int err = sema_kfunc_match(&c->arena, glob, &names);
	if (err == -ENOMEM)
		return err;
	int n = 0;
	for (int i = 0; i < names.len; i++) {
		if (banned(a->kind, names.v[i]))
			continue;
		if ((err = add(a, module, names.v[i], 0)))
			return err;
		n++;
	}
	if (n == 0)
		sema_missing(a, "no kernel function matches '%s:%s'", a->provider, glob);
	return 0;
}

static int expand(struct sema_attach *a)
{
	struct compiler *c = a->c;
	const char *module = a->func ? a->target : NULL;
	const char *spec = a->func ? a->func : a->target;
	const char *func;
	uint64_t off;
	if (!spec || !spec[0] || a->extra) {
		diag_error(&c->diag, &a->at->loc, "%s probes need a function: %s:<function>",
			   a->provider, a->provider);
		return 0;
	}
	if (!split_offset(&c->arena, spec, &func, &off)) {
		diag_error(&c->diag, &a->at->loc, "invalid offset in '%s'", spec);
		return 0;
	}
	if (off && (a->kind == PD_PROBE_KRETPROBE || sema_has_glob(func))) {
		diag_error(&c->diag, &a->at->loc, "%s", a->kind == PD_PROBE_KRETPROBE ?
			   "kretprobes cannot have an offset" :
			   "an offset cannot be combined with a wildcard");
		return 0;
	}
	if (sema_has_glob(func))
		return expand_glob(a, module, func);
	if (banned(a->kind, func)) {
		diag_error(&c->diag, &a->at->loc,
			   "kretprobe:%s is banned: a return probe on a spin lock function can "
			   "deadlock the kernel", func);
		return 0;
	}
	if (!sema_kfunc_exists(func, module)) {
		sema_missing(a, "unknown kernel function '%s'%s%s", func,
			     module ? " in module " : "", module ? module : "");
		return 0;
	}
	return add(a, module, func, off);
}

static int list(struct sema_lister *l)
{
	sema_name_list names = { 0 };
	int err = sema_kfunc_match(&l->arena, "*", &names);
	if (err)
		return err == -ENOMEM ? err : 0;
	/* kretprobe: names only when asked for, as bpftrace lists kprobes once */
	static const char *const provs[] = { "kprobe", "kretprobe" };
	int nprov = l->glob && strncmp(l->glob, "kretprobe:", 10) == 0 ? 2 : 1;
	for (int p = 0; p < nprov; p++)
		for (int i = 0; i < names.len; i++) {
			char *s = arena_sprintf(&l->arena, "%s:%s", provs[p], names.v[i]);
			if (!s)
				return -ENOMEM;
			sema_list_name(l, s);
		}
	return 0;
}

/* A return probe's argument registers hold whatever the function left there. */
static int nargs(const struct pd_probe *p, struct sema_probe *sp)
{
	return p->kind == PD_PROBE_KRETPROBE ? 0 : -1;
}

const struct sema_provider sema_prov_kprobe = { .expand = expand, .list = list, .nargs = nargs };
