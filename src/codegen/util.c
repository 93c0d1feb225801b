/* Small LLVM building blocks for codegen: constants, helper calls through their BPF
 * helper ids, stack temporaries with lifetimes, memory copies, integer loads and stores. */
#include "cg.h"

#include <errno.h>
#include <string.h>

#include <linux/bpf.h>

LLVMValueRef cg_const(struct cg *g, uint64_t v)
{
	return LLVMConstInt(g->i64, v, false);
}

/* BPF helpers are called through a constant address, inttoptr(i64 id): the backend turns
 * such a call into `call id`. Every helper returns a 64-bit value. */
LLVMValueRef cg_helper(struct cg *g, int id, LLVMValueRef *args, int nargs)
{
	LLVMTypeRef params[8];
	for (int i = 0; i < nargs && i < 8; i++)
		params[i] = LLVMTypeOf(args[i]);
	bool ret_ptr = id == BPF_FUNC_map_lookup_elem || id == BPF_FUNC_ringbuf_reserve;
	LLVMTypeRef fty = LLVMFunctionType(ret_ptr ? g->ptr : g->i64, params, (unsigned)nargs, 0);
	LLVMValueRef callee = LLVMConstIntToPtr(cg_const(g, (uint64_t)id), g->ptr);
	LLVMValueRef call = LLVMBuildCall2(g->b, fty, callee, args, (unsigned)nargs, "");
	if (ret_ptr) {
		/* Map values and ring buffer records are 8-byte aligned; saying so lets LLVM
		 * copy them with 8-byte loads and stores. */
		unsigned k = LLVMGetEnumAttributeKindForName("align", 5);
		LLVMAttributeRef a = LLVMCreateEnumAttribute(g->ctx, k, 8);
		LLVMAddCallSiteAttribute(call, LLVMAttributeReturnIndex, a);
	}
	return call;
}

LLVMValueRef cg_gep(struct cg *g, LLVMValueRef base, int64_t off)
{
	if (off == 0)
		return base;
	LLVMValueRef idx = cg_const(g, (uint64_t)off);
	return LLVMBuildGEP2(g->b, g->i8, base, &idx, 1, "");
}

LLVMValueRef cg_gep_dyn(struct cg *g, LLVMValueRef base, LLVMValueRef off)
{
	return LLVMBuildGEP2(g->b, g->i8, base, &off, 1, "");
}

static void lifetime(struct cg *g, const char *name, LLVMValueRef p, int size)
{
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMTypeRef pt = g->ptr;
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &pt, 1);
	LLVMTypeRef params[] = { g->i64, g->ptr };
	LLVMTypeRef fty = LLVMFunctionType(g->vd, params, 2, 0);
	LLVMValueRef args[] = { cg_const(g, (uint64_t)size), p };
	LLVMBuildCall2(g->b, fty, fn, args, 2, "");
}

/* A stack buffer alive until the end of the current statement. The alloca sits in the
 * entry block; lifetime markers let the backend's stack colouring share the bytes between
 * statements, which keeps programs under the verifier's 512-byte stack. */
LLVMValueRef cg_tmp(struct cg *g, int size)
{
	if (size <= 0)
		size = 8;
	size = (size + 7) & ~7;
	if (size > CG_STACK_TMP_MAX)
		return cg_scratch_tmp(g, size);
	LLVMBasicBlockRef cur = LLVMGetInsertBlock(g->b);
	/* Positioning before an instruction also takes over its debug location: keep ours. */
	LLVMMetadataRef loc = LLVMGetCurrentDebugLocation2(g->b);
	LLVMValueRef first = LLVMGetFirstInstruction(g->f.entry);
	if (first)
		LLVMPositionBuilderBefore(g->b, first);
	else
		LLVMPositionBuilderAtEnd(g->b, g->f.entry);
	LLVMTypeRef at = LLVMArrayType2(g->i64, (uint64_t)size / 8);
	LLVMValueRef p = LLVMBuildAlloca(g->b, at, "tmp");
	LLVMSetAlignment(p, 8);
	LLVMPositionBuilderAtEnd(g->b, cur);
	LLVMSetCurrentDebugLocation2(g->b, loc);
	lifetime(g, "llvm.lifetime.start", p, size);
	struct cg_tmp t = { p, size, -1 };
	if (vec_push(&g->c->arena, &g->tmps, t))
		g->err = -ENOMEM;
	return p;
}

void cg_tmps_end(struct cg *g, int mark)
{
	if (!cg_terminated(g)) {
		for (int i = g->tmps.len - 1; i >= mark; i--)
			if (g->tmps.v[i].ptr)
				lifetime(g, "llvm.lifetime.end", g->tmps.v[i].ptr,
					 g->tmps.v[i].size);
	}
	for (int i = g->tmps.len - 1; i >= mark; i--)
		if (g->tmps.v[i].scratch_off >= 0)
			g->scratch_off = g->tmps.v[i].scratch_off;
	if (g->tmps.len > mark)
		g->tmps.len = mark;
}

/* The BPF backend expands memset and memcpy into at most 128 stores (bytes, when the
 * alignment is unknown) and has no library call to fall back on ("A call to built-in
 * function 'memset' is not supported"); the optimiser also merges neighbouring ones. Big
 * blocks are copied by bpf_probe_read_kernel instead, and zeroed by it too: a read from
 * address 0 fails, and a failed read zeroes its destination. */
#define CG_MEM_INLINE 128

static void read_kernel(struct cg *g, LLVMValueRef dst, LLVMValueRef src, int size)
{
	LLVMValueRef args[3] = { dst, LLVMConstInt(g->i32, (unsigned)size, 0), src };
	cg_helper(g, BPF_FUNC_probe_read_kernel, args, 3);
}

void cg_memset0(struct cg *g, LLVMValueRef dst, int size)
{
	if (size <= 0)
		return;
	if (size > CG_MEM_INLINE)
		read_kernel(g, dst, LLVMConstNull(g->ptr), size);
	else
		LLVMBuildMemSet(g->b, dst, LLVMConstInt(g->i8, 0, 0), cg_const(g, (uint64_t)size),
				1);
}

void cg_store_cstr(struct cg *g, LLVMValueRef dst, const char *s, int len, int size)
{
	if (len > size - 1)
		len = size - 1;
	/* past CG_MEM_INLINE bytes the optimiser would merge a run of equal bytes ("yyyy...")
	 * into a memset too big for the backend: volatile stores stay stores */
	bool keep = len > CG_MEM_INLINE;
	for (int i = 0; i < len; i++)
		LLVMSetVolatile(LLVMBuildStore(g->b, LLVMConstInt(g->i8, (unsigned char)s[i], 0),
					       cg_gep(g, dst, i)),
				keep);
	cg_memset0(g, cg_gep(g, dst, len), size - len);
}

void cg_memcpy(struct cg *g, LLVMValueRef dst, LLVMValueRef src, int size)
{
	if (size <= 0)
		return;
	if (size > CG_MEM_INLINE)
		read_kernel(g, dst, src, size);
	else
		LLVMBuildMemCpy(g->b, dst, 1, src, 1, cg_const(g, (uint64_t)size));
}

static LLVMTypeRef int_type(struct cg *g, int size)
{
	switch (size) {
	case 1:
		return g->i8;
	case 2:
		return g->i16;
	case 4:
		return g->i32;
	default:
		return g->i64;
	}
}

/* Loads a naturally aligned integer of size bytes and extends it to i64. */
LLVMValueRef cg_load_int(struct cg *g, LLVMValueRef p, int size, bool is_signed)
{
	LLVMTypeRef t = int_type(g, size);
	LLVMValueRef v = LLVMBuildLoad2(g->b, t, p, "");
	LLVMSetAlignment(v, (unsigned)(size >= 8 ? 8 : size));
	if (t == g->i64)
		return v;
	return is_signed ? LLVMBuildSExt(g->b, v, g->i64, "") : LLVMBuildZExt(g->b, v, g->i64, "");
}

void cg_store_int(struct cg *g, LLVMValueRef p, LLVMValueRef v, int size)
{
	LLVMTypeRef t = int_type(g, size);
	if (LLVMTypeOf(v) != t)
		v = LLVMBuildIntCast2(g->b, v, t, 0, "");
	LLVMValueRef s = LLVMBuildStore(g->b, v, p);
	LLVMSetAlignment(s, (unsigned)(size >= 8 ? 8 : size));
}

/* Widens an i1/i8/.. value to i64. */
LLVMValueRef cg_ext(struct cg *g, LLVMValueRef v, bool is_signed)
{
	if (LLVMTypeOf(v) == g->i64)
		return v;
	return LLVMBuildIntCast2(g->b, v, g->i64, is_signed, "");
}

LLVMValueRef cg_is_zero(struct cg *g, LLVMValueRef v)
{
	return LLVMBuildICmp(g->b, LLVMIntEQ, v, LLVMConstNull(LLVMTypeOf(v)), "");
}

LLVMBasicBlockRef cg_block(struct cg *g, const char *name)
{
	return LLVMAppendBasicBlockInContext(g->ctx, g->f.fn, name);
}

bool cg_terminated(struct cg *g)
{
	LLVMBasicBlockRef bb = LLVMGetInsertBlock(g->b);
	return bb && LLVMGetBasicBlockTerminator(bb) != NULL;
}

void cg_return_if_null(struct cg *g, LLVMValueRef v)
{
	LLVMBasicBlockRef yes = cg_block(g, "nonnull");
	LLVMBasicBlockRef no = cg_block(g, "null");
	LLVMBuildCondBr(g->b, LLVMBuildIsNotNull(g->b, v, ""), yes, no);
	LLVMPositionBuilderAtEnd(g->b, no);
	LLVMBuildRet(g->b, cg_const(g, 0));
	LLVMPositionBuilderAtEnd(g->b, yes);
}

LLVMValueRef cg_frame_ptr(struct cg *g, int off)
{
	if (off & CG_OFF_LOCALS)
		return cg_gep(g, g->f.locals, off & ~CG_OFF_LOCALS);
	return cg_gep(g, g->f.frame, off);
}

/* A hidden 8-aligned frame slot for node n (e.g. a for-range loop's bound), shared by every
 * emission of n (unroll emits bodies several times). Returns the frame offset. */
int cg_slot(struct cg *g, const struct ast_node *n, int size)
{
	for (int i = 0; i < g->slots.len; i++)
		if (g->slots.v[i].n == n)
			return g->slots.v[i].off;
	int off = (g->frame_size + 7) & ~7;
	g->frame_size = off + ((size + 7) & ~7);
	struct cg_slot s = { n, off };
	if (vec_push(&g->c->arena, &g->slots, s))
		g->err = -ENOMEM;
	return off;
}

/* Returns from the current function: value v (i64) for probes, for callbacks the caller
 * passes 0 (continue) or 1 (stop). */
void cg_ret(struct cg *g, LLVMValueRef v)
{
	if (cg_terminated(g))
		return;
	LLVMBuildRet(g->b, v);
}

/* Loads the integer of size bytes at p + off, or 0 when p is NULL (a missed map lookup).
 * With read, the value is read(p) instead, unless read returns non-zero. */
LLVMValueRef cg_load_or_zero(struct cg *g, LLVMValueRef p, int off, int size, bool sign,
			     int (*read)(struct cg *, LLVMValueRef, LLVMValueRef *))
{
	LLVMBasicBlockRef from = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef have = cg_block(g, "load.have");
	LLVMBasicBlockRef done = cg_block(g, "load.done");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), done, have);
	LLVMPositionBuilderAtEnd(g->b, have);
	LLVMValueRef v;
	if (!read || read(g, p, &v))
		v = cg_load_int(g, cg_gep(g, p, off), size, sign);
	LLVMBasicBlockRef have_end = LLVMGetInsertBlock(g->b);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	LLVMValueRef phi = LLVMBuildPhi(g->b, g->i64, "");
	LLVMValueRef vals[2] = { cg_const(g, 0), v };
	LLVMBasicBlockRef bbs[2] = { from, have_end };
	LLVMAddIncoming(phi, vals, bbs, 2);
	return phi;
}
