/* Built-in functions: printf/print/time/exit/clear/zero as ring buffer events (reserve,
 * fill in place, submit; a full buffer counts in pd_lost), str(), strftime(), and the map
 * functions delete, has_key and len. */
#include "cg.h"

#include <linux/bpf.h>

static LLVMValueRef reserve(struct cg *g, LLVMValueRef map, int size)
{
	LLVMValueRef args[3] = { map, cg_const(g, (uint64_t)size), cg_const(g, 0) };
	return cg_helper(g, BPF_FUNC_ringbuf_reserve, args, 3);
}

/* Reserves a record of size bytes and writes its header. Continues where the record is
 * non-NULL; *done is the block to finish at (cg_event_submit branches there), which is
 * also where a refused reservation ends after counting itself in pd_lost (an exit() in
 * its own slot, which user space polls). Every event but printf (the stream that may
 * overflow) falls back to pd_ctl when pd_events is full, with pd_events' producer position
 * after the record (PD_CTL_TRAILER): user space handles what pd_events held before it first.
 * The payload is left as the ring buffer had it. */
LLVMValueRef cg_event_reserve_raw(struct cg *g, int size, uint32_t kind, uint32_t index,
				  LLVMBasicBlockRef *done)
{
	size = (size + 7) & ~7;
	if (pk_has(g->pdp->kind, PK_ONCE) && !g->loops.len && !g->f.is_callback)
		g->once_event_bytes += (uint64_t)size + CG_RINGBUF_HDR;
	else
		g->events_unbounded = true;
	LLVMValueRef rec = reserve(g, cg_sys_map(g, CG_SYS_EVENTS), size);
	LLVMBasicBlockRef from = LLVMGetInsertBlock(g->b);
	LLVMBasicBlockRef ok = cg_block(g, "ev.ok");
	LLVMBasicBlockRef lost = cg_block(g, "ev.lost");
	*done = cg_block(g, "ev.done");
	if (kind != PD_EV_PRINTF) {
		LLVMBasicBlockRef ctl = cg_block(g, "ev.ctl");
		LLVMBasicBlockRef ctl_ok = cg_block(g, "ev.ctl.ok");
		LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, rec, ""), ctl, ok);
		LLVMPositionBuilderAtEnd(g->b, ctl);
		LLVMValueRef crec = reserve(g, cg_sys_map(g, CG_SYS_CTL), size + PD_CTL_TRAILER);
		LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, crec, ""), lost, ctl_ok);
		LLVMPositionBuilderAtEnd(g->b, ctl_ok);
		LLVMValueRef qargs[2] = { cg_sys_map(g, CG_SYS_EVENTS),
					  cg_const(g, BPF_RB_PROD_POS) };
		cg_store_int(g, cg_gep(g, crec, size),
			     cg_helper(g, BPF_FUNC_ringbuf_query, qargs, 2), 8);
		LLVMBuildBr(g->b, ok);
		LLVMPositionBuilderAtEnd(g->b, ok);
		LLVMValueRef phi = LLVMBuildPhi(g->b, g->ptr, "ev.rec");
		LLVMValueRef vals[2] = { rec, crec };
		LLVMBasicBlockRef blocks[2] = { from, ctl_ok };
		LLVMAddIncoming(phi, vals, blocks, 2);
		rec = phi;
	} else {
		LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, rec, ""), lost, ok);
	}

	LLVMPositionBuilderAtEnd(g->b, lost);
	cg_count_lost(g, kind == PD_EV_EXIT ? PD_LOST_EXIT : PD_LOST_EVENTS, *done);

	LLVMPositionBuilderAtEnd(g->b, ok);
	cg_store_int(g, rec, cg_const(g, kind), 4);
	cg_store_int(g, cg_gep(g, rec, 4), cg_shape_number(g, index), 4);
	return rec;
}

/* As cg_event_reserve_raw, with the payload zeroed. */
LLVMValueRef cg_event_reserve(struct cg *g, int size, uint32_t kind, uint32_t index,
			      LLVMBasicBlockRef *done)
{
	LLVMValueRef rec = cg_event_reserve_raw(g, size, kind, index, done);
	size = (size + 7) & ~7;
	if (size > 8)
		cg_memset0(g, cg_gep(g, rec, 8), size - 8);
	return rec;
}

void cg_count_lost(struct cg *g, int slot, LLVMBasicBlockRef done)
{
	LLVMValueRef key = cg_tmp(g, 4);
	cg_store_int(g, key, cg_const(g, (uint64_t)slot), 4);
	LLVMValueRef largs[2] = { cg_sys_map(g, CG_SYS_LOST), key };
	LLVMValueRef p = cg_helper(g, BPF_FUNC_map_lookup_elem, largs, 2);
	LLVMBasicBlockRef inc = cg_block(g, "lost.count");
	LLVMBuildCondBr(g->b, LLVMBuildIsNull(g->b, p, ""), done, inc);
	LLVMPositionBuilderAtEnd(g->b, inc);
	cg_store_int(g, p, LLVMBuildAdd(g->b, cg_load_int(g, p, 8, false), cg_const(g, 1), ""), 8);
	LLVMBuildBr(g->b, done);
}

void cg_event_submit(struct cg *g, LLVMValueRef rec, LLVMBasicBlockRef done)
{
	LLVMValueRef args[2] = { rec, cg_const(g, 0) };
	cg_helper(g, BPF_FUNC_ringbuf_submit, args, 2);
	LLVMBuildBr(g->b, done);
	LLVMPositionBuilderAtEnd(g->b, done);
}

/* The event payload tuple sema laid out for n (pd_fmt.args has the same layout). */
static const struct type *payload_of(struct cg *g, struct ast_node *n)
{
	if (n->call.id < 0 || n->call.id >= g->pd->fmts.len || !n->call.payload) {
		cg_fail(g, &n->loc, "internal error: %s() has no format", n->call.name);
		return NULL;
	}
	return n->call.payload;
}

/* printf(), and the functions whose format user space renders: system(), cat(). */
static const uint32_t printf_events[FN__COUNT] = {
	[FN_PRINTF] = PD_EV_PRINTF,
	[FN_SYSTEM] = PD_EV_SYSTEM,
	[FN_CAT] = PD_EV_CAT,
};

static void printf_(struct cg *g, struct ast_node *n)
{
	const struct type *pl = payload_of(g, n);
	if (!pl)
		return;
	/* Integers are computed before the record is reserved (their helpers, loops and map
	 * lookups then never run while a ring buffer reference is held); strings and tuples
	 * are written straight into the record to spare the stack. */
	LLVMValueRef ints[64] = { 0 };
	int nargs = pl->fields.len < 64 ? pl->fields.len : 64;
	for (int i = 0; i < nargs && i + 1 < n->call.args.len; i++) {
		struct ast_node *a = n->call.args.v[i + 1];
		if (!cg_is_mem_type(a->ty) && a->ty && a->ty->kind != TY_RECORD &&
		    a->ty->kind != TY_ARRAY)
			ints[i] = cg_expr(g, a);
	}
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_reserve(g, 8 + pl->size, printf_events[n->call.fn],
					    (uint32_t)n->call.id, &done);
	for (int i = 0; i < nargs && i + 1 < n->call.args.len; i++) {
		const struct ty_field *f = &pl->fields.v[i];
		struct ast_node *a = n->call.args.v[i + 1];
		LLVMValueRef dst = cg_gep(g, rec, 8 + f->offset);
		if (ints[i])
			cg_store_val(g, dst, f->type, ints[i], a->ty);
		else
			cg_store(g, dst, f->type, a);
	}
	cg_event_submit(g, rec, done);
}

static bool is_map_print(struct ast_node *n)
{
	struct ast_node *a = n->call.args.len > 0 ? n->call.args.v[0] : NULL;
	return a && a->kind == AST_MAP && a->map.keys.len == 0;
}

static void print(struct cg *g, struct ast_node *n)
{
	LLVMBasicBlockRef done;
	if (is_map_print(n)) {
		struct ast_node *m = n->call.args.v[0];
		LLVMValueRef top = n->call.args.len > 1 ? cg_expr(g, n->call.args.v[1]) : NULL;
		LLVMValueRef div = n->call.args.len > 2 ? cg_expr(g, n->call.args.v[2]) : NULL;
		uint32_t id = (uint32_t)m->map.map_id;
		LLVMValueRef rec = cg_event_reserve(g, 8 + sizeof(struct pd_ev_print_map),
						    PD_EV_PRINT_MAP, id, &done);
		if (top)
			cg_store_int(g, cg_gep(g, rec, 8), top, 8);
		if (div)
			cg_store_int(g, cg_gep(g, rec, 16), div, 8);
		cg_event_submit(g, rec, done);
		return;
	}
	const struct type *pl = payload_of(g, n);
	if (!pl || n->call.args.len < 1 || pl->fields.len < 1)
		return;
	const struct ty_field *f = &pl->fields.v[0];
	LLVMValueRef rec = cg_event_reserve(g, 8 + pl->size, PD_EV_PRINT_VALUE,
					    (uint32_t)n->call.id, &done);
	cg_store(g, cg_gep(g, rec, 8 + f->offset), f->type, n->call.args.v[0]);
	cg_event_submit(g, rec, done);
}

static void simple_event(struct cg *g, uint32_t kind, uint32_t index)
{
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_reserve(g, 8, kind, index, &done);
	cg_event_submit(g, rec, done);
}

static int map_arg(struct cg *g, struct ast_node *n)
{
	struct ast_node *a = n->call.args.len > 0 ? n->call.args.v[0] : NULL;
	if (!a || a->kind != AST_MAP || a->map.map_id < 0 || a->map.map_id >= g->pd->maps.len) {
		cg_fail(g, &n->loc, "internal error: %s() needs a map", n->call.name);
		return -1;
	}
	return a->map.map_id;
}

static LLVMValueRef call_key(struct cg *g, struct ast_node *n)
{
	struct ast_node *m = n->call.args.v[0];
	if (n->call.args.len > 1)
		return cg_map_key_arg(g, m, n->call.args.v[1]);
	return cg_map_key(g, m, NULL);
}

static LLVMValueRef map_fn(struct cg *g, struct ast_node *n)
{
	int id = map_arg(g, n);
	if (id < 0)
		return cg_const(g, 0);
	if (n->call.fn == FN_LEN)
		return cg_map_len(g, id);
	LLVMValueRef args[2] = { cg_map(g, id), call_key(g, n) };
	if (n->call.fn == FN_DELETE) {
		cg_helper(g, BPF_FUNC_map_delete_elem, args, 2);
		return cg_const(g, 0);
	}
	LLVMValueRef p = cg_helper(g, BPF_FUNC_map_lookup_elem, args, 2);
	return cg_ext(g, LLVMBuildIsNotNull(g->b, p, ""), false);
}

/* Is str()'s source in user memory? Pointer types say; plain integers follow the probe. */
bool cg_str_is_user(struct cg *g, struct ast_node *a)
{
	if (a->ty && a->ty->kind == TY_PTR)
		return a->ty->as_user;
	return (g->pk->flags & PK_USER) != 0;
}

/* str(src [, len]) into dst[size]: at most len characters (as bpftrace: len + 1 bytes with
 * the NUL), never more than size bytes. */
static void str_into(struct cg *g, struct ast_node *n, LLVMValueRef dst, int size)
{
	struct ast_node *a = n->call.args.v[0];
	struct ast_node *l = n->call.args.len > 1 ? n->call.args.v[1] : NULL;
	LLVMValueRef lim = cg_const(g, (uint64_t)size);
	if (l && l->kind == AST_INT) {
		if ((int64_t)l->int_.value + 1 < size)
			lim = cg_const(g, l->int_.value + 1);
	} else if (l) {
		LLVMValueRef v = LLVMBuildAdd(g->b, cg_expr(g, l), cg_const(g, 1), "");
		LLVMValueRef small = LLVMBuildICmp(g->b, LLVMIntULT, v, lim, "");
		lim = LLVMBuildSelect(g->b, small, v, lim, "");
	}
	if (a->ty && a->ty->kind == TY_STR) {
		LLVMValueRef src = cg_expr(g, a);
		if (!l || l->kind == AST_INT) {
			int n = (int)LLVMConstIntGetZExtValue(lim);
			cg_copy_str(g, dst, size, src, a->ty->size < n ? a->ty->size : n);
			if (n > 0 && n <= size)
				LLVMBuildStore(g->b, LLVMConstInt(g->i8, 0, 0),
					       cg_gep(g, dst, n - 1));
			return;
		}
		/* A length known only at run time: let the kernel's string copy stop there (the
		 * BPF stack is kernel memory). */
		cg_memset0(g, dst, size);
		LLVMValueRef args[3] = { dst, LLVMBuildTrunc(g->b, lim, g->i32, ""), src };
		cg_helper(g, BPF_FUNC_probe_read_kernel_str, args, 3);
		return;
	}
	LLVMValueRef addr = cg_expr(g, a);
	if (LLVMGetTypeKind(LLVMTypeOf(addr)) != LLVMPointerTypeKind)
		addr = LLVMBuildIntToPtr(g->b, addr, g->ptr, "");
	cg_memset0(g, dst, size);
	LLVMValueRef args[3] = { dst, LLVMBuildTrunc(g->b, lim, g->i32, ""), addr };
	cg_helper(g, cg_str_is_user(g, a) ? BPF_FUNC_probe_read_user_str :
					 BPF_FUNC_probe_read_kernel_str,
		  args, 3);
}

/* Writes a string expression straight into dst[size] when it can be produced in place
 * (literals, comm, probe, str()); returns false for the caller to copy it. */
bool cg_str_into(struct cg *g, struct ast_node *n, LLVMValueRef dst, int size)
{
	if (n->kind == AST_STR) {
		cg_store_cstr(g, dst, n->str.s, n->str.len, size);
		return true;
	}
	if (n->kind == AST_BUILTIN && (n->builtin.id == BI_COMM || n->builtin.id == BI_PROBE ||
					n->builtin.id == BI_FUNC)) {
		cg_builtin_into(g, n, dst, size);
		return true;
	}
	if (n->kind == AST_CALL && n->call.fn == FN_STR && n->call.args.len >= 1) {
		str_into(g, n, dst, size);
		return true;
	}
	return false;
}

/* nsecs(clock): sema put the helper reading the clock in call.id. */
static LLVMValueRef lower_nsecs_clock(struct cg *g, struct ast_node *n)
{
	return cg_helper(g, n->call.id, NULL, 0);
}

static LLVMValueRef lower_printf(struct cg *g, struct ast_node *n)
{
	printf_(g, n);
	return cg_const(g, 0);
}

static LLVMValueRef lower_print(struct cg *g, struct ast_node *n)
{
	print(g, n);
	return cg_const(g, 0);
}

static LLVMValueRef lower_time(struct cg *g, struct ast_node *n)
{
	simple_event(g, PD_EV_TIME, (uint32_t)n->call.id);
	return cg_const(g, 0);
}

/* As in bpftrace, exit() also ends the probe: nothing after it runs. exit(code) sends the
 * code in the record's index. */
static LLVMValueRef lower_exit(struct cg *g, struct ast_node *n)
{
	LLVMValueRef code = n->call.args.len ? cg_expr(g, n->call.args.v[0]) : NULL;
	LLVMBasicBlockRef done;
	LLVMValueRef rec = cg_event_reserve(g, 8, PD_EV_EXIT, 0, &done);
	if (code)
		cg_store_int(g, cg_gep(g, rec, 4), code, 4);
	cg_event_submit(g, rec, done);
	cg_return(g);
	LLVMPositionBuilderAtEnd(g->b, cg_block(g, "after.exit"));
	return cg_const(g, 0);
}

static LLVMValueRef lower_clear(struct cg *g, struct ast_node *n)
{
	int id = map_arg(g, n);
	if (id >= 0)
		simple_event(g, n->call.fn == FN_CLEAR ? PD_EV_CLEAR : PD_EV_ZERO, (uint32_t)id);
	return cg_const(g, 0);
}

static LLVMValueRef lower_str(struct cg *g, struct ast_node *n)
{
	int size = n->ty && n->ty->size > 0 ? n->ty->size : g->c->opts.strlen;
	LLVMValueRef dst = cg_tmp(g, size);
	str_into(g, n, dst, size);
	return dst;
}

/* reg("name"): the pt_regs slot sema found (perf contexts start with pt_regs too). */
static LLVMValueRef lower_reg(struct cg *g, struct ast_node *n)
{
	return cg_load_int(g, cg_gep(g, cg_probe_ctx(g), n->call.id), 8, false);
}

/* kptr()/uptr(): the value unchanged; its type says where it points. */
static LLVMValueRef lower_addr_space(struct cg *g, struct ast_node *n)
{
	LLVMValueRef v = cg_expr(g, n->call.args.v[0]);
	if (LLVMGetTypeKind(LLVMTypeOf(v)) == LLVMPointerTypeKind)
		v = LLVMBuildPtrToInt(g->b, v, g->i64, "");
	return v;
}

/* The nanoseconds; the format is the value's type (fmt_id). */
static LLVMValueRef lower_strftime(struct cg *g, struct ast_node *n)
{
	return n->call.args.len > 1 ? cg_expr(g, n->call.args.v[1]) : cg_const(g, 0);
}

/* Codegen's row of each function (enum sema_fn); aggregations are lowered by
 * cg_aggregate (lower_agg.c) where they are assigned. */
static LLVMValueRef (*const lowerers[FN__COUNT])(struct cg *g, struct ast_node *n) = {
	[FN_PRINTF] = lower_printf,	[FN_PRINT] = lower_print,
	[FN_TIME] = lower_time,		[FN_EXIT] = lower_exit,
	[FN_CLEAR] = lower_clear,	[FN_ZERO] = lower_clear,
	[FN_DELETE] = map_fn,		[FN_HAS_KEY] = map_fn,
	[FN_LEN] = map_fn,		[FN_STR] = lower_str,
	[FN_REG] = lower_reg,		[FN_KPTR] = lower_addr_space,
	[FN_UPTR] = lower_addr_space,	[FN_BUF] = cg_lower_buf,
	[FN_PERCPU_KADDR] = cg_lower_percpu_kaddr,
	[FN_STRFTIME] = lower_strftime,	[FN_SYSTEM] = lower_printf,
	[FN_CAT] = lower_printf,	[FN_JOIN] = cg_lower_join,
	[FN_DEBUGF] = cg_lower_debugf,	[FN_STRNCMP] = cg_lower_strncmp,
	[FN_STRCONTAINS] = cg_lower_strcontains, [FN_BSWAP] = cg_lower_bswap,
	[FN_SIGNAL] = cg_lower_signal,	[FN_OVERRIDE] = cg_lower_override,
	[FN_PATH] = cg_lower_path,	[FN_UNWATCH] = cg_lower_unwatch,
	[FN_PTON] = cg_lower_pton,	[FN_STRERROR] = cg_lower_rendered_int,
	[FN_MACADDR] = cg_lower_macaddr, [FN_NTOP] = cg_lower_ntop,
	[FN_CGROUP_PATH] = cg_lower_rendered_int,
	[FN_KSTACK] = cg_stack,		[FN_USTACK] = cg_stack,
	[FN_KSYM] = cg_sym_value,	[FN_USYM] = cg_sym_value,
	[FN_NSECS] = lower_nsecs_clock,
};

LLVMValueRef cg_call(struct cg *g, struct ast_node *n)
{
	enum sema_fn fn = (enum sema_fn)n->call.fn;
	if (fn > FN_UNKNOWN && fn < FN__COUNT && lowerers[fn])
		return lowerers[fn](g, n);
	cg_fail(g, &n->loc, "%s() must be assigned to a map", n->call.name);
	return cg_const(g, 0);
}
