/* Type rules of the functions added to bpftrace's core set: strings compared in BPF
 * (strncmp, strcontains), bswap, join's event, signal names, path(), and the one-integer
 * calls (exit(code), override, unwatch). Rows of fn_table in tc_call.c point here. */
#define _GNU_SOURCE
#include <signal.h>
#include <string.h>
#include <strings.h>

#include "tc.h"

static struct ast_node *arg(struct ast_node *n, int i)
{
	return n->call.args.v[i];
}

/* f([int]): no value (exit(code), override(rc), unwatch(addr)). */
struct type *tc_check_int_void(struct checker *ck, struct ast_node *n)
{
	if (n->call.args.len && !tc_want_int(ck, n, 0, "argument"))
		return tc_fail(n);
	return tc_set(ck, n, ty_none());
}

/* An address argument: an integer or a pointer. */
static bool want_addr(struct checker *ck, struct ast_node *n, int i)
{
	struct type *t = tc_expr(ck, arg(n, i));
	if (ty_is_error(t))
		return false;
	if (t->kind != TY_INT && t->kind != TY_PTR) {
		tc_error(ck, &arg(n, i)->loc, "%s() expects a pointer or an integer address, got %s",
			 n->call.name, tc_tyname(t));
		return false;
	}
	return true;
}

static bool want_str(struct checker *ck, struct ast_node *n, int i)
{
	struct type *t = tc_expr(ck, arg(n, i));
	if (ty_is_error(t))
		return false;
	if (t->kind != TY_STR) {
		tc_error(ck, &arg(n, i)->loc, "%s() expects a string, got %s", n->call.name,
			 tc_tyname(t));
		return false;
	}
	return true;
}

/* join(argv [, sep]): PD_JOIN_MAX strings of strlen bytes in the event; the separator is
 * the format's text. */
struct type *tc_check_join(struct checker *ck, struct ast_node *n)
{
	bool ok = want_addr(ck, n, 0);
	const char *sep = " ";
	if (n->call.args.len > 1 && (ok &= tc_want_literal(ck, n, 1, "separator")))
		sep = arg(n, 1)->str.s;
	if (!ok)
		return tc_fail(n);
	struct type *s = ty_str(&ck->c->arena, ck->c->opts.strlen);
	struct type *args[PD_JOIN_MAX];
	for (int i = 0; i < PD_JOIN_MAX; i++)
		args[i] = s;
	if (!s)
		return tc_set(ck, n, NULL);
	tc_add_fmt(ck, n, PD_FMT_JOIN, sep, args, PD_JOIN_MAX);
	return tc_set(ck, n, ty_none());
}

/* strncmp(a, b, n): 0 when the first n bytes (up to a NUL) are equal, as bpftrace. */
struct type *tc_check_strncmp(struct checker *ck, struct ast_node *n)
{
	bool ok = want_str(ck, n, 0) & want_str(ck, n, 1);
	int64_t len;
	if (!tc_want_int(ck, n, 2, "length"))
		return tc_fail(n);
	if (!tc_const_int(arg(n, 2), &len) || len < 0) {
		tc_error(ck, &arg(n, 2)->loc, "strncmp() expects a non-negative integer literal "
			 "as its length");
		return tc_fail(n);
	}
	return ok ? tc_set(ck, n, ty_int(8, false)) : tc_fail(n);
}

struct type *tc_check_strcontains(struct checker *ck, struct ast_node *n)
{
	bool ok = want_str(ck, n, 0) & want_str(ck, n, 1);
	return ok ? tc_set(ck, n, ty_int(8, false)) : tc_fail(n);
}

/* bswap(x): unsigned, as wide as x's type. */
struct type *tc_check_bswap(struct checker *ck, struct ast_node *n)
{
	if (!tc_want_int(ck, n, 0, "value"))
		return tc_fail(n);
	return tc_set(ck, n, ty_int(arg(n, 0)->ty->size, false));
}

/* "SIGKILL", "KILL" or "kill": the signal's number, 0 when there is none. */
static int signal_number(const char *name)
{
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && strcasecmp(abbrev, name) == 0)
			return sig;
	}
	return 0;
}

/* signal("SIGKILL" | "KILL" | n): a name becomes its number in place. */
struct type *tc_check_signal(struct checker *ck, struct ast_node *n)
{
	struct ast_node *a = arg(n, 0);
	int64_t sig;
	if (a->kind == AST_STR) {
		int num = signal_number(a->str.s);
		if (!num) {
			tc_error(ck, &a->loc, "signal(): unknown signal '%s'", a->str.s);
			return tc_fail(n);
		}
		tc_make_literal(ck, a, num);
	}
	if (!tc_want_int(ck, n, 0, "signal"))
		return tc_fail(n);
	if (tc_const_int(a, &sig) && (sig < 1 || sig >= NSIG)) {
		tc_error(ck, &a->loc, "signal(): %lld is not a signal number (1 to %d)",
			 (long long)sig, NSIG - 1);
		return tc_fail(n);
	}
	return tc_set(ck, n, ty_none());
}

/* path(p): the kernel's d_path of a struct path *, as a string. */
struct type *tc_check_path(struct checker *ck, struct ast_node *n)
{
	if (!want_addr(ck, n, 0))
		return tc_fail(n);
	return tc_set(ck, n, ty_str(&ck->c->arena, ck->c->opts.strlen));
}
