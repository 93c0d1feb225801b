/* Expression lowering: literals, locals, arithmetic and comparisons (64-bit, signedness by
 * type), logical operators with short circuit, ternaries, casts, tuples, string compares. */
#include "cg.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

bool cg_is_mem_type(const struct type *t)
{
	return t && (t->kind == TY_STR || t->kind == TY_TUPLE || t->kind == TY_USTACK ||
		     t->kind == TY_USYM);
}

static bool is_u64(const struct type *t)
{
	return t && (t->kind == TY_INT || t->kind == TY_SUM) && !t->is_signed && t->size == 8;
}

static LLVMValueRef str_literal(struct cg *g, const char *s, int len, int size)
{
	if (size < len + 1)
		size = len + 1;
	LLVMValueRef p = cg_tmp(g, size);
	cg_store_cstr(g, p, s, len, size);
	return p;
}

/* Signed division/modulo for BPF v3 (which has only unsigned ones): divide magnitudes and
 * fix the sign. A zero divisor gives 0 for '/' and the dividend for '%', as the ISA does. */
static LLVMValueRef divide(struct cg *g, LLVMValueRef a, LLVMValueRef b, bool mod, bool sign)
{
	LLVMValueRef zero = cg_const(g, 0);
	LLVMValueRef bz = LLVMBuildICmp(g->b, LLVMIntEQ, b, zero, "");
	LLVMValueRef d = LLVMBuildSelect(g->b, bz, cg_const(g, 1), b, "");
	LLVMValueRef r;
	if (!sign) {
		r = mod ? LLVMBuildURem(g->b, a, d, "") : LLVMBuildUDiv(g->b, a, d, "");
	} else {
		LLVMValueRef an = LLVMBuildICmp(g->b, LLVMIntSLT, a, zero, "");
		LLVMValueRef dn = LLVMBuildICmp(g->b, LLVMIntSLT, d, zero, "");
		LLVMValueRef aa = LLVMBuildSelect(g->b, an, LLVMBuildNeg(g->b, a, ""), a, "");
		LLVMValueRef ad = LLVMBuildSelect(g->b, dn, LLVMBuildNeg(g->b, d, ""), d, "");
		r = mod ? LLVMBuildURem(g->b, aa, ad, "") : LLVMBuildUDiv(g->b, aa, ad, "");
		LLVMValueRef neg = mod ? an : LLVMBuildXor(g->b, an, dn, "");
		r = LLVMBuildSelect(g->b, neg, LLVMBuildNeg(g->b, r, ""), r, "");
	}
	return LLVMBuildSelect(g->b, bz, mod ? a : zero, r, "");
}

static LLVMValueRef arith(struct cg *g, enum ast_op op, LLVMValueRef a, LLVMValueRef b, bool sign)
{
	switch (op) {
	case OP_ADD:
		return LLVMBuildAdd(g->b, a, b, "");
	case OP_SUB:
		return LLVMBuildSub(g->b, a, b, "");
	case OP_MUL:
		return LLVMBuildMul(g->b, a, b, "");
	case OP_DIV:
		return divide(g, a, b, false, sign);
	case OP_MOD:
		return divide(g, a, b, true, sign);
	case OP_BAND:
		return LLVMBuildAnd(g->b, a, b, "");
	case OP_BOR:
		return LLVMBuildOr(g->b, a, b, "");
	case OP_BXOR:
		return LLVMBuildXor(g->b, a, b, "");
	case OP_SHL:
	case OP_SHR: {
		/* Shifts by 64 or more are poison in LLVM; mask like the BPF ISA does. */
		LLVMValueRef s = LLVMBuildAnd(g->b, b, cg_const(g, 63), "");
		if (op == OP_SHL)
			return LLVMBuildShl(g->b, a, s, "");
		return sign ? LLVMBuildAShr(g->b, a, s, "") : LLVMBuildLShr(g->b, a, s, "");
	}
	case OP_NONE: case OP_LAND: case OP_LOR: case OP_EQ: case OP_NE: case OP_LT: case OP_LE:
	case OP_GT: case OP_GE: case OP_NEG: case OP_BNOT: case OP_LNOT: case OP_DEREF:
	case OP_ADDR:
		break;
	}
	return cg_const(g, 0); /* not an arithmetic operator: callers never pass one */
}

LLVMValueRef cg_arith(struct cg *g, enum ast_op op, LLVMValueRef a, LLVMValueRef b,
		      const struct type *ty)
{
	return arith(g, op, a, b, ty ? ty->is_signed : true);
}

static LLVMIntPredicate predicate(enum ast_op op, bool sign)
{
	switch (op) {
	case OP_EQ:
		return LLVMIntEQ;
	case OP_NE:
		return LLVMIntNE;
	case OP_LT:
		return sign ? LLVMIntSLT : LLVMIntULT;
	case OP_LE:
		return sign ? LLVMIntSLE : LLVMIntULE;
	case OP_GT:
		return sign ? LLVMIntSGT : LLVMIntUGT;
	case OP_GE: case OP_NONE: case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV:
	case OP_MOD: case OP_BAND: case OP_BOR: case OP_BXOR: case OP_SHL: case OP_SHR:
	case OP_LAND: case OP_LOR: case OP_NEG: case OP_BNOT: case OP_LNOT: case OP_DEREF:
	case OP_ADDR:
		break;
	}
	return sign ? LLVMIntSGE : LLVMIntUGE;
}

static bool is_cmp(enum ast_op op)
{
	return op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE || op == OP_GT ||
	       op == OP_GE;
}

/* String equality, unrolled byte by byte up to the shorter size (or limit), stopping at the
 * first NUL. A literal side is folded into constants. Returns i1 "equal". */
LLVMValueRef cg_str_equal(struct cg *g, struct ast_node *l, struct ast_node *r, int limit)
{
	if (l->kind == AST_STR && r->kind != AST_STR) {
		struct ast_node *t = l;
		l = r;
		r = t;
	}
	bool lit = r->kind == AST_STR;
	int n = l->ty->size < r->ty->size ? l->ty->size : r->ty->size;
	if (limit < n)
		n = limit;
	LLVMValueRef a = cg_expr(g, l);
	LLVMValueRef b = lit ? NULL : cg_expr(g, r);
	LLVMBasicBlockRef done = cg_block(g, "streq.done");
	LLVMBasicBlockRef froms[1024];
	LLVMValueRef vals[1024];
	int k = 0;
	for (int i = 0; i < n && k < 1020; i++) {
		LLVMValueRef x = LLVMBuildLoad2(g->b, g->i8, cg_gep(g, a, i), "");
		if (lit) {
			int c = i < r->str.len ? (unsigned char)r->str.s[i] : 0;
			LLVMValueRef eq = LLVMBuildICmp(g->b, LLVMIntEQ, x,
							LLVMConstInt(g->i8, (unsigned)c, 0), "");
			if (c == 0) {
				froms[k] = LLVMGetInsertBlock(g->b);
				vals[k++] = eq;
				LLVMBuildBr(g->b, done);
				goto out;
			}
			LLVMBasicBlockRef next = cg_block(g, "streq.next");
			froms[k] = LLVMGetInsertBlock(g->b);
			vals[k++] = LLVMConstInt(g->i1, 0, 0);
			LLVMBuildCondBr(g->b, eq, next, done);
			LLVMPositionBuilderAtEnd(g->b, next);
			continue;
		}
		LLVMValueRef y = LLVMBuildLoad2(g->b, g->i8, cg_gep(g, b, i), "");
		LLVMBasicBlockRef same = cg_block(g, "streq.same");
		LLVMBasicBlockRef next = cg_block(g, "streq.next");
		froms[k] = LLVMGetInsertBlock(g->b);
		vals[k++] = LLVMConstInt(g->i1, 0, 0);
		LLVMBuildCondBr(g->b, LLVMBuildICmp(g->b, LLVMIntEQ, x, y, ""), same, done);
		LLVMPositionBuilderAtEnd(g->b, same);
		froms[k] = same;
		vals[k++] = LLVMConstInt(g->i1, 1, 0);
		LLVMBuildCondBr(g->b, cg_is_zero(g, x), done, next);
		LLVMPositionBuilderAtEnd(g->b, next);
	}
	froms[k] = LLVMGetInsertBlock(g->b);
	vals[k++] = LLVMConstInt(g->i1, 1, 0);
	LLVMBuildBr(g->b, done);
out:
	LLVMPositionBuilderAtEnd(g->b, done);
	LLVMValueRef phi = LLVMBuildPhi(g->b, g->i1, "");
	LLVMAddIncoming(phi, vals, froms, (unsigned)k);
	return phi;
}

static LLVMValueRef compare(struct cg *g, struct ast_node *n)
{
	struct ast_node *l = n->binop.lhs, *r = n->binop.rhs;
	if (l->ty && r->ty && (l->ty->kind == TY_STR || r->ty->kind == TY_STR)) {
		LLVMValueRef eq = cg_str_equal(g, l, r, INT_MAX);
		return n->binop.op == OP_NE ? LLVMBuildNot(g->b, eq, "") : eq;
	}
	bool sign = !(is_u64(l->ty) || is_u64(r->ty));
	LLVMValueRef a = cg_expr(g, l);
	LLVMValueRef b = cg_expr(g, r);
	return LLVMBuildICmp(g->b, predicate(n->binop.op, sign), a, b, "");
}

/* a && b, a || b: b runs only when needed. */
static LLVMValueRef logical(struct cg *g, struct ast_node *n)
{
	bool is_and = n->binop.op == OP_LAND;
	LLVMValueRef a = cg_cond(g, n->binop.lhs);
	LLVMBasicBlockRef from = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef rhs = cg_block(g, "logic.rhs");
	LLVMBasicBlockRef done = cg_block(g, "logic.done");
	if (is_and)
		LLVMBuildCondBr(g->b, a, rhs, done);
	else
		LLVMBuildCondBr(g->b, a, done, rhs);
	LLVMPositionBuilderAtEnd(g->b, rhs);
	LLVMValueRef b = cg_cond(g, n->binop.rhs);
	LLVMBasicBlockRef rhs_end = LLVMGetInsertBlock(g->b);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
	LLVMValueRef phi = LLVMBuildPhi(g->b, g->i1, "");
	LLVMValueRef vals[2] = { LLVMConstInt(g->i1, is_and ? 0 : 1, 0), b };
	LLVMBasicBlockRef bbs[2] = { from, rhs_end };
	LLVMAddIncoming(phi, vals, bbs, 2);
	return phi;
}

static LLVMValueRef binop(struct cg *g, struct ast_node *n)
{
	enum ast_op op = n->binop.op;
	if (op == OP_LAND || op == OP_LOR)
		return cg_ext(g, logical(g, n), false);
	if (is_cmp(op))
		return cg_ext(g, compare(g, n), false);
	struct ast_node *l = n->binop.lhs, *r = n->binop.rhs;
	LLVMValueRef a = cg_expr(g, l);
	LLVMValueRef b = cg_expr(g, r);
	/* Pointer arithmetic scales by the pointee size, as in C. */
	if (l->ty && l->ty->kind == TY_PTR && (op == OP_ADD || op == OP_SUB) && l->ty->elem &&
	    l->ty->elem->size > 1 && r->ty && r->ty->kind == TY_INT)
		b = LLVMBuildMul(g->b, b, cg_const(g, (uint64_t)l->ty->elem->size), "");
	bool sign = n->ty ? n->ty->is_signed : true;
	if (op == OP_SHR && l->ty)
		sign = l->ty->is_signed;
	return arith(g, op, a, b, sign);
}

static LLVMValueRef unop(struct cg *g, struct ast_node *n)
{
	switch (n->unop.op) {
	case OP_NEG:
		return LLVMBuildNeg(g->b, cg_expr(g, n->unop.expr), "");
	case OP_BNOT:
		return LLVMBuildNot(g->b, cg_expr(g, n->unop.expr), "");
	case OP_LNOT:
		return cg_ext(g, LLVMBuildNot(g->b, cg_cond(g, n->unop.expr), ""), false);
	case OP_DEREF:
		return cg_deref(g, n);
	case OP_ADDR:
		cg_fail(g, &n->loc, "taking the address of a value is not supported");
		return cg_const(g, 0);
	case OP_NONE: case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD:
	case OP_BAND: case OP_BOR: case OP_BXOR: case OP_SHL: case OP_SHR: case OP_LAND:
	case OP_LOR: case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE:
		break;
	}
	cg_fail(g, &n->loc, "internal error: %s is not a unary operator", ast_op_str(n->unop.op));
	return cg_const(g, 0);
}

/* Truncates/extends an i64 to the integer type t (sign kept by t). */
static LLVMValueRef fit_int(struct cg *g, LLVMValueRef v, const struct type *t)
{
	if (!t || t->kind != TY_INT || t->size >= 8)
		return v;
	LLVMTypeRef it = LLVMIntTypeInContext(g->ctx, (unsigned)t->size * 8);
	LLVMValueRef tr = LLVMBuildTrunc(g->b, v, it, "");
	if (t->is_signed)
		return LLVMBuildSExt(g->b, tr, g->i64, "");
	return LLVMBuildZExt(g->b, tr, g->i64, "");
}

static LLVMValueRef ternary(struct cg *g, struct ast_node *n)
{
	bool mem = cg_is_mem_type(n->ty);
	LLVMValueRef out = mem ? cg_tmp(g, n->ty->size) : NULL;
	LLVMValueRef c = cg_cond(g, n->ternary.cond);
	LLVMBasicBlockRef bt = cg_block(g, "tern.then");
	LLVMBasicBlockRef bf = cg_block(g, "tern.else");
	LLVMBasicBlockRef done = cg_block(g, "tern.done");
	LLVMBuildCondBr(g->b, c, bt, bf);
	LLVMValueRef vals[2];
	LLVMBasicBlockRef bbs[2];
	struct ast_node *arms[2] = { n->ternary.then, n->ternary.otherwise };
	LLVMBasicBlockRef starts[2] = { bt, bf };
	for (int i = 0; i < 2; i++) {
		LLVMPositionBuilderAtEnd(g->b, starts[i]);
		if (mem)
			cg_store(g, out, n->ty, arms[i]);
		else
			vals[i] = fit_int(g, cg_expr(g, arms[i]), n->ty);
		bbs[i] = LLVMGetInsertBlock(g->b);
		LLVMBuildBr(g->b, done);
	}
	LLVMPositionBuilderAtEnd(g->b, done);
	if (mem)
		return out;
	LLVMValueRef phi = LLVMBuildPhi(g->b, g->i64, "");
	LLVMAddIncoming(phi, vals, bbs, 2);
	return phi;
}

static LLVMValueRef tuple(struct cg *g, struct ast_node *n)
{
	LLVMValueRef p = cg_tmp(g, n->ty->size);
	cg_memset0(g, p, n->ty->size);
	for (int i = 0; i < n->tuple.elems.len && i < n->ty->fields.len; i++) {
		const struct ty_field *f = &n->ty->fields.v[i];
		cg_store(g, cg_gep(g, p, f->offset), f->type, n->tuple.elems.v[i]);
	}
	return p;
}

static LLVMValueRef tuple_get(struct cg *g, struct ast_node *n)
{
	struct ast_node *e = n->tuple_get.expr;
	LLVMValueRef p = cg_expr(g, e);
	int i = n->tuple_get.index;
	if (!e->ty || e->ty->kind != TY_TUPLE || i < 0 || i >= e->ty->fields.len) {
		cg_fail(g, &n->loc, "internal error: bad tuple index");
		return cg_const(g, 0);
	}
	const struct ty_field *f = &e->ty->fields.v[i];
	LLVMValueRef fp = cg_gep(g, p, f->offset);
	if (cg_is_mem_type(f->type))
		return fp;
	return cg_load_int(g, fp, f->type->size, f->type->is_signed);
}

static LLVMValueRef var(struct cg *g, struct ast_node *n)
{
	struct sema_var *v = n->var.var;
	if (!v || !g->sp || v->id < 0 || v->id >= g->sp->vars.len) {
		cg_fail(g, &n->loc, "internal error: unresolved variable $%s", n->var.name);
		return cg_const(g, 0);
	}
	LLVMValueRef p = cg_frame_ptr(g, g->var_off[v->id]);
	const struct type *t = v->ty ? v->ty : n->ty;
	/* strings, tuples, and records and arrays stored by value: their bytes in the frame */
	if (cg_is_mem_type(t) || (ty_desc(t)->flags & TY_F_MEMORY))
		return p;
	if (t && t->kind == TY_CTX)
		return LLVMBuildLoad2(g->b, g->ptr, p, "");
	return cg_load_int(g, p, t ? t->size : 8, t ? t->is_signed : true);
}

static LLVMValueRef posparam(struct cg *g, struct ast_node *n)
{
	int i = n->posparam.index;
	if (i == 0)
		return cg_const(g, (uint64_t)g->c->opts.nparams);
	const char *s = i <= g->c->opts.nparams ? g->c->opts.params[i - 1] : "";
	if (n->ty && n->ty->kind == TY_STR)
		return str_literal(g, s, (int)strlen(s), n->ty->size);
	return cg_const(g, (uint64_t)strtoll(s, NULL, 0));
}

static LLVMValueRef incdec(struct cg *g, struct ast_node *n)
{
	struct ast_node *t = n->incdec.target;
	if (t->kind == AST_MAP)
		return cg_map_incdec(g, n);
	LLVMValueRef old = var(g, t);
	struct sema_var *v = t->var.var;
	LLVMValueRef one = cg_const(g, n->incdec.inc ? 1 : (uint64_t)-1);
	LLVMValueRef nv = LLVMBuildAdd(g->b, old, one, "");
	if (g->err)
		return old;
	cg_store_int(g, cg_frame_ptr(g, g->var_off[v->id]), nv, v->ty ? v->ty->size : 8);
	return n->incdec.post ? old : nv;
}

static LLVMValueRef sizeof_(struct cg *g, struct ast_node *n)
{
	struct ast_node *a = n->sizeof_.arg;
	return cg_const(g, a && a->ty ? (uint64_t)a->ty->size : 0);
}

LLVMValueRef cg_expr(struct cg *g, struct ast_node *n)
{
	switch (n->kind) {
	case AST_INT:
		return cg_const(g, n->int_.value);
	case AST_STR:
		return str_literal(g, n->str.s, n->str.len, n->ty ? n->ty->size : n->str.len + 1);
	case AST_BUILTIN:
		return cg_builtin(g, n);
	case AST_POSPARAM:
		return posparam(g, n);
	case AST_VAR:
		return var(g, n);
	case AST_MAP:
		return cg_map_read(g, n);
	case AST_CALL:
		return cg_call(g, n);
	case AST_BINOP:
		return binop(g, n);
	case AST_UNOP:
		return unop(g, n);
	case AST_INCDEC:
		return incdec(g, n);
	case AST_TERNARY:
		return ternary(g, n);
	case AST_CAST:
		return fit_int(g, cg_expr(g, n->cast.expr), n->ty);
	case AST_FIELD:
		return cg_field(g, n);
	case AST_INDEX:
		return cg_index(g, n);
	case AST_TUPLE:
		return tuple(g, n);
	case AST_TUPLE_GET:
		return tuple_get(g, n);
	case AST_SIZEOF:
		return sizeof_(g, n);
	case AST_TYPENAME:
	case AST_PROGRAM:
	case AST_PROBE:
	case AST_ATTACH:
	case AST_BLOCK:
	case AST_EXPR_STMT:
	case AST_ASSIGN:
	case AST_LET:
	case AST_IF:
	case AST_WHILE:
	case AST_UNROLL:
	case AST_FOR_RANGE:
	case AST_FOR_MAP:
	case AST_BREAK:
	case AST_CONTINUE:
	case AST_RETURN:
		break;
	}
	cg_fail(g, &n->loc, "internal error: %s is not an expression", ast_kind_name(n->kind));
	return cg_const(g, 0);
}

/* Lowers n as a condition (i1): comparisons directly, other integers as != 0. */
LLVMValueRef cg_cond(struct cg *g, struct ast_node *n)
{
	if (n->kind == AST_BINOP && is_cmp(n->binop.op))
		return compare(g, n);
	if (n->kind == AST_BINOP && (n->binop.op == OP_LAND || n->binop.op == OP_LOR))
		return logical(g, n);
	if (n->kind == AST_UNOP && n->unop.op == OP_LNOT)
		return LLVMBuildNot(g->b, cg_cond(g, n->unop.expr), "");
	LLVMValueRef v = cg_expr(g, n);
	if (LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMPointerTypeKind)
		return LLVMBuildIsNotNull(g->b, v, "");
	return LLVMBuildICmp(g->b, LLVMIntNE, v, LLVMConstNull(LLVMTypeOf(v)), "");
}
