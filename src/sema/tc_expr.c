/* Expression typing for sema_typecheck: literals, builtins, positional parameters, locals,
 * map reads, operators, casts, field access, indexing and tuples. Sets n->ty on every
 * expression; bad ones get TY_ERROR so that nothing cascades. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"
#include "tc.h"

bool tc_const_int(const struct ast_node *n, int64_t *out)
{
	if (n->kind == AST_INT && n->int_.value <= (uint64_t)INT64_MAX) {
		*out = (int64_t)n->int_.value;
		return true;
	}
	if (n->kind == AST_UNOP && n->unop.op == OP_NEG && n->unop.expr->kind == AST_INT &&
	    n->unop.expr->int_.value <= (uint64_t)INT64_MAX) {
		*out = -(int64_t)n->unop.expr->int_.value;
		return true;
	}
	return false;
}

static bool is_cond_type(const struct type *t)
{
	return t->kind == TY_INT || t->kind == TY_PTR;
}

bool tc_check_cond(struct checker *ck, struct ast_node *n)
{
	struct type *t = tc_expr(ck, n);
	if (ty_is_error(t))
		return false;
	if (!is_cond_type(t)) {
		tc_error(ck, &n->loc, "a condition must be an integer or a pointer, got %s",
			 tc_tyname(t));
		return false;
	}
	return true;
}

/* ---- positional parameters: replaced by literals ---- */

static bool parse_number(const char *s, int64_t *out)
{
	char *end;
	if (!s || !s[0])
		return false;
	errno = 0;
	long long v = strtoll(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

/* Turns n into the literal v in place (a negation of a literal when v < 0). */
struct type *tc_make_literal(struct checker *ck, struct ast_node *n, int64_t v)
{
	if (v < 0) {
		struct ast_node *lit = ast_new(&ck->c->arena, AST_INT, &n->loc);
		if (!lit)
			return tc_set(ck, n, NULL);
		lit->int_.value = (uint64_t)(-(v + 1)) + 1;
		lit->ty = ty_int(8, true);
		n->kind = AST_UNOP;
		n->unop.op = OP_NEG;
		n->unop.expr = lit;
		return tc_set(ck, n, ty_int(8, true));
	}
	n->kind = AST_INT;
	n->int_.value = (uint64_t)v;
	n->int_.is_unsigned = false;
	return tc_set(ck, n, ty_int(8, true));
}

/* $N outside str(): a number (0 when not given, as bpftrace); $#: the count. */
static struct type *check_posparam(struct checker *ck, struct ast_node *n)
{
	struct compiler *c = ck->c;
	int idx = n->posparam.index;
	int64_t v = 0;
	if (idx == 0) {
		v = c->opts.nparams;
	} else if (idx <= c->opts.nparams && !parse_number(c->opts.params[idx - 1], &v)) {
		tc_error(ck, &n->loc, "$%d is used as a number, but its value \"%s\" is not one; "
			 "use str($%d) for text", idx, c->opts.params[idx - 1], idx);
		return tc_fail(n);
	}
	return tc_make_literal(ck, n, v);
}

/* ---- operators ---- */

static struct type *int_result(const struct type *a, const struct type *b)
{
	bool u = (a->size == 8 && !a->is_signed) || (b->size == 8 && !b->is_signed);
	return ty_int(8, !u);
}

static bool is_compare(enum ast_op op)
{
	return op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE || op == OP_GT ||
	       op == OP_GE;
}

static struct type *bad_operands(struct checker *ck, struct ast_node *n, struct type *a,
				 struct type *b)
{
	tc_error(ck, &n->loc, "invalid operands to '%s': %s and %s", ast_op_str(n->binop.op),
		 tc_tyname(a), tc_tyname(b));
	return tc_fail(n);
}

static struct type *check_binop(struct checker *ck, struct ast_node *n)
{
	struct type *a = tc_expr(ck, n->binop.lhs);
	struct type *b = tc_expr(ck, n->binop.rhs);
	enum ast_op op = n->binop.op;
	if (ty_is_error(a) || ty_is_error(b))
		return tc_fail(n);
	if (op == OP_LAND || op == OP_LOR) {
		if (!is_cond_type(a) || !is_cond_type(b))
			return bad_operands(ck, n, a, b);
		return tc_set(ck, n, ty_int(8, true));
	}
	if (a->kind == TY_STR && b->kind == TY_STR) {
		if (op != OP_EQ && op != OP_NE)
			return bad_operands(ck, n, a, b);
		return tc_set(ck, n, ty_int(8, true));
	}
	if (is_compare(op)) {
		if (!is_cond_type(a) || !is_cond_type(b))
			return bad_operands(ck, n, a, b);
		return tc_set(ck, n, ty_int(8, true));
	}
	if (a->kind == TY_INT && b->kind == TY_INT)
		return tc_set(ck, n, int_result(a, b));
	/* pointer arithmetic scales by the element size, as in C */
	if (a->kind == TY_PTR && b->kind == TY_INT && (op == OP_ADD || op == OP_SUB))
		return tc_set(ck, n, a);
	if (a->kind == TY_INT && b->kind == TY_PTR && op == OP_ADD)
		return tc_set(ck, n, b);
	return bad_operands(ck, n, a, b);
}

/* `*addr` of an integer reads a 64-bit value there, as bpftrace does (loads.bt:
 * `*kaddr("avenrun")`): the operand becomes `(uint64 *)addr`, a user pointer in user
 * probes (check_cast). */
static struct type *deref_int(struct checker *ck, struct ast_node *n, struct type *t)
{
	struct ast_node *tn = ast_new(&ck->c->arena, AST_TYPENAME, &n->unop.expr->loc);
	struct ast_node *cast = ast_new(&ck->c->arena, AST_CAST, &n->unop.expr->loc);
	if (!tn || !cast)
		return tc_set(ck, n, NULL);
	tn->typename_.name = t->is_signed ? "int64" : "uint64";
	tn->typename_.ptr_depth = 1;
	cast->cast.type = tn;
	cast->cast.expr = n->unop.expr;
	n->unop.expr = cast;
	return tc_expr(ck, cast);
}

static struct type *check_deref(struct checker *ck, struct ast_node *n, struct type *t)
{
	if (t->kind == TY_INT)
		t = deref_int(ck, n, t);
	if (ty_is_error(t))
		return tc_fail(n);
	if (t->kind != TY_PTR) {
		tc_error(ck, &n->loc, "cannot dereference a value of type %s", tc_tyname(t));
		return tc_fail(n);
	}
	if (!t->elem || t->elem->kind == TY_NONE) {
		tc_error(ck, &n->loc, "cannot dereference a void pointer");
		return tc_fail(n);
	}
	if (kbtf_complete(t->elem))
		ck->nomem = true;
	return tc_set(ck, n, t->elem);
}

static struct type *check_unop(struct checker *ck, struct ast_node *n)
{
	struct type *t = tc_expr(ck, n->unop.expr);
	if (ty_is_error(t))
		return tc_fail(n);
	enum ast_op op = n->unop.op;
	if (op == OP_LNOT && is_cond_type(t))
		return tc_set(ck, n, ty_int(8, true));
	if (op == OP_NEG && t->kind == TY_INT)
		return tc_set(ck, n, ty_int(8, true));
	if (op == OP_BNOT && t->kind == TY_INT)
		return tc_set(ck, n, ty_int(8, t->is_signed));
	if (op == OP_DEREF)
		return check_deref(ck, n, t);
	if (op == OP_ADDR) {
		tc_error(ck, &n->loc, "the address-of operator '&' is not supported");
		return tc_fail(n);
	}
	tc_error(ck, &n->loc, "invalid operand to '%s': %s", ast_op_str(n->unop.op),
		 tc_tyname(t));
	return tc_fail(n);
}

static struct type *check_incdec(struct checker *ck, struct ast_node *n)
{
	struct ast_node *t = n->incdec.target;
	if (t->kind == AST_MAP) {
		tc_use_map(ck, t, ty_int(8, true), true);
		return tc_set(ck, n, ty_is_error(t->ty) ? ty_error() : t->ty);
	}
	if (t->kind != AST_VAR) {
		tc_error(ck, &t->loc, "'%s' needs a variable or a map", n->incdec.inc ? "++" : "--");
		return tc_fail(n);
	}
	struct sema_var *v = tc_lookup_var(ck, t);
	if (!v || ty_is_error(v->ty))
		return tc_fail(n);
	if (!ty_is_integer(v->ty)) {
		tc_error(ck, &t->loc, "'%s' needs an integer, $%s is %s", n->incdec.inc ? "++" : "--",
			 v->name, tc_tyname(v->ty));
		return tc_fail(n);
	}
	return tc_set(ck, n, v->ty);
}

static struct type *check_ternary(struct checker *ck, struct ast_node *n)
{
	bool ok = tc_check_cond(ck, n->ternary.cond);
	struct type *a = tc_expr(ck, n->ternary.then);
	struct type *b = tc_expr(ck, n->ternary.otherwise);
	if (!ok || ty_is_error(a) || ty_is_error(b))
		return tc_fail(n);
	if (a->kind == TY_INT && b->kind == TY_INT)
		return tc_set(ck, n, int_result(a, b));
	if (a->kind == TY_STR && b->kind == TY_STR)
		return tc_set(ck, n, a->size >= b->size ? a : b);
	if (ty_equal(a, b))
		return tc_set(ck, n, a);
	tc_error(ck, &n->loc, "the branches of '?:' have different types: %s and %s",
		 tc_tyname(a), tc_tyname(b));
	return tc_fail(n);
}

/* ---- types written in the script ---- */

struct type *tc_typename(struct checker *ck, struct ast_node *n)
{
	struct arena *a = &ck->c->arena;
	const char *name = n->typename_.name;
	struct type *t;
	if (strcmp(name, "string") == 0 && n->typename_.ptr_depth == 0) {
		t = ty_str(a, n->typename_.array_len > 0 ? n->typename_.array_len
							 : ck->c->opts.strlen);
		return tc_set(ck, n, t);
	}
	/* a struct the script defines shadows the kernel's of the same name */
	t = tc_script_record(ck, name);
	if (!t)
		t = sema_parse_ctype(a, name);
	if (!t) {
		bool agg = strncmp(name, "struct ", 7) == 0 || strncmp(name, "union ", 6) == 0;
		if (agg && !kbtf_available())
			tc_error(ck, &n->loc, "unknown type '%s': kernel BTF is not available", name);
		else
			tc_error(ck, &n->loc, "unknown type '%s'", name);
		n->ty = ty_error();
		return NULL;
	}
	for (int i = 0; i < n->typename_.ptr_depth && t; i++)
		t = ty_ptr(a, t, false);
	if (t && n->typename_.array_len > 0) {
		/* Sizes are ints: a bigger array would wrap around to a negative size. */
		if (t->size > 0 && n->typename_.array_len > INT_MAX / t->size) {
			tc_error(ck, &n->loc, "type '%s[%d]' is too large", tc_tyname(t),
				 n->typename_.array_len);
			n->ty = ty_error();
			return NULL;
		}
		if (t->kind == TY_INT && t->size == 1 && t->is_signed && !n->typename_.ptr_depth)
			t = ty_str(a, n->typename_.array_len);
		else
			t = ty_array(a, t, n->typename_.array_len);
	}
	tc_set(ck, n, t);
	return ty_is_error(n->ty) ? NULL : n->ty;
}

static struct type *check_cast(struct checker *ck, struct ast_node *n)
{
	struct type *to = tc_typename(ck, n->cast.type);
	struct type *from = tc_expr(ck, n->cast.expr);
	if (!to || ty_is_error(from))
		return tc_fail(n);
	bool scalar_from = from->kind == TY_INT || from->kind == TY_PTR;
	if ((to->kind == TY_INT || to->kind == TY_PTR) && scalar_from) {
		/* a user pointer stays one; an address cast to a pointer in a user probe points
		 * to user memory, as in bpftrace (uaddr() is folded into such a cast) */
		bool user = from->kind == TY_PTR ? from->as_user :
				ck->pp && pk_has(ck->pp->kind, PK_USER);
		if (to->kind == TY_PTR && user && !to->as_user) {
			to = ty_ptr(&ck->c->arena, to->elem, true);
			if (!to)
				return tc_set(ck, n, NULL);
		}
		return tc_set(ck, n, to);
	}
	if (ty_equal(to, from) && to->kind != TY_STR)
		return tc_set(ck, n, to);
	tc_error(ck, &n->loc, "cannot cast %s to %s", tc_tyname(from), tc_tyname(to));
	return tc_fail(n);
}

/* ---- fields, indexing, tuples ---- */

static const struct ty_field *find_field(const struct type *rec, const char *name)
{
	for (int i = 0; i < rec->fields.len; i++)
		if (strcmp(rec->fields.v[i].name, name) == 0)
			return &rec->fields.v[i];
	return NULL;
}

static void suggest_field(struct checker *ck, struct ast_node *n, const struct type *rec)
{
	struct sema_suggest s;
	sema_suggest_init(&s, n->field.name);
	for (int i = 0; i < rec->fields.len; i++)
		sema_suggest_add(&s, rec->fields.v[i].name);
	if (sema_suggest_best(&s))
		tc_note(ck, &n->loc, "did you mean '%s'?", sema_suggest_best(&s));
}

static struct type *check_field(struct checker *ck, struct ast_node *n)
{
	struct type *t = tc_expr(ck, n->field.expr);
	struct type *rec = NULL;
	if (ty_is_error(t))
		return tc_fail(n);
	if (t->kind == TY_CTX || t->kind == TY_PTR)
		rec = t->elem;
	else if (t->kind == TY_RECORD)
		rec = t;
	if (!rec || rec->kind != TY_RECORD) {
		tc_error(ck, &n->loc, "cannot access field '%s' of a value of type %s",
			 n->field.name, tc_tyname(t));
		return tc_fail(n);
	}
	if (kbtf_complete(rec))
		ck->nomem = true;
	const struct ty_field *f = find_field(rec, n->field.name);
	if (!f) {
		tc_error(ck, &n->loc, "unknown field '%s' in %s", n->field.name, tc_tyname(rec));
		suggest_field(ck, n, rec);
		return tc_fail(n);
	}
	if (f->type->kind == TY_RECORD && kbtf_complete(f->type))
		ck->nomem = true;
	return tc_set(ck, n, tc_read_type(ck, f->type, n->field.expr));
}

static struct type *check_index(struct checker *ck, struct ast_node *n)
{
	struct type *t = tc_expr(ck, n->index.expr);
	struct type *i = tc_expr(ck, n->index.index);
	int64_t k;
	if (ty_is_error(t) || ty_is_error(i))
		return tc_fail(n);
	if (!ty_is_integer(i)) {
		tc_error(ck, &n->index.index->loc, "an index must be an integer, got %s",
			 tc_tyname(i));
		return tc_fail(n);
	}
	int bound = t->kind == TY_ARRAY ? t->nelem : t->kind == TY_STR ? t->size : -1;
	if (bound > 0 && tc_const_int(n->index.index, &k) && (k < 0 || k >= bound)) {
		tc_error(ck, &n->index.index->loc, "index %lld is out of bounds for %s",
			 (long long)k, tc_tyname(t));
		return tc_fail(n);
	}
	if (t->kind == TY_STR)
		return tc_set(ck, n, ty_int(1, true));
	if ((t->kind == TY_PTR && t->elem && t->elem->kind != TY_NONE) || t->kind == TY_ARRAY) {
		if (kbtf_complete(t->elem))
			ck->nomem = true;
		return tc_set(ck, n, tc_read_type(ck, t->elem, n->index.expr));
	}
	tc_error(ck, &n->loc, "cannot index a value of type %s", tc_tyname(t));
	return tc_fail(n);
}

static bool is_value(const struct type *t)
{
	return t->kind != TY_NONE && t->kind != TY_CTX && !ty_is_aggregation(t);
}

static struct type *check_tuple(struct checker *ck, struct ast_node *n)
{
	int len = n->tuple.elems.len;
	struct type *elems[len > 0 ? len : 1];
	bool ok = true;
	for (int i = 0; i < len; i++) {
		struct ast_node *e = n->tuple.elems.v[i];
		elems[i] = tc_expr(ck, e);
		if (ty_is_error(elems[i])) {
			ok = false;
		} else if (!is_value(elems[i])) {
			tc_error(ck, &e->loc, "a tuple cannot hold a value of type %s",
				 tc_tyname(elems[i]));
			ok = false;
		}
	}
	if (!ok)
		return tc_fail(n);
	return tc_set(ck, n, ty_tuple(&ck->c->arena, elems, len));
}

static struct type *check_tuple_get(struct checker *ck, struct ast_node *n)
{
	struct type *t = tc_expr(ck, n->tuple_get.expr);
	int i = n->tuple_get.index;
	if (ty_is_error(t))
		return tc_fail(n);
	if (t->kind != TY_TUPLE) {
		tc_error(ck, &n->loc, "'.%d' needs a tuple, got %s", i, tc_tyname(t));
		return tc_fail(n);
	}
	if (i < 0 || i >= t->fields.len) {
		tc_error(ck, &n->loc, "tuple index %d is out of range for %s", i, tc_tyname(t));
		return tc_fail(n);
	}
	return tc_set(ck, n, t->fields.v[i].type);
}

/* offsetof's member path ("a.b.c") through t, nested records included: the offset, or -1
 * after a diagnostic. */
static int64_t member_offset(struct checker *ck, struct ast_node *n, struct type *t)
{
	char name[256];
	int64_t off = 0;
	for (const char *p = n->sizeof_.member; p;) {
		const char *dot = strchr(p, '.');
		size_t len = dot ? (size_t)(dot - p) : strlen(p);
		snprintf(name, sizeof(name), "%.*s", (int)len, p);
		if (t->kind != TY_RECORD) {
			tc_error(ck, &n->loc, "offsetof: %s is not a struct or union", tc_tyname(t));
			return -1;
		}
		if (kbtf_complete(t))
			ck->nomem = true;
		const struct ty_field *f = find_field(t, name);
		if (!f) {
			tc_error(ck, &n->loc, "offsetof: %s has no field '%s'", tc_tyname(t), name);
			return -1;
		}
		if (f->bit_size) {
			tc_error(ck, &n->loc, "offsetof: '%s' is a bit field", name);
			return -1;
		}
		off += f->offset;
		t = f->type;
		p = dot ? dot + 1 : NULL;
	}
	return off;
}

/* sizeof(type or expr) and offsetof(type or expr, member) become unsigned literals. */
static struct type *check_sizeof(struct checker *ck, struct ast_node *n)
{
	struct ast_node *arg = n->sizeof_.arg;
	struct type *t = arg->kind == AST_TYPENAME ? tc_typename(ck, arg) : tc_expr(ck, arg);
	if (!t || ty_is_error(t))
		return tc_fail(n);
	if (t->kind == TY_RECORD && kbtf_complete(t))
		ck->nomem = true;
	if (n->sizeof_.member) {
		int64_t off = member_offset(ck, n, t);
		if (off < 0)
			return tc_fail(n);
		n->kind = AST_INT;
		n->int_.value = (uint64_t)off;
		n->int_.is_unsigned = true;
		return tc_set(ck, n, ty_int(8, false));
	}
	if (!is_value(t)) {
		tc_error(ck, &n->loc, "sizeof: %s has no size", tc_tyname(t));
		return tc_fail(n);
	}
	n->kind = AST_INT;
	n->int_.value = (uint64_t)t->size;
	n->int_.is_unsigned = true;
	return tc_set(ck, n, ty_int(8, false));
}

static struct type *check_map_read(struct checker *ck, struct ast_node *n)
{
	struct tc_map *m = tc_use_map(ck, n, NULL, false);
	/* A quiet pass reads a map nothing has defined yet as an integer, so that the map's
	 * own first assignment may read it (`@n = @n + 1`, as bpftrace allows); a map that
	 * stays undefined is reported by the final pass. */
	if (!m && ck->quiet && !tc_find_map(ck, n->map.name))
		return n->ty = ty_int(8, true);
	if (!m)
		return tc_fail(n);
	if (ty_is_aggregation(m->value)) {
		tc_error(ck, &n->loc, "%s holds per-CPU %s values, which can only be printed",
			 m->name, tc_tyname(m->value));
		return tc_fail(n);
	}
	return n->ty;
}

/* A string value is built in the program byte by byte and may reach a map or an event:
 * past the longest string bpfscope keeps (max_strlen's limit) the BPF backend can no longer
 * clear it, and a 10 MB literal would only cost minutes of LLVM time before failing. */
static struct type *check_str(struct checker *ck, struct ast_node *n)
{
	if (n->str.len >= SEMA_STR_MAX) {
		tc_error(ck, &n->loc, "string is too long: %d bytes, more than the limit of %d",
			 n->str.len, SEMA_STR_MAX - 1);
		return tc_fail(n);
	}
	return tc_set(ck, n, ty_str(&ck->c->arena, n->str.len + 1));
}

struct type *tc_expr(struct checker *ck, struct ast_node *n)
{
	switch (n->kind) {
	case AST_INT:
		return tc_set(ck, n, ty_int(8, !n->int_.is_unsigned));
	case AST_STR:
		return check_str(ck, n);
	case AST_BUILTIN:
		return tc_builtin(ck, n);
	case AST_POSPARAM:
		return check_posparam(ck, n);
	case AST_VAR:
		return tc_lookup_var(ck, n) ? n->ty : tc_fail(n);
	case AST_MAP:
		return check_map_read(ck, n);
	case AST_CALL:
		return tc_call(ck, n, false);
	case AST_BINOP:
		return check_binop(ck, n);
	case AST_UNOP:
		return check_unop(ck, n);
	case AST_INCDEC:
		return check_incdec(ck, n);
	case AST_TERNARY:
		return check_ternary(ck, n);
	case AST_CAST:
		return check_cast(ck, n);
	case AST_FIELD:
		return check_field(ck, n);
	case AST_INDEX:
		return check_index(ck, n);
	case AST_TUPLE:
		return check_tuple(ck, n);
	case AST_TUPLE_GET:
		return check_tuple_get(ck, n);
	case AST_SIZEOF:
		return check_sizeof(ck, n);
	case AST_TYPENAME:
		return tc_typename(ck, n) ? n->ty : tc_fail(n);
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
	tc_error(ck, &n->loc, "a statement cannot be used as a value");
	return tc_fail(n);
}
