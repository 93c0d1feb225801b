/* Functions whose work is new code: join()'s event (the char** read in BPF), debugf()
 * through bpf_trace_printk, strncmp() and strcontains() on BPF strings, bswap(), signal(),
 * override(), path(), unwatch(), pton(), and the values user space renders (strerror,
 * macaddr, ntop, cgroup_path). Rows of lowerers[] in builtins_calls.c point here. */
#include "cg.h"

#include <linux/bpf.h>
#include <stddef.h>

static struct ast_node *arg(struct ast_node *n, int i)
{
	return n->call.args.v[i];
}

static LLVMValueRef as_ptr(struct cg *g, LLVMValueRef v)
{
	if (LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMPointerTypeKind)
		return v;
	return LLVMBuildIntToPtr(g->b, v, g->ptr, "");
}

static LLVMValueRef as_int(struct cg *g, LLVMValueRef v)
{
	if (LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMPointerTypeKind)
		return LLVMBuildPtrToInt(g->b, v, g->i64, "");
	return cg_ext(g, v, false);
}

/* join(argv [, sep]): up to PD_JOIN_MAX strings of argv (until a NULL pointer) straight
 * into the record; user space joins them with the separator. */
LLVMValueRef cg_lower_join(struct cg *g, struct ast_node *n)
{
	const struct type *pl = n->call.payload;
	if (!pl || pl->fields.len != PD_JOIN_MAX) {
		cg_fail(g, &n->loc, "internal error: join() has no payload");
		return cg_const(g, 0);
	}
	bool user = cg_str_is_user(g, arg(n, 0));
	LLVMValueRef argv = as_int(g, cg_expr(g, arg(n, 0)));
	LLVMValueRef slot = cg_tmp(g, 8);
	LLVMBasicBlockRef done;
	/* too big to zero whole: an empty string (its first byte) ends the list */
	LLVMValueRef rec = cg_event_reserve_raw(g, 8 + pl->size, PD_EV_JOIN,
						(uint32_t)n->call.id, &done);
	for (int i = 0; i < PD_JOIN_MAX; i++)
		LLVMBuildStore(g->b, LLVMConstInt(g->i8, 0, 0),
			       cg_gep(g, rec, 8 + pl->fields.v[i].offset));
	LLVMBasicBlockRef end = cg_block(g, "join.end");
	for (int i = 0; i < PD_JOIN_MAX; i++) {
		const struct ty_field *f = &pl->fields.v[i];
		LLVMValueRef at = LLVMBuildAdd(g->b, argv, cg_const(g, 8 * (uint64_t)i), "");
		cg_store_int(g, slot, cg_const(g, 0), 8);
		LLVMValueRef rargs[3] = { slot, LLVMConstInt(g->i32, 8, 0), as_ptr(g, at) };
		cg_helper(g, user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel, rargs,
			  3);
		LLVMValueRef p = cg_load_int(g, slot, 8, false);
		LLVMBasicBlockRef next = cg_block(g, "join.arg");
		LLVMBuildCondBr(g->b, cg_is_zero(g, p), end, next);
		LLVMPositionBuilderAtEnd(g->b, next);
		LLVMValueRef sargs[3] = { cg_gep(g, rec, 8 + f->offset),
					  LLVMConstInt(g->i32, (unsigned)f->type->size, 0),
					  as_ptr(g, p) };
		cg_helper(g, user ? BPF_FUNC_probe_read_user_str : BPF_FUNC_probe_read_kernel_str,
			  sargs, 3);
	}
	LLVMBuildBr(g->b, end);
	LLVMPositionBuilderAtEnd(g->b, end);
	cg_event_submit(g, rec, done);
	return cg_const(g, 0);
}

/* debugf(fmt, ...): the format on the stack, strings passed by address and integers as
 * u64; bpf_trace_printk takes three arguments, bpf_trace_vprintk (5.16+) more. */
LLVMValueRef cg_lower_debugf(struct cg *g, struct ast_node *n)
{
	struct ast_node *f = arg(n, 0);
	int nargs = n->call.args.len - 1;
	LLVMValueRef vals[12];
	for (int i = 0; i < nargs && i < 12; i++)
		vals[i] = as_int(g, cg_expr(g, arg(n, i + 1)));
	LLVMValueRef fmt = cg_tmp(g, f->str.len + 1);
	cg_str_into(g, f, fmt, f->str.len + 1);
	LLVMValueRef size = LLVMConstInt(g->i32, (unsigned)f->str.len + 1, 0);
	if (nargs <= 3) {
		LLVMValueRef args[5] = { fmt, size };
		for (int i = 0; i < nargs; i++)
			args[2 + i] = vals[i];
		cg_helper(g, BPF_FUNC_trace_printk, args, 2 + nargs);
		return cg_const(g, 0);
	}
	LLVMValueRef data = cg_tmp(g, 8 * nargs);
	for (int i = 0; i < nargs && i < 12; i++)
		cg_store_int(g, cg_gep(g, data, 8 * i), vals[i], 8);
	LLVMValueRef args[4] = { fmt, size, data, LLVMConstInt(g->i32, 8 * (unsigned)nargs, 0) };
	cg_helper(g, BPF_FUNC_trace_vprintk, args, 4);
	return cg_const(g, 0);
}

/* strncmp(a, b, n): 0 when equal over the first n bytes, else 1 (bpftrace's values). */
LLVMValueRef cg_lower_strncmp(struct cg *g, struct ast_node *n)
{
	int64_t len = (int64_t)arg(n, 2)->int_.value;
	LLVMValueRef eq = cg_str_equal(g, arg(n, 0), arg(n, 1), len > 4096 ? 4096 : (int)len);
	return cg_ext(g, LLVMBuildNot(g->b, eq, ""), false);
}

/* A phi of type ty in the current block with one incoming value so far. */
static LLVMValueRef phi_from(struct cg *g, LLVMValueRef v, LLVMBasicBlockRef from)
{
	LLVMValueRef phi = LLVMBuildPhi(g->b, LLVMTypeOf(v), "");
	LLVMAddIncoming(phi, &v, &from, 1);
	return phi;
}

/* Branches to `to` when cond holds, else goes on in a new block. */
static void exit_if(struct cg *g, LLVMValueRef cond, LLVMBasicBlockRef to)
{
	LLVMBasicBlockRef go_on = cg_block(g, "strc.on");
	LLVMBuildCondBr(g->b, cond, to, go_on);
	LLVMPositionBuilderAtEnd(g->b, go_on);
}

static LLVMValueRef byte_at(struct cg *g, LLVMValueRef p, LLVMValueRef i)
{
	return LLVMBuildLoad2(g->b, g->i8, cg_gep_dyn(g, p, i), "");
}

/* strcontains(hay, needle): two loops, over start positions and over the needle until its
 * NUL. The verifier walks them with known counters (bounded loops, kernel 5.3+); unrolled,
 * one call on two 64-byte strings took LLVM seconds. A literal needle goes to the stack. */
LLVMValueRef cg_lower_strcontains(struct cg *g, struct ast_node *n)
{
	struct ast_node *h = arg(n, 0), *s = arg(n, 1);
	int nsize = s->kind == AST_STR ? s->str.len + 1 : s->ty->size;
	LLVMValueRef hsize = cg_const(g, (uint64_t)h->ty->size), hay = cg_expr(g, h), needle;
	if (s->kind == AST_STR) {
		needle = cg_tmp(g, nsize);
		cg_str_into(g, s, needle, nsize);
	} else {
		needle = cg_expr(g, s);
	}
	LLVMBasicBlockRef yes = cg_block(g, "strc.yes"), no = cg_block(g, "strc.no");
	LLVMBasicBlockRef outer = cg_block(g, "strc.pos"), inner = cg_block(g, "strc.cmp");
	LLVMBasicBlockRef next = cg_block(g, "strc.next"), done = cg_block(g, "strc.done");
	LLVMBasicBlockRef entry = LLVMGetInsertBlock(g->b);
	LLVMBuildBr(g->b, outer);

	LLVMPositionBuilderAtEnd(g->b, outer);
	LLVMValueRef i = phi_from(g, cg_const(g, 0), entry);
	LLVMBuildBr(g->b, inner);

	LLVMPositionBuilderAtEnd(g->b, inner);
	LLVMValueRef k = phi_from(g, cg_const(g, 0), outer);
	LLVMValueRef c = byte_at(g, needle, k);
	exit_if(g, cg_is_zero(g, c), yes);
	LLVMValueRef at = LLVMBuildAdd(g->b, i, k, "");
	exit_if(g, LLVMBuildICmp(g->b, LLVMIntUGE, at, hsize, ""), no); /* runs past the end */
	exit_if(g, LLVMBuildICmp(g->b, LLVMIntNE, byte_at(g, hay, at), c, ""), next);
	LLVMValueRef k1 = LLVMBuildAdd(g->b, k, cg_const(g, 1), "");
	exit_if(g, LLVMBuildICmp(g->b, LLVMIntUGE, k1, cg_const(g, (uint64_t)nsize), ""), yes);
	LLVMBasicBlockRef k_back = LLVMGetInsertBlock(g->b);
	LLVMAddIncoming(k, &k1, &k_back, 1);
	LLVMBuildBr(g->b, inner);

	/* a NUL in the haystack ends the search */
	LLVMPositionBuilderAtEnd(g->b, next);
	exit_if(g, cg_is_zero(g, byte_at(g, hay, i)), no);
	LLVMValueRef i1 = LLVMBuildAdd(g->b, i, cg_const(g, 1), "");
	exit_if(g, LLVMBuildICmp(g->b, LLVMIntUGE, i1, hsize, ""), no);
	LLVMBasicBlockRef i_back = LLVMGetInsertBlock(g->b);
	LLVMAddIncoming(i, &i1, &i_back, 1);
	LLVMBuildBr(g->b, outer);

	LLVMPositionBuilderAtEnd(g->b, yes);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, no);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	LLVMValueRef phi = LLVMBuildPhi(g->b, g->i64, "");
	LLVMValueRef vals[2] = { cg_const(g, 1), cg_const(g, 0) };
	LLVMBasicBlockRef from[2] = { yes, no };
	LLVMAddIncoming(phi, vals, from, 2);
	return phi;
}

/* bswap(x): the bytes of x's own width reversed (llvm.bswap; BPF's BPF_END). */
LLVMValueRef cg_lower_bswap(struct cg *g, struct ast_node *n)
{
	int size = n->ty->size;
	LLVMValueRef v = cg_expr(g, arg(n, 0));
	if (size < 2)
		return cg_ext(g, v, false);
	LLVMTypeRef t = LLVMIntTypeInContext(g->ctx, 8 * (unsigned)size);
	v = LLVMBuildIntCast2(g->b, v, t, 0, "");
	unsigned id = LLVMLookupIntrinsicID("llvm.bswap", 10);
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, &t, 1);
	LLVMTypeRef fty = LLVMFunctionType(t, &t, 1, 0);
	return cg_ext(g, LLVMBuildCall2(g->b, fty, fn, &v, 1, ""), false);
}

LLVMValueRef cg_lower_signal(struct cg *g, struct ast_node *n)
{
	LLVMValueRef sig = LLVMBuildIntCast2(g->b, cg_expr(g, arg(n, 0)), g->i32, 0, "");
	cg_helper(g, BPF_FUNC_send_signal, &sig, 1);
	return cg_const(g, 0);
}

LLVMValueRef cg_lower_override(struct cg *g, struct ast_node *n)
{
	LLVMValueRef args[2] = { cg_probe_ctx(g), cg_expr(g, arg(n, 0)) };
	cg_helper(g, BPF_FUNC_override_return, args, 2);
	return cg_const(g, 0);
}

/* A chain ctx->a->b.c or args.a->b as the verifier's typed (BTF) pointer: pointers loaded
 * directly (not copied by probe_read, which makes them plain numbers), each checked against
 * NULL (the check branches to `null`), embedded records by offset. NULL when n is no such
 * chain. */
static LLVMValueRef btf_ptr(struct cg *g, struct ast_node *n, LLVMBasicBlockRef null)
{
	if (n->kind == AST_BUILTIN && n->builtin.id == BI_CTX)
		return cg_probe_ctx(g);
	if (n->kind != AST_FIELD || !n->field.expr->ty)
		return NULL;
	const struct type *bt = n->field.expr->ty;
	bool via_ptr = bt->kind == TY_PTR || bt->kind == TY_CTX; /* args.x: from the context */
	const struct ty_field *f = cg_find_field(via_ptr ? bt->elem : bt, n->field.name);
	if (!f || f->bit_size || (!via_ptr && bt->kind != TY_RECORD))
		return NULL;
	LLVMValueRef base = bt->kind == TY_CTX ? cg_probe_ctx(g) : btf_ptr(g, n->field.expr, null);
	if (!base)
		return NULL;
	LLVMValueRef at = cg_gep(g, base, f->offset);
	if (f->type->kind == TY_RECORD)
		return at;
	if (f->type->kind != TY_PTR)
		return NULL;
	LLVMValueRef p = LLVMBuildLoad2(g->b, g->ptr, at, "");
	LLVMBasicBlockRef ok = cg_block(g, "btf.ok");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), null, ok);
	LLVMPositionBuilderAtEnd(g->b, ok);
	return p;
}

/* path(p): bpf_d_path into a string of the call's size. The kernel takes only a typed
 * pointer to a struct path: a chain from ctx (an empty string when a pointer on the way
 * is NULL), else the value as it is (which the verifier refuses, with a note). */
LLVMValueRef cg_lower_path(struct cg *g, struct ast_node *n)
{
	int size = n->ty->size;
	LLVMValueRef buf = cg_tmp(g, size);
	cg_memset0(g, buf, size);
	LLVMBasicBlockRef done = cg_block(g, "path.done");
	LLVMValueRef p = btf_ptr(g, arg(n, 0), done);
	if (!p)
		p = as_ptr(g, cg_expr(g, arg(n, 0)));
	LLVMValueRef args[3] = { p, buf, LLVMConstInt(g->i32, (unsigned)size, 0) };
	cg_helper(g, BPF_FUNC_d_path, args, 3);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	return buf;
}

/* unwatch(addr): user space detaches the watchpoints on addr. */
LLVMValueRef cg_lower_unwatch(struct cg *g, struct ast_node *n)
{
	LLVMValueRef addr = as_int(g, cg_expr(g, arg(n, 0)));
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_reserve(g, 16, PD_EV_UNWATCH, 0, &done);
	cg_store_int(g, cg_gep(g, rec, 8), addr, 8);
	cg_event_submit(g, rec, done);
	return cg_const(g, 0);
}

/* pton("addr"): the address's bytes on the stack (an array value is its address). */
LLVMValueRef cg_lower_pton(struct cg *g, struct ast_node *n)
{
	uint8_t bytes[16];
	int len = sema_pton(arg(n, 0)->str.s, bytes);
	LLVMValueRef p = cg_tmp(g, 16);
	for (int i = 0; i < len; i++)
		LLVMBuildStore(g->b, LLVMConstInt(g->i8, bytes[i], 0), cg_gep(g, p, i));
	return p;
}

/* The identity: strerror(n) and cgroup_path(id) are their integer, rendered in user space. */
LLVMValueRef cg_lower_rendered_int(struct cg *g, struct ast_node *n)
{
	return cg_expr(g, arg(n, 0));
}

/* n bytes of a into dst: the bytes of a string or array in BPF memory, else read at the
 * address a holds (an array field's value is its kernel or user address). */
static void copy_bytes(struct cg *g, LLVMValueRef dst, struct ast_node *a, int n)
{
	LLVMValueRef v = cg_expr(g, a);
	if (LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMPointerTypeKind) {
		cg_memcpy(g, dst, v, n);
		return;
	}
	bool user = a->ty->kind == TY_ARRAY ? sema_expr_is_user(a) : cg_str_is_user(g, a);
	LLVMValueRef args[3] = { dst, LLVMConstInt(g->i32, (unsigned)n, 0), as_ptr(g, v) };
	cg_helper(g, user ? BPF_FUNC_probe_read_user : BPF_FUNC_probe_read_kernel, args, 3);
}

/* macaddr(p): six bytes in a zeroed u64. */
LLVMValueRef cg_lower_macaddr(struct cg *g, struct ast_node *n)
{
	LLVMValueRef buf = cg_tmp(g, 8);
	cg_store_int(g, buf, cg_const(g, 0), 8);
	copy_bytes(g, buf, arg(n, 0), 6);
	return cg_load_int(g, buf, 8, false);
}

/* ntop([af,] addr): a struct pd_inet on the stack. */
LLVMValueRef cg_lower_ntop(struct cg *g, struct ast_node *n)
{
	struct ast_node *a = arg(n, n->call.args.len - 1);
	bool v6 = a->ty->kind != TY_INT && a->ty->size == 16;
	LLVMValueRef p = cg_tmp(g, (int)sizeof(struct pd_inet));
	cg_memset0(g, p, (int)sizeof(struct pd_inet));
	LLVMValueRef af = n->call.args.len > 1 ? cg_expr(g, arg(n, 0)) :
						 cg_const(g, v6 ? PD_AF_INET6 : PD_AF_INET);
	cg_store_int(g, p, af, 8);
	LLVMValueRef addr = cg_gep(g, p, offsetof(struct pd_inet, addr));
	if (a->ty->kind == TY_INT)
		cg_store_int(g, addr, cg_expr(g, a), 4);
	else
		copy_bytes(g, addr, a, v6 ? 16 : 4);
	return p;
}
