/* Syscall dispatch: a probe written for many syscall tracepoints (`tracepoint:syscalls:
 * sys_enter_*`) whose body is the same at every point runs from ONE attachment at
 * raw_syscalls:sys_enter (sys_exit), whose record has the same layout (syscall number at
 * 8, arguments or return value at 16): detaching a tracepoint program waits for an RCU
 * grace period (10-80 ms here), so 360 points took 25-30 s to exit, and one takes one.
 * The price is the program's run on every system call of the machine (a map lookup, then
 * return for a number the probe does not trace): tens of ns per call, against a grace
 * period per point, so groups of SYSDISPATCH_MIN points or more are dispatched
 * (measured: bench/scale.sh). The numbers come from the build machine's uapi header
 * (build/gen/sysnr.c); a point whose number is unknown keeps its own attachment. */
#include <stdlib.h>
#include <string.h>

#include "sema_int.h"
#include "tc.h"
#include "types.h"

#define SYSDISPATCH_MIN 32

/* Tracepoint names of syscalls whose uapi name differs (SYSCALL_DEFINE(newstat) is
 * __NR_stat). */
static const struct {
	const char *tp, *nr;
} renamed[] = {
	{ "newfstat", "fstat" }, { "newlstat", "lstat" },	{ "newstat", "stat" },
	{ "newuname", "uname" }, { "sendfile64", "sendfile" }, { "umount", "umount2" },
};

/* x86-64 syscalls newer than the uapi header of Debian 12 (Linux 6.1), the numbers the
 * 6.18 kernel's tracepoints report as __syscall_nr (the ABI never renumbers). */
static const struct sema_sysnr newer[] = {
	{ "uretprobe", 335 },	      { "uprobe", 336 },	    { "cachestat", 451 },
	{ "fchmodat2", 452 },	      { "futex_wake", 454 },	    { "futex_wait", 455 },
	{ "futex_requeue", 456 },     { "statmount", 457 },	    { "listmount", 458 },
	{ "lsm_get_self_attr", 459 }, { "lsm_set_self_attr", 460 },
	{ "lsm_list_modules", 461 },  { "mseal", 462 },		    { "setxattrat", 463 },
	{ "getxattrat", 464 },	      { "listxattrat", 465 },	    { "removexattrat", 466 },
	{ "open_tree_attr", 467 },    { "file_getattr", 468 },	    { "file_setattr", 469 },
};

static int by_name(const void *key, const void *elem)
{
	return strcmp(key, ((const struct sema_sysnr *)elem)->name);
}

/* The syscall number of sys_enter_NAME / sys_exit_NAME, or -1. */
static int syscall_nr(const char *event)
{
	static size_t n = (size_t)-1;
	if (n == (size_t)-1)
		for (n = 0; sema_sysnrs[n].name; n++)
			;
	const char *name = strncmp(event, "sys_enter_", 10) ? event + 9 : event + 10;
	for (size_t i = 0; i < sizeof(renamed) / sizeof(renamed[0]); i++)
		if (!strcmp(name, renamed[i].tp))
			name = renamed[i].nr;
	const struct sema_sysnr *s = bsearch(name, sema_sysnrs, n, sizeof(*s), by_name);
	for (size_t i = 0; !s && i < sizeof(newer) / sizeof(newer[0]); i++)
		if (!strcmp(name, newer[i].name))
			s = &newer[i];
	return s && s->nr < PD_SYSNR_MAX ? s->nr : -1;
}

static bool is_syscall_point(const struct pd_probe *p, bool enter)
{
	return p->kind == PD_PROBE_TRACEPOINT && p->target && p->func &&
	       !strcmp(p->target, "syscalls") &&
	       !strncmp(p->func, enter ? "sys_enter_" : "sys_exit_", enter ? 10 : 9);
}

/* thread_info.status in task_struct: TS_COMPAT (x86) marks an ia32 system call. */
static int compat_status_off(void)
{
	struct type *task = kbtf_lookup("struct task_struct");
	if (!task || kbtf_complete(task))
		return -1;
	for (int i = 0; i < task->fields.len; i++) {
		const struct ty_field *f = &task->fields.v[i];
		if (strcmp(f->name ? f->name : "", "thread_info") || !f->type)
			continue;
		if (kbtf_complete(f->type))
			return -1;
		for (int j = 0; j < f->type->fields.len; j++)
			if (!strcmp(f->type->fields.v[j].name ? f->type->fields.v[j].name : "",
				    "status"))
				return f->offset + f->type->fields.v[j].offset;
	}
	return -1;
}

bool sema_sys_dispatch_enter(const struct pd_prog *pd, int leader)
{
	return is_syscall_point(&pd->probes.v[leader], true);
}

bool sema_sys_dispatchable(struct compiler *c, int leader)
{
	struct pd_prog *pd = c->pd;
	bool enter = sema_sys_dispatch_enter(pd, leader);
	int n = 0;
	ast_list *probes = &c->ast->program.probes;
	for (int i = 0; i < probes->len; i++) {
		const struct sema_probe *sp = probes->v[i]->probe.sp;
		if (!sp || sp->group != leader)
			continue;
		if (!is_syscall_point(&pd->probes.v[sp->pd_index], enter))
			return false;
		n++;
	}
	if (n < SYSDISPATCH_MIN)
		return false;
	if (!pd->compat_status_off)
		pd->compat_status_off = compat_status_off();
	return pd->compat_status_off > 0;
}

void sema_sys_dispatch(struct pd_prog *pd, int leader, int i, int *host)
{
	for (int k = 0; k < 2; k++) {
		struct pd_probe *p = &pd->probes.v[k ? i : leader];
		if (!p->sysdispatch) {
			p->sysdispatch = true;
			int nr = syscall_nr(p->func);
			bool exit = strncmp(p->func, "sys_enter_", 10) != 0;
			p->sysnr = nr < 0 ? 0 : nr + (exit ? PD_SYSNR_MAX : 0) + 1;
		}
		/* the first point with a number attaches at raw_syscalls for all of them */
		if (p->sysnr && !*host)
			*host = (int)(p - pd->probes.v) + 1;
		if (p->sysnr)
			p->host = *host;
	}
}
