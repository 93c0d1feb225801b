/* Built-in variables: pid/tid/uid/gid from helpers, nsecs/elapsed/jiffies, cpu, numaid,
 * rand, cgroup, comm, probe, cpid and ncpus (from pd_globals), curtask, args (the context)
 * and arg0..N per probe kind. */
#include "cg.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <linux/bpf.h>

static LLVMValueRef helper0(struct cg *g, int id)
{
	return cg_helper(g, id, NULL, 0);
}

/* The probe's context pointer; inside loop callbacks it is read back from the frame. */
LLVMValueRef cg_probe_ctx(struct cg *g)
{
	if (!g->f.is_callback)
		return g->f.ctx;
	LLVMValueRef v = LLVMBuildLoad2(g->b, g->ptr, cg_frame_ptr(g, 8), "ctx");
	LLVMSetAlignment(v, 8);
	return v;
}

/* Reads field off of struct pd_globals (array map, index 0); 0 if the lookup fails. */
LLVMValueRef cg_globals_field(struct cg *g, int off)
{
	LLVMValueRef key = cg_tmp(g, 4);
	cg_store_int(g, key, cg_const(g, 0), 4);
	LLVMValueRef args[2] = { cg_sys_map(g, CG_SYS_GLOBALS), key };
	LLVMValueRef p = cg_helper(g, BPF_FUNC_map_lookup_elem, args, 2);
	return cg_load_or_zero(g, p, off, 8, false, NULL);
}

/* struct pt_regs offsets (x86-64) of the argument registers, in calling-convention order,
 * and of rax. bpf_perf_event_data starts with pt_regs too. */
static const int arg_regs[] = { 112, 104, 96, 88, 72, 64 };
#define REG_AX 80
#define REG_SP 152

/* arg0..argN: from the u64 array of raw tracepoints and fentry, from pt_regs elsewhere;
 * usdt arguments are decoded from their note (usdt_args.c). */
static LLVMValueRef arg_n(struct cg *g, struct ast_node *n)
{
	int i = atoi(n->builtin.name + 3);
	LLVMValueRef ctx = cg_probe_ctx(g);
	if (g->pdp->kind == PD_PROBE_USDT)
		return cg_usdt_arg(g, n, i);
	switch (g->pk->ctx) {
	case PK_CTX_U64:
		return cg_load_int(g, cg_gep(g, ctx, i * 8), 8, false);
	case PK_CTX_REGS:
	case PK_CTX_PERF:
		if (i >= 0 && i < 6)
			return cg_load_int(g, cg_gep(g, ctx, arg_regs[i]), 8, false);
		break;
	case PK_CTX_TP:
	case PK_CTX_NONE:
		break;
	}
	cg_fail(g, &n->loc, "%s is not available in %s", n->builtin.name, g->pdp->name);
	return cg_const(g, 0);
}

/* sargN: user or kernel stack memory at sp + 8 * (N + 1), above the return address. */
static LLVMValueRef sarg_n(struct cg *g, struct ast_node *n)
{
	uint64_t i = (uint64_t)atoi(n->builtin.name + 4);
	LLVMValueRef sp = cg_load_int(g, cg_gep(g, cg_probe_ctx(g), REG_SP), 8, false);
	LLVMValueRef addr = LLVMBuildAdd(g->b, sp, cg_const(g, 8 * (i + 1)), "");
	return cg_read_mem(g, addr, n->ty, (g->pk->flags & PK_USER) != 0);
}

/* retval: rax of return probes; fexit's follows the arguments in its u64 context. */
static LLVMValueRef retval(struct cg *g, struct ast_node *n)
{
	LLVMValueRef ctx = cg_probe_ctx(g);
	if (g->pk->ctx == PK_CTX_U64)
		return cg_ctx_slot(g, g->sp->retval_off, n->ty);
	return cg_load_int(g, cg_gep(g, ctx, REG_AX), 8, false);
}

static LLVMValueRef comm(struct cg *g, LLVMValueRef dst, int size)
{
	if (!dst) {
		dst = cg_tmp(g, 16);
		size = 16;
	}
	LLVMValueRef args[2] = { dst, LLVMConstInt(g->i32, (unsigned)(size < 16 ? size : 16), 0) };
	if (size > 16)
		cg_memset0(g, cg_gep(g, dst, 16), size - 16);
	cg_helper(g, BPF_FUNC_get_current_comm, args, 2);
	return dst;
}

static LLVMValueRef const_str(struct cg *g, const char *s, LLVMValueRef dst, int size)
{
	int len = (int)strlen(s);
	if (!dst) {
		size = len + 1;
		dst = cg_tmp(g, size);
	}
	cg_store_cstr(g, dst, s, len, size);
	return dst;
}

/* The constant string of `probe` or `func`. */
static const char *const_name(struct cg *g, const struct ast_node *n)
{
	const char *s = n->builtin.id == BI_FUNC ? g->pdp->func : g->pdp->name;
	return s ? s : "";
}

/* `probe` or `func` in a program one multi link (or raw_syscalls) runs for many points: the
 * name of the point that fired, from pd_names at its pd index (cg_point_index); zeros if
 * the lookup fails. */
static LLVMValueRef point_name(struct cg *g, struct ast_node *n, LLVMValueRef dst, int size)
{
	if (!dst) {
		size = n->ty->size;
		dst = cg_tmp(g, size);
	}
	cg_memset0(g, dst, size);
	LLVMValueRef point = cg_point_index(g);
	LLVMValueRef idx = LLVMBuildAdd(g->b, LLVMBuildShl(g->b, point, cg_const(g, 1), ""),
					cg_const(g, n->builtin.id == BI_FUNC), "");
	LLVMValueRef key = cg_tmp(g, 4);
	cg_store_int(g, key, idx, 4);
	LLVMValueRef args[2] = { cg_sys_map(g, CG_SYS_NAMES), key };
	LLVMValueRef p = cg_helper(g, BPF_FUNC_map_lookup_elem, args, 2);
	LLVMBasicBlockRef have = cg_block(g, "name.have");
	LLVMBasicBlockRef done = cg_block(g, "name.done");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), done, have);
	LLVMPositionBuilderAtEnd(g->b, have);
	int names = (int)g->pd->names_size;
	cg_memcpy(g, dst, p, size < names ? size - 1 : names - 1);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	return dst;
}

static bool names_at_run_time(struct cg *g)
{
	return (g->pdp->multi || g->pdp->sysdispatch) && g->pd->names_size;
}

/* Writes a string builtin (comm, probe, func) straight into dst of size bytes. */
void cg_builtin_into(struct cg *g, struct ast_node *n, LLVMValueRef dst, int size)
{
	if (n->builtin.id == BI_COMM)
		comm(g, dst, size);
	else if (names_at_run_time(g))
		point_name(g, n, dst, size);
	else
		const_str(g, const_name(g, n), dst, size);
}

static LLVMValueRef pid_tgid(struct cg *g, bool high)
{
	LLVMValueRef v = helper0(g, BPF_FUNC_get_current_pid_tgid);
	if (high)
		return LLVMBuildLShr(g->b, v, cg_const(g, 32), "");
	return LLVMBuildAnd(g->b, v, cg_const(g, 0xffffffffu), "");
}

static LLVMValueRef uid_gid(struct cg *g, bool high)
{
	LLVMValueRef v = helper0(g, BPF_FUNC_get_current_uid_gid);
	if (high)
		return LLVMBuildLShr(g->b, v, cg_const(g, 32), "");
	return LLVMBuildAnd(g->b, v, cg_const(g, 0xffffffffu), "");
}

static LLVMValueRef lower_pid(struct cg *g, struct ast_node *n)
{
	return pid_tgid(g, true);
}

static LLVMValueRef lower_tid(struct cg *g, struct ast_node *n)
{
	return pid_tgid(g, false);
}

static LLVMValueRef lower_uid(struct cg *g, struct ast_node *n)
{
	return uid_gid(g, false);
}

static LLVMValueRef lower_gid(struct cg *g, struct ast_node *n)
{
	return uid_gid(g, true);
}

static LLVMValueRef lower_nsecs(struct cg *g, struct ast_node *n)
{
	return helper0(g, BPF_FUNC_ktime_get_ns);
}

static LLVMValueRef lower_elapsed(struct cg *g, struct ast_node *n)
{
	LLVMValueRef now = helper0(g, BPF_FUNC_ktime_get_ns);
	LLVMValueRef start = cg_globals_field(g, offsetof(struct pd_globals, start_ns));
	return LLVMBuildSub(g->b, now, start, "");
}

static LLVMValueRef lower_cpu(struct cg *g, struct ast_node *n)
{
	return LLVMBuildAnd(g->b, helper0(g, BPF_FUNC_get_smp_processor_id),
			    cg_const(g, 0xffffffffu), "");
}

static LLVMValueRef lower_comm(struct cg *g, struct ast_node *n)
{
	return comm(g, NULL, 16);
}

static LLVMValueRef lower_name(struct cg *g, struct ast_node *n)
{
	if (names_at_run_time(g))
		return point_name(g, n, NULL, 0);
	return const_str(g, const_name(g, n), NULL, 0);
}

static LLVMValueRef lower_cpid(struct cg *g, struct ast_node *n)
{
	return cg_globals_field(g, offsetof(struct pd_globals, cpid));
}

static LLVMValueRef lower_args(struct cg *g, struct ast_node *n)
{
	return cg_probe_ctx(g);
}

static LLVMValueRef lower_ctx(struct cg *g, struct ast_node *n)
{
	return LLVMBuildPtrToInt(g->b, cg_probe_ctx(g), g->i64, "");
}

static LLVMValueRef lower_curtask(struct cg *g, struct ast_node *n)
{
	return helper0(g, BPF_FUNC_get_current_task);
}

static LLVMValueRef lower_rand(struct cg *g, struct ast_node *n)
{
	return LLVMBuildAnd(g->b, helper0(g, BPF_FUNC_get_prandom_u32), cg_const(g, 0xffffffffu),
			    "");
}

static LLVMValueRef lower_cgroup(struct cg *g, struct ast_node *n)
{
	return helper0(g, BPF_FUNC_get_current_cgroup_id);
}

static LLVMValueRef lower_numaid(struct cg *g, struct ast_node *n)
{
	return LLVMBuildAnd(g->b, helper0(g, BPF_FUNC_get_numa_node_id), cg_const(g, 0xffffffffu),
			    "");
}

static LLVMValueRef lower_jiffies(struct cg *g, struct ast_node *n)
{
	return helper0(g, BPF_FUNC_jiffies64);
}

static LLVMValueRef lower_ncpus(struct cg *g, struct ast_node *n)
{
	return cg_globals_field(g, offsetof(struct pd_globals, ncpus));
}

/* Codegen's row of each builtin variable, indexed by enum sema_builtin. */
static LLVMValueRef (*const lowerers[BI__COUNT])(struct cg *g, struct ast_node *n) = {
	[BI_PID] = lower_pid,	      [BI_TID] = lower_tid,	    [BI_UID] = lower_uid,
	[BI_GID] = lower_gid,	      [BI_NSECS] = lower_nsecs,	    [BI_ELAPSED] = lower_elapsed,
	[BI_CPU] = lower_cpu,	      [BI_COMM] = lower_comm,	    [BI_PROBE] = lower_name,
	[BI_FUNC] = lower_name,	      [BI_SARG] = sarg_n,	    [BI_CPID] = lower_cpid,
	[BI_ARGS] = lower_args,	      [BI_CTX] = lower_ctx,	    [BI_ARG] = arg_n,
	[BI_RETVAL] = retval,	      [BI_CURTASK] = lower_curtask, [BI_RAND] = lower_rand,
	[BI_CGROUP] = lower_cgroup,   [BI_NUMAID] = lower_numaid,   [BI_JIFFIES] = lower_jiffies,
	[BI_NCPUS] = lower_ncpus,     [BI_USERNAME] = lower_uid,    [BI_KSTACK] = cg_stack,
	[BI_USTACK] = cg_stack,
};

LLVMValueRef cg_builtin(struct cg *g, struct ast_node *n)
{
	int b = n->builtin.id;
	if (b > BI_UNKNOWN && b < BI__COUNT && lowerers[b])
		return lowerers[b](g, n);
	cg_fail(g, &n->loc, "internal error: unknown builtin '%s'", n->builtin.name);
	return cg_const(g, 0);
}
