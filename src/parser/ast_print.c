/* Two views of the AST: ast_dump() prints the tree one node per line (with sema's types
 * once they are set; used by -d ast), ast_print_source() prints canonical source text that
 * parses back to the same tree. */
#include "ast.h"

#include <inttypes.h>

#include "../sema/types.h"

static void print_string(FILE *f, const char *s, int len)
{
	fputc('"', f);
	for (int i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			fprintf(f, "\\%c", ch);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch == '\r')
			fputs("\\r", f);
		else if (ch < 0x20 || ch == 0x7f)
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
	fputc('"', f);
}

static void print_typename(FILE *f, const struct ast_node *n)
{
	fputs(n->typename_.name, f);
	if (n->typename_.ptr_depth)
		fputc(' ', f);
	for (int i = 0; i < n->typename_.ptr_depth; i++)
		fputc('*', f);
	if (n->typename_.array_len)
		fprintf(f, "[%d]", n->typename_.array_len);
}

/* ---- ast_dump ---- */

struct dump_ctx {
	FILE *f;
	int depth;
};

static void dump_label(FILE *f, const struct ast_node *n)
{
	fputs(ast_kind_name(n->kind), f);
	switch (n->kind) {
	case AST_ATTACH:
		fprintf(f, " %s", n->attach.text);
		break;
	case AST_ASSIGN:
		fprintf(f, " %s=", ast_op_str(n->assign.op));
		break;
	case AST_INT:
		fprintf(f, " %" PRIu64 "%s", n->int_.value, n->int_.is_unsigned ? "u" : "");
		break;
	case AST_STR:
		fputc(' ', f);
		print_string(f, n->str.s, n->str.len);
		break;
	case AST_BUILTIN:
		fprintf(f, " %s", n->builtin.name);
		break;
	case AST_POSPARAM:
		if (n->posparam.index)
			fprintf(f, " $%d", n->posparam.index);
		else
			fputs(" $#", f);
		break;
	case AST_VAR:
		fprintf(f, " $%s", n->var.name);
		break;
	case AST_MAP:
		fprintf(f, " %s", n->map.name);
		break;
	case AST_CALL:
		fprintf(f, " %s", n->call.name);
		break;
	case AST_BINOP:
		fprintf(f, " %s", ast_op_str(n->binop.op));
		break;
	case AST_UNOP:
		fprintf(f, " %s", ast_op_str(n->unop.op));
		break;
	case AST_INCDEC:
		fprintf(f, " %s%s", n->incdec.post ? "post" : "pre", n->incdec.inc ? "++" : "--");
		break;
	case AST_FIELD:
		fprintf(f, " %s%s", n->field.arrow ? "->" : ".", n->field.name);
		break;
	case AST_TUPLE_GET:
		fprintf(f, " .%d", n->tuple_get.index);
		break;
	case AST_TYPENAME:
		fputc(' ', f);
		print_typename(f, n);
		break;
	case AST_PROGRAM:
	case AST_PROBE:
	case AST_BLOCK:
	case AST_EXPR_STMT:
	case AST_LET:
	case AST_IF:
	case AST_WHILE:
	case AST_UNROLL:
	case AST_FOR_RANGE:
	case AST_FOR_MAP:
	case AST_BREAK:
	case AST_CONTINUE:
	case AST_RETURN:
	case AST_TERNARY:
	case AST_CAST:
	case AST_INDEX:
	case AST_TUPLE:
	case AST_SIZEOF:
		break;
	}
}

static bool dump_pre(struct ast_node *n, void *p)
{
	struct dump_ctx *d = p;
	char buf[256];
	fprintf(d->f, "%*s", d->depth * 2, "");
	dump_label(d->f, n);
	if (n->ty)
		fprintf(d->f, " :: %s", ty_name(n->ty, buf, (int)sizeof(buf)));
	fputc('\n', d->f);
	d->depth++;
	return true;
}

static int dump_post(struct ast_node *n, void *p)
{
	struct dump_ctx *d = p;
	d->depth--;
	return 0;
}

void ast_dump(FILE *f, const struct ast_node *n)
{
	struct dump_ctx d = { f, 0 };
	/* The walker takes non-const nodes for the passes that annotate; dump only reads. */
	ast_walk((struct ast_node *)n, dump_pre, dump_post, &d);
}

/* ---- ast_print_source ---- */

enum {
	PREC_TERNARY = 1,
	PREC_LOR,
	PREC_LAND,
	PREC_BOR,
	PREC_BXOR,
	PREC_BAND,
	PREC_EQ,
	PREC_REL,
	PREC_SHIFT,
	PREC_ADD,
	PREC_MUL,
	PREC_UNARY,
	PREC_POSTFIX,
};

static int binop_prec(enum ast_op op)
{
	switch (op) {
	case OP_LOR:
		return PREC_LOR;
	case OP_LAND:
		return PREC_LAND;
	case OP_BOR:
		return PREC_BOR;
	case OP_BXOR:
		return PREC_BXOR;
	case OP_BAND:
		return PREC_BAND;
	case OP_EQ:
	case OP_NE:
		return PREC_EQ;
	case OP_LT:
	case OP_LE:
	case OP_GT:
	case OP_GE:
		return PREC_REL;
	case OP_SHL:
	case OP_SHR:
		return PREC_SHIFT;
	case OP_ADD:
	case OP_SUB:
		return PREC_ADD;
	case OP_MUL:
	case OP_DIV:
	case OP_MOD:
		return PREC_MUL;
	case OP_NONE:
	case OP_NEG:
	case OP_BNOT:
	case OP_LNOT:
	case OP_DEREF:
	case OP_ADDR:
		break;
	}
	return PREC_UNARY;
}

static int expr_prec(const struct ast_node *n)
{
	switch (n->kind) {
	case AST_TERNARY:
		return PREC_TERNARY;
	case AST_BINOP:
		return binop_prec(n->binop.op);
	case AST_UNOP:
	case AST_CAST:
		return PREC_UNARY;
	case AST_INCDEC:
		return n->incdec.post ? PREC_POSTFIX : PREC_UNARY;
	default:
		return PREC_POSTFIX;
	}
}

static void print_expr(FILE *f, const struct ast_node *n, int min);

static void print_list(FILE *f, const ast_list *l)
{
	for (int i = 0; i < l->len; i++) {
		if (i)
			fputs(", ", f);
		print_expr(f, l->v[i], PREC_TERNARY);
	}
}

/* An operand that would glue onto its prefix operator gets parentheses, so "-(-x)" never
 * prints as "--x" and "&(&x)" never as "&&x". */
static void print_prefix_operand(FILE *f, enum ast_op op, const struct ast_node *e)
{
	bool paren = false;
	if (e->kind == AST_UNOP)
		paren = (op == OP_NEG && e->unop.op == OP_NEG) ||
			(op == OP_ADDR && e->unop.op == OP_ADDR);
	if (e->kind == AST_INCDEC && !e->incdec.post)
		paren = op == OP_NEG && !e->incdec.inc;
	print_expr(f, e, paren ? PREC_POSTFIX + 1 : PREC_UNARY);
}

static void print_operator_expr(FILE *f, const struct ast_node *n)
{
	switch (n->kind) {
	case AST_TERNARY:
		print_expr(f, n->ternary.cond, PREC_LOR);
		fputs(" ? ", f);
		print_expr(f, n->ternary.then, PREC_TERNARY);
		fputs(" : ", f);
		print_expr(f, n->ternary.otherwise, PREC_TERNARY);
		break;
	case AST_BINOP: {
		int p = binop_prec(n->binop.op);
		print_expr(f, n->binop.lhs, p);
		fprintf(f, " %s ", ast_op_str(n->binop.op));
		print_expr(f, n->binop.rhs, p + 1);
		break;
	}
	case AST_UNOP:
		fputs(ast_op_str(n->unop.op), f);
		print_prefix_operand(f, n->unop.op, n->unop.expr);
		break;
	case AST_CAST:
		fputc('(', f);
		print_typename(f, n->cast.type);
		fputc(')', f);
		print_prefix_operand(f, OP_NONE, n->cast.expr);
		break;
	case AST_INCDEC:
		if (!n->incdec.post)
			fputs(n->incdec.inc ? "++" : "--", f);
		print_expr(f, n->incdec.target, PREC_POSTFIX);
		if (n->incdec.post)
			fputs(n->incdec.inc ? "++" : "--", f);
		break;
	default:
		break;
	}
}

static void print_postfix_expr(FILE *f, const struct ast_node *n)
{
	switch (n->kind) {
	case AST_FIELD:
		print_expr(f, n->field.expr, PREC_POSTFIX);
		fprintf(f, "%s%s", n->field.arrow ? "->" : ".", n->field.name);
		break;
	case AST_INDEX:
		print_expr(f, n->index.expr, PREC_POSTFIX);
		fputc('[', f);
		print_expr(f, n->index.index, PREC_TERNARY);
		fputc(']', f);
		break;
	case AST_TUPLE_GET:
		print_expr(f, n->tuple_get.expr, PREC_POSTFIX);
		fprintf(f, ".%d", n->tuple_get.index);
		break;
	case AST_CALL:
		fprintf(f, "%s(", n->call.name);
		print_list(f, &n->call.args);
		fputc(')', f);
		break;
	case AST_TUPLE:
		fputc('(', f);
		print_list(f, &n->tuple.elems);
		fputc(')', f);
		break;
	case AST_SIZEOF:
		fputs(n->sizeof_.member ? "offsetof(" : "sizeof(", f);
		if (n->sizeof_.arg->kind == AST_TYPENAME)
			print_typename(f, n->sizeof_.arg);
		else
			print_expr(f, n->sizeof_.arg, PREC_TERNARY);
		if (n->sizeof_.member)
			fprintf(f, ", %s", n->sizeof_.member);
		fputc(')', f);
		break;
	default:
		break;
	}
}

static void print_primary(FILE *f, const struct ast_node *n)
{
	switch (n->kind) {
	case AST_INT:
		fprintf(f, "%" PRIu64, n->int_.value);
		if (n->int_.is_unsigned)
			fputc('u', f);
		break;
	case AST_STR:
		print_string(f, n->str.s, n->str.len);
		break;
	case AST_BUILTIN:
		fputs(n->builtin.name, f);
		break;
	case AST_POSPARAM:
		if (n->posparam.index)
			fprintf(f, "$%d", n->posparam.index);
		else
			fputs("$#", f);
		break;
	case AST_VAR:
		fprintf(f, "$%s", n->var.name);
		break;
	case AST_MAP:
		fputs(n->map.name, f);
		if (n->map.keys.len) {
			fputc('[', f);
			print_list(f, &n->map.keys);
			fputc(']', f);
		}
		break;
	case AST_TYPENAME:
		print_typename(f, n);
		break;
	default:
		break;
	}
}

static void print_expr(FILE *f, const struct ast_node *n, int min)
{
	bool paren = expr_prec(n) < min;
	if (paren)
		fputc('(', f);
	switch (n->kind) {
	case AST_TERNARY:
	case AST_BINOP:
	case AST_UNOP:
	case AST_CAST:
	case AST_INCDEC:
		print_operator_expr(f, n);
		break;
	case AST_FIELD:
	case AST_INDEX:
	case AST_TUPLE_GET:
	case AST_CALL:
	case AST_TUPLE:
	case AST_SIZEOF:
		print_postfix_expr(f, n);
		break;
	case AST_INT:
	case AST_STR:
	case AST_BUILTIN:
	case AST_POSPARAM:
	case AST_VAR:
	case AST_MAP:
	case AST_TYPENAME:
		print_primary(f, n);
		break;
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
		fprintf(f, "<%s>", ast_kind_name(n->kind));
		break;
	}
	if (paren)
		fputc(')', f);
}

static void print_stmt(FILE *f, const struct ast_node *n, int indent);

/* Prints "{", the statements one level deeper, and "}" at the current indent (no newline). */
static void print_block(FILE *f, const struct ast_node *n, int indent)
{
	fputs("{\n", f);
	for (int i = 0; i < n->block.stmts.len; i++)
		print_stmt(f, n->block.stmts.v[i], indent + 1);
	for (int i = 0; i < indent; i++)
		fputc('\t', f);
	fputc('}', f);
}

static void print_if(FILE *f, const struct ast_node *n, int indent)
{
	fputs("if (", f);
	print_expr(f, n->if_.cond, PREC_TERNARY);
	fputs(") ", f);
	print_block(f, n->if_.then, indent);
	if (!n->if_.otherwise)
		return;
	fputs(" else ", f);
	if (n->if_.otherwise->kind == AST_IF)
		print_if(f, n->if_.otherwise, indent);
	else
		print_block(f, n->if_.otherwise, indent);
}

static void print_loop(FILE *f, const struct ast_node *n, int indent)
{
	switch (n->kind) {
	case AST_WHILE:
		fputs("while (", f);
		print_expr(f, n->loop.cond, PREC_TERNARY);
		break;
	case AST_UNROLL:
		fputs("unroll (", f);
		print_expr(f, n->loop.count, PREC_TERNARY);
		break;
	case AST_FOR_RANGE:
		fprintf(f, "for ($%s : ", n->for_.var->var.name);
		print_expr(f, n->for_.lo, PREC_TERNARY);
		fputs("..", f);
		print_expr(f, n->for_.hi, PREC_TERNARY);
		break;
	case AST_FOR_MAP:
		fprintf(f, "for ($%s : %s", n->for_.var->var.name, n->for_.map->map.name);
		break;
	default:
		break;
	}
	fputs(") ", f);
	print_block(f, n->kind == AST_WHILE || n->kind == AST_UNROLL ? n->loop.body : n->for_.body,
		    indent);
}

static void print_simple_stmt(FILE *f, const struct ast_node *n)
{
	switch (n->kind) {
	case AST_EXPR_STMT:
		print_expr(f, n->expr_stmt.expr, PREC_TERNARY);
		break;
	case AST_ASSIGN:
		print_expr(f, n->assign.lhs, PREC_POSTFIX);
		fprintf(f, " %s= ", ast_op_str(n->assign.op));
		print_expr(f, n->assign.rhs, PREC_TERNARY);
		break;
	case AST_LET:
		fprintf(f, "let $%s", n->let.var->var.name);
		if (n->let.type) {
			fputs(": ", f);
			print_typename(f, n->let.type);
		}
		if (n->let.init) {
			fputs(" = ", f);
			print_expr(f, n->let.init, PREC_TERNARY);
		}
		break;
	case AST_BREAK:
		fputs("break", f);
		break;
	case AST_CONTINUE:
		fputs("continue", f);
		break;
	case AST_RETURN:
		fputs("return", f);
		break;
	default:
		print_expr(f, n, PREC_TERNARY);
		break;
	}
	fputs(";", f);
}

static void print_stmt(FILE *f, const struct ast_node *n, int indent)
{
	for (int i = 0; i < indent; i++)
		fputc('\t', f);
	switch (n->kind) {
	case AST_BLOCK:
		print_block(f, n, indent);
		break;
	case AST_IF:
		print_if(f, n, indent);
		break;
	case AST_WHILE:
	case AST_UNROLL:
	case AST_FOR_RANGE:
	case AST_FOR_MAP:
		print_loop(f, n, indent);
		break;
	default:
		print_simple_stmt(f, n);
		break;
	}
	fputc('\n', f);
}

static void print_probe(FILE *f, const struct ast_node *n)
{
	for (int i = 0; i < n->probe.attach.len; i++)
		fprintf(f, "%s%s", n->probe.attach.v[i]->attach.text,
			i + 1 < n->probe.attach.len ? ",\n" : "\n");
	if (n->probe.pred) {
		fputc('/', f);
		print_expr(f, n->probe.pred, PREC_TERNARY);
		fputs("/\n", f);
	}
	print_block(f, n->probe.body, 0);
	fputc('\n', f);
}

void ast_print_source(FILE *f, const struct ast_node *n)
{
	if (!n)
		return;
	switch (n->kind) {
	case AST_PROGRAM:
		for (int i = 0; i < n->program.cdefs.len; i++)
			fprintf(f, "%s\n", n->program.cdefs.v[i].text);
		if (n->program.cdefs.len && n->program.probes.len)
			fputc('\n', f);
		for (int i = 0; i < n->program.probes.len; i++) {
			if (i)
				fputc('\n', f);
			print_probe(f, n->program.probes.v[i]);
		}
		break;
	case AST_PROBE:
		print_probe(f, n);
		break;
	case AST_ATTACH:
		fputs(n->attach.text, f);
		break;
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
		print_stmt(f, n, 0);
		break;
	default:
		print_expr(f, n, PREC_TERNARY);
		break;
	}
}
