/* The bpftrace grammar (bison, pure, with locations): tokens from src/lexer/lexer.l to an
 * AST_PROGRAM of probes. Syntax errors are diagnostics that say what was expected and
 * found; an error rule per statement, block and probe lets one run report several. */
%code requires {
#include <stdint.h>

#include "util/loc.h"
#include "parser/ast.h"

struct lex_state;
}

%code {
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "compiler.h"
#include "lex.h"
#include "parser/parser.h"
#include "util/arena.h"
#include "util/diag.h"

#define parse_yylex lex_yylex
int lex_yylex(PARSE_YYSTYPE *val, PARSE_YYLTYPE *loc, void *scanner);
static void parse_yyerror(const PARSE_YYLTYPE *loc, void *scanner, struct lex_state *st,
			  const char *msg);

/* Deep nesting is a user mistake, not a reason to exhaust the stack of later passes. */
#define YYMAXDEPTH 3000
#define YYINITDEPTH 200

#define YYLLOC_DEFAULT(cur, rhs, n)                                                              \
	do {                                                                                       \
		if (n) {                                                                           \
			(cur).first_line = YYRHSLOC(rhs, 1).first_line;                            \
			(cur).first_col = YYRHSLOC(rhs, 1).first_col;                              \
			(cur).last_line = YYRHSLOC(rhs, n).last_line;                              \
			(cur).last_col = YYRHSLOC(rhs, n).last_col;                                \
		} else {                                                                           \
			(cur).first_line = (cur).last_line = YYRHSLOC(rhs, 0).last_line;           \
			(cur).first_col = (cur).last_col = YYRHSLOC(rhs, 0).last_col;              \
		}                                                                                  \
	} while (0)

/* Node construction inside actions: out of memory aborts the parse with YYNOMEM. */
#define NEW(var, kind, loc)                                                                        \
	do {                                                                                       \
		(var) = ast_new(st->arena, (kind), &(loc));                                        \
		if (!(var)) {                                                                      \
			st->oom = true;                                                            \
			YYNOMEM;                                                                   \
		}                                                                                  \
	} while (0)
#define PUSH(list, x)                                                                              \
	do {                                                                                       \
		if (vec_push(st->arena, &(list), (x))) {                                           \
			st->oom = true;                                                            \
			YYNOMEM;                                                                   \
		}                                                                                  \
	} while (0)
#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x)) {                                                                        \
			st->oom = true;                                                            \
			YYNOMEM;                                                                   \
		}                                                                                  \
	} while (0)

static struct ast_node *mk_binop(struct lex_state *st, const struct src_loc *loc, enum ast_op op,
				 struct ast_node *lhs, struct ast_node *rhs);
static struct ast_node *mk_unop(struct lex_state *st, const struct src_loc *loc, enum ast_op op,
				struct ast_node *e);
static struct ast_node *mk_attach(struct lex_state *st, const struct src_loc *loc,
				  const char *text);
static void add_config(struct lex_state *st, const char *key, struct ast_node *value,
		       const struct src_loc *loc);
static struct ast_node *mk_typename(struct lex_state *st, const struct src_loc *loc,
				    const char *kw, const char *name);
static struct ast_node *mk_incdec(struct lex_state *st, const struct src_loc *loc,
				  struct ast_node *target, bool inc, bool post);
static struct ast_node *mk_map(struct lex_state *st, const struct src_loc *loc, const char *name);
static int array_len(struct lex_state *st, const struct ast_node *n);
}

%define api.prefix {parse_yy}
%define api.pure full
%define api.location.type {struct src_loc}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%parse-param {void *scanner} {struct lex_state *st}
%lex-param {void *scanner}

%union {
	struct ast_node *node;
	const char *str;
	int num;
	enum ast_op op;
	ast_list list;
}

%token <str> ATTACH "attach point"
%token <str> IDENT "identifier"
%token <str> TYPE "type name"
%token <str> STRUCT "'struct'"
%token <str> VAR "variable"
%token <str> MAP "map"
%token <num> POSPARAM "positional parameter"
%token <node> INT "integer"
%token <node> STR "string"
%token <op> OPASSIGN "compound assignment"
%token CONFIG "'config'"
%token ENDPRED "'/' after predicate"
%token IF "'if'"
%token ELSE "'else'"
%token WHILE "'while'"
%token UNROLL "'unroll'"
%token FOR "'for'"
%token BREAK "'break'"
%token CONTINUE "'continue'"
%token RETURN "'return'"
%token LET "'let'"
%token SIZEOF "'sizeof'"
%token OFFSETOF "'offsetof'"
%token EQ "'=='"
%token NE "'!='"
%token LE "'<='"
%token GE "'>='"
%token SHL "'<<'"
%token SHR "'>>'"
%token LAND "'&&'"
%token LOR "'||'"
%token INCR "'++'"
%token DECR "'--'"
%token ARROW "'->'"
%token DOTDOT "'..'"

%type <node> program probe pred block simple_stmt block_stmt if_stmt expr unary postfix
%type <node> primary map lvalue typename var
%type <str> field_name member_path
%type <list> probes attach_list stmts stmt_list exprlist

%precedence NOKEYS
%precedence '['
%right '?' ':'
%left LOR
%left LAND
%left '|'
%left '^'
%left '&'
%left EQ NE
%left '<' '>' LE GE
%left SHL SHR
%left '+' '-'
%left '*' '/' '%'

%start program

%%

program
	: preamble probes {
		NEW($$, AST_PROGRAM, @$);
		$$->program.probes = $2;
		st->program = $$;
	}
	;

preamble
	: %empty
	| CONFIG '=' '{' config_body '}'
	;

/* config = { key = value; ... }: kept for sema (src/sema/config.c), which knows the keys. */
config_body
	: %empty
	| config_list
	| config_list ';'
	;

config_list
	: config_item
	| config_list ';' config_item
	;

config_item
	: IDENT '=' INT { add_config(st, $1, $3, &@$); }
	| IDENT '=' STR { add_config(st, $1, $3, &@$); }
	| IDENT '=' IDENT {
		struct ast_node *v = ast_new(st->arena, AST_STR, &@3);
		if (v) {
			v->str.s = $3;
			v->str.len = (int)strlen($3);
		}
		add_config(st, $1, v, &@$);
	}
	| error
	;

probes
	: %empty { $$ = (ast_list){ 0 }; }
	| probes probe { $$ = $1; PUSH($$, $2); }
	| probes error block { $$ = $1; }
	;

probe
	: attach_list pred block {
		NEW($$, AST_PROBE, @$);
		$$->probe.attach = $1;
		$$->probe.pred = $2;
		$$->probe.body = $3;
	}
	;

attach_list
	: ATTACH {
		struct ast_node *a = mk_attach(st, &@1, $1);
		CHECK(a);
		$$ = (ast_list){ 0 };
		PUSH($$, a);
	}
	| attach_list ',' ATTACH {
		struct ast_node *a = mk_attach(st, &@3, $3);
		CHECK(a);
		$$ = $1;
		PUSH($$, a);
	}
	| attach_list ATTACH {
		struct ast_node *a = mk_attach(st, &@2, $2);
		CHECK(a);
		$$ = $1;
		PUSH($$, a);
	}
	;

pred
	: %empty { $$ = NULL; }
	| '/' expr ENDPRED { $$ = $2; }
	;

block
	: '{' stmts '}' {
		NEW($$, AST_BLOCK, @$);
		$$->block.stmts = $2;
	}
	| '{' stmt_list error '}' {
		NEW($$, AST_BLOCK, @$);
		$$->block.stmts = $2;
	}
	;

/* The last statement of a block may omit its ';'; statements ending in '}' need none. */
stmts
	: stmt_list
	| stmt_list simple_stmt { $$ = $1; PUSH($$, $2); }
	;

stmt_list
	: %empty { $$ = (ast_list){ 0 }; }
	| stmt_list simple_stmt ';' { $$ = $1; PUSH($$, $2); }
	| stmt_list block_stmt { $$ = $1; PUSH($$, $2); }
	| stmt_list ';' { $$ = $1; }
	| stmt_list error ';' { $$ = $1; }
	;

simple_stmt
	: expr {
		NEW($$, AST_EXPR_STMT, @$);
		$$->expr_stmt.expr = $1;
	}
	| lvalue '=' expr {
		NEW($$, AST_ASSIGN, @$);
		$$->assign.lhs = $1;
		$$->assign.op = OP_NONE;
		$$->assign.rhs = $3;
	}
	| lvalue OPASSIGN expr {
		NEW($$, AST_ASSIGN, @$);
		$$->assign.lhs = $1;
		$$->assign.op = $2;
		$$->assign.rhs = $3;
	}
	| LET var {
		NEW($$, AST_LET, @$);
		$$->let.var = $2;
	}
	| LET var '=' expr {
		NEW($$, AST_LET, @$);
		$$->let.var = $2;
		$$->let.init = $4;
	}
	| LET var ':' typename {
		NEW($$, AST_LET, @$);
		$$->let.var = $2;
		$$->let.type = $4;
	}
	| LET var ':' typename '=' expr {
		NEW($$, AST_LET, @$);
		$$->let.var = $2;
		$$->let.type = $4;
		$$->let.init = $6;
	}
	| BREAK { NEW($$, AST_BREAK, @$); }
	| CONTINUE { NEW($$, AST_CONTINUE, @$); }
	| RETURN { NEW($$, AST_RETURN, @$); }
	;

block_stmt
	: if_stmt
	| block
	| WHILE '(' expr ')' block {
		NEW($$, AST_WHILE, @$);
		$$->loop.cond = $3;
		$$->loop.body = $5;
	}
	| UNROLL '(' expr ')' block {
		NEW($$, AST_UNROLL, @$);
		$$->loop.count = $3;
		$$->loop.body = $5;
	}
	| FOR '(' var ':' expr DOTDOT expr ')' block {
		NEW($$, AST_FOR_RANGE, @$);
		$$->for_.var = $3;
		$$->for_.lo = $5;
		$$->for_.hi = $7;
		$$->for_.body = $9;
	}
	| FOR '(' var ':' MAP ')' block {
		NEW($$, AST_FOR_MAP, @$);
		$$->for_.var = $3;
		$$->for_.map = mk_map(st, &@5, $5);
		CHECK($$->for_.map);
		$$->for_.body = $7;
	}
	| WHILE '(' error ')' block { $$ = $5; }
	| UNROLL '(' error ')' block { $$ = $5; }
	| FOR '(' error ')' block { $$ = $5; }
	;

if_stmt
	: IF '(' expr ')' block {
		NEW($$, AST_IF, @$);
		$$->if_.cond = $3;
		$$->if_.then = $5;
	}
	| IF '(' expr ')' block ELSE block {
		NEW($$, AST_IF, @$);
		$$->if_.cond = $3;
		$$->if_.then = $5;
		$$->if_.otherwise = $7;
	}
	| IF '(' expr ')' block ELSE if_stmt {
		NEW($$, AST_IF, @$);
		$$->if_.cond = $3;
		$$->if_.then = $5;
		$$->if_.otherwise = $7;
	}
	| IF '(' error ')' block { $$ = $5; }
	;

expr
	: unary
	| expr '?' expr ':' expr {
		NEW($$, AST_TERNARY, @$);
		$$->ternary.cond = $1;
		$$->ternary.then = $3;
		$$->ternary.otherwise = $5;
	}
	| expr LOR expr { CHECK($$ = mk_binop(st, &@$, OP_LOR, $1, $3)); }
	| expr LAND expr { CHECK($$ = mk_binop(st, &@$, OP_LAND, $1, $3)); }
	| expr '|' expr { CHECK($$ = mk_binop(st, &@$, OP_BOR, $1, $3)); }
	| expr '^' expr { CHECK($$ = mk_binop(st, &@$, OP_BXOR, $1, $3)); }
	| expr '&' expr { CHECK($$ = mk_binop(st, &@$, OP_BAND, $1, $3)); }
	| expr EQ expr { CHECK($$ = mk_binop(st, &@$, OP_EQ, $1, $3)); }
	| expr NE expr { CHECK($$ = mk_binop(st, &@$, OP_NE, $1, $3)); }
	| expr '<' expr { CHECK($$ = mk_binop(st, &@$, OP_LT, $1, $3)); }
	| expr '>' expr { CHECK($$ = mk_binop(st, &@$, OP_GT, $1, $3)); }
	| expr LE expr { CHECK($$ = mk_binop(st, &@$, OP_LE, $1, $3)); }
	| expr GE expr { CHECK($$ = mk_binop(st, &@$, OP_GE, $1, $3)); }
	| expr SHL expr { CHECK($$ = mk_binop(st, &@$, OP_SHL, $1, $3)); }
	| expr SHR expr { CHECK($$ = mk_binop(st, &@$, OP_SHR, $1, $3)); }
	| expr '+' expr { CHECK($$ = mk_binop(st, &@$, OP_ADD, $1, $3)); }
	| expr '-' expr { CHECK($$ = mk_binop(st, &@$, OP_SUB, $1, $3)); }
	| expr '*' expr { CHECK($$ = mk_binop(st, &@$, OP_MUL, $1, $3)); }
	| expr '/' expr { CHECK($$ = mk_binop(st, &@$, OP_DIV, $1, $3)); }
	| expr '%' expr { CHECK($$ = mk_binop(st, &@$, OP_MOD, $1, $3)); }
	;

unary
	: postfix
	| '-' unary { CHECK($$ = mk_unop(st, &@$, OP_NEG, $2)); }
	| '~' unary { CHECK($$ = mk_unop(st, &@$, OP_BNOT, $2)); }
	| '!' unary { CHECK($$ = mk_unop(st, &@$, OP_LNOT, $2)); }
	| '*' unary { CHECK($$ = mk_unop(st, &@$, OP_DEREF, $2)); }
	| '&' unary { CHECK($$ = mk_unop(st, &@$, OP_ADDR, $2)); }
	| INCR lvalue { CHECK($$ = mk_incdec(st, &@$, $2, true, false)); }
	| DECR lvalue { CHECK($$ = mk_incdec(st, &@$, $2, false, false)); }
	| '(' typename ')' unary {
		NEW($$, AST_CAST, @$);
		$$->cast.type = $2;
		$$->cast.expr = $4;
	}
	;

postfix
	: primary
	| lvalue INCR { CHECK($$ = mk_incdec(st, &@$, $1, true, true)); }
	| lvalue DECR { CHECK($$ = mk_incdec(st, &@$, $1, false, true)); }
	| postfix '.' field_name {
		NEW($$, AST_FIELD, @$);
		$$->field.expr = $1;
		$$->field.name = $3;
	}
	| postfix ARROW field_name {
		NEW($$, AST_FIELD, @$);
		$$->field.expr = $1;
		$$->field.name = $3;
		$$->field.arrow = true;
	}
	| postfix '.' INT {
		NEW($$, AST_TUPLE_GET, @$);
		$$->tuple_get.expr = $1;
		$$->tuple_get.index = array_len(st, $3);
	}
	| postfix '[' expr ']' {
		NEW($$, AST_INDEX, @$);
		$$->index.expr = $1;
		$$->index.index = $3;
	}
	;

primary
	: INT
	| STR
	| lvalue
	| POSPARAM {
		NEW($$, AST_POSPARAM, @$);
		$$->posparam.index = $1;
	}
	| IDENT {
		NEW($$, AST_BUILTIN, @$);
		$$->builtin.name = $1;
	}
	| IDENT '(' ')' {
		NEW($$, AST_CALL, @$);
		$$->call.name = $1;
		$$->call.id = -1;
	}
	| IDENT '(' exprlist ')' {
		NEW($$, AST_CALL, @$);
		$$->call.name = $1;
		$$->call.args = $3;
		$$->call.id = -1;
	}
	| '(' expr ')' { $$ = $2; }
	| '(' expr ',' exprlist ')' {
		NEW($$, AST_TUPLE, @$);
		PUSH($$->tuple.elems, $2);
		for (int i = 0; i < $4.len; i++)
			PUSH($$->tuple.elems, $4.v[i]);
	}
	| SIZEOF '(' typename ')' {
		NEW($$, AST_SIZEOF, @$);
		$$->sizeof_.arg = $3;
	}
	| SIZEOF '(' expr ')' {
		NEW($$, AST_SIZEOF, @$);
		$$->sizeof_.arg = $3;
	}
	| OFFSETOF '(' typename ',' member_path ')' {
		NEW($$, AST_SIZEOF, @$);
		$$->sizeof_.arg = $3;
		$$->sizeof_.member = $5;
	}
	| OFFSETOF '(' expr ',' member_path ')' {
		NEW($$, AST_SIZEOF, @$);
		$$->sizeof_.arg = $3;
		$$->sizeof_.member = $5;
	}
	;

/* offsetof's member: a field, or a path through nested records ("a.b.c"). */
member_path
	: field_name
	| member_path '.' field_name { CHECK($$ = arena_sprintf(st->arena, "%s.%s", $1, $3)); }
	;

/* Struct and tracepoint fields may be named like our keywords and type names. */
field_name
	: IDENT
	| TYPE
	| LET { $$ = "let"; }
	| UNROLL { $$ = "unroll"; }
	| OFFSETOF { $$ = "offsetof"; }
	;

lvalue
	: var
	| map
	;

var
	: VAR {
		NEW($$, AST_VAR, @$);
		$$->var.name = $1;
	}
	;

map
	: MAP %prec NOKEYS { CHECK($$ = mk_map(st, &@$, $1)); }
	| MAP '[' exprlist ']' {
		CHECK($$ = mk_map(st, &@$, $1));
		$$->map.keys = $3;
	}
	;

exprlist
	: expr { $$ = (ast_list){ 0 }; PUSH($$, $1); }
	| exprlist ',' expr { $$ = $1; PUSH($$, $3); }
	;

typename
	: TYPE { CHECK($$ = mk_typename(st, &@$, NULL, $1)); }
	| STRUCT IDENT { CHECK($$ = mk_typename(st, &@$, $1, $2)); }
	| typename '*' { $$ = $1; $$->loc = @$; $$->typename_.ptr_depth++; }
	| typename '[' INT ']' {
		$$ = $1;
		$$->loc = @$;
		$$->typename_.array_len = array_len(st, $3);
	}
	;

%%

/* The flex header needs YYSTYPE and YYLTYPE, which bison defines above. */
#include "lexer.h"

static struct ast_node *mk_binop(struct lex_state *st, const struct src_loc *loc, enum ast_op op,
				 struct ast_node *lhs, struct ast_node *rhs)
{
	struct ast_node *n = ast_new(st->arena, AST_BINOP, loc);
	if (!n)
		return NULL;
	n->binop.op = op;
	n->binop.lhs = lhs;
	n->binop.rhs = rhs;
	return n;
}

static struct ast_node *mk_unop(struct lex_state *st, const struct src_loc *loc, enum ast_op op,
				struct ast_node *e)
{
	struct ast_node *n = ast_new(st->arena, AST_UNOP, loc);
	if (!n)
		return NULL;
	n->unop.op = op;
	n->unop.expr = e;
	return n;
}

static struct ast_node *mk_incdec(struct lex_state *st, const struct src_loc *loc,
				  struct ast_node *target, bool inc, bool post)
{
	struct ast_node *n = ast_new(st->arena, AST_INCDEC, loc);
	if (!n)
		return NULL;
	n->incdec.target = target;
	n->incdec.inc = inc;
	n->incdec.post = post;
	return n;
}

static struct ast_node *mk_map(struct lex_state *st, const struct src_loc *loc, const char *name)
{
	struct ast_node *n = ast_new(st->arena, AST_MAP, loc);
	if (!n)
		return NULL;
	n->map.name = name;
	n->map.map_id = -1;
	return n;
}

static struct ast_node *mk_typename(struct lex_state *st, const struct src_loc *loc,
				    const char *kw, const char *name)
{
	struct ast_node *n = ast_new(st->arena, AST_TYPENAME, loc);
	if (!n)
		return NULL;
	n->typename_.name = kw ? arena_sprintf(st->arena, "%s %s", kw, name) : name;
	return n->typename_.name ? n : NULL;
}

/* A small non-negative integer literal used as a count or index (tuple .N, type[N]). */
static int array_len(struct lex_state *st, const struct ast_node *n)
{
	if (n->int_.value > INT_MAX) {
		diag_error(st->diag, &n->loc, "%llu is too large here",
			   (unsigned long long)n->int_.value);
		return 0;
	}
	return (int)n->int_.value;
}

/* Splits "provider:target:func:extra..." at ':' outside double quotes; quotes are dropped
 * from the parts. Parts beyond the fourth stay joined in extra. */
static const char *next_part(struct lex_state *st, const char **p, bool last)
{
	const char *s = *p;
	char *out = arena_alloc(st->arena, strlen(s) + 1);
	int o = 0;
	bool quoted = false;
	if (!out)
		return NULL;
	for (; *s; s++) {
		if (*s == '"') {
			quoted = !quoted;
			continue;
		}
		if (*s == ':' && !quoted && !last)
			break;
		out[o++] = *s;
	}
	*p = *s ? s + 1 : NULL;
	return out;
}

static void add_config(struct lex_state *st, const char *key, struct ast_node *value,
		       const struct src_loc *loc)
{
	struct ast_config item = { key, value, *loc };
	if (!key || !value || vec_push(st->arena, &st->config, item))
		st->oom = true;
}

static struct ast_node *mk_attach(struct lex_state *st, const struct src_loc *loc,
				  const char *text)
{
	struct ast_node *n = ast_new(st->arena, AST_ATTACH, loc);
	const char **parts[4];
	const char *p = text;
	if (!n)
		return NULL;
	n->attach.text = text;
	parts[0] = &n->attach.provider;
	parts[1] = &n->attach.target;
	parts[2] = &n->attach.func;
	parts[3] = &n->attach.extra;
	for (int i = 0; i < 4 && p; i++) {
		*parts[i] = next_part(st, &p, i == 3);
		if (!*parts[i])
			return NULL;
	}
	return n;
}

/* The name of a grammar symbol for messages: aliases are written "'x'" or "words". */
static const char *symbol_text(yysymbol_kind_t sym, char *buf, size_t len)
{
	const char *name = yysymbol_name(sym);
	size_t n = strlen(name);
	if (n >= 2 && name[0] == '"' && name[n - 1] == '"') {
		snprintf(buf, len, "%.*s", (int)(n - 2), name + 1);
		return buf;
	}
	return name;
}

/* Tokens that can continue an expression; left out of "expected ..." lists. */
static bool continues_expr(yysymbol_kind_t sym)
{
	static const char ops[] = "?|^&<>+-*/%.[(";
	const char *name = yysymbol_name(sym);
	if (name[0] == '\'' && name[1] && name[2] == '\'' && strchr(ops, name[1]))
		return true;
	switch (sym) {
	case YYSYMBOL_EQ:
	case YYSYMBOL_NE:
	case YYSYMBOL_LE:
	case YYSYMBOL_GE:
	case YYSYMBOL_SHL:
	case YYSYMBOL_SHR:
	case YYSYMBOL_LAND:
	case YYSYMBOL_LOR:
	case YYSYMBOL_INCR:
	case YYSYMBOL_DECR:
	case YYSYMBOL_ARROW:
	case YYSYMBOL_OPASSIGN:
		return true;
	default:
		return false;
	}
}

static bool has_symbol(const yysymbol_kind_t *v, int n, yysymbol_kind_t sym)
{
	for (int i = 0; i < n; i++)
		if (v[i] == sym)
			return true;
	return false;
}

/* Tokens that can begin an expression. */
static bool starts_expr(yysymbol_kind_t sym)
{
	static const char ops[] = "(-~!*&";
	const char *name = yysymbol_name(sym);
	if (name[0] == '\'' && name[1] && name[2] == '\'' && strchr(ops, name[1]))
		return true;
	switch (sym) {
	case YYSYMBOL_INT:
	case YYSYMBOL_STR:
	case YYSYMBOL_IDENT:
	case YYSYMBOL_VAR:
	case YYSYMBOL_MAP:
	case YYSYMBOL_POSPARAM:
	case YYSYMBOL_SIZEOF:
	case YYSYMBOL_OFFSETOF:
	case YYSYMBOL_INCR:
	case YYSYMBOL_DECR:
	case YYSYMBOL_TYPE: /* after '(': a cast */
	case YYSYMBOL_STRUCT:
		return true;
	default:
		return false;
	}
}

/* ", expected 'a', 'b' or 'c'" from the expected tokens that neither continue nor (when
 * first is "expression") start an expression; first, if set, leads the list. */
static void list_expected(const yysymbol_kind_t *v, int n, const char *first, char *buf,
			  size_t len)
{
	const char *names[YYNTOKENS + 1];
	char tmp[YYNTOKENS][48];
	int k = 0, used = 0;
	if (first)
		names[k++] = first;
	/* Operators are noise in the list, unless nothing else may come ("if" wants '('). */
	for (int pass = 0; pass < 2 && k == (first ? 1 : 0); pass++) {
		for (int i = 0; i < n; i++) {
			if (v[i] == YYSYMBOL_YYerror || (first && starts_expr(v[i])) ||
			    (pass == 0 && continues_expr(v[i])))
				continue;
			names[k] = symbol_text(v[i], tmp[k], sizeof(tmp[k]));
			k++;
		}
	}
	buf[0] = '\0';
	if (k == 0 || k > 4)
		return;
	used = snprintf(buf, len, ", expected ");
	for (int i = 0; i < k && used < (int)len; i++)
		used += snprintf(buf + used, len - (size_t)used, "%s%s",
				 i == 0 ? "" : (i == k - 1 ? " or " : ", "), names[i]);
}

static int yyreport_syntax_error(const yypcontext_t *ctx, void *scanner, struct lex_state *st)
{
	yysymbol_kind_t exp[YYNTOKENS];
	int n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
	const struct src_loc *loc = yypcontext_location(ctx);
	bool eof = yypcontext_token(ctx) == YYSYMBOL_YYEOF;
	char found[64], list[256];
	if (n < 0)
		n = 0;
	if (st->unterminated_line && loc->first_line <= st->unterminated_line + 1) {
		/* The string swallowed the rest of its line; this error is its echo. */
		st->unterminated_line = 0;
		return 0;
	}
	if (eof)
		snprintf(found, sizeof(found), "end of input");
	else
		lex_describe(st->src + st->tok_off, st->tok_len, found, sizeof(found));
	if (eof && has_symbol(exp, n, YYTRANSLATE('}'))) {
		diag_error(st->diag, loc, "unexpected end of input, expected '}'");
	} else if (has_symbol(exp, n, YYSYMBOL_BREAK)) {
		diag_error(st->diag, loc, "unexpected %s, expected statement", found);
	} else if (has_symbol(exp, n, YYSYMBOL_LET)) {
		diag_error(st->diag, loc, "unexpected %s, expected field name", found);
	} else if (has_symbol(exp, n, YYSYMBOL_ENDPRED)) {
		diag_error(st->diag, loc, "expected '/' after predicate, found %s", found);
	} else if (has_symbol(exp, n, YYTRANSLATE(';')) && !has_symbol(exp, n, YYSYMBOL_INT)) {
		diag_error(st->diag, loc, "expected ';' after statement, found %s", found);
	} else if (has_symbol(exp, n, YYSYMBOL_ATTACH) && has_symbol(exp, n, YYTRANSLATE('{'))) {
		diag_error(st->diag, loc, "unexpected %s, expected '{' after attach point", found);
	} else if (has_symbol(exp, n, YYSYMBOL_ATTACH)) {
		diag_error(st->diag, loc, "unexpected %s, expected attach point", found);
	} else {
		list_expected(exp, n, has_symbol(exp, n, YYSYMBOL_INT) ? "expression" : NULL, list,
			      sizeof(list));
		diag_error(st->diag, loc, "unexpected %s%s", found, list);
	}
	return 0;
}

static void parse_yyerror(const PARSE_YYLTYPE *loc, void *scanner, struct lex_state *st,
			  const char *msg)
{
	/* Only reached when the parser stack is full (or on ENOMEM, reported by the caller). */
	if (!st->oom)
		diag_error(st->diag, loc, "program is nested too deeply");
}

/* Later passes recurse over the tree. A left-associative chain (a + a + ... + a) is flat on
 * the parser stack but as deep as it is long: bpftrace compiles chains of thousands of
 * terms, so the tree gets a bound of its own, which the compiler's stack is sized for
 * (cc_run runs the passes on a thread with CC_STACK_SIZE). */
struct depth_check {
	struct diag *diag;
	int depth;
	bool reported;
};

static bool depth_enter(struct ast_node *n, void *ctx)
{
	struct depth_check *dc = ctx;
	if (++dc->depth <= CC_MAX_TREE_DEPTH)
		return true;
	if (!dc->reported)
		diag_error(dc->diag, &n->loc,
			   "expression is too long: more than %d operators deep (split it with "
			   "$variables)",
			   CC_MAX_TREE_DEPTH);
	dc->reported = true;
	return false;
}

static int depth_leave(struct ast_node *n, void *ctx)
{
	((struct depth_check *)ctx)->depth--;
	return 0;
}

/* The script must be all text and attach something: a NUL byte would end it silently
 * (the rest unread), an empty one would wait for nothing (bpftrace refuses both). */
static void check_whole(struct compiler *c, const struct lex_state *st)
{
	size_t len = strlen(st->src);
	if (c->src_len > len) {
		struct src_loc at = { 1, 1, 1, 1 };
		for (size_t i = 0; i < len; i++) {
			at.first_col = st->src[i] == '\n' ? 1 : at.first_col + 1;
			at.first_line += st->src[i] == '\n';
		}
		at.last_line = at.first_line;
		at.last_col = at.first_col;
		diag_error(&c->diag, &at, "the script holds a NUL byte here: it must be text");
		return;
	}
	if (st->program->program.probes.len == 0) {
		struct src_loc end = { st->line, st->col, st->line, st->col };
		diag_error(&c->diag, &end, "the program has no probes: nothing to attach (a "
			   "probe is written like 'BEGIN { printf(\"hello\\n\"); }')");
	}
}

int parse_program(struct compiler *c)
{
	struct lex_state st = { 0 };
	void *scanner = NULL;
	int before = diag_errors(&c->diag);
	int rc;

	st.arena = &c->arena;
	st.diag = &c->diag;
	st.src = c->src ? c->src : "";
	st.line = 1;
	st.col = 1;
	if (lex_yylex_init_extra(&st, &scanner))
		return -ENOMEM;
	YY_BUFFER_STATE buf = lex_yy_scan_string(st.src, scanner);
	rc = parse_yyparse(scanner, &st);
	lex_yy_delete_buffer(buf, scanner);
	lex_yylex_destroy(scanner);
	if (st.oom)
		return -ENOMEM;
	if (!st.program) {
		struct src_loc loc = { 1, 1, 1, 1 };
		st.program = ast_new(&c->arena, AST_PROGRAM, &loc);
		if (!st.program)
			return -ENOMEM;
	}
	st.program->program.cdefs.v = st.cdefs.v;
	st.program->program.cdefs.len = st.cdefs.len;
	st.program->program.cdefs.cap = st.cdefs.cap;
	st.program->program.config.v = st.config.v;
	st.program->program.config.len = st.config.len;
	st.program->program.config.cap = st.config.cap;
	c->ast = st.program;
	struct depth_check dc = { .diag = &c->diag };
	ast_walk(st.program, depth_enter, depth_leave, &dc);
	if (!rc && diag_errors(&c->diag) == before)
		check_whole(c, &st);
	if (rc || diag_errors(&c->diag) > before)
		return -EINVAL;
	return 0;
}
