/* Built-in functions for sema_typecheck: sema's table of functions, indexed by enum sema_fn
 * (name, arity, flags, type rule). Sets call.fn, call.id (format ids) and the call's type. */
#include <stdio.h>
#include <string.h>

#include "probekind.h"
#include "tc.h"

/* Sema's row of a function: the row's index is its enum sema_fn. */
struct fn_desc {
	const char *name;
	int min_args, max_args;
	unsigned flags; /* enum sema_fn_flags */
	struct type *(*check)(struct checker *ck, struct ast_node *n);
	unsigned kinds; /* PK_ONLY() of the probe kinds it is allowed in; 0: every kind */
};

#define PK_ONLY(k) (1u << PD_PROBE_##k)
#define PK_ALL ((1u << PD_PROBE__COUNT) - 1)

static struct ast_node *arg(struct ast_node *n, int i)
{
	return n->call.args.v[i];
}

/* Types every argument from `from` on; false when one of them is bad. */
bool tc_type_args(struct checker *ck, struct ast_node *n, int from)
{
	bool ok = true;
	for (int i = from; i < n->call.args.len; i++)
		if (ty_is_error(tc_expr(ck, arg(n, i))))
			ok = false;
	return ok;
}

bool tc_want_int(struct checker *ck, struct ast_node *n, int i, const char *what)
{
	struct type *t = tc_expr(ck, arg(n, i));
	if (ty_is_error(t))
		return false;
	if (!ty_is_integer(t)) {
		tc_error(ck, &arg(n, i)->loc, "%s() expects an integer %s, got %s", n->call.name,
			 what, tc_tyname(t));
		return false;
	}
	return true;
}

bool tc_want_literal(struct checker *ck, struct ast_node *n, int i, const char *what)
{
	if (arg(n, i)->kind != AST_STR) {
		tc_error(ck, &arg(n, i)->loc, "%s() expects a string literal as its %s",
			 n->call.name, what);
		return false;
	}
	tc_expr(ck, arg(n, i));
	return true;
}

/* A whole map argument: @m without keys, which must exist. */
static struct tc_map *want_map(struct checker *ck, struct ast_node *n, int i)
{
	struct ast_node *m = arg(n, i);
	if (m->kind != AST_MAP || m->map.keys.len) {
		tc_error(ck, &m->loc, "%s() expects a map without keys, like @name",
			 n->call.name);
		if (m->kind != AST_MAP)
			tc_expr(ck, m);
		return NULL;
	}
	return tc_map_ref(ck, m);
}

static struct type *check_printf(struct checker *ck, struct ast_node *n)
{
	if (!tc_want_literal(ck, n, 0, "format") | !tc_type_args(ck, n, 1))
		return tc_fail(n);
	if (!tc_check_printf(ck, n))
		return tc_fail(n);
	return tc_set(ck, n, ty_none());
}

/* Arguments of an event payload: bad kinds are reported. */
static bool printable(struct checker *ck, struct ast_node *a, const char *fn)
{
	struct type *t = a->ty;
	if (t->kind == TY_NONE || t->kind == TY_CTX || ty_is_aggregation(t)) {
		tc_error(ck, &a->loc, "%s: cannot print a value of type %s", fn, tc_tyname(t));
		return false;
	}
	if (t->kind == TY_RECORD && kbtf_complete(t))
		ck->nomem = true;
	return true;
}

static struct type *check_print(struct checker *ck, struct ast_node *n)
{
	struct ast_node *a = arg(n, 0);
	if (a->kind == AST_MAP && a->map.keys.len == 0) {
		struct tc_map *m = tc_map_ref(ck, a);
		bool ok = m != NULL;
		for (int i = 1; i < n->call.args.len; i++)
			ok &= tc_want_int(ck, n, i, i == 1 ? "top count" : "divisor");
		/* as bpftrace 0.17, which prints every entry of a stats() map, undivided */
		if (ok && n->call.args.len > 1 && m->value && m->value->kind == TY_STATS &&
		    !ck->quiet)
			diag_warn(&ck->c->diag, &n->loc, "print()'s top and div arguments are ignored "
				  "on stats() maps");
		return ok ? tc_set(ck, n, ty_none()) : tc_fail(n);
	}
	if (n->call.args.len > 1) {
		tc_error(ck, &n->loc, "print() takes one argument when it prints a value");
		tc_type_args(ck, n, 0);
		return tc_fail(n);
	}
	if (ty_is_error(tc_expr(ck, a)) || !printable(ck, a, "print()"))
		return tc_fail(n);
	struct type *t = a->ty;
	tc_add_fmt(ck, n, PD_FMT_PRINT_VALUE, "", &t, 1);
	return tc_set(ck, n, ty_none());
}


static struct type *check_time(struct checker *ck, struct ast_node *n)
{
	const char *fmt = "%H:%M:%S\n";
	if (n->call.args.len) {
		if (!tc_want_literal(ck, n, 0, "format"))
			return tc_fail(n);
		fmt = arg(n, 0)->str.s;
	}
	tc_add_fmt(ck, n, PD_FMT_TIME, fmt, NULL, 0);
	return tc_set(ck, n, ty_none());
}

static struct type *check_strftime(struct checker *ck, struct ast_node *n)
{
	bool ok = tc_want_literal(ck, n, 0, "format");
	ok &= tc_want_int(ck, n, 1, "timestamp");
	if (!ok)
		return tc_fail(n);
	tc_add_fmt(ck, n, PD_FMT_STRFTIME, arg(n, 0)->str.s, NULL, 0);
	struct type *t = ty_new(&ck->c->arena, TY_TIMESTAMP);
	if (t) {
		t->size = 8;
		t->align = 8;
		t->fmt_id = n->call.id;
	}
	return tc_set(ck, n, t);
}

/* str($1) takes the parameter as text. */
static void str_param(struct checker *ck, struct ast_node *a)
{
	struct compiler *c = ck->c;
	int idx = a->posparam.index;
	const char *s = idx >= 1 && idx <= c->opts.nparams ? c->opts.params[idx - 1] : "";
	if (idx == 0)
		return; /* $# stays a number */
	a->kind = AST_STR;
	a->str.s = s;
	a->str.len = (int)strlen(s);
}

static struct type *check_str(struct checker *ck, struct ast_node *n)
{
	struct ast_node *a = arg(n, 0);
	int size = ck->c->opts.strlen;
	int64_t len;
	if (a->kind == AST_POSPARAM)
		str_param(ck, a);
	struct type *t = tc_expr(ck, a);
	bool ok = !ty_is_error(t);
	if (n->call.args.len > 1) {
		ok &= tc_want_int(ck, n, 1, "length");
		if (ok && tc_const_int(arg(n, 1), &len) && len >= 0 && len + 1 < size)
			size = (int)len + 1;
	}
	if (!ok)
		return tc_fail(n);
	if (t->kind == TY_STR)
		return tc_set(ck, n, n->call.args.len > 1 && size < t->size ? ty_str(&ck->c->arena, size)
									  : t);
	if (t->kind != TY_INT && t->kind != TY_PTR) {
		tc_error(ck, &a->loc, "str() expects a pointer or an integer address, got %s",
			 tc_tyname(t));
		return tc_fail(n);
	}
	return tc_set(ck, n, ty_str(&ck->c->arena, size));
}

static struct type *check_clear(struct checker *ck, struct ast_node *n)
{
	return want_map(ck, n, 0) ? tc_set(ck, n, ty_none()) : tc_fail(n);
}

/* delete(@m[k]) or delete(@m, k): the keys must match the map's. */
static struct type *check_delete(struct checker *ck, struct ast_node *n)
{
	struct ast_node *m = arg(n, 0);
	if (m->kind != AST_MAP) {
		tc_error(ck, &m->loc, "%s() expects a map element, like @name[key]", n->call.name);
		tc_type_args(ck, n, 0);
		return tc_fail(n);
	}
	if (n->call.args.len == 2) {
		if (m->map.keys.len) {
			tc_error(ck, &m->loc, "%s(@m, key) takes the map without keys", n->call.name);
			return tc_fail(n);
		}
		/* Check the key as if written @m[key]. */
		struct ast_node *k = arg(n, 1);
		if (vec_push(&ck->c->arena, &m->map.keys, k)) {
			ck->nomem = true;
			return tc_fail(n);
		}
		struct tc_map *tm = tc_use_map(ck, m, NULL, false);
		m->map.keys.len = 0;
		if (!tm)
			return tc_fail(n);
		return tc_set(ck, n, n->call.fn == FN_HAS_KEY ? ty_int(8, true) : ty_none());
	}
	if (!tc_use_map(ck, m, NULL, false))
		return tc_fail(n);
	return tc_set(ck, n, ty_none());
}

static struct type *check_has_key(struct checker *ck, struct ast_node *n)
{
	return check_delete(ck, n);
}

static struct type *check_len(struct checker *ck, struct ast_node *n)
{
	return want_map(ck, n, 0) ? tc_set(ck, n, ty_int(8, true)) : tc_fail(n);
}

/* ---- aggregations: only as `@m[...] = f(...)` ---- */

static struct type *agg_type(struct checker *ck, struct ast_node *n, enum ty_kind kind,
			     bool is_signed)
{
	struct type *t = ty_new(&ck->c->arena, kind);
	if (!t)
		return tc_set(ck, n, NULL);
	t->is_signed = is_signed;
	t->align = 8;
	t->size = kind == TY_COUNT || kind == TY_SUM || kind == TY_HIST || kind == TY_LHIST ? 8
											      : 16;
	return tc_set(ck, n, t);
}

static struct type *check_count(struct checker *ck, struct ast_node *n)
{
	return agg_type(ck, n, TY_COUNT, false);
}

static struct type *check_agg1(struct checker *ck, struct ast_node *n)
{
	static const enum ty_kind kinds[FN__COUNT] = {
		[FN_SUM] = TY_SUM, [FN_AVG] = TY_AVG,	  [FN_MIN] = TY_MIN,
		[FN_MAX] = TY_MAX, [FN_STATS] = TY_STATS, [FN_HIST] = TY_HIST,
	};
	if (!tc_want_int(ck, n, 0, "value"))
		return tc_fail(n);
	bool sgn = arg(n, 0)->ty->is_signed || arg(n, 0)->ty->size < 8;
	return agg_type(ck, n, kinds[n->call.fn], sgn);
}

static bool lhist_param(struct checker *ck, struct ast_node *n, int i, int64_t *out)
{
	if (!tc_want_int(ck, n, i, "literal"))
		return false;
	if (!tc_const_int(arg(n, i), out)) {
		tc_error(ck, &arg(n, i)->loc, "lhist() expects an integer literal here");
		return false;
	}
	return true;
}

static struct type *check_lhist(struct checker *ck, struct ast_node *n)
{
	int64_t min = 0, max = 0, step = 0;
	bool ok = tc_want_int(ck, n, 0, "value");
	bool lits = lhist_param(ck, n, 1, &min) & lhist_param(ck, n, 2, &max) &
		    lhist_param(ck, n, 3, &step);
	if (!ok || !lits)
		return tc_fail(n);
	const char *err = NULL;
	if (min < 0)
		err = "lhist() min must be non-negative";
	else if (step < 1)
		err = "lhist() step must be at least 1";
	else if (min >= max)
		err = "lhist() min must be less than max";
	else if ((max - min) / step > 1000)
		err = "lhist() would need more than 1000 buckets";
	if (err) {
		tc_error(ck, &n->loc, "%s (min %lld, max %lld, step %lld)", err, (long long)min,
			 (long long)max, (long long)step);
		return tc_fail(n);
	}
	struct type *t = agg_type(ck, n, TY_LHIST, true);
	t->lhist_min = min;
	t->lhist_max = max;
	t->lhist_step = step;
	return t;
}

static const struct fn_desc fn_table[FN__COUNT] = {
	[FN_PRINTF] = { "printf", 1, 64, 0, check_printf },
	[FN_PRINT] = { "print", 1, 3, 0, check_print },
	[FN_EXIT] = { "exit", 0, 1, 0, tc_check_int_void },
	[FN_TIME] = { "time", 0, 1, 0, check_time },
	[FN_STRFTIME] = { "strftime", 2, 2, 0, check_strftime },
	[FN_STR] = { "str", 1, 2, 0, check_str },
	[FN_CLEAR] = { "clear", 1, 1, 0, check_clear },
	[FN_ZERO] = { "zero", 1, 1, 0, check_clear },
	[FN_DELETE] = { "delete", 1, 2, SEMA_FN_ENTRIES, check_delete },
	[FN_HAS_KEY] = { "has_key", 2, 2, SEMA_FN_ENTRIES, check_has_key },
	[FN_LEN] = { "len", 1, 1, SEMA_FN_ENTRIES, check_len },
	[FN_COUNT] = { "count", 0, 0, SEMA_FN_AGG, check_count },
	[FN_SUM] = { "sum", 1, 1, SEMA_FN_AGG, check_agg1 },
	[FN_AVG] = { "avg", 1, 1, SEMA_FN_AGG, check_agg1 },
	[FN_MIN] = { "min", 1, 1, SEMA_FN_AGG, check_agg1 },
	[FN_MAX] = { "max", 1, 1, SEMA_FN_AGG, check_agg1 },
	[FN_STATS] = { "stats", 1, 1, SEMA_FN_AGG, check_agg1 },
	[FN_HIST] = { "hist", 1, 1, SEMA_FN_AGG, check_agg1 },
	[FN_LHIST] = { "lhist", 4, 4, SEMA_FN_AGG, check_lhist },
	[FN_REG] = { "reg", 1, 1, 0, tc_check_reg },
	[FN_KPTR] = { "kptr", 1, 1, 0, tc_check_addr_space },
	[FN_UPTR] = { "uptr", 1, 1, 0, tc_check_addr_space },
	[FN_BUF] = { "buf", 1, 2, 0, tc_check_buf },
	[FN_PERCPU_KADDR] = { "percpu_kaddr", 1, 2, 0, tc_check_percpu_kaddr },
	[FN_SYSTEM] = { "system", 1, 64, SEMA_FN_UNSAFE, check_printf },
	[FN_CAT] = { "cat", 1, 64, 0, check_printf },
	[FN_JOIN] = { "join", 1, 2, 0, tc_check_join },
	[FN_DEBUGF] = { "debugf", 1, 13, 0, tc_check_debugf },
	[FN_STRNCMP] = { "strncmp", 3, 3, 0, tc_check_strncmp },
	[FN_STRCONTAINS] = { "strcontains", 2, 2, 0, tc_check_strcontains },
	[FN_BSWAP] = { "bswap", 1, 1, 0, tc_check_bswap },
	/* not where the current task is bpfscope itself or any task (a timer on a CPU) */
	[FN_SIGNAL] = { "signal", 1, 1, SEMA_FN_UNSAFE, tc_check_signal,
			PK_ALL & ~(PK_ONLY(BEGIN) | PK_ONLY(END) | PK_ONLY(INTERVAL) | PK_ONLY(ITER)) },
	[FN_OVERRIDE] = { "override", 1, 1, SEMA_FN_UNSAFE, tc_check_int_void,
			  PK_ONLY(KPROBE) },
	[FN_PATH] = { "path", 1, 1, 0, tc_check_path,
		      PK_ONLY(FENTRY) | PK_ONLY(FEXIT) | PK_ONLY(ITER) },
	[FN_UNWATCH] = { "unwatch", 1, 1, 0, tc_check_int_void },
	[FN_PTON] = { "pton", 1, 1, 0, tc_check_pton },
	[FN_STRERROR] = { "strerror", 1, 1, 0, tc_check_strerror },
	[FN_MACADDR] = { "macaddr", 1, 1, 0, tc_check_macaddr },
	[FN_NTOP] = { "ntop", 1, 2, 0, tc_check_ntop },
	[FN_CGROUP_PATH] = { "cgroup_path", 1, 2, 0, tc_check_cgroup_path },
	[FN_CGROUPID] = { "cgroupid", 1, 1, 0, tc_check_cgroupid },
	[FN_KSTACK] = { "kstack", 0, 2, SEMA_FN_WORDS, tc_stack_call },
	[FN_USTACK] = { "ustack", 0, 2, SEMA_FN_WORDS, tc_stack_call },
	[FN_KSYM] = { "ksym", 1, 1, 0, tc_sym_value },
	[FN_USYM] = { "usym", 1, 1, 0, tc_sym_value },
	[FN_KADDR] = { "kaddr", 1, 1, 0, tc_kaddr },
	[FN_UADDR] = { "uaddr", 1, 1, 0, tc_uaddr,
		       PK_ONLY(UPROBE) | PK_ONLY(URETPROBE) | PK_ONLY(USDT) },
	[FN_NSECS] = { "nsecs", 0, 1, SEMA_FN_WORDS, tc_check_nsecs },
};

const char *sema_fn_name(enum sema_fn fn)
{
	return fn > FN_UNKNOWN && fn < FN__COUNT ? fn_table[fn].name : "?";
}

bool sema_fn_has(enum sema_fn fn, unsigned flag)
{
	return fn > FN_UNKNOWN && fn < FN__COUNT && (fn_table[fn].flags & flag);
}

/* bpftrace functions this compiler does not implement yet. */
static const char *const later_fns[] = {
	"skboutput", "errorf", "warnf",
};

static enum sema_fn find_fn(const char *name)
{
	for (int fn = FN_UNKNOWN + 1; fn < FN__COUNT; fn++)
		if (strcmp(fn_table[fn].name, name) == 0)
			return (enum sema_fn)fn;
	return FN_UNKNOWN;
}

bool tc_is_aggregation_call(const struct ast_node *n)
{
	return n->kind == AST_CALL && sema_fn_has(find_fn(n->call.name), SEMA_FN_AGG);
}

static struct type *unknown_fn(struct checker *ck, struct ast_node *n)
{
	/* point at the name alone, not at the arguments */
	struct src_loc name = n->loc;
	name.last_line = name.first_line;
	name.last_col = name.first_col + (int)strlen(n->call.name) - 1;
	for (size_t i = 0; i < sizeof(later_fns) / sizeof(later_fns[0]); i++) {
		if (strcmp(later_fns[i], n->call.name) == 0) {
			tc_error(ck, &name, "function '%s' is not supported yet", n->call.name);
			return tc_fail(n);
		}
	}
	tc_error(ck, &name, "unknown function '%s'", n->call.name);
	if (!tc_noting(ck))
		return tc_fail(n);
	struct sema_suggest s;
	sema_suggest_init(&s, n->call.name);
	for (int fn = FN_UNKNOWN + 1; fn < FN__COUNT; fn++)
		sema_suggest_add(&s, fn_table[fn].name);
	if (sema_suggest_best(&s))
		tc_note(ck, &name, "did you mean '%s'?", sema_suggest_best(&s));
	return tc_fail(n);
}

/* "override() is not available in tracepoint:a:b; it is for kprobe probes" */
static void not_in_kind(struct checker *ck, struct ast_node *n, unsigned kinds)
{
	char names[256] = "";
	size_t len = 0;
	for (int k = 0; k < PD_PROBE__COUNT && len < sizeof(names); k++)
		if (kinds & (1u << k))
			len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s",
						len ? ", " : "", pk_desc((enum pd_probe_kind)k)->name);
	tc_error(ck, &n->loc, "%s() is not available in %s; it is for %s probes", n->call.name,
		 ck->pp->name, names);
}

static bool check_arity(struct checker *ck, struct ast_node *n, const struct fn_desc *d)
{
	int got = n->call.args.len;
	if (got >= d->min_args && got <= d->max_args)
		return true;
	if (d->min_args == d->max_args)
		tc_error(ck, &n->loc, "%s() takes %d argument%s, %d given", d->name, d->min_args,
			 d->min_args == 1 ? "" : "s", got);
	else if (got < d->min_args)
		tc_error(ck, &n->loc, "%s() takes at least %d argument%s, %d given", d->name,
			 d->min_args, d->min_args == 1 ? "" : "s", got);
	else
		tc_error(ck, &n->loc, "%s() takes at most %d argument%s, %d given", d->name,
			 d->max_args, d->max_args == 1 ? "" : "s", got);
	return false;
}

struct type *tc_call(struct checker *ck, struct ast_node *n, bool agg)
{
	enum sema_fn fn = find_fn(n->call.name);
	n->call.id = -1;
	n->call.fn = fn;
	if (fn == FN_UNKNOWN) {
		tc_type_args(ck, n, 0);
		return unknown_fn(ck, n);
	}
	const struct fn_desc *d = &fn_table[fn];
	if (!check_arity(ck, n, d)) {
		/* still type what can be typed, for the other diagnostics */
		for (int i = 0; i < n->call.args.len; i++)
			if (arg(n, i)->kind != AST_MAP &&
			    !(arg(n, i)->kind == AST_BUILTIN && (d->flags & SEMA_FN_WORDS)))
				tc_expr(ck, arg(n, i));
		return tc_fail(n);
	}
	if ((d->flags & SEMA_FN_UNSAFE) && !ck->c->opts.unsafe) {
		tc_error(ck, &n->loc, "%s() is unsafe: it changes the traced system; run with "
			 "--unsafe to allow it", d->name);
		tc_type_args(ck, n, 0);
		return tc_fail(n);
	}
	if (d->kinds && !(d->kinds & (1u << ck->pp->kind))) {
		not_in_kind(ck, n, d->kinds);
		tc_type_args(ck, n, 0);
		return tc_fail(n);
	}
	if ((d->flags & SEMA_FN_AGG) && !agg) {
		tc_error(ck, &n->loc, "%s() must be assigned directly to a map, as in @x = %s(...)",
			 d->name, d->name);
		tc_type_args(ck, n, 0);
		return tc_fail(n);
	}
	if (d->flags & SEMA_FN_ENTRIES && arg(n, 0)->kind == AST_MAP) {
		struct tc_map *m = tc_find_map(ck, arg(n, 0)->map.name);
		if (m)
			m->entries_seen = true;
	}
	return d->check(ck, n);
}
