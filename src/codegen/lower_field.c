/* Field access, indexing and dereference: direct context loads for tracepoint args (with
 * __data_loc strings), bpf_probe_read_{kernel,user} through pointers at BTF offsets, char
 * arrays read as strings, bitfields shifted and masked. Records are kept as addresses. */
#include "cg.h"

#include <string.h>

#include <linux/bpf.h>

/* Does the memory n lives in belong to user space? The nearest pointer on the way says. */
static void probe_read(struct cg *g, LLVMValueRef dst, int size, LLVMValueRef addr, bool user)
{
	if (LLVMGetTypeKind(LLVMTypeOf(addr)) != LLVMPointerTypeKind)
		addr = LLVMBuildIntToPtr(g->b, addr, g->ptr, "");
	LLVMValueRef args[3] = { dst, LLVMConstInt(g->i32, (unsigned)size, 0), addr };
	cg_helper(g, user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel, args, 3);
}

/* Reads a value of type t at addr (an i64 address): integers and pointers are loaded,
 * strings copied into a zeroed stack buffer, records and arrays stay addresses. */
LLVMValueRef cg_read_mem(struct cg *g, LLVMValueRef addr, const struct type *t, bool user)
{
	if (!t)
		return cg_const(g, 0);
	if (t->kind == TY_RECORD || t->kind == TY_ARRAY)
		return addr;
	if (t->kind == TY_STR) {
		LLVMValueRef buf = cg_tmp(g, t->size);
		cg_memset0(g, buf, t->size);
		probe_read(g, buf, t->size, addr, user);
		return buf;
	}
	int size = t->size > 0 && t->size <= 8 ? t->size : 8;
	LLVMValueRef buf = cg_tmp(g, 8);
	cg_store_int(g, buf, cg_const(g, 0), 8);
	probe_read(g, buf, size, addr, user);
	return cg_load_int(g, buf, size, t->kind == TY_INT && t->is_signed);
}

const struct ty_field *cg_find_field(const struct type *rec, const char *name)
{
	if (!rec)
		return NULL;
	for (int i = 0; i < rec->fields.len; i++)
		if (rec->fields.v[i].name && strcmp(rec->fields.v[i].name, name) == 0)
			return &rec->fields.v[i];
	return NULL;
}

/* Bitfields: read the bytes covering the field into a u64, shift and mask; a signed one is
 * shifted to the top and back, which extends its sign. */
static LLVMValueRef bitfield(struct cg *g, LLVMValueRef addr, const struct ty_field *f, bool user)
{
	int nbytes = (f->bit_offset + f->bit_size + 7) / 8;
	LLVMValueRef buf = cg_tmp(g, 8);
	cg_store_int(g, buf, cg_const(g, 0), 8);
	probe_read(g, buf, nbytes > 8 ? 8 : nbytes, addr, user);
	LLVMValueRef v = cg_load_int(g, buf, 8, false);
	if (f->type->is_signed && f->bit_offset + f->bit_size <= 64) {
		v = LLVMBuildShl(g->b, v, cg_const(g, (uint64_t)(64 - f->bit_offset - f->bit_size)),
				 "");
		return LLVMBuildAShr(g->b, v, cg_const(g, (uint64_t)(64 - f->bit_size)), "");
	}
	v = LLVMBuildLShr(g->b, v, cg_const(g, (uint64_t)f->bit_offset), "");
	uint64_t mask = f->bit_size >= 64 ? ~0ull : (1ull << f->bit_size) - 1;
	return LLVMBuildAnd(g->b, v, cg_const(g, mask), "");
}

/* A tracepoint record field read straight from the context. __data_loc strings hold
 * offset (low 16 bits) and length (high 16 bits) relative to the context. */
/* An 8-byte context slot (raw tracepoint, fentry and register arguments) as a value of type
 * t: these contexts only allow 8-byte loads, so narrower integers are cut from the slot. */
LLVMValueRef cg_ctx_slot(struct cg *g, int off, const struct type *t)
{
	LLVMValueRef v = cg_load_int(g, cg_gep(g, cg_probe_ctx(g), off), 8, false);
	if (!t || t->kind != TY_INT || t->size >= 8)
		return v;
	LLVMValueRef sh = cg_const(g, (uint64_t)(64 - 8 * t->size));
	v = LLVMBuildShl(g->b, v, sh, "");
	return t->is_signed ? LLVMBuildAShr(g->b, v, sh, "") : LLVMBuildLShr(g->b, v, sh, "");
}

static LLVMValueRef ctx_field(struct cg *g, struct ast_node *n, const struct ty_field *f)
{
	LLVMValueRef ctx = cg_probe_ctx(g);
	if (g->pk->ctx != PK_CTX_TP) {
		if (f->type->kind == TY_INT || f->type->kind == TY_PTR)
			return cg_ctx_slot(g, f->offset, f->type);
		cg_fail(g, &n->loc, "argument '%s' of %s is passed by value as %s: not supported",
			f->name, g->pdp->name, f->type->kind == TY_STR ? "an array" : "a record");
		return cg_const(g, 0);
	}
	LLVMValueRef p = cg_gep(g, ctx, f->offset);
	const struct type *t = f->type;
	if (t->kind == TY_STR) {
		LLVMValueRef buf = cg_tmp(g, t->size);
		cg_memset0(g, buf, t->size);
		if (f->data_loc) {
			LLVMValueRef loc = cg_load_int(g, p, 4, false);
			LLVMValueRef off = LLVMBuildAnd(g->b, loc, cg_const(g, 0xffff), "");
			LLVMValueRef src = cg_gep_dyn(g, ctx, off);
			LLVMValueRef args[3] = { buf, LLVMConstInt(g->i32, (unsigned)t->size, 0),
						 src };
			cg_helper(g, BPF_FUNC_probe_read_kernel_str, args, 3);
		} else {
			/* Not a memcpy: LLVM would keep ctx + offset in a register for a second
			 * read of the same field, and the verifier refuses loads through a
			 * modified ctx pointer; a helper may take any address. */
			probe_read(g, buf, t->size, p, false);
		}
		return buf;
	}
	if (t->kind == TY_RECORD || t->kind == TY_ARRAY)
		return LLVMBuildPtrToInt(g->b, p, g->i64, "");
	int size = t->size > 0 && t->size <= 8 ? t->size : 8;
	return cg_load_int(g, p, size, t->kind == TY_INT && t->is_signed);
}

LLVMValueRef cg_field(struct cg *g, struct ast_node *n)
{
	struct ast_node *e = n->field.expr;
	const struct type *bt = e->ty;
	const struct type *rec = bt && (bt->kind == TY_PTR || bt->kind == TY_CTX) ? bt->elem : bt;
	const struct ty_field *f = cg_find_field(rec, n->field.name);
	if (!f) {
		cg_fail(g, &n->loc, "internal error: no field '%s'", n->field.name);
		return cg_const(g, 0);
	}
	if (bt->kind == TY_CTX)
		return ctx_field(g, n, f);
	LLVMValueRef base = cg_expr(g, e);
	if (LLVMGetTypeKind(LLVMTypeOf(base)) == LLVMPointerTypeKind)
		base = LLVMBuildPtrToInt(g->b, base, g->i64, "");
	LLVMValueRef addr = LLVMBuildAdd(g->b, base, cg_const(g, (uint64_t)f->offset), "");
	bool user = sema_expr_is_user(e);
	if (f->bit_size > 0)
		return bitfield(g, addr, f, user);
	return cg_read_mem(g, addr, f->type, user);
}

LLVMValueRef cg_index(struct cg *g, struct ast_node *n)
{
	struct ast_node *e = n->index.expr;
	const struct type *bt = e->ty;
	LLVMValueRef base = cg_expr(g, e);
	LLVMValueRef idx = cg_expr(g, n->index.index);
	if (bt && bt->kind == TY_STR) {
		/* Indexing a string in BPF memory: bounded by its size. */
		LLVMValueRef ok = LLVMBuildICmp(g->b, LLVMIntULT, idx,
						cg_const(g, (uint64_t)bt->size), "");
		idx = LLVMBuildSelect(g->b, ok, idx, cg_const(g, 0), "");
		LLVMValueRef v = LLVMBuildLoad2(g->b, g->i8, cg_gep_dyn(g, base, idx), "");
		return cg_ext(g, v, true);
	}
	const struct type *et = bt ? bt->elem : NULL;
	if (!et) {
		cg_fail(g, &n->loc, "internal error: cannot index this expression");
		return cg_const(g, 0);
	}
	LLVMValueRef off = LLVMBuildMul(g->b, idx, cg_const(g, (uint64_t)et->size), "");
	if (LLVMGetTypeKind(LLVMTypeOf(base)) == LLVMPointerTypeKind && bt->kind == TY_ARRAY &&
	    et->kind == TY_INT) {
		/* An array in BPF memory (a local, pton()): a bounded load, since the verifier
		 * refuses arithmetic on the stack pointer as an integer. */
		LLVMValueRef ok = LLVMBuildICmp(g->b, LLVMIntULT, idx,
						cg_const(g, (uint64_t)bt->nelem), "");
		off = LLVMBuildSelect(g->b, ok, off, cg_const(g, 0), "");
		return cg_load_int(g, cg_gep_dyn(g, base, off), et->size, et->is_signed);
	}
	if (LLVMGetTypeKind(LLVMTypeOf(base)) == LLVMPointerTypeKind)
		base = LLVMBuildPtrToInt(g->b, base, g->i64, "");
	return cg_read_mem(g, LLVMBuildAdd(g->b, base, off, ""), et, sema_expr_is_user(e));
}

LLVMValueRef cg_deref(struct cg *g, struct ast_node *n)
{
	struct ast_node *e = n->unop.expr;
	LLVMValueRef base = cg_expr(g, e);
	const struct type *et = e->ty && e->ty->kind == TY_PTR ? e->ty->elem : n->ty;
	if (LLVMGetTypeKind(LLVMTypeOf(base)) == LLVMPointerTypeKind)
		base = LLVMBuildPtrToInt(g->b, base, g->i64, "");
	return cg_read_mem(g, base, et ? et : n->ty, sema_expr_is_user(e));
}
