/* Statement lowering: assignments to locals, let, if/else, while, unroll, for over a range
 * (bpf_loop) or a map (bpf_for_each_map_elem), break/continue/return. Loop bodies that
 * run in callbacks reach the probe's locals through the frame passed as callback ctx. */
#include "cg.h"

#include <linux/bpf.h>


static int var_off(struct cg *g, struct ast_node *v)
{
	struct sema_var *sv = v->kind == AST_VAR ? v->var.var : NULL;
	if (!sv || !g->sp || sv->id < 0 || sv->id >= g->sp->vars.len) {
		cg_fail(g, &v->loc, "internal error: unresolved variable");
		return -1;
	}
	return g->var_off[sv->id];
}

static void assign_var(struct cg *g, struct ast_node *lhs, enum ast_op op, struct ast_node *rhs)
{
	int off = var_off(g, lhs);
	if (off < 0)
		return;
	const struct type *t = lhs->var.var->ty ? lhs->var.var->ty : lhs->ty;
	LLVMValueRef p = cg_frame_ptr(g, off);
	if (op == OP_NONE) {
		cg_store(g, p, t, rhs);
		return;
	}
	LLVMValueRef old = cg_load_int(g, p, t->size, t->is_signed);
	LLVMValueRef v = cg_arith(g, op, old, cg_expr(g, rhs), t);
	cg_store_int(g, p, v, t->size);
}

static void let(struct cg *g, struct ast_node *n)
{
	struct ast_node *v = n->let.var;
	int off = var_off(g, v);
	if (off < 0)
		return;
	const struct type *t = v->var.var->ty ? v->var.var->ty : v->ty;
	if (n->let.init)
		cg_store(g, cg_frame_ptr(g, off), t, n->let.init);
	else
		cg_memset0(g, cg_frame_ptr(g, off), t && t->size > 0 ? t->size : 8);
}

static void if_(struct cg *g, struct ast_node *n)
{
	LLVMValueRef c = cg_cond(g, n->if_.cond);
	LLVMBasicBlockRef bt = cg_block(g, "if.then");
	LLVMBasicBlockRef bf = n->if_.otherwise ? cg_block(g, "if.else") : NULL;
	LLVMBasicBlockRef done = cg_block(g, "if.done");
	LLVMBuildCondBr(g->b, c, bt, bf ? bf : done);
	LLVMPositionBuilderAtEnd(g->b, bt);
	cg_stmt(g, n->if_.then);
	if (!cg_terminated(g))
		LLVMBuildBr(g->b, done);
	if (bf) {
		LLVMPositionBuilderAtEnd(g->b, bf);
		cg_stmt(g, n->if_.otherwise);
		if (!cg_terminated(g))
			LLVMBuildBr(g->b, done);
	}
	LLVMPositionBuilderAtEnd(g->b, done);
}

static void push_loop(struct cg *g, bool callback, LLVMBasicBlockRef brk, LLVMBasicBlockRef cont)
{
	struct cg_loop l = { callback, brk, cont };
	if (vec_push(&g->c->arena, &g->loops, l))
		g->err = -ENOMEM;
}

static void while_(struct cg *g, struct ast_node *n)
{
	LLVMBasicBlockRef head = cg_block(g, "while.cond");
	LLVMBasicBlockRef body = cg_block(g, "while.body");
	LLVMBasicBlockRef done = cg_block(g, "while.done");
	LLVMBuildBr(g->b, head);
	LLVMPositionBuilderAtEnd(g->b, head);
	int mark = g->tmps.len;
	LLVMValueRef c = cg_cond(g, n->loop.cond);
	cg_tmps_end(g, mark);
	LLVMBuildCondBr(g->b, c, body, done);
	LLVMPositionBuilderAtEnd(g->b, body);
	push_loop(g, false, done, head);
	cg_stmt(g, n->loop.body);
	g->loops.len--;
	if (!cg_terminated(g))
		LLVMBuildBr(g->b, head);
	LLVMPositionBuilderAtEnd(g->b, done);
}

static void unroll(struct cg *g, struct ast_node *n)
{
	int count = n->loop.count && n->loop.count->kind == AST_INT ? (int)n->loop.count->int_.value
								     : 0;
	for (int i = 0; i < count && !cg_terminated(g); i++)
		cg_stmt(g, n->loop.body);
}

/* After a loop callback returns: a `return` inside it set the frame flag; leave the probe
 * (or, inside another callback, stop that loop too). */
static void check_ret_flag(struct cg *g)
{
	LLVMValueRef flag = cg_load_int(g, cg_frame_ptr(g, CG_FRAME_RET_OFF), 8, false);
	LLVMBasicBlockRef out = cg_block(g, "loop.ret");
	LLVMBasicBlockRef next = cg_block(g, "loop.next");
	LLVMBuildCondBr(g->b, cg_is_zero(g, flag), next, out);
	LLVMPositionBuilderAtEnd(g->b, out);
	LLVMBuildRet(g->b, cg_const(g, g->f.is_callback ? 1 : 0));
	LLVMPositionBuilderAtEnd(g->b, next);
}

struct saved_fn {
	struct cg_fn f;
	LLVMBasicBlockRef bb;
	int loops;
};

static void save_fn(struct cg *g, struct saved_fn *s)
{
	s->f = g->f;
	s->bb = LLVMGetInsertBlock(g->b);
	s->loops = g->loops.len;
}

static void restore_fn(struct cg *g, struct saved_fn *s, struct ast_node *n)
{
	cg_ret(g, cg_const(g, 0));
	g->f = s->f;
	g->loops.len = s->loops;
	LLVMPositionBuilderAtEnd(g->b, s->bb);
	cg_set_loc(g, &n->loc);
}

/* for ($i : lo..hi) body: bpf_loop(hi - lo, cb, frame, 0) where cb sets $i = lo + index. */
static void for_range(struct cg *g, struct ast_node *n)
{
	int lo_off = cg_slot(g, n, 8);
	int i_off = var_off(g, n->for_.var);
	if (i_off < 0)
		return;
	LLVMValueRef lo = cg_expr(g, n->for_.lo);
	LLVMValueRef hi = cg_expr(g, n->for_.hi);
	cg_store_int(g, cg_frame_ptr(g, lo_off), lo, 8);
	LLVMValueRef cnt = LLVMBuildSub(g->b, hi, lo, "");
	LLVMValueRef pos = LLVMBuildICmp(g->b, LLVMIntSGT, hi, lo, "");
	cnt = LLVMBuildSelect(g->b, pos, cnt, cg_const(g, 0), "");

	struct saved_fn s;
	save_fn(g, &s);
	LLVMTypeRef params[2] = { g->i64, g->ptr };
	LLVMValueRef cb = cg_begin_callback(g, "range", params, 2, &n->loc);
	g->f.frame = LLVMGetParam(cb, 1);
	LLVMValueRef lo2 = cg_load_int(g, cg_frame_ptr(g, lo_off), 8, true);
	LLVMValueRef iv = LLVMBuildAdd(g->b, lo2, LLVMGetParam(cb, 0), "");
	const struct type *it = n->for_.var->var.var->ty;
	cg_store_int(g, cg_frame_ptr(g, i_off), iv, it && it->size ? it->size : 8);
	push_loop(g, true, NULL, NULL);
	cg_stmt(g, n->for_.body);
	restore_fn(g, &s, n);

	LLVMValueRef args[4] = { cnt, cb, g->f.frame, cg_const(g, 0) };
	cg_helper(g, BPF_FUNC_loop, args, 4);
	check_ret_flag(g);
}

/* Copies the current element into $kv = (key, value) inside a for-map callback. */
static void load_kv(struct cg *g, struct ast_node *n, LLVMValueRef key, LLVMValueRef val)
{
	struct ast_node *v = n->for_.var;
	int off = var_off(g, v);
	const struct type *t = off >= 0 ? v->var.var->ty : NULL;
	if (!t || t->kind != TY_TUPLE || t->fields.len != 2)
		return;
	const struct pd_map *m = &g->pd->maps.v[n->for_.map->map.map_id];
	LLVMValueRef kv = cg_frame_ptr(g, off);
	const struct ty_field *kf = &t->fields.v[0], *vf = &t->fields.v[1];
	if (cg_is_mem_type(kf->type))
		cg_memcpy(g, cg_gep(g, kv, kf->offset), key, kf->type->size);
	else
		cg_store_int(g, cg_gep(g, kv, kf->offset),
			     cg_load_int(g, key, kf->type->size, kf->type->is_signed),
			     kf->type->size);
	LLVMValueRef vd = cg_gep(g, kv, vf->offset);
	switch (m->kind) {
	case PD_MAP_VALUE:
		cg_memcpy(g, vd, val, vf->type->size < (int)m->value_size ? vf->type->size :
									      (int)m->value_size);
		return;
	case PD_MAP_AVG: {
		LLVMValueRef sum = cg_load_int(g, val, 8, true);
		LLVMValueRef cnt = cg_load_int(g, cg_gep(g, val, 8), 8, false);
		cg_store_int(g, vd, cg_arith(g, OP_DIV, sum, cnt, vf->type), 8);
		return;
	}
	case PD_MAP_COUNT:
	case PD_MAP_SUM:
	case PD_MAP_MIN:
	case PD_MAP_MAX:
	case PD_MAP_STATS:
	case PD_MAP_HIST:
	case PD_MAP_LHIST:
		break;
	}
	cg_store_int(g, vd, cg_load_int(g, val, 8, true), vf->type->size);
}

static void for_map(struct cg *g, struct ast_node *n)
{
	int id = n->for_.map->map.map_id;
	if (id < 0 || id >= g->pd->maps.len) {
		cg_fail(g, &n->loc, "internal error: unresolved map");
		return;
	}
	struct saved_fn s;
	save_fn(g, &s);
	LLVMTypeRef params[4] = { g->ptr, g->ptr, g->ptr, g->ptr };
	LLVMValueRef cb = cg_begin_callback(g, "each", params, 4, &n->loc);
	g->f.frame = LLVMGetParam(cb, 3);
	load_kv(g, n, LLVMGetParam(cb, 1), LLVMGetParam(cb, 2));
	push_loop(g, true, NULL, NULL);
	cg_stmt(g, n->for_.body);
	restore_fn(g, &s, n);

	LLVMValueRef args[4] = { cg_map(g, id), cb, g->f.frame, cg_const(g, 0) };
	cg_helper(g, BPF_FUNC_for_each_map_elem, args, 4);
	check_ret_flag(g);
}

static void jump(struct cg *g, struct ast_node *n, bool brk)
{
	if (g->loops.len == 0) {
		cg_fail(g, &n->loc, "'%s' outside of a loop", brk ? "break" : "continue");
		return;
	}
	struct cg_loop *l = &g->loops.v[g->loops.len - 1];
	if (l->callback)
		LLVMBuildRet(g->b, cg_const(g, brk ? 1 : 0));
	else
		LLVMBuildBr(g->b, brk ? l->brk : l->cont);
}

/* Leaves the probe: from a loop callback, by setting the frame flag and stopping the
 * loop (the caller checks the flag after the helper returns). */
void cg_return(struct cg *g)
{
	if (g->f.is_callback) {
		cg_store_int(g, cg_frame_ptr(g, CG_FRAME_RET_OFF), cg_const(g, 1), 8);
		LLVMBuildRet(g->b, cg_const(g, 1));
		return;
	}
	LLVMBuildRet(g->b, cg_const(g, 0));
}

static void assign(struct cg *g, struct ast_node *n)
{
	if (n->assign.lhs->kind == AST_MAP)
		cg_map_assign(g, n);
	else
		assign_var(g, n->assign.lhs, n->assign.op, n->assign.rhs);
}

static void stmt(struct cg *g, struct ast_node *n)
{
	switch (n->kind) {
	case AST_BLOCK:
		cg_block_stmts(g, n);
		break;
	case AST_EXPR_STMT:
		cg_expr(g, n->expr_stmt.expr);
		break;
	case AST_ASSIGN:
		assign(g, n);
		break;
	case AST_LET:
		let(g, n);
		break;
	case AST_IF:
		if_(g, n);
		break;
	case AST_WHILE:
		while_(g, n);
		break;
	case AST_UNROLL:
		unroll(g, n);
		break;
	case AST_FOR_RANGE:
		for_range(g, n);
		break;
	case AST_FOR_MAP:
		for_map(g, n);
		break;
	case AST_BREAK:
	case AST_CONTINUE:
		jump(g, n, n->kind == AST_BREAK);
		break;
	case AST_RETURN:
		cg_return(g);
		break;
	case AST_PROGRAM:
	case AST_PROBE:
	case AST_ATTACH:
	case AST_TYPENAME:
		cg_fail(g, &n->loc, "internal error: %s is not a statement",
			ast_kind_name(n->kind));
		break;
	case AST_INT:
	case AST_STR:
	case AST_BUILTIN:
	case AST_POSPARAM:
	case AST_VAR:
	case AST_MAP:
	case AST_CALL:
	case AST_BINOP:
	case AST_UNOP:
	case AST_INCDEC:
	case AST_TERNARY:
	case AST_CAST:
	case AST_FIELD:
	case AST_INDEX:
	case AST_TUPLE:
	case AST_TUPLE_GET:
	case AST_SIZEOF:
		cg_expr(g, n);
		break;
	}
}

/* Stack temporaries made by a statement die at its end. */
void cg_stmt(struct cg *g, struct ast_node *n)
{
	if (!n || cg_terminated(g))
		return;
	int mark = g->tmps.len;
	cg_set_loc(g, &n->loc);
	stmt(g, n);
	cg_tmps_end(g, mark);
}

/* Statements after a break/continue/return are unreachable and are not emitted. */
void cg_block_stmts(struct cg *g, struct ast_node *block)
{
	if (block->kind != AST_BLOCK) {
		cg_stmt(g, block);
		return;
	}
	for (int i = 0; i < block->block.stmts.len && !cg_terminated(g); i++)
		cg_stmt(g, block->block.stmts.v[i]);
}
