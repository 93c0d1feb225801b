/* Helpers shared by the type checker's files (typecheck.c, tc_expr.c, tc_call.c, printf.c):
 * diagnostics said once across wildcard clones, type names for messages, and setting a
 * node's type. */
#include <stdio.h>
#include <string.h>

#include "tc.h"

bool tc_same_loc(const struct src_loc *a, const struct src_loc *b)
{
	return a->first_line == b->first_line && a->first_col == b->first_col &&
	       a->last_line == b->last_line && a->last_col == b->last_col;
}

/* True when this message was already reported at loc (in another clone of the probe). */
static bool said_before(struct checker *ck, const struct src_loc *loc, const char *msg)
{
	for (int i = 0; i < ck->said.len; i++)
		if (tc_same_loc(&ck->said.v[i].loc, loc) && strcmp(ck->said.v[i].msg, msg) == 0)
			return true;
	struct tc_said s = { *loc, arena_strdup(&ck->c->arena, msg) };
	if (!s.msg || vec_push(&ck->c->arena, &ck->said, s))
		ck->nomem = true;
	return false;
}

void tc_error(struct checker *ck, const struct src_loc *loc, const char *fmt, ...)
{
	va_list ap;
	char msg[1024];
	if (ck->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* past the shown messages only the count matters: no search of those said */
	ck->muted = loc && !diag_stopped(&ck->c->diag) && said_before(ck, loc, msg);
	if (!ck->muted)
		diag_error(&ck->c->diag, loc, "%s", msg);
}

bool tc_noting(const struct checker *ck)
{
	return !ck->quiet && !ck->muted && !diag_stopped(&ck->c->diag);
}

void tc_note(struct checker *ck, const struct src_loc *loc, const char *fmt, ...)
{
	va_list ap;
	if (!tc_noting(ck))
		return;
	va_start(ap, fmt);
	diag_report(&ck->c->diag, DIAG_NOTE, loc, fmt, ap);
	va_end(ap);
}

bool sema_expr_is_user(const struct ast_node *n)
{
	while (n) {
		if (n->ty && n->ty->kind == TY_PTR)
			return n->ty->as_user;
		if (n->kind == AST_FIELD)
			n = n->field.expr;
		else if (n->kind == AST_INDEX)
			n = n->index.expr;
		else if (n->kind == AST_UNOP)
			n = n->unop.expr;
		else
			return false;
	}
	return false;
}

/* A pointer read from user memory points to user memory too: `->` chains through a user
 * struct stay in the user address space. */
struct type *tc_read_type(struct checker *ck, struct type *t, const struct ast_node *from)
{
	if (t->kind != TY_PTR || t->as_user || !sema_expr_is_user(from))
		return t;
	struct type *u = ty_ptr(&ck->c->arena, t->elem, true);
	if (!u)
		ck->nomem = true;
	return u ? u : t;
}

const char *tc_tyname(const struct type *t)
{
	static char bufs[4][256];
	static int next;
	char *b = bufs[next++ % 4];
	return ty_name(t, b, 256);
}

struct type *tc_fail(struct ast_node *n)
{
	n->ty = ty_error();
	return n->ty;
}

struct type *tc_set(struct checker *ck, struct ast_node *n, struct type *t)
{
	if (!t) {
		ck->nomem = true;
		t = ty_error();
	}
	n->ty = t;
	return t;
}
