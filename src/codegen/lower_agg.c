/* Aggregations: count, sum, min, max, avg, stats, hist, lhist into per-CPU hash maps.
 * Each looks the key up (inserting zero when missing) and updates this CPU's value in
 * place, so the hot path takes no lock and no atomic. A hist whose buckets live in the
 * value (pd_map.buckets_in_value) is one array lookup and an increment, as in C. */
#include "cg.h"

#include <string.h>

#include <linux/bpf.h>

/* hist buckets (progdesc.h): 0 negative, 1 zero, k >= 2 holds [2^(k-2), 2^(k-1)), that is
 * k = 1 + the bit length of x. The bit length by halving steps (x >> 32 nonzero? ...), each
 * a compare and two selects: the BPF backend expands llvm.ctlz into a popcount of ~45
 * dependent instructions, twice the time per event. */
static LLVMValueRef hist_bucket(struct cg *g, LLVMValueRef x, bool sign)
{
	LLVMValueRef v = x, b = cg_const(g, 2);
	for (unsigned s = 32; s > 0; s >>= 1) {
		LLVMValueRef hi = LLVMBuildLShr(g->b, v, cg_const(g, s), "");
		LLVMValueRef some = LLVMBuildIsNotNull(g->b, hi, "");
		LLVMValueRef add = LLVMBuildSelect(g->b, some, cg_const(g, s), cg_const(g, 0), "");
		v = LLVMBuildSelect(g->b, some, hi, v, "");
		b = LLVMBuildAdd(g->b, b, add, "");
	}
	b = LLVMBuildSelect(g->b, cg_is_zero(g, x), cg_const(g, 1), b, "");
	if (sign) {
		LLVMValueRef neg = LLVMBuildICmp(g->b, LLVMIntSLT, x, cg_const(g, 0), "");
		b = LLVMBuildSelect(g->b, neg, cg_const(g, 0), b, "");
	}
	return b;
}

/* lhist buckets: 0 below min, 1 + (x - min) / step inside, 1 + (max - min) / step at or
 * above max. */
static LLVMValueRef lhist_bucket(struct cg *g, const struct pd_map *m, LLVMValueRef x, bool sign)
{
	int64_t min = m->lhist_min, max = m->lhist_max;
	int64_t step = m->lhist_step > 0 ? m->lhist_step : 1;
	LLVMValueRef lo = cg_const(g, (uint64_t)min), hi = cg_const(g, (uint64_t)max);
	LLVMValueRef below = LLVMBuildICmp(g->b, sign ? LLVMIntSLT : LLVMIntULT, x, lo, "");
	LLVMValueRef above = LLVMBuildICmp(g->b, sign ? LLVMIntSGE : LLVMIntUGE, x, hi, "");
	LLVMValueRef d = LLVMBuildUDiv(g->b, LLVMBuildSub(g->b, x, lo, ""),
				       cg_const(g, (uint64_t)step), "");
	LLVMValueRef b = LLVMBuildAdd(g->b, d, cg_const(g, 1), "");
	b = LLVMBuildSelect(g->b, above, cg_const(g, 1 + (uint64_t)((max - min) / step)), b, "");
	return LLVMBuildSelect(g->b, below, cg_const(g, 0), b, "");
}

static void add_at(struct cg *g, LLVMValueRef p, int off, LLVMValueRef v)
{
	LLVMValueRef q = cg_gep(g, p, off);
	cg_store_int(g, q, LLVMBuildAdd(g->b, cg_load_int(g, q, 8, false), v, ""), 8);
}

/* { s64 value; u64 set; }: replaced when unset or when x wins the comparison. */
static void min_max(struct cg *g, LLVMValueRef p, LLVMValueRef x, bool is_min, bool sign)
{
	LLVMValueRef cur = cg_load_int(g, p, 8, sign);
	LLVMValueRef set = cg_load_int(g, cg_gep(g, p, 8), 8, false);
	LLVMIntPredicate pr = is_min ? (sign ? LLVMIntSLT : LLVMIntULT) :
				       (sign ? LLVMIntSGT : LLVMIntUGT);
	LLVMValueRef wins = LLVMBuildICmp(g->b, pr, x, cur, "");
	LLVMValueRef upd = LLVMBuildOr(g->b, cg_is_zero(g, set), wins, "");
	LLVMBasicBlockRef yes = cg_block(g, "minmax.set");
	LLVMBasicBlockRef done = cg_block(g, "minmax.done");
	LLVMBuildCondBr(g->b, upd, yes, done);
	LLVMPositionBuilderAtEnd(g->b, yes);
	cg_store_int(g, p, x, 8);
	cg_store_int(g, cg_gep(g, p, 8), cg_const(g, 1), 8);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
}

static void agg_count(struct cg *g, LLVMValueRef p, LLVMValueRef x, enum sema_fn fn, bool sign)
{
	add_at(g, p, 0, cg_const(g, 1));
}

static void agg_sum(struct cg *g, LLVMValueRef p, LLVMValueRef x, enum sema_fn fn, bool sign)
{
	add_at(g, p, 0, x);
}

static void agg_min_max(struct cg *g, LLVMValueRef p, LLVMValueRef x, enum sema_fn fn,
			bool sign)
{
	min_max(g, p, x, fn == FN_MIN, sign);
}

static void agg_avg(struct cg *g, LLVMValueRef p, LLVMValueRef x, enum sema_fn fn, bool sign)
{
	add_at(g, p, 0, x);
	add_at(g, p, 8, cg_const(g, 1));
}

/* Each aggregation's update of its per-CPU value p with x (indexed by enum sema_fn). */
static void (*const updaters[FN__COUNT])(struct cg *g, LLVMValueRef p, LLVMValueRef x,
					  enum sema_fn fn, bool sign) = {
	[FN_COUNT] = agg_count, [FN_HIST] = agg_count,	 [FN_LHIST] = agg_count,
	[FN_SUM] = agg_sum,	[FN_MIN] = agg_min_max, [FN_MAX] = agg_min_max,
	[FN_AVG] = agg_avg,	[FN_STATS] = agg_avg,
};

/* The same value, which LLVM's optimisations cannot see through (the BPF backend's own
 * barrier, llvm.bpf.passthrough, removed after them): a range check on it stays in the
 * program for the verifier, even where LLVM proves it always true. */
static LLVMValueRef opaque(struct cg *g, LLVMValueRef v)
{
	const char *name = "llvm.bpf.passthrough";
	unsigned id = LLVMLookupIntrinsicID(name, strlen(name));
	LLVMTypeRef t = LLVMTypeOf(v), over[2] = { t, t }; /* result, value */
	LLVMValueRef fn = LLVMGetIntrinsicDeclaration(g->mod, id, over, 2);
	LLVMTypeRef params[2] = { g->i32, t };
	LLVMTypeRef fty = LLVMFunctionType(t, params, 2, 0);
	LLVMValueRef args[2] = { LLVMConstInt(g->i32, 0, 0), v };
	return LLVMBuildCall2(g->b, fty, fn, args, 2, "");
}

/* This CPU's count of bucket in the one value of map id (always there, but the verifier
 * wants the NULL check), and the builder where it is; *after is where both meet again. */
static LLVMValueRef value_bucket(struct cg *g, int id, LLVMValueRef bucket,
				 LLVMBasicBlockRef *after)
{
	uint32_t nb = pd_map_buckets(&g->pd->maps.v[id]);
	LLVMValueRef key = cg_tmp(g, 4);
	LLVMBuildStore(g->b, LLVMConstInt(g->i32, 0, 0), key);
	LLVMValueRef args[2] = { cg_map(g, id), key };
	LLVMValueRef p = cg_helper(g, BPF_FUNC_map_lookup_elem, args, 2);
	LLVMBasicBlockRef found = cg_block(g, "hist.found");
	LLVMBasicBlockRef have = cg_block(g, "hist.have");
	*after = cg_block(g, "hist.after");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), *after, found);
	LLVMPositionBuilderAtEnd(g->b, found);
	LLVMValueRef b = opaque(g, bucket);
	LLVMValueRef ok = LLVMBuildICmp(g->b, LLVMIntULT, b, cg_const(g, nb), "");
	LLVMBuildCondBr(g->b, ok, have, *after);
	LLVMPositionBuilderAtEnd(g->b, have);
	return cg_gep_dyn(g, p, LLVMBuildShl(g->b, b, cg_const(g, 3), ""));
}

void cg_aggregate(struct cg *g, struct ast_node *map, struct ast_node *call)
{
	int id = map->map.map_id;
	enum sema_fn fn = (enum sema_fn)call->call.fn;
	if (id < 0 || id >= g->pd->maps.len) {
		cg_fail(g, &map->loc, "internal error: map %s was not numbered", map->map.name);
		return;
	}
	if (fn <= FN_UNKNOWN || fn >= FN__COUNT || !updaters[fn]) {
		cg_fail(g, &call->loc, "internal error: %s() is not an aggregation",
			call->call.name);
		return;
	}
	const struct pd_map *m = &g->pd->maps.v[id];
	struct ast_node *arg = call->call.args.len > 0 ? call->call.args.v[0] : NULL;
	LLVMValueRef x = arg && fn != FN_COUNT ? cg_expr(g, arg) : cg_const(g, 1);
	if (LLVMGetTypeKind(LLVMTypeOf(x)) == LLVMPointerTypeKind)
		x = LLVMBuildPtrToInt(g->b, x, g->i64, "");
	bool sign = arg && arg->ty ? arg->ty->is_signed : true;
	LLVMValueRef bucket = NULL;
	if (fn == FN_HIST)
		bucket = hist_bucket(g, x, sign);
	else if (fn == FN_LHIST)
		bucket = lhist_bucket(g, m, x, sign);
	LLVMBasicBlockRef after;
	LLVMValueRef p = m->buckets_in_value ?
				 value_bucket(g, id, bucket, &after) :
				 cg_map_lookup_or_init(g, id, cg_map_key(g, map, bucket), &after);
	updaters[fn](g, p, x, fn, sign);
	LLVMBuildBr(g->b, after);
	LLVMPositionBuilderAtEnd(g->b, after);
}
