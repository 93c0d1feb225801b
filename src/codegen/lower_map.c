/* Map access: keys built in stack memory in the map's key layout, reads (missing keys read
 * as zero), assignments, ++/-- and compound assignment on plain value maps, per-CPU
 * lookup-or-init for aggregations, and len() by iteration. */
#include "cg.h"

#include <linux/bpf.h>


static const struct pd_map *map_of(struct cg *g, struct ast_node *map)
{
	int id = map->map.map_id;
	if (id < 0 || id >= g->pd->maps.len) {
		cg_fail(g, &map->loc, "internal error: map %s was not numbered", map->map.name);
		return NULL;
	}
	return &g->pd->maps.v[id];
}

/* Fills the key buffer from key expressions: one per user key field, or a single tuple
 * expression covering several fields (delete(@m, (a, b))). kt is the key tuple from sema. */
static void fill_key(struct cg *g, const struct type *kt, LLVMValueRef key, struct ast_node **keys,
		     int nkeys, const struct ast_node *map)
{
	if (nkeys == kt->fields.len) {
		for (int i = 0; i < nkeys; i++)
			cg_store(g, cg_gep(g, key, kt->fields.v[i].offset), kt->fields.v[i].type,
				 keys[i]);
		return;
	}
	if (nkeys == 1 && keys[0]->kind == AST_TUPLE &&
	    keys[0]->tuple.elems.len == kt->fields.len) {
		fill_key(g, kt, key, keys[0]->tuple.elems.v, keys[0]->tuple.elems.len, map);
		return;
	}
	if (nkeys == 1 && keys[0]->ty && keys[0]->ty->kind == TY_TUPLE) {
		cg_store_val(g, key, kt, cg_expr(g, keys[0]), keys[0]->ty);
		return;
	}
	cg_fail(g, &map->loc, "internal error: %s takes %d keys, got %d", map->map.name,
		kt->fields.len, nkeys);
}

static LLVMValueRef build_key(struct cg *g, struct ast_node *map, struct ast_node **keys,
			      int nkeys, LLVMValueRef bucket)
{
	const struct pd_map *m = map_of(g, map);
	if (!m)
		return LLVMConstNull(g->ptr);
	LLVMValueRef key = cg_tmp(g, (int)m->key_size);
	cg_memset0(g, key, (int)m->key_size);
	if (nkeys > 0 && !map->map.key_ty)
		cg_fail(g, &map->loc, "internal error: map %s has no key type", map->map.name);
	else if (nkeys > 0)
		fill_key(g, map->map.key_ty, key, keys, nkeys, map);
	if (bucket)
		cg_store_int(g, cg_gep(g, key, m->bucket_off), bucket, 8);
	return key;
}

LLVMValueRef cg_map_key(struct cg *g, struct ast_node *map, LLVMValueRef bucket)
{
	return build_key(g, map, map->map.keys.v, map->map.keys.len, bucket);
}

/* delete(@m, k) / has_key(@m, k): the key is a separate argument. */
LLVMValueRef cg_map_key_arg(struct cg *g, struct ast_node *map, struct ast_node *k)
{
	return build_key(g, map, &k, k ? 1 : 0, NULL);
}

static LLVMValueRef lookup(struct cg *g, int id, LLVMValueRef key)
{
	LLVMValueRef args[2] = { cg_map(g, id), key };
	return cg_helper(g, BPF_FUNC_map_lookup_elem, args, 2);
}

static void update(struct cg *g, int id, LLVMValueRef key, LLVMValueRef val, uint64_t flags)
{
	LLVMValueRef args[4] = { cg_map(g, id), key, val, cg_const(g, flags) };
	cg_helper(g, BPF_FUNC_map_update_elem, args, 4);
}

static int read_avg(struct cg *g, LLVMValueRef p, LLVMValueRef *out)
{
	LLVMValueRef sum = cg_load_int(g, p, 8, true);
	LLVMValueRef cnt = cg_load_int(g, cg_gep(g, p, 8), 8, false);
	*out = cg_arith(g, OP_DIV, sum, cnt, NULL);
	return 0;
}

LLVMValueRef cg_map_read(struct cg *g, struct ast_node *map)
{
	const struct pd_map *m = map_of(g, map);
	if (!m)
		return cg_const(g, 0);
	int id = map->map.map_id;
	LLVMValueRef key = cg_map_key(g, map, NULL);
	LLVMValueRef p = lookup(g, id, key);
	const struct type *t = map->ty;
	/* values that live in memory (strings, tuples, records, arrays): a copy of the bytes */
	if (m->kind == PD_MAP_VALUE && (cg_is_mem_type(t) || ty_desc(t)->flags & TY_F_MEMORY)) {
		LLVMValueRef out = cg_tmp(g, t->size);
		cg_memset0(g, out, t->size);
		LLVMBasicBlockRef have = cg_block(g, "map.have");
		LLVMBasicBlockRef done = cg_block(g, "map.done");
		LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), done, have);
		LLVMPositionBuilderAtEnd(g->b, have);
		int n = t->size < (int)m->value_size ? t->size : (int)m->value_size;
		cg_memcpy(g, out, p, n);
		LLVMBuildBr(g->b, done);
		LLVMPositionBuilderAtEnd(g->b, done);
		return out;
	}
	bool avg = m->kind == PD_MAP_AVG || m->kind == PD_MAP_STATS;
	int size = m->kind == PD_MAP_VALUE && t && t->size > 0 ? t->size : 8;
	bool sign = m->kind == PD_MAP_VALUE ? (t && t->is_signed) : m->value.kind == PD_INT;
	return cg_load_or_zero(g, p, 0, size, sign, avg ? read_avg : NULL);
}

/* Returns a pointer to the value of key in map id, inserting a zeroed value first when
 * missing, and leaves the builder where the pointer is non-NULL. The caller updates the
 * value, then branches to *after (also reached when the map is full) and continues there. */
LLVMValueRef cg_map_lookup_or_init(struct cg *g, int id, LLVMValueRef key,
				   LLVMBasicBlockRef *after)
{
	const struct pd_map *m = &g->pd->maps.v[id];
	LLVMValueRef p1 = lookup(g, id, key);
	LLVMBasicBlockRef b1 = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef init = cg_block(g, "agg.init");
	LLVMBasicBlockRef have = cg_block(g, "agg.have");
	*after = cg_block(g, "agg.after");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p1, ""), init, have);
	LLVMPositionBuilderAtEnd(g->b, init);
	LLVMValueRef zero = cg_tmp(g, (int)m->value_size);
	cg_memset0(g, zero, (int)m->value_size);
	update(g, id, key, zero, BPF_NOEXIST);
	LLVMValueRef p2 = lookup(g, id, key);
	LLVMBasicBlockRef b2 = LLVMGetInsertBlock(g->b);
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p2, ""), *after, have);
	LLVMPositionBuilderAtEnd(g->b, have);
	LLVMValueRef phi = LLVMBuildPhi(g->b, g->ptr, "");
	LLVMValueRef vals[2] = { p1, p2 };
	LLVMBasicBlockRef bbs[2] = { b1, b2 };
	LLVMAddIncoming(phi, vals, bbs, 2);
	return phi;
}

void cg_map_assign(struct cg *g, struct ast_node *n)
{
	struct ast_node *map = n->assign.lhs, *rhs = n->assign.rhs;
	const struct pd_map *m = map_of(g, map);
	if (!m)
		return;
	if (rhs->kind == AST_CALL && sema_fn_has((enum sema_fn)rhs->call.fn, SEMA_FN_AGG)) {
		cg_aggregate(g, map, rhs);
		return;
	}
	int id = map->map.map_id;
	LLVMValueRef key = cg_map_key(g, map, NULL);
	LLVMValueRef val = cg_tmp(g, (int)m->value_size);
	const struct type *t = map->ty;
	if (n->assign.op == OP_NONE) {
		if ((int)m->value_size > t->size)
			cg_memset0(g, val, (int)m->value_size);
		cg_store(g, val, t, rhs);
	} else {
		LLVMValueRef old = cg_load_or_zero(g, lookup(g, id, key), 0, t->size,
						   t->is_signed, NULL);
		LLVMValueRef v = cg_arith(g, n->assign.op, old, cg_expr(g, rhs), t);
		cg_store_int(g, val, v, (int)m->value_size < 8 ? (int)m->value_size : 8);
	}
	update(g, id, key, val, BPF_ANY);
}

LLVMValueRef cg_map_incdec(struct cg *g, struct ast_node *n)
{
	struct ast_node *map = n->incdec.target;
	const struct pd_map *m = map_of(g, map);
	if (!m)
		return cg_const(g, 0);
	int id = map->map.map_id;
	const struct type *t = map->ty;
	int size = t && t->size > 0 && t->size <= 8 ? t->size : 8;
	LLVMValueRef key = cg_map_key(g, map, NULL);
	LLVMValueRef old = cg_load_or_zero(g, lookup(g, id, key), 0, size, t && t->is_signed,
					    NULL);
	LLVMValueRef one = cg_const(g, n->incdec.inc ? 1 : (uint64_t)-1);
	LLVMValueRef nv = LLVMBuildAdd(g->b, old, one, "");
	LLVMValueRef val = cg_tmp(g, 8);
	cg_store_int(g, val, nv, size);
	update(g, id, key, val, BPF_ANY);
	return n->incdec.post ? old : nv;
}

/* The counting callback of len(): (map, key, value, ctx) { ++*(u64 *)ctx; return 0; } */
static LLVMValueRef len_callback(struct cg *g)
{
	if (g->len_cb)
		return g->len_cb;
	struct cg_fn saved = g->f;
	LLVMBasicBlockRef bb = LLVMGetInsertBlock(g->b);
	LLVMMetadataRef loc = LLVMGetCurrentDebugLocation2(g->b);
	LLVMTypeRef params[4] = { g->ptr, g->ptr, g->ptr, g->ptr };
	LLVMValueRef fn = cg_begin_callback(g, "len", params, 4, &g->probe->loc);
	LLVMValueRef p = LLVMGetParam(fn, 3);
	LLVMValueRef v = cg_load_int(g, p, 8, false);
	cg_store_int(g, p, LLVMBuildAdd(g->b, v, cg_const(g, 1), ""), 8);
	LLVMBuildRet(g->b, cg_const(g, 0));
	g->f = saved;
	LLVMPositionBuilderAtEnd(g->b, bb);
	LLVMSetCurrentDebugLocation2(g->b, loc);
	g->len_cb = fn;
	return fn;
}

LLVMValueRef cg_map_len(struct cg *g, int id)
{
	LLVMValueRef cb = len_callback(g);
	LLVMValueRef cnt = cg_tmp(g, 8);
	cg_store_int(g, cnt, cg_const(g, 0), 8);
	LLVMValueRef args[4] = { cg_map(g, id), cb, cnt, cg_const(g, 0) };
	cg_helper(g, BPF_FUNC_for_each_map_elem, args, 4);
	return cg_load_int(g, cnt, 8, false);
}
