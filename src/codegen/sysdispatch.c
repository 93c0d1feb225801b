/* The point a shared program runs for, when one program serves many points: a multi link's
 * cookie (the point's pd index), or for syscall tracepoints dispatched from raw_syscalls
 * (src/sema/sysdispatch.c) the index pd_sysnr holds for the event's syscall number, or
 * the cookie (1 + pd index) of a point attached on its own. `probe` reads pd_names there. */
#include "cg.h"

#include <linux/bpf.h>
#include <string.h>

#define TS_COMPAT 0x0002 /* x86 thread_info.status: the task is in an ia32 system call */

/* At the start of a dispatched program: the point's pd index into the frame slot kept for
 * it; returns from the program for an ia32 system call or a number the probe does not
 * trace. */
void cg_sys_dispatch(struct cg *g)
{
	int slot = cg_slot(g, g->probe, 8), mark = g->tmps.len;
	LLVMValueRef ctx = g->f.ctx;
	LLVMValueRef cookie = cg_helper(g, BPF_FUNC_get_attach_cookie, &ctx, 1);
	LLVMBasicBlockRef own = cg_block(g, "sys.own");
	LLVMBasicBlockRef raw = cg_block(g, "sys.raw");
	LLVMBasicBlockRef go = cg_block(g, "sys.go");
	LLVMBuildCondBr(g->b, cg_is_zero(g, cookie), raw, own);

	LLVMPositionBuilderAtEnd(g->b, own);
	cg_store_int(g, cg_frame_ptr(g, slot), LLVMBuildSub(g->b, cookie, cg_const(g, 1), ""), 8);
	LLVMBuildBr(g->b, go);

	LLVMPositionBuilderAtEnd(g->b, raw);
	LLVMValueRef task = cg_helper(g, BPF_FUNC_get_current_task, NULL, 0);
	LLVMValueRef status = cg_tmp(g, 8);
	LLVMValueRef at = cg_const(g, (uint64_t)g->pd->compat_status_off);
	LLVMValueRef args[3] = { status, LLVMConstInt(g->i32, 4, 0),
				 LLVMBuildAdd(g->b, task, at, "") };
	cg_store_int(g, status, cg_const(g, 0), 8);
	cg_helper(g, BPF_FUNC_probe_read_kernel, args, 3);
	LLVMValueRef compat = LLVMBuildAnd(g->b, cg_load_int(g, status, 4, false),
					   cg_const(g, TS_COMPAT), "");
	cg_return_if_null(g, LLVMBuildZExt(g->b, cg_is_zero(g, compat), g->i64, ""));
	LLVMValueRef key = cg_tmp(g, 4);
	bool exit = strncmp(g->pdp->func, "sys_enter_", 10) != 0;
	LLVMValueRef nr = cg_load_int(g, cg_gep(g, ctx, 8), 4, false);
	cg_store_int(g, key, LLVMBuildAdd(g->b, nr, cg_const(g, exit ? PD_SYSNR_MAX : 0), ""), 4);
	LLVMValueRef largs[2] = { cg_sys_map(g, CG_SYS_SYSNR), key };
	LLVMValueRef v = cg_helper(g, BPF_FUNC_map_lookup_elem, largs, 2);
	cg_return_if_null(g, v);
	LLVMValueRef idx = cg_load_int(g, v, 4, false);
	cg_return_if_null(g, idx);
	cg_store_int(g, cg_frame_ptr(g, slot), LLVMBuildSub(g->b, idx, cg_const(g, 1), ""), 8);
	LLVMBuildBr(g->b, go);

	LLVMPositionBuilderAtEnd(g->b, go);
	cg_tmps_end(g, mark);
}

LLVMValueRef cg_point_index(struct cg *g)
{
	if (g->pdp->sysdispatch)
		return cg_load_int(g, cg_frame_ptr(g, cg_slot(g, g->probe, 8)), 8, false);
	LLVMValueRef ctx = cg_probe_ctx(g);
	return cg_helper(g, BPF_FUNC_get_attach_cookie, &ctx, 1);
}
