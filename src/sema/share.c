/* Program sharing: the points a probe's attach list expands to (a wildcard, a list) run
 * the same body. When nothing in it depends on the point (`probe`, `func`, `args`, usdt
 * arguments, fexit's retval), codegen emits the program once and the runtime attaches it
 * at every point: 500 tracepoints cost one compile and one verification. Where one multi
 * link attaches the points (kprobe_multi, uprobe_multi), `probe` and `func` are shared too:
 * the program reads the name of the point that fired by the link's cookie. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"
#include "tc.h"

struct scan {
	enum pd_probe_kind kind;
	bool specific; /* the body reads something that differs between points */
	bool names; /* it reads `probe` or `func` */
};

static int visit(struct ast_node *n, void *ctx)
{
	struct scan *s = ctx;
	if (n->kind != AST_BUILTIN)
		return 0;
	switch ((enum sema_builtin)n->builtin.id) {
	case BI_PROBE:
	case BI_FUNC:
		s->names = true;
		break;
	case BI_ARGS:
		s->specific = true;
		break;
	case BI_ARG:
		s->specific |= s->kind == PD_PROBE_USDT; /* decoded per probe site */
		break;
	case BI_RETVAL:
		s->specific |= pk_desc(s->kind)->ctx == PK_CTX_U64; /* after the arguments */
		break;
	case BI_CTX:
	case BI_SARG:
	case BI_UNKNOWN:
	case BI_PID:
	case BI_TID:
	case BI_UID:
	case BI_GID:
	case BI_NSECS:
	case BI_ELAPSED:
	case BI_CPU:
	case BI_COMM:
	case BI_CPID:
	case BI_CURTASK:
	case BI_RAND:
	case BI_CGROUP:
	case BI_NUMAID:
	case BI_JIFFIES:
	case BI_NCPUS:
	case BI_USERNAME:
	case BI_KSTACK:
	case BI_USTACK:
	case BI__COUNT:
		break;
	}
	return 0;
}

/* The size of each name in pd_names: the longest probe name or func, and its NUL. */
static uint32_t names_size(const struct pd_prog *pd)
{
	size_t max = 0;
	for (int i = 0; i < pd->probes.len; i++) {
		const struct pd_probe *p = &pd->probes.v[i];
		size_t n = strlen(p->name), f = p->func ? strlen(p->func) : 0;
		max = n > max ? n : max;
		max = f > max ? f : max;
	}
	return (uint32_t)max + 1;
}

/* Programs loaded for one BTF target (fentry, fexit, iterators) cannot be shared. */
static bool kind_shares(enum pd_probe_kind k)
{
	return !pk_has(k, PK_ONCE) && k != PD_PROBE_FENTRY && k != PD_PROBE_FEXIT &&
	       k != PD_PROBE_ITER;
}

/* Whether the kernel has kind k's multi link: kprobe_multi needs CONFIG_FPROBE (6.12 has
 * it, 6.1 does not), uprobe_multi came in 6.6. */
static bool have_multi(enum pd_probe_kind k)
{
	static signed char have[PD_PROBE__COUNT]; /* 0: not asked yet, 1: yes, -1: no */
	const char *kfunc = pk_desc(k)->multi_kfunc;
	if (!have[k])
		have[k] = kfunc && kbtf_has_func(kfunc) ? 1 : -1;
	return have[k] > 0;
}

/* Per group leader: whether its syscall points run from raw_syscalls (1 yes, -1 no, 0 not
 * asked yet), and the pd index + 1 of the point that attaches there. */
struct sys_groups {
	signed char *dispatch;
	int *host;
};

/* One written probe per direction (sys_enter, sys_exit) runs from raw_syscalls: pd_sysnr
 * has one entry per syscall number. */
static bool sys_dispatched(struct compiler *c, struct sys_groups *sg, int leader)
{
	if (!sg->dispatch[leader]) {
		bool taken = false, enter = sema_sys_dispatch_enter(c->pd, leader);
		for (int i = 0; i < c->pd->probes.len; i++)
			taken |= sg->dispatch[i] > 0 && sema_sys_dispatch_enter(c->pd, i) == enter;
		sg->dispatch[leader] = !taken && sema_sys_dispatchable(c, leader) ? 1 : -1;
	}
	return sg->dispatch[leader] > 0;
}

int sema_share_programs(struct compiler *c)
{
	ast_list *probes = &c->ast->program.probes;
	int n = c->pd->probes.len;
	struct sys_groups sg = { calloc((size_t)n + 1, 1), calloc((size_t)n + 1, sizeof(int)) };
	if (!sg.dispatch || !sg.host) {
		free(sg.dispatch);
		free(sg.host);
		return -ENOMEM;
	}
	for (int i = 0; i < probes->len; i++) {
		struct ast_node *p = probes->v[i];
		struct sema_probe *sp = p->probe.sp;
		if (!sp || sp->group == sp->pd_index)
			continue;
		struct scan s = { .kind = c->pd->probes.v[sp->pd_index].kind };
		if (!kind_shares(s.kind) || sp->point_specific)
			continue;
		ast_walk(p, NULL, visit, &s);
		bool multi = pk_desc(s.kind)->multi_section && have_multi(s.kind);
		bool sys = !s.specific && sys_dispatched(c, &sg, sp->group);
		/* `probe` and `func` differ between points, but a multi link tells the program
		 * which point fired (its cookie), as does the syscall number from raw_syscalls:
		 * they are read from pd_names */
		if (s.specific || (s.names && !multi && !sys))
			continue;
		sp->share = sp->group + 1;
		if (sys)
			sema_sys_dispatch(c->pd, sp->group, sp->pd_index, &sg.host[sp->group]);
		/* a shared kprobe or uprobe program attaches everywhere through one
		 * kprobe_multi link (one uprobe_multi link per binary) where the kernel has it */
		if (multi) {
			c->pd->probes.v[sp->pd_index].multi = true;
			c->pd->probes.v[sp->group].multi = true;
		}
		if ((multi || sys) && s.names)
			c->pd->names_size = names_size(c->pd);
	}
	free(sg.dispatch);
	free(sg.host);
	return 0;
}
