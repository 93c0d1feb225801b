/* AST helpers used by every stage after the parser: construction, the generic depth-first
 * walker, deep cloning (for probe expansion in sema) and the kind/operator names. */
#include "ast.h"

#include <string.h>

#include "../util/arena.h"

struct ast_node *ast_new(struct arena *a, enum ast_kind kind, const struct src_loc *loc)
{
	struct ast_node *n = arena_alloc(a, sizeof(*n));
	if (!n)
		return NULL;
	n->kind = kind;
	if (loc)
		n->loc = *loc;
	if (kind == AST_MAP)
		n->map.map_id = -1;
	if (kind == AST_CALL)
		n->call.id = -1;
	return n;
}

/* The children of one node in source order: the list (if any) comes first. */
struct children {
	ast_list *list;
	struct ast_node **one[5];
	int n;
};

static void add(struct children *ch, struct ast_node **slot)
{
	ch->one[ch->n++] = slot;
}

static void statement_children(struct ast_node *n, struct children *ch)
{
	switch (n->kind) {
	case AST_EXPR_STMT:
		add(ch, &n->expr_stmt.expr);
		break;
	case AST_ASSIGN:
		add(ch, &n->assign.lhs);
		add(ch, &n->assign.rhs);
		break;
	case AST_LET:
		add(ch, &n->let.var);
		add(ch, &n->let.type);
		add(ch, &n->let.init);
		break;
	case AST_IF:
		add(ch, &n->if_.cond);
		add(ch, &n->if_.then);
		add(ch, &n->if_.otherwise);
		break;
	case AST_WHILE:
	case AST_UNROLL:
		add(ch, &n->loop.cond);
		add(ch, &n->loop.count);
		add(ch, &n->loop.body);
		break;
	case AST_FOR_RANGE:
	case AST_FOR_MAP:
		add(ch, &n->for_.var);
		add(ch, &n->for_.lo);
		add(ch, &n->for_.hi);
		add(ch, &n->for_.map);
		add(ch, &n->for_.body);
		break;
	default:
		break;
	}
}

static void expression_children(struct ast_node *n, struct children *ch)
{
	switch (n->kind) {
	case AST_MAP:
		ch->list = &n->map.keys;
		break;
	case AST_CALL:
		ch->list = &n->call.args;
		break;
	case AST_TUPLE:
		ch->list = &n->tuple.elems;
		break;
	case AST_BINOP:
		add(ch, &n->binop.lhs);
		add(ch, &n->binop.rhs);
		break;
	case AST_UNOP:
		add(ch, &n->unop.expr);
		break;
	case AST_INCDEC:
		add(ch, &n->incdec.target);
		break;
	case AST_TERNARY:
		add(ch, &n->ternary.cond);
		add(ch, &n->ternary.then);
		add(ch, &n->ternary.otherwise);
		break;
	case AST_CAST:
		add(ch, &n->cast.type);
		add(ch, &n->cast.expr);
		break;
	case AST_FIELD:
		add(ch, &n->field.expr);
		break;
	case AST_INDEX:
		add(ch, &n->index.expr);
		add(ch, &n->index.index);
		break;
	case AST_TUPLE_GET:
		add(ch, &n->tuple_get.expr);
		break;
	case AST_SIZEOF:
		add(ch, &n->sizeof_.arg);
		break;
	default:
		break;
	}
}

static void children_of(struct ast_node *n, struct children *ch)
{
	memset(ch, 0, sizeof(*ch));
	switch (n->kind) {
	case AST_PROGRAM:
		ch->list = &n->program.probes;
		break;
	case AST_PROBE:
		ch->list = &n->probe.attach;
		add(ch, &n->probe.pred);
		add(ch, &n->probe.body);
		break;
	case AST_BLOCK:
		ch->list = &n->block.stmts;
		break;
	case AST_ATTACH:
	case AST_BREAK:
	case AST_CONTINUE:
	case AST_RETURN:
	case AST_INT:
	case AST_STR:
	case AST_BUILTIN:
	case AST_POSPARAM:
	case AST_VAR:
	case AST_TYPENAME:
		break;
	case AST_EXPR_STMT:
	case AST_ASSIGN:
	case AST_LET:
	case AST_IF:
	case AST_WHILE:
	case AST_UNROLL:
	case AST_FOR_RANGE:
	case AST_FOR_MAP:
		statement_children(n, ch);
		break;
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
		expression_children(n, ch);
		break;
	}
}

int ast_walk(struct ast_node *n, ast_pre_fn pre, ast_post_fn post, void *ctx)
{
	struct children ch;
	int err;
	if (!n)
		return 0;
	if (!pre || pre(n, ctx)) {
		children_of(n, &ch);
		for (int i = 0; ch.list && i < ch.list->len; i++) {
			err = ast_walk(ch.list->v[i], pre, post, ctx);
			if (err)
				return err;
		}
		for (int i = 0; i < ch.n; i++) {
			err = ast_walk(*ch.one[i], pre, post, ctx);
			if (err)
				return err;
		}
	}
	return post ? post(n, ctx) : 0;
}

/* Clears what sema writes into a node; names and syntax stay. */
static void clear_annotations(struct ast_node *n)
{
	n->ty = NULL;
	switch (n->kind) {
	case AST_PROBE:
		n->probe.sp = NULL;
		break;
	case AST_BUILTIN:
		n->builtin.id = 0;
		break;
	case AST_VAR:
		n->var.var = NULL;
		break;
	case AST_MAP:
		n->map.map_id = -1;
		n->map.key_ty = NULL;
		break;
	case AST_CALL:
		n->call.fn = 0;
		n->call.id = -1;
		n->call.payload = NULL;
		break;
	default:
		break;
	}
}

struct ast_node *ast_clone(struct arena *a, const struct ast_node *n)
{
	struct children ch;
	struct ast_node *c;
	if (!n)
		return NULL;
	c = arena_alloc(a, sizeof(*c));
	if (!c)
		return NULL;
	*c = *n;
	clear_annotations(c);
	children_of(c, &ch);
	if (ch.list) {
		ast_list src = *ch.list;
		*ch.list = (ast_list){ 0 };
		for (int i = 0; i < src.len; i++) {
			struct ast_node *k = ast_clone(a, src.v[i]);
			if (!k || vec_push(a, ch.list, k))
				return NULL;
		}
	}
	for (int i = 0; i < ch.n; i++) {
		if (!*ch.one[i])
			continue;
		*ch.one[i] = ast_clone(a, *ch.one[i]);
		if (!*ch.one[i])
			return NULL;
	}
	return c;
}

static const char *const kind_names[] = {
	[AST_PROGRAM] = "program",   [AST_PROBE] = "probe",	    [AST_ATTACH] = "attach",
	[AST_BLOCK] = "block",	     [AST_EXPR_STMT] = "expr_stmt", [AST_ASSIGN] = "assign",
	[AST_LET] = "let",	     [AST_IF] = "if",		    [AST_WHILE] = "while",
	[AST_UNROLL] = "unroll",     [AST_FOR_RANGE] = "for_range", [AST_FOR_MAP] = "for_map",
	[AST_BREAK] = "break",	     [AST_CONTINUE] = "continue",   [AST_RETURN] = "return",
	[AST_INT] = "int",	     [AST_STR] = "string",	    [AST_BUILTIN] = "builtin",
	[AST_POSPARAM] = "posparam", [AST_VAR] = "var",		    [AST_MAP] = "map",
	[AST_CALL] = "call",	     [AST_BINOP] = "binop",	    [AST_UNOP] = "unop",
	[AST_INCDEC] = "incdec",     [AST_TERNARY] = "ternary",	    [AST_CAST] = "cast",
	[AST_FIELD] = "field",	     [AST_INDEX] = "index",	    [AST_TUPLE] = "tuple",
	[AST_TUPLE_GET] = "tuple_get", [AST_SIZEOF] = "sizeof",    [AST_TYPENAME] = "typename",
};

/* A table rather than a switch: a new kind without a name prints "?" in -d output. */
const char *ast_kind_name(enum ast_kind kind)
{
	if ((unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]) && kind_names[kind])
		return kind_names[kind];
	return "?";
}

const char *ast_op_str(enum ast_op op)
{
	switch (op) {
	case OP_NONE:
		return "";
	case OP_ADD:
		return "+";
	case OP_SUB:
		return "-";
	case OP_MUL:
		return "*";
	case OP_DIV:
		return "/";
	case OP_MOD:
		return "%";
	case OP_BAND:
		return "&";
	case OP_BOR:
		return "|";
	case OP_BXOR:
		return "^";
	case OP_SHL:
		return "<<";
	case OP_SHR:
		return ">>";
	case OP_LAND:
		return "&&";
	case OP_LOR:
		return "||";
	case OP_EQ:
		return "==";
	case OP_NE:
		return "!=";
	case OP_LT:
		return "<";
	case OP_LE:
		return "<=";
	case OP_GT:
		return ">";
	case OP_GE:
		return ">=";
	case OP_NEG:
		return "-";
	case OP_BNOT:
		return "~";
	case OP_LNOT:
		return "!";
	case OP_DEREF:
		return "*";
	case OP_ADDR:
		return "&";
	}
	return "?";
}
