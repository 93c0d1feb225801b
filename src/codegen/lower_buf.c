/* buf(p [, n]) into a stack value: a u32 length (n, at most the capacity sema chose), then
 * the bytes, zero-filled past what was read. Strings and arrays in BPF memory are copied
 * (never past their own size), other sources read with probe_read from kernel or user
 * memory. */
#include "cg.h"

#include <linux/bpf.h>

LLVMValueRef cg_lower_buf(struct cg *g, struct ast_node *n)
{
	struct ast_node *a = n->call.args.v[0], *l = n->call.args.len > 1 ? n->call.args.v[1] : NULL;
	int cap = n->ty->size - 4;
	LLVMValueRef dst = cg_tmp(g, n->ty->size);
	cg_memset0(g, dst, n->ty->size);
	LLVMValueRef len = cg_const(g, (uint64_t)cap);
	if (l && l->kind != AST_INT) {
		/* a run-time length: at most cap, so the read below stays in bounds */
		LLVMValueRef v = cg_expr(g, l);
		LLVMValueRef small = LLVMBuildICmp(g->b, LLVMIntULT, v, len, "");
		len = LLVMBuildSelect(g->b, small, v, len, "");
	}
	cg_store_int(g, dst, len, 4);
	LLVMValueRef data = cg_gep(g, dst, 4), src = cg_expr(g, a);
	if (LLVMGetTypeKind(LLVMTypeOf(src)) == LLVMPointerTypeKind) {
		cg_memcpy(g, data, src, a->ty->size < cap ? a->ty->size : cap);
		return dst;
	}
	bool user = a->ty->kind == TY_ARRAY ? sema_expr_is_user(a) : cg_str_is_user(g, a);
	LLVMValueRef args[3] = { data, LLVMBuildTrunc(g->b, len, g->i32, ""),
				 LLVMBuildIntToPtr(g->b, src, g->ptr, "") };
	cg_helper(g, user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel, args, 3);
	return dst;
}
