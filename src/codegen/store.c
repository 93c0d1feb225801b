/* Storage normalisation: writes an expression into memory (a local, a map key or value, an
 * event payload) in its storage layout: integers resized, strings copied with zero fill,
 * tuples re-laid-out element by element, records read from kernel or user memory. */
#include "cg.h"

#include <linux/bpf.h>

/* Copies a string of src_size bytes into dst_size bytes: zero fill past the source, and a
 * NUL in the last byte when the source had to be cut. */
void cg_copy_str(struct cg *g, LLVMValueRef dst, int dst_size, LLVMValueRef src, int src_size)
{
	int n = src_size < dst_size ? src_size : dst_size;
	cg_memcpy(g, dst, src, n);
	if (dst_size > n)
		cg_memset0(g, cg_gep(g, dst, n), dst_size - n);
	else if (src_size > dst_size && dst_size > 0)
		LLVMBuildStore(g->b, LLVMConstInt(g->i8, 0, 0), cg_gep(g, dst, dst_size - 1));
}

static void read_record(struct cg *g, LLVMValueRef dst, int size, LLVMValueRef addr, bool user)
{
	LLVMValueRef args[3] = { dst, LLVMConstInt(g->i32, (unsigned)size, 0),
				 LLVMBuildIntToPtr(g->b, addr, g->ptr, "") };
	cg_memset0(g, dst, size);
	cg_helper(g, user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel, args, 3);
}

static void store_tuple(struct cg *g, LLVMValueRef dst, const struct type *dst_ty,
			LLVMValueRef v, const struct type *src_ty)
{
	cg_memset0(g, dst, dst_ty->size);
	if (!src_ty || src_ty->kind != TY_TUPLE)
		return;
	for (int i = 0; i < dst_ty->fields.len && i < src_ty->fields.len; i++) {
		const struct ty_field *df = &dst_ty->fields.v[i];
		const struct ty_field *sf = &src_ty->fields.v[i];
		LLVMValueRef sp = cg_gep(g, v, sf->offset);
		LLVMValueRef sv = cg_is_mem_type(sf->type) ?
					  sp :
					  cg_load_int(g, sp, sf->type->size, sf->type->is_signed);
		cg_store_val(g, cg_gep(g, dst, df->offset), df->type, sv, sf->type);
	}
}

/* Dispatches on the destination kind's storage rule (ty_kinds[], src/sema/types.c). */
void cg_store_val(struct cg *g, LLVMValueRef dst, const struct type *dst_ty, LLVMValueRef v,
		  const struct type *src_ty)
{
	const struct ty_kind_desc *d = ty_desc(dst_ty);
	bool is_ptr = LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMPointerTypeKind;
	if (d->store == TY_STORE_STRLEN) {
		cg_copy_str(g, dst, dst_ty->size, v, src_ty ? src_ty->size : dst_ty->size);
	} else if (d->store == TY_STORE_ELEMS) {
		store_tuple(g, dst, dst_ty, v, src_ty);
	} else if (d->flags & TY_F_MEMORY) {
		if (is_ptr)
			cg_memcpy(g, dst, v, dst_ty->size);
		else
			read_record(g, dst, dst_ty->size, v, false);
	} else if (dst_ty->size > 0) { /* integers, pointers, ctx, user-space-rendered values */
		if (is_ptr)
			v = LLVMBuildPtrToInt(g->b, v, g->i64, "");
		cg_store_int(g, dst, v, dst_ty->size);
	}
}

void cg_store(struct cg *g, LLVMValueRef dst, const struct type *dst_ty, struct ast_node *src)
{
	if (!dst_ty)
		return;
	if (dst_ty->kind == TY_STR && cg_str_into(g, src, dst, dst_ty->size))
		return;
	if (dst_ty->kind == TY_TUPLE && src->kind == AST_TUPLE) {
		cg_memset0(g, dst, dst_ty->size);
		for (int i = 0; i < dst_ty->fields.len && i < src->tuple.elems.len; i++) {
			const struct ty_field *f = &dst_ty->fields.v[i];
			cg_store(g, cg_gep(g, dst, f->offset), f->type, src->tuple.elems.v[i]);
		}
		return;
	}
	if (ty_desc(dst_ty)->flags & TY_F_MEMORY && src->ty &&
	    src->ty->kind != TY_CTX) {
		LLVMValueRef addr = cg_expr(g, src);
		if (LLVMGetTypeKind(LLVMTypeOf(addr)) == LLVMPointerTypeKind)
			cg_memcpy(g, dst, addr, dst_ty->size);
		else
			read_record(g, dst, dst_ty->size, addr, sema_expr_is_user(src));
		return;
	}
	cg_store_val(g, dst, dst_ty, cg_expr(g, src), src->ty);
}
