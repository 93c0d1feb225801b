/* Unit tests for src/parser: precedence and every statement form (checked as S-expressions),
 * attach point parts, preamble, round trips through ast_print_source, ast_walk/clone/dump,
 * exact syntax-error diagnostics with recovery, and inputs that must not crash or hang. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"
#include "parser/ast.h"
#include "parser/parser.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/strbuf.h"

struct parsed {
	struct compiler c;
	char *err;
	size_t errlen;
	FILE *errf;
	int rc;
};

static struct parsed *parse(const char *src)
{
	struct parsed *p = calloc(1, sizeof(*p));
	p->errf = open_memstream(&p->err, &p->errlen);
	p->c.file = "t.bt";
	p->c.src = src;
	diag_init(&p->c.diag, "t.bt", src, p->errf);
	p->rc = parse_program(&p->c);
	fflush(p->errf);
	return p;
}

static void done(struct parsed *p)
{
	fclose(p->errf);
	free(p->err);
	arena_free(&p->c.arena);
	free(p);
}

static struct ast_node *probe(struct parsed *p, int i)
{
	cr_assert_not_null(p->c.ast);
	cr_assert_gt(p->c.ast->program.probes.len, i);
	return p->c.ast->program.probes.v[i];
}

static struct ast_node *stmt(struct parsed *p, int i)
{
	struct ast_node *body = probe(p, 0)->probe.body;
	cr_assert_gt(body->block.stmts.len, i, "only %d statements", body->block.stmts.len);
	return body->block.stmts.v[i];
}

/* ---- S-expressions: the shape of a tree in one line ---- */

static void sx(struct strbuf *sb, const struct ast_node *n);

static void sx_list(struct strbuf *sb, const ast_list *l)
{
	for (int i = 0; i < l->len; i++) {
		sb_putc(sb, ' ');
		sx(sb, l->v[i]);
	}
}

static void sx_kids(struct strbuf *sb, const char *head, const struct ast_node *a,
		    const struct ast_node *b, const struct ast_node *c)
{
	const struct ast_node *k[3] = { a, b, c };
	sb_printf(sb, "(%s", head);
	for (int i = 0; i < 3; i++) {
		if (!k[i])
			continue;
		sb_putc(sb, ' ');
		sx(sb, k[i]);
	}
	sb_putc(sb, ')');
}

static void sx_type(struct strbuf *sb, const struct ast_node *n)
{
	sb_printf(sb, "<%s", n->typename_.name);
	for (int i = 0; i < n->typename_.ptr_depth; i++)
		sb_putc(sb, '*');
	if (n->typename_.array_len)
		sb_printf(sb, "[%d]", n->typename_.array_len);
	sb_putc(sb, '>');
}

static void sx_stmt(struct strbuf *sb, const struct ast_node *n)
{
	switch (n->kind) {
	case AST_BLOCK:
		sb_append(sb, "{");
		sx_list(sb, &n->block.stmts);
		sb_append(sb, " }");
		break;
	case AST_EXPR_STMT:
		sx(sb, n->expr_stmt.expr);
		break;
	case AST_ASSIGN: {
		char op[8];
		snprintf(op, sizeof(op), "%s=", ast_op_str(n->assign.op));
		sx_kids(sb, op, n->assign.lhs, n->assign.rhs, NULL);
		break;
	}
	case AST_LET:
		sb_append(sb, "(let ");
		sx(sb, n->let.var);
		if (n->let.type) {
			sb_putc(sb, ' ');
			sx_type(sb, n->let.type);
		}
		if (n->let.init) {
			sb_putc(sb, ' ');
			sx(sb, n->let.init);
		}
		sb_putc(sb, ')');
		break;
	case AST_IF:
		sx_kids(sb, "if", n->if_.cond, n->if_.then, n->if_.otherwise);
		break;
	case AST_WHILE:
		sx_kids(sb, "while", n->loop.cond, n->loop.body, NULL);
		break;
	case AST_UNROLL:
		sx_kids(sb, "unroll", n->loop.count, n->loop.body, NULL);
		break;
	default:
		break;
	}
}

static void sx(struct strbuf *sb, const struct ast_node *n)
{
	switch (n->kind) {
	case AST_INT:
		sb_printf(sb, "%llu%s", (unsigned long long)n->int_.value,
			  n->int_.is_unsigned ? "u" : "");
		break;
	case AST_STR:
		sb_printf(sb, "\"%s\"", n->str.s);
		break;
	case AST_BUILTIN:
		sb_append(sb, n->builtin.name);
		break;
	case AST_POSPARAM:
		sb_printf(sb, "$%d", n->posparam.index);
		break;
	case AST_VAR:
		sb_printf(sb, "$%s", n->var.name);
		break;
	case AST_MAP:
		if (!n->map.keys.len) {
			sb_append(sb, n->map.name);
			break;
		}
		sb_printf(sb, "(%s", n->map.name);
		sx_list(sb, &n->map.keys);
		sb_putc(sb, ')');
		break;
	case AST_CALL:
		sb_printf(sb, "(%s()", n->call.name);
		sx_list(sb, &n->call.args);
		sb_putc(sb, ')');
		break;
	case AST_BINOP:
		sx_kids(sb, ast_op_str(n->binop.op), n->binop.lhs, n->binop.rhs, NULL);
		break;
	case AST_UNOP:
		sx_kids(sb, ast_op_str(n->unop.op), n->unop.expr, NULL, NULL);
		break;
	case AST_INCDEC:
		sx_kids(sb, n->incdec.post ? (n->incdec.inc ? "post++" : "post--")
					   : (n->incdec.inc ? "pre++" : "pre--"),
			n->incdec.target, NULL, NULL);
		break;
	case AST_TERNARY:
		sx_kids(sb, "?:", n->ternary.cond, n->ternary.then, n->ternary.otherwise);
		break;
	case AST_CAST:
		sb_append(sb, "(cast ");
		sx_type(sb, n->cast.type);
		sb_putc(sb, ' ');
		sx(sb, n->cast.expr);
		sb_putc(sb, ')');
		break;
	case AST_FIELD:
		sb_printf(sb, "(%s%s ", n->field.arrow ? "->" : ".", n->field.name);
		sx(sb, n->field.expr);
		sb_putc(sb, ')');
		break;
	case AST_INDEX:
		sx_kids(sb, "[]", n->index.expr, n->index.index, NULL);
		break;
	case AST_TUPLE:
		sb_append(sb, "(tuple");
		sx_list(sb, &n->tuple.elems);
		sb_putc(sb, ')');
		break;
	case AST_TUPLE_GET:
		sb_printf(sb, "(.%d ", n->tuple_get.index);
		sx(sb, n->tuple_get.expr);
		sb_putc(sb, ')');
		break;
	case AST_SIZEOF:
		sb_append(sb, n->sizeof_.member ? "(offsetof " : "(sizeof ");
		if (n->sizeof_.arg->kind == AST_TYPENAME)
			sx_type(sb, n->sizeof_.arg);
		else
			sx(sb, n->sizeof_.arg);
		if (n->sizeof_.member)
			sb_printf(sb, " %s", n->sizeof_.member);
		sb_putc(sb, ')');
		break;
	case AST_TYPENAME:
		sx_type(sb, n);
		break;
	case AST_FOR_RANGE:
		sx_kids(sb, "for", n->for_.var, n->for_.lo, n->for_.hi);
		break;
	case AST_FOR_MAP:
		sx_kids(sb, "for", n->for_.var, n->for_.map, NULL);
		break;
	case AST_BREAK:
		sb_append(sb, "break");
		break;
	case AST_CONTINUE:
		sb_append(sb, "continue");
		break;
	case AST_RETURN:
		sb_append(sb, "return");
		break;
	default:
		sx_stmt(sb, n);
		break;
	}
}

/* Parses "BEGIN { <body> }" and returns the S-expression of its statements. */
static char *shape(const char *body)
{
	static char out[4096];
	char src[4096];
	struct strbuf sb = { 0 };
	snprintf(src, sizeof(src), "BEGIN { %s }", body);
	struct parsed *p = parse(src);
	cr_assert_eq(p->rc, 0, "%s: %s", body, p->err);
	struct ast_node *b = probe(p, 0)->probe.body;
	for (int i = 0; i < b->block.stmts.len; i++) {
		if (i)
			sb_append(&sb, "; ");
		sx(&sb, b->block.stmts.v[i]);
	}
	snprintf(out, sizeof(out), "%s", sb_str(&sb));
	sb_free(&sb);
	done(p);
	return out;
}

#define SHAPE(body, expect) cr_assert_str_eq(shape(body), expect, "for: %s", body)

Test(parser, gives_multiplication_precedence_over_addition)
{
	SHAPE("1 + 2 * 3 - 4 / 5 % 6", "(- (+ 1 (* 2 3)) (% (/ 4 5) 6))");
}

Test(parser, associates_binary_operators_to_the_left)
{
	SHAPE("1 - 2 - 3", "(- (- 1 2) 3)");
	SHAPE("a << 1 >> 2", "(>> (<< a 1) 2)");
}

Test(parser, orders_comparisons_and_logic_like_c)
{
	SHAPE("a < b == c && d || e", "(|| (&& (== (< a b) c) d) e)");
	SHAPE("a | b ^ c & d", "(| a (^ b (& c d)))");
	SHAPE("1 << 2 + 3 < 4", "(< (<< 1 (+ 2 3)) 4)");
	SHAPE("a >= b != c <= d", "(!= (>= a b) (<= c d))");
}

Test(parser, nests_ternaries_to_the_right)
{
	SHAPE("a ? b : c ? d : e", "(?: a b (?: c d e))");
	SHAPE("a || b ? 1 + 2 : 3", "(?: (|| a b) (+ 1 2) 3)");
}

Test(parser, binds_unary_operators_tighter_than_binary_ones)
{
	SHAPE("-a * b", "(* (- a) b)");
	SHAPE("!a && ~b", "(&& (! a) (~ b))");
	SHAPE("*$p + &$x", "(+ (* $p) (& $x))");
	SHAPE("- -1", "(- (- 1))");
}

Test(parser, parses_casts_to_integers_pointers_and_arrays)
{
	SHAPE("(uint32)a + b", "(+ (cast <uint32> a) b)");
	SHAPE("(struct task_struct *)curtask", "(cast <struct task_struct*> curtask)");
	SHAPE("(int8[4])$x", "(cast <int8[4]> $x)");
	SHAPE("(uint8 **)arg0", "(cast <uint8**> arg0)");
	SHAPE("(int64)-1", "(cast <int64> (- 1))");
}

Test(parser, chains_postfix_operators)
{
	SHAPE("curtask->real_parent->pid", "(->pid (->real_parent curtask))");
	SHAPE("args.filename", "(.filename args)");
	SHAPE("$t.0.1", "(.1 (.0 $t))");
	SHAPE("$a[1].b", "(.b ([] $a 1))");
	SHAPE("@m[1][2]", "([] (@m 1) 2)");
	SHAPE("-$p->x", "(- (->x $p))");
}

Test(parser, accepts_keywords_and_type_names_as_field_names)
{
	SHAPE("args->string + args.let + $x.unroll + $y.uint8",
	      "(+ (+ (+ (->string args) (.let args)) (.unroll $x)) (.uint8 $y))");
}

Test(parser, tells_tuples_from_parentheses)
{
	SHAPE("(1)", "1");
	SHAPE("(1, \"a\")", "(tuple 1 \"a\")");
	SHAPE("((1, 2), (3))", "(tuple (tuple 1 2) 3)");
}

Test(parser, parses_maps_calls_builtins_and_parameters)
{
	SHAPE("@m[1, \"a\", pid]", "(@m 1 \"a\" pid)");
	SHAPE("@ = 1", "(= @ 1)");
	SHAPE("pid; pid()", "pid; (pid())");
	SHAPE("printf(\"%d %s\\n\", 1, comm)", "(printf() \"%d %s\n\" 1 comm)");
	SHAPE("$1 + $10 + $#", "(+ (+ $1 $10) $0)");
	SHAPE("sizeof(struct task_struct) + sizeof($x)",
	      "(+ (sizeof <struct task_struct>) (sizeof $x))");
	SHAPE("offsetof(struct task_struct, se.vruntime) + offsetof(*$t, pid)",
	      "(+ (offsetof <struct task_struct> se.vruntime) (offsetof (* $t) pid))");
}

Test(parser, parses_integer_literals_of_every_form)
{
	SHAPE("0x10 + 010 + 0b11 + 0o7 + 1_000 + 5u",
	      "(+ (+ (+ (+ (+ 16 8) 3) 7) 1000) 5u)");
	SHAPE("18446744073709551615", "18446744073709551615");
	SHAPE("18446744073709551615u", "18446744073709551615u");
}

Test(parser, parses_assignments_and_compound_assignments)
{
	SHAPE("$x = 1; @y[1] = 2; @z += 3", "(= $x 1); (= (@y 1) 2); (+= @z 3)");
	SHAPE("$a -= 1; $a *= 2; $a /= 3; $a %= 4; $a &= 5",
	      "(-= $a 1); (*= $a 2); (/= $a 3); (%= $a 4); (&= $a 5)");
	SHAPE("$a |= 1; $a ^= 2; $a <<= 3; $a >>= 4",
	      "(|= $a 1); (^= $a 2); (<<= $a 3); (>>= $a 4)");
}

Test(parser, parses_increments_and_decrements)
{
	SHAPE("$x++; ++$x; @m[1]--; --@m", "(post++ $x); (pre++ $x); (post-- (@m 1)); (pre-- @m)");
	SHAPE("$y = $x++ + 1", "(= $y (+ (post++ $x) 1))");
}

Test(parser, parses_let_declarations)
{
	SHAPE("let $x; let $y = 1; let $z: uint8; let $s: string = \"a\"",
	      "(let $x); (let $y 1); (let $z <uint8>); (let $s <string> \"a\")");
}

Test(parser, parses_if_else_chains)
{
	SHAPE("if (a) { 1 } else if (b) { 2 } else { 3 }",
	      "(if a { 1 } (if b { 2 } { 3 }))");
	SHAPE("if (a) { } $x = 1", "(if a { }); (= $x 1)");
}

Test(parser, parses_loops_and_jumps)
{
	SHAPE("while ($i < 3) { $i++; break; continue }",
	      "(while (< $i 3) { (post++ $i) break continue })");
	SHAPE("unroll(5) { return }", "(unroll 5 { return })");
	SHAPE("for ($i : 0..10) { }", "(for $i 0 10)");
	SHAPE("for ($kv : @m) { print($kv.0) }", "(for $kv @m)");
	SHAPE("{ $x = 1 } { }", "{ (= $x 1) }; { }");
}

Test(parser, allows_the_last_semicolon_and_empty_statements_to_be_omitted)
{
	SHAPE("$x = 1; $y = 2;", "(= $x 1); (= $y 2)");
	SHAPE("$x = 1;; $y = 2", "(= $x 1); (= $y 2)");
	SHAPE("", "");
}

Test(parser, keeps_the_body_of_a_for_loop)
{
	struct parsed *p = parse("BEGIN { for ($kv : @m) { print($kv.0); } }");
	struct ast_node *f = stmt(p, 0);
	cr_assert_eq(f->kind, AST_FOR_MAP);
	cr_assert_eq(f->for_.body->block.stmts.len, 1);
	cr_assert_str_eq(f->for_.map->map.name, "@m");
	cr_assert_eq(f->for_.map->map.map_id, -1);
	done(p);
}

/* ---- attach points and the preamble ---- */

static void expect_attach(const struct ast_node *a, const char *text, const char *provider,
			  const char *target, const char *func, const char *extra)
{
	cr_assert_eq(a->kind, AST_ATTACH);
	cr_assert_str_eq(a->attach.text, text);
	cr_assert_str_eq(a->attach.provider, provider);
#define PART(field, want)                                                                          \
	do {                                                                                       \
		if (want)                                                                          \
			cr_assert_str_eq(a->attach.field, want);                                   \
		else                                                                               \
			cr_assert_null(a->attach.field, #field " of %s", text);                    \
	} while (0)
	PART(target, target);
	PART(func, func);
	PART(extra, extra);
#undef PART
}

Test(parser, splits_attach_points_into_parts)
{
	struct parsed *p = parse("BEGIN, END, tracepoint:syscalls:sys_enter_openat,\n"
				 "uprobe:/bin/bash:readline, kprobe:vfs_*, interval:s:1,\n"
				 "usdt:/usr/lib/libc.so.6:libc:setjmp:x,\n"
				 "uprobe:/bin/x:\"a:b\" { }");
	cr_assert_eq(p->rc, 0, "%s", p->err);
	ast_list *l = &probe(p, 0)->probe.attach;
	cr_assert_eq(l->len, 8);
	expect_attach(l->v[0], "BEGIN", "BEGIN", NULL, NULL, NULL);
	expect_attach(l->v[1], "END", "END", NULL, NULL, NULL);
	expect_attach(l->v[2], "tracepoint:syscalls:sys_enter_openat", "tracepoint", "syscalls",
		      "sys_enter_openat", NULL);
	expect_attach(l->v[3], "uprobe:/bin/bash:readline", "uprobe", "/bin/bash", "readline",
		      NULL);
	expect_attach(l->v[4], "kprobe:vfs_*", "kprobe", "vfs_*", NULL, NULL);
	expect_attach(l->v[5], "interval:s:1", "interval", "s", "1", NULL);
	expect_attach(l->v[6], "usdt:/usr/lib/libc.so.6:libc:setjmp:x", "usdt",
		      "/usr/lib/libc.so.6", "libc", "setjmp:x");
	expect_attach(l->v[7], "uprobe:/bin/x:\"a:b\"", "uprobe", "/bin/x", "a:b", NULL);
	done(p);
}

Test(parser, accepts_attach_points_separated_by_newlines)
{
	struct parsed *p = parse("t:sched:sched_switch\np:hz:99\n/cpu == 0/\n{ }");
	cr_assert_eq(p->rc, 0, "%s", p->err);
	struct ast_node *pr = probe(p, 0);
	cr_assert_eq(pr->probe.attach.len, 2);
	expect_attach(pr->probe.attach.v[1], "p:hz:99", "p", "hz", "99", NULL);
	cr_assert_eq(pr->probe.pred->kind, AST_BINOP);
	done(p);
}

Test(parser, allows_comments_between_predicate_and_body)
{
	struct parsed *p = parse("BEGIN /1/ /* why */ // how\n { } END /2/\n// c\n{ }");
	cr_assert_eq(p->rc, 0, "%s", p->err);
	cr_assert_eq(p->c.ast->program.probes.len, 2);
	cr_assert_not_null(probe(p, 1)->probe.pred);
	done(p);
}

Test(parser, ignores_the_shebang_includes_config_and_type_definitions)
{
	struct parsed *p = parse("#!/usr/bin/env bpftrace\n#include <linux/sched.h>\n"
				 "config = { max_strlen = 100; stack_mode = perf }\n"
				 "struct foo { int a; union { int b; } c; };\n"
				 "BEGIN { exit() }\nEND { }\n");
	cr_assert_eq(p->rc, 0, "%s", p->err);
	cr_assert_eq(p->c.ast->program.probes.len, 2);
	cr_assert_eq(probe(p, 0)->loc.first_line, 5);
	done(p);
}

Test(parser, gives_probes_and_statements_their_spans)
{
	struct parsed *p = parse("BEGIN\n{\n\t@x = 1 + 2;\n}");
	struct ast_node *s = stmt(p, 0);
	cr_assert_eq(s->loc.first_line, 3);
	cr_assert_eq(s->loc.first_col, 2);
	cr_assert_eq(s->loc.last_col, 11);
	struct ast_node *rhs = s->assign.rhs;
	cr_assert_eq(rhs->loc.first_col, 7);
	cr_assert_eq(rhs->loc.last_col, 11);
	cr_assert_eq(probe(p, 0)->loc.last_line, 4);
	done(p);
}

/* ---- printing back ---- */

static char *print(const struct ast_node *n)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	ast_print_source(f, n);
	fclose(f);
	return s;
}

static void round_trip(const char *src)
{
	struct parsed *a = parse(src);
	cr_assert_eq(a->rc, 0, "%s", a->err);
	char *once = print(a->c.ast);
	struct parsed *b = parse(once);
	cr_assert_eq(b->rc, 0, "reparsing:\n%s\n%s", once, b->err);
	char *twice = print(b->c.ast);
	cr_assert_str_eq(once, twice);
	free(once);
	free(twice);
	done(a);
	done(b);
}

Test(parser, prints_canonical_source)
{
	struct parsed *p = parse("kprobe:f,kprobe:g/pid==1/{@[comm]=count();if(1){$x++}else{$x--}}");
	char *s = print(p->c.ast);
	cr_assert_str_eq(s, "kprobe:f,\nkprobe:g\n/pid == 1/\n{\n"
			    "\t@[comm] = count();\n"
			    "\tif (1) {\n\t\t$x++;\n\t} else {\n\t\t$x--;\n\t}\n}\n");
	free(s);
	done(p);
}

Test(parser, prints_only_the_parentheses_it_needs)
{
	struct parsed *p = parse("BEGIN { $x = (1 + 2) * 3 - (4 - 5) + -(-$y) + (a ? b : c); "
				 "$s = \"q\\\"\\n\\x01\"; $t = ((uint8)$x).0; }");
	char *s = print(p->c.ast);
	cr_assert_str_eq(s, "BEGIN\n{\n\t$x = (1 + 2) * 3 - (4 - 5) + -(-$y) + (a ? b : c);\n"
			    "\t$s = \"q\\\"\\n\\x01\";\n\t$t = ((uint8)$x).0;\n}\n");
	free(s);
	done(p);
}

Test(parser, round_trips_every_construct)
{
	round_trip("BEGIN { printf(\"%s %d\\n\", comm, pid); exit(); }");
	round_trip("BEGIN { @ = offsetof(struct task_struct, se.vruntime) + sizeof(int32); }");
	round_trip("tracepoint:syscalls:sys_enter_openat /comm == \"bash\"/ "
		   "{ @[str(args->filename)] = count(); @b[pid, comm] += args.flags; }");
	round_trip("BEGIN { $t = (1, (2, \"x\")); $u = $t.1.0; $v = -~!*&$x; $w = - - 1; "
		   "$c = (struct task_struct *)curtask; $d = (int8[4])$c->comm; "
		   "@s = sizeof(struct task_struct) + sizeof($x) + $1 + $#; "
		   "@o = offsetof(struct task_struct, se.load) + offsetof($x, a); }");
	round_trip("i:s:1 { let $a: uint64 = 18446744073709551615; let $b; let $c = 5u; "
		   "while ($a > 0) { $a >>= 1; if ($a == 3) { break } else if ($a) { continue } "
		   "else { return } } unroll(3) { @n++ } for ($i : 0..$1) { --$i } "
		   "for ($kv : @n) { print($kv) } { @x[1, 2] = a ? b : c ? d : e; $y = @x[1][2] } }");
	round_trip("BEGIN { @x = 1 << 2 + 3 & 4 | 5 ^ 6 && 7 || 8 != 9 <= 10 % 11; "
		   "@y = (1 || 2) && 3; @z = 1 - (2 - 3); @w = (a ? b : c) ? d : e; }");
}

/* ---- tree helpers ---- */

static bool count_pre(struct ast_node *n, void *ctx)
{
	(*(int *)ctx)++;
	return n->kind != AST_CALL;
}

static int find_int(struct ast_node *n, void *ctx)
{
	return n->kind == AST_INT && n->int_.value == 7 ? 7 : 0;
}

Test(parser, walks_every_node_and_honours_pre_and_post)
{
	struct parsed *p = parse("BEGIN /1/ { @m[1, 2] = f(3, 4); if (5) { $x = (6, 7); } }");
	int n = 0;
	cr_assert_eq(ast_walk(p->c.ast, count_pre, NULL, &n), 0);
	/* program probe attach 1 block assign map 1 2 call (children skipped) if 5 block
	 * assign var tuple 6 7 */
	cr_assert_eq(n, 18);
	cr_assert_eq(ast_walk(p->c.ast, NULL, find_int, NULL), 7);
	done(p);
}

Test(parser, clones_deeply_without_annotations)
{
	struct parsed *p = parse("BEGIN { @m[pid] = printf(\"x\", $y); }");
	struct ast_node *orig = probe(p, 0);
	struct ast_node *map = stmt(p, 0)->assign.lhs;
	map->map.map_id = 3;
	struct ast_node *c = ast_clone(&p->c.arena, orig);
	cr_assert_not_null(c);
	cr_assert_neq(c, orig);
	struct ast_node *cmap = c->probe.body->block.stmts.v[0]->assign.lhs;
	cr_assert_neq(cmap, map);
	cr_assert_eq(cmap->map.map_id, -1);
	cr_assert_str_eq(cmap->map.name, "@m");
	cmap->map.keys.v[0]->builtin.name = "tid";
	cr_assert_str_eq(map->map.keys.v[0]->builtin.name, "pid");
	char *a = print(orig), *b = print(c);
	cr_assert_str_neq(a, b);
	free(a);
	free(b);
	done(p);
}

Test(parser, dumps_one_node_per_line)
{
	struct parsed *p = parse("BEGIN { @x[1] = -$y + 2u; }");
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);
	ast_dump(f, p->c.ast);
	fclose(f);
	cr_assert_str_eq(s, "program\n"
			    "  probe\n"
			    "    attach BEGIN\n"
			    "    block\n"
			    "      assign =\n"
			    "        map @x\n"
			    "          int 1\n"
			    "        binop +\n"
			    "          unop -\n"
			    "            var $y\n"
			    "          int 2u\n");
	free(s);
	done(p);
}

/* ---- syntax errors ---- */

static void expect_error(const char *src, const char *diag)
{
	struct parsed *p = parse(src);
	cr_assert_eq(p->rc, -EINVAL, "%s", src);
	cr_assert_str_eq(p->err, diag);
	done(p);
}

Test(parser, asks_for_a_semicolon_between_statements)
{
	expect_error("BEGIN { $x = 1 $y = 2 }",
		     "t.bt:1:16: error: expected ';' after statement, found '$y'\n"
		     "BEGIN { $x = 1 $y = 2 }\n"
		     "               ^~\n");
}

Test(parser, asks_for_an_expression)
{
	expect_error("BEGIN {\n\t@x = 1 + ;\n}",
		     "t.bt:2:11: error: unexpected ';', expected expression\n"
		     "\t@x = 1 + ;\n"
		     "\t         ^\n");
}

Test(parser, says_what_closes_a_list)
{
	expect_error("BEGIN { printf(\"a\" \"b\"); }",
		     "t.bt:1:20: error: unexpected '\"b\"', expected ',' or ')'\n"
		     "BEGIN { printf(\"a\" \"b\"); }\n"
		     "                   ^~~\n");
}

Test(parser, reports_a_missing_closing_brace_at_the_end)
{
	expect_error("BEGIN { printf(\"x\")",
		     "t.bt:1:20: error: unexpected end of input, expected '}'\n"
		     "BEGIN { printf(\"x\")\n"
		     "                   ^\n");
}

Test(parser, reports_a_stray_closing_brace)
{
	expect_error("BEGIN { } }",
		     "t.bt:1:11: error: unexpected '}', expected attach point\n"
		     "BEGIN { } }\n"
		     "          ^\n");
}

Test(parser, reports_an_unclosed_predicate)
{
	expect_error("kprobe:f /pid == 1 { }",
		     "t.bt:1:20: error: expected '/' after predicate, found '{'\n"
		     "kprobe:f /pid == 1 { }\n"
		     "                   ^\n");
}

Test(parser, reports_a_probe_without_a_body)
{
	expect_error("BEGIN { } END",
		     "t.bt:1:14: error: unexpected end of input, expected '{' after attach point\n"
		     "BEGIN { } END\n"
		     "             ^\n");
}

Test(parser, names_the_alternatives_after_else)
{
	expect_error("BEGIN { if (1) { } else $x }",
		     "t.bt:1:25: error: unexpected '$x', expected 'if' or '{'\n"
		     "BEGIN { if (1) { } else $x }\n"
		     "                        ^~\n");
}

Test(parser, asks_for_parentheses_around_conditions)
{
	expect_error("BEGIN { if pid > 1 { } }",
		     "t.bt:1:12: error: unexpected 'pid', expected '('\n"
		     "BEGIN { if pid > 1 { } }\n"
		     "           ^~~\n");
}

Test(parser, asks_for_a_field_name_or_the_end_of_a_call)
{
	expect_error("BEGIN { @[args->] = count(; }",
		     "t.bt:1:17: error: unexpected ']', expected field name\n"
		     "BEGIN { @[args->] = count(; }\n"
		     "                ^\n");
	expect_error("BEGIN { @x = count(; }",
		     "t.bt:1:20: error: unexpected ';', expected expression or ')'\n"
		     "BEGIN { @x = count(; }\n"
		     "                   ^\n");
	expect_error("BEGIN { $t = (); }",
		     "t.bt:1:15: error: unexpected ')', expected expression\n"
		     "BEGIN { $t = (); }\n"
		     "              ^\n");
}

Test(parser, reports_every_error_and_keeps_later_probes)
{
	struct parsed *p = parse("BEGIN { @x = count() @y = 1; $z = ; }\n"
				 "END { foo bar; }\n"
				 "i:s:1 { exit(); }");
	cr_assert_eq(p->rc, -EINVAL);
	cr_assert_eq(diag_errors(&p->c.diag), 3, "%s", p->err);
	cr_assert_str_eq(p->err,
			 "t.bt:1:22: error: expected ';' after statement, found '@y'\n"
			 "BEGIN { @x = count() @y = 1; $z = ; }\n"
			 "                     ^~\n"
			 "t.bt:1:35: error: unexpected ';', expected expression\n"
			 "BEGIN { @x = count() @y = 1; $z = ; }\n"
			 "                                  ^\n"
			 "t.bt:2:11: error: expected ';' after statement, found 'bar'\n"
			 "END { foo bar; }\n"
			 "          ^~~\n");
	cr_assert_eq(p->c.ast->program.probes.len, 3);
	cr_assert_str_eq(probe(p, 2)->probe.attach.v[0]->attach.text, "i:s:1");
	done(p);
}

Test(parser, recovers_inside_conditions)
{
	struct parsed *p = parse("BEGIN { if (x y) { } @a = 1 } END { }");
	cr_assert_eq(diag_errors(&p->c.diag), 1, "%s", p->err);
	cr_assert_eq(p->c.ast->program.probes.len, 2);
	done(p);
}

Test(parser, reports_lexical_errors_once_each)
{
	struct parsed *p = parse("BEGIN { $x = 0x; $y = 99999999999999999999; $z = \"\\q\"; }");
	cr_assert_str_eq(p->err,
			 "t.bt:1:14: error: invalid integer literal '0x'\n"
			 "BEGIN { $x = 0x; $y = 99999999999999999999; $z = \"\\q\"; }\n"
			 "             ^~\n"
			 "t.bt:1:23: error: integer literal '99999999999999999999' does not fit in 64 bits\n"
			 "BEGIN { $x = 0x; $y = 99999999999999999999; $z = \"\\q\"; }\n"
			 "                      ^~~~~~~~~~~~~~~~~~~~\n"
			 "t.bt:1:51: error: invalid escape sequence '\\q' in string\n"
			 "BEGIN { $x = 0x; $y = 99999999999999999999; $z = \"\\q\"; }\n"
			 "                                                  ^~\n");
	done(p);
}

Test(parser, does_not_echo_an_unterminated_string_as_a_syntax_error)
{
	expect_error("BEGIN {\n\tprintf(\"x\n}\nEND { $x = ; }",
		     "t.bt:2:9: error: unterminated string\n"
		     "\tprintf(\"x\n"
		     "\t       ^~\n"
		     "t.bt:4:12: error: unexpected ';', expected expression\n"
		     "END { $x = ; }\n"
		     "           ^\n");
}

/* ---- nothing crashes or hangs ---- */

Test(parser, refuses_a_program_without_probes_at_its_end)
{
	const char *srcs[] = { "", "   \n\t", "// just a comment", "/* block */", "#!/bin/bpftrace\n" };
	const char *at[] = { "t.bt:1:1:", "t.bt:2:2:", "t.bt:1:18:", "t.bt:1:12:", "t.bt:2:1:" };
	for (size_t i = 0; i < sizeof(srcs) / sizeof(srcs[0]); i++) {
		struct parsed *p = parse(srcs[i]);
		cr_expect_neq(p->rc, 0, "%s", srcs[i]);
		cr_expect(strncmp(p->err, at[i], strlen(at[i])) == 0, "%s", p->err);
		cr_expect(strstr(p->err, "error: the program has no probes: nothing to attach"),
			  "%s", p->err);
		done(p);
	}
}

Test(parser, refuses_a_nul_byte_where_it_is)
{
	static const char src[] = "BEGIN { }\n  \0 END { }";
	struct parsed *p = calloc(1, sizeof(*p));
	p->errf = open_memstream(&p->err, &p->errlen);
	cr_assert_eq(cc_init(&p->c, "t.bt", src, NULL, p->errf), 0);
	p->c.src_len = sizeof(src) - 1;
	p->rc = parse_program(&p->c);
	fflush(p->errf);
	cr_expect_neq(p->rc, 0);
	cr_expect_str_eq(p->err, "t.bt:2:3: error: the script holds a NUL byte here: it must be "
				 "text\n  \n  ^\n");
	fclose(p->errf);
	free(p->err);
	cc_fini(&p->c);
	free(p);
}

Test(parser, rejects_deep_nesting_without_crashing)
{
	int depth = 100000;
	char *src = malloc((size_t)depth * 2 + 32);
	char *s = src + sprintf(src, "BEGIN { $x = ");
	for (int i = 0; i < depth; i++)
		*s++ = '(';
	*s++ = '1';
	for (int i = 0; i < depth; i++)
		*s++ = ')';
	strcpy(s, "; }");
	struct parsed *p = parse(src);
	cr_assert_eq(p->rc, -EINVAL);
	cr_assert(strstr(p->err, "error: program is nested too deeply"), "%s", p->err);
	done(p);
	free(src);
}

Test(parser, accepts_moderate_nesting)
{
	char src[4096];
	char *s = src + sprintf(src, "BEGIN { $x = ");
	for (int i = 0; i < 200; i++)
		s += sprintf(s, "-(");
	*s++ = '1';
	for (int i = 0; i < 200; i++)
		*s++ = ')';
	strcpy(s, "; }");
	struct parsed *p = parse(src);
	cr_assert_eq(p->rc, 0, "%s", p->err);
	done(p);
}

Test(parser, survives_every_truncation_of_a_program)
{
	const char *full = "#include <x.h>\nconfig = { a = 1 }\nuprobe:/bin/bash:readline, "
			   "t:a:b /pid == 1 && comm != \"x\\n\"/ { @m[1, \"a\"] += (uint8)$x.0; "
			   "if (a) { for ($i : 0..3) { } } else { unroll(2) { $y = f(1, (2, 3)) } } "
			   "/* c */ let $z: struct task_struct * = curtask->parent; } END { }";
	size_t n = strlen(full);
	char *buf = malloc(n + 1);
	for (size_t i = 0; i <= n; i++) {
		memcpy(buf, full, i);
		buf[i] = '\0';
		struct parsed *p = parse(buf);
		cr_assert_not_null(p->c.ast, "prefix %zu", i);
		done(p);
	}
	free(buf);
}

Test(parser, survives_random_mutations)
{
	const char *seed = "BEGIN { @x[pid, comm] = count(); $t = (1, \"s\"); if ($t.0) "
			   "{ printf(\"%d\\n\", $t.0 + 1 * 2); } } kprobe:f /arg0/ { exit() }";
	const char alphabet[] = "{}()[];,:/\"'$@.0x1a-+*&|!~<>=?\n\t #\\\x80\xff";
	size_t n = strlen(seed);
	char *buf = malloc(n + 1);
	unsigned rnd = 12345;
	for (int iter = 0; iter < 3000; iter++) {
		memcpy(buf, seed, n + 1);
		for (int k = 0; k < 4; k++) {
			rnd = rnd * 1103515245u + 12345u;
			size_t at = (rnd >> 8) % n;
			rnd = rnd * 1103515245u + 12345u;
			buf[at] = alphabet[(rnd >> 8) % (sizeof(alphabet) - 1)];
		}
		struct parsed *p = parse(buf);
		cr_assert_not_null(p->c.ast);
		if (p->rc == 0) {
			char *once = print(p->c.ast);
			struct parsed *q = parse(once);
			cr_assert_eq(q->rc, 0, "reparse of mutation %d:\n%s\n%s", iter, buf, q->err);
			done(q);
			free(once);
		}
		done(p);
	}
	free(buf);
}

/* ---- C definitions in the preamble ---- */

Test(parser, keeps_preamble_c_definitions_with_their_positions)
{
	struct parsed *p = parse("#include <linux/sched.h>\n#define X 1\n"
				 "struct s {\n\tint a;\n};\nenum { A };\nBEGIN { }");
	cr_assert_eq(p->rc, 0, "%s", p->err);
	cr_assert_eq(p->c.ast->program.cdefs.len, 4);
	cr_expect_str_eq(p->c.ast->program.cdefs.v[0].text, "#include <linux/sched.h>");
	cr_expect_str_eq(p->c.ast->program.cdefs.v[1].text, "#define X 1");
	cr_expect_eq(p->c.ast->program.cdefs.v[1].loc.first_line, 2);
	cr_expect_str_eq(p->c.ast->program.cdefs.v[2].text, "struct s {\n\tint a;\n};");
	cr_expect_eq(p->c.ast->program.cdefs.v[2].loc.first_line, 3);
	cr_expect_eq(p->c.ast->program.cdefs.v[2].loc.first_col, 1);
	cr_expect_str_eq(p->c.ast->program.cdefs.v[3].text, "enum { A };");
	cr_expect_eq(p->c.ast->program.probes.len, 1);
	done(p);
}

Test(parser, follows_preprocessor_conditionals_with_btf_defined)
{
	struct parsed *p = parse("#ifndef BPFTRACE_HAVE_BTF\nstruct old { int a; };\n#else\n"
				 "struct new1 { int a; };\n#endif\n#define Y 2\n#ifdef Y\n"
				 "#if 0\nstruct no { int a; };\n#endif\nstruct new2 { int b; };\n"
				 "#endif\nBEGIN { }");
	cr_assert_eq(p->rc, 0, "%s", p->err);
	cr_assert_eq(p->c.ast->program.cdefs.len, 3);
	cr_expect_str_eq(p->c.ast->program.cdefs.v[0].text, "struct new1 { int a; };");
	cr_expect_str_eq(p->c.ast->program.cdefs.v[1].text, "#define Y 2");
	cr_expect_str_eq(p->c.ast->program.cdefs.v[2].text, "struct new2 { int b; };");
	done(p);
}
