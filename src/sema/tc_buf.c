/* buf(p [, n]): n bytes (at most BPFTRACE_MAX_STRLEN) of a string, an array, or the memory
 * a pointer or address points to, as a TY_BUF value: a u32 length then the bytes.
 * Printed as bpftrace's %r (%rx, %rh in printf). */
#include "tc.h"

struct type *tc_check_buf(struct checker *ck, struct ast_node *n)
{
	struct ast_node *a = n->call.args.v[0];
	struct type *t = tc_expr(ck, a);
	int max = ck->c->opts.strlen, cap = max;
	int64_t len;
	if (ty_is_error(t) || (n->call.args.len > 1 && !tc_want_int(ck, n, 1, "length")))
		return tc_fail(n);
	if (t->kind != TY_STR && t->kind != TY_ARRAY && t->kind != TY_PTR && t->kind != TY_INT) {
		tc_error(ck, &a->loc, "buf() expects a string, an array, a pointer or an address, "
			 "got %s", tc_tyname(t));
		return tc_fail(n);
	}
	if (n->call.args.len == 1) {
		if (t->kind != TY_ARRAY) {
			tc_error(ck, &n->loc, "buf() needs a length for %s: buf(p, n); only an "
				 "array's length is known", tc_tyname(t));
			return tc_fail(n);
		}
		cap = t->size;
	} else if (tc_const_int(n->call.args.v[1], &len)) {
		if (len < 0) {
			tc_error(ck, &n->call.args.v[1]->loc, "buf() length must not be negative");
			return tc_fail(n);
		}
		cap = len > max ? max + 1 : (int)len;
	}
	if (cap > max) {
		if (!ck->quiet)
			diag_warn(&ck->c->diag, &n->loc, "buf() length is too long and will be "
				  "shortened to %d bytes (see BPFTRACE_MAX_STRLEN)", max);
		cap = max;
	}
	struct type *b = ty_new(&ck->c->arena, TY_BUF);
	if (b) {
		b->size = 4 + cap;
		b->align = 4;
	}
	return tc_set(ck, n, b);
}
