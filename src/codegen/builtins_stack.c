/* kstack and ustack: bpf_get_stackid into the stack map of the value's kind and depth (a
 * failed read keeps its negative errno as the id and counts in pd_lost[PD_LOST_STACKS]);
 * ustack and usym carry the pid whose address space user space resolves them in. */
#include "cg.h"

#include <linux/bpf.h>

/* A 16-byte value: v, then the current process id. */
static LLVMValueRef with_pid(struct cg *g, LLVMValueRef v)
{
	LLVMValueRef p = cg_tmp(g, 16);
	cg_store_int(g, p, v, 8);
	LLVMValueRef tgid = LLVMBuildLShr(g->b, cg_helper(g, BPF_FUNC_get_current_pid_tgid, NULL, 0),
					  cg_const(g, 32), "");
	cg_store_int(g, cg_gep(g, p, 8), tgid, 8);
	return p;
}

LLVMValueRef cg_stack(struct cg *g, struct ast_node *n)
{
	const struct type *t = n->ty;
	if (!t || t->stack_map < 0 || t->stack_map >= g->pd->stackmaps.len) {
		cg_fail(g, &n->loc, "internal error: stack without a stack map");
		return cg_const(g, 0);
	}
	bool user = t->kind == TY_USTACK;
	LLVMValueRef args[3] = { cg_probe_ctx(g), cg_stack_map(g, t->stack_map),
				 cg_const(g, user ? BPF_F_USER_STACK : 0) };
	LLVMValueRef id = cg_helper(g, BPF_FUNC_get_stackid, args, 3);
	LLVMBasicBlockRef failed = cg_block(g, "stack.failed");
	LLVMBasicBlockRef done = cg_block(g, "stack.done");
	LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntSLT, id, cg_const(g, 0), ""), failed,
			done);
	LLVMPositionBuilderAtEnd(g->b, failed);
	cg_count_lost(g, PD_LOST_STACKS, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	return user ? with_pid(g, id) : id;
}

LLVMValueRef cg_sym_value(struct cg *g, struct ast_node *n)
{
	LLVMValueRef addr = cg_expr(g, n->call.args.v[0]);
	if (LLVMGetTypeKind(LLVMTypeOf(addr)) == LLVMPointerTypeKind)
		addr = LLVMBuildPtrToInt(g->b, addr, g->i64, "");
	return n->call.fn == FN_USYM ? with_pid(g, addr) : addr;
}
