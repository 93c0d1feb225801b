/* kstack and ustack for sema_typecheck, as builtins and as calls (`kstack(perf, 3)`): the
 * mode and depth become the value's type, and each (kernel or user, depth) pair gets one
 * stack trace map in pd->stackmaps, shared by every use. */
#include <stdio.h>
#include <string.h>

#include "../cache/deps.h"
#include "tc.h"

/* bpftrace's default depth; the kernel refuses stack maps deeper than this sysctl. */
#define DEFAULT_DEPTH 127

static const char *const mode_names[] = {
	[PD_STACK_BPFTRACE] = "bpftrace",
	[PD_STACK_PERF] = "perf",
	[PD_STACK_RAW] = "raw",
};

static int kernel_max_depth(void)
{
	int max = DEFAULT_DEPTH;
	cache_dep_content("/proc/sys/kernel/perf_event_max_stack");
	FILE *f = fopen("/proc/sys/kernel/perf_event_max_stack", "r");
	if (f) {
		if (fscanf(f, "%d", &max) != 1 || max < 1)
			max = DEFAULT_DEPTH;
		fclose(f);
	}
	return max;
}

/* The index of the stack map of this kind and depth, added on first use; -1 on ENOMEM. */
static int stack_map(struct checker *ck, bool user, int depth)
{
	struct pd_prog *pd = ck->c->pd;
	for (int i = 0; i < pd->stackmaps.len; i++)
		if (pd->stackmaps.v[i].user == user && pd->stackmaps.v[i].depth == (uint32_t)depth)
			return i;
	struct pd_stackmap m = {
		.sym = arena_sprintf(&pd->arena, "stack_%c%d", user ? 'u' : 'k', depth),
		.user = user,
		.depth = (uint32_t)depth,
		.max_entries = (uint32_t)ck->c->opts.map_keys_max,
	};
	if (!m.sym || vec_push(&pd->arena, &pd->stackmaps, m))
		return -1;
	return pd->stackmaps.len - 1;
}

static struct type *stack_type(struct checker *ck, struct ast_node *n, bool user,
			       enum pd_stack_mode mode, int depth)
{
	struct type *t = ty_new(&ck->c->arena, user ? TY_USTACK : TY_KSTACK);
	if (!t)
		return tc_set(ck, n, NULL);
	t->size = user ? 16 : 8;
	t->align = 8;
	t->is_signed = true;
	t->stack_mode = (int)mode;
	t->stack_map = stack_map(ck, user, depth);
	return tc_set(ck, n, t->stack_map < 0 ? NULL : t);
}

struct type *tc_stack_builtin(struct checker *ck, struct ast_node *n)
{
	return stack_type(ck, n, n->builtin.id == BI_USTACK, PD_STACK_BPFTRACE, DEFAULT_DEPTH);
}

/* A mode argument is a bare identifier (parsed as a builtin variable). */
static bool mode_arg(const struct ast_node *a, enum pd_stack_mode *mode)
{
	if (a->kind != AST_BUILTIN)
		return false;
	for (size_t m = 0; m < sizeof(mode_names) / sizeof(mode_names[0]); m++) {
		if (strcmp(a->builtin.name, mode_names[m]) == 0) {
			*mode = (enum pd_stack_mode)m;
			return true;
		}
	}
	return false;
}

static bool depth_arg(struct checker *ck, struct ast_node *n, struct ast_node *a, int *depth)
{
	int64_t v;
	int max = kernel_max_depth();
	if (a->kind == AST_BUILTIN || ty_is_error(tc_expr(ck, a)))
		goto bad;
	if (!tc_const_int(a, &v))
		goto bad;
	if (v < 1 || v > max) {
		tc_error(ck, &a->loc, "%s() depth must be between 1 and %d (the kernel's "
			 "perf_event_max_stack), got %lld", n->call.name, max, (long long)v);
		return false;
	}
	*depth = (int)v;
	return true;
bad:
	tc_error(ck, &a->loc, "%s() expects a stack mode (bpftrace, perf, raw) or an integer "
		 "literal depth", n->call.name);
	return false;
}

/* kstack([mode][, depth]), ustack(...). */
struct type *tc_stack_call(struct checker *ck, struct ast_node *n)
{
	enum pd_stack_mode mode = PD_STACK_BPFTRACE;
	int depth = DEFAULT_DEPTH, nargs = n->call.args.len, i = 0;
	if (nargs > 0 && mode_arg(n->call.args.v[0], &mode))
		i = 1;
	if (nargs == 2 && i == 0) {
		tc_error(ck, &n->call.args.v[0]->loc, "%s() expects a stack mode (bpftrace, perf, "
			 "raw) as its first argument", n->call.name);
		return tc_fail(n);
	}
	if (i < nargs && !depth_arg(ck, n, n->call.args.v[i], &depth))
		return tc_fail(n);
	return stack_type(ck, n, n->call.fn == FN_USTACK, mode, depth);
}
