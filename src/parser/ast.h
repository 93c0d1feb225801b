/* The AST: one struct ast_node with a kind and a union per kind. The parser builds it,
 * sema annotates it in place (types, resolved ids), codegen lowers it. */
#ifndef AST_H
#define AST_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../util/loc.h"
#include "../util/vec.h"

struct arena;
struct type;
struct sema_var;
struct sema_probe;

enum ast_kind {
	/* top level */
	AST_PROGRAM, /* probes; config and macros ignored by later stages */
	AST_PROBE, /* attach points, optional /predicate/, body block */
	AST_ATTACH, /* one attach point: provider:target:func, raw text kept */
	/* statements */
	AST_BLOCK, /* { stmt; stmt; } */
	AST_EXPR_STMT, /* expr; (calls, ++/--) */
	AST_ASSIGN, /* lhs = rhs, lhs op= rhs; lhs is AST_VAR or AST_MAP */
	AST_LET, /* let $x [: type] [= init]; a declaration statement (no AST_ASSIGN) */
	AST_IF, /* if (cond) then [else otherwise] */
	AST_WHILE, /* while (cond) body */
	AST_UNROLL, /* unroll(count) body */
	AST_FOR_RANGE, /* for ($i : lo..hi) body */
	AST_FOR_MAP, /* for ($kv : @map) body */
	AST_BREAK, /* break; */
	AST_CONTINUE, /* continue; */
	AST_RETURN, /* return; */
	/* expressions */
	AST_INT, /* integer literal */
	AST_STR, /* "string" literal, escapes decoded */
	AST_BUILTIN, /* pid, comm, nsecs, args, arg0, retval, curtask, ... by name */
	AST_POSPARAM, /* $1..$N (index >= 1) or $# (index 0) */
	AST_VAR, /* $name */
	AST_MAP, /* @name or @name[k] or @name[k1, k2] (keys kept as a list) */
	AST_CALL, /* name(args) */
	AST_BINOP, /* a op b */
	AST_UNOP, /* op a: - ~ ! * & */
	AST_INCDEC, /* ++x x++ --x x-- on AST_VAR or AST_MAP */
	AST_TERNARY, /* c ? a : b */
	AST_CAST, /* (type) expr */
	AST_FIELD, /* expr.name or expr->name */
	AST_INDEX, /* expr[index] */
	AST_TUPLE, /* (a, b, ...) with two or more elements */
	AST_TUPLE_GET, /* expr.N on a tuple */
	AST_SIZEOF, /* sizeof(type or expr), or offsetof(type or expr, member) */
	AST_TYPENAME, /* a type written in a cast, let, sizeof: int64, struct task_struct *, ... */
};

enum ast_op {
	OP_NONE,
	OP_ADD, /* + */
	OP_SUB, /* - */
	OP_MUL, /* * */
	OP_DIV, /* / */
	OP_MOD, /* % */
	OP_BAND, /* & */
	OP_BOR, /* | */
	OP_BXOR, /* ^ */
	OP_SHL, /* << */
	OP_SHR, /* >> */
	OP_LAND, /* && */
	OP_LOR, /* || */
	OP_EQ, /* == */
	OP_NE, /* != */
	OP_LT, /* < */
	OP_LE, /* <= */
	OP_GT, /* > */
	OP_GE, /* >= */
	OP_NEG, /* unary - */
	OP_BNOT, /* unary ~ */
	OP_LNOT, /* unary ! */
	OP_DEREF, /* unary * */
	OP_ADDR, /* unary & */
};

typedef VEC(struct ast_node *) ast_list;

/* A C definition in the preamble, kept as text for sema to parse: "struct x { ... };",
 * "union ...", "enum ...", or one "#define NAME value" line. */
struct ast_cdef {
	const char *text;
	struct src_loc loc; /* where text starts */
};

/* One `config = { key = value }` item: value is an AST_INT, or an AST_STR (a string, or an
 * identifier's name: `missing_probes = warn`). */
struct ast_config {
	const char *key;
	struct ast_node *value;
	struct src_loc loc;
};

struct ast_node {
	enum ast_kind kind;
	struct src_loc loc;
	struct type *ty; /* set by sema for expressions; NULL before */
	union {
		struct {
			ast_list probes; /* AST_PROBE */
			VEC(struct ast_cdef) cdefs; /* preamble C definitions, in order */
			VEC(struct ast_config) config; /* config = { ... } items, in order */
		} program;
		struct {
			ast_list attach; /* AST_ATTACH, as written (sema may expand wildcards) */
			struct ast_node *pred; /* NULL without /pred/ */
			struct ast_node *body; /* AST_BLOCK */
			struct sema_probe *sp; /* set by sema: resolved attach points */
		} probe;
		struct {
			const char *text; /* whole attach point as written, "tracepoint:syscalls:x" */
			const char *provider; /* as written, "t", "tracepoint", "BEGIN", "interval" */
			const char *target; /* second part or NULL ("syscalls", "s", binary path) */
			const char *func; /* third part or NULL ("sys_enter_openat", "1") */
			const char *extra; /* fourth part or NULL (uprobe offsets, usdt ns:probe) */
		} attach;
		struct {
			ast_list stmts;
		} block;
		struct {
			struct ast_node *expr;
		} expr_stmt;
		struct {
			struct ast_node *lhs; /* AST_VAR or AST_MAP */
			enum ast_op op; /* OP_NONE for '=', else the compound operator */
			struct ast_node *rhs;
		} assign;
		struct {
			struct ast_node *var; /* AST_VAR */
			struct ast_node *type; /* AST_TYPENAME or NULL */
			struct ast_node *init; /* NULL without '=' */
		} let;
		struct {
			struct ast_node *cond;
			struct ast_node *then; /* AST_BLOCK */
			struct ast_node *otherwise; /* AST_BLOCK, AST_IF (else if) or NULL */
		} if_;
		struct {
			struct ast_node *cond; /* NULL for unroll */
			struct ast_node *count; /* unroll(count): AST_INT */
			struct ast_node *body; /* AST_BLOCK */
		} loop; /* AST_WHILE, AST_UNROLL */
		struct {
			struct ast_node *var; /* AST_VAR */
			struct ast_node *lo, *hi; /* AST_FOR_RANGE: lo..hi, hi excluded */
			struct ast_node *map; /* AST_FOR_MAP: AST_MAP without keys */
			struct ast_node *body; /* AST_BLOCK */
		} for_;
		struct {
			uint64_t value; /* magnitude as written; negation is a separate OP_NEG */
			bool is_unsigned; /* written with a 'u' suffix or too big for int64 */
		} int_;
		struct {
			const char *s; /* decoded bytes; may contain NUL */
			int len; /* without a terminator */
		} str;
		struct {
			const char *name; /* "pid", "comm", "arg0", "args", "curtask", ... */
			int id; /* set by sema: enum sema_builtin */
		} builtin;
		struct {
			int index; /* 1.. for $1.., 0 for $# */
		} posparam;
		struct {
			const char *name; /* without the '$' */
			struct sema_var *var; /* set by sema: the local it names */
		} var;
		struct {
			const char *name; /* with the '@': "@x", "@" for the anonymous map */
			ast_list keys; /* empty for @x; one entry per comma key */
			int map_id; /* set by sema: index into pd_prog.maps; -1 before */
			struct type *key_ty; /* set by sema: the map's key tuple, as pd_map.key */
		} map;
		struct {
			const char *name;
			ast_list args;
			int fn; /* set by sema: enum sema_fn */
			int id; /* set by sema: printf/time/print format id, -1 if none;
				 * reg(): the register's offset in struct pt_regs;
				 * nsecs(clock): the BPF helper reading that clock */
			struct type *payload; /* set by sema: the event payload tuple, as pd_fmt.args */
		} call;
		struct {
			enum ast_op op;
			struct ast_node *lhs, *rhs;
		} binop;
		struct {
			enum ast_op op;
			struct ast_node *expr;
		} unop;
		struct {
			bool inc; /* ++ vs -- */
			bool post; /* x++ vs ++x */
			struct ast_node *target; /* AST_VAR or AST_MAP */
		} incdec;
		struct {
			struct ast_node *cond, *then, *otherwise;
		} ternary;
		struct {
			struct ast_node *type; /* AST_TYPENAME */
			struct ast_node *expr;
		} cast;
		struct {
			struct ast_node *expr;
			const char *name;
			bool arrow; /* -> instead of . */
		} field;
		struct {
			struct ast_node *expr, *index;
		} index;
		struct {
			ast_list elems;
		} tuple;
		struct {
			struct ast_node *expr;
			int index;
		} tuple_get;
		struct {
			struct ast_node *arg; /* AST_TYPENAME or an expression */
			const char *member; /* offsetof(arg, a.b): "a.b"; NULL for sizeof */
		} sizeof_;
		struct {
			const char *name; /* "int64", "uint8", "struct task_struct", "string" */
			int ptr_depth; /* number of '*' after the name */
			int array_len; /* type[N], 0 if not an array */
		} typename_;
	};
};

/* Constructors: each returns a node owned by the arena, or NULL when out of memory. */
struct ast_node *ast_new(struct arena *a, enum ast_kind kind, const struct src_loc *loc);

/* Walks n depth first: pre() before the children (return false to skip them), post() after.
 * Either callback may be NULL. Returns the first non-zero value post() returns, else 0. */
typedef bool (*ast_pre_fn)(struct ast_node *n, void *ctx);
typedef int (*ast_post_fn)(struct ast_node *n, void *ctx);
int ast_walk(struct ast_node *n, ast_pre_fn pre, ast_post_fn post, void *ctx);

/* Deep copy of n (types and sema annotations are not copied); NULL on ENOMEM. */
struct ast_node *ast_clone(struct arena *a, const struct ast_node *n);

/* Prints n as an indented tree, with types when sema has run; used by -d ast. */
void ast_dump(FILE *f, const struct ast_node *n);
/* Prints n back as source text in canonical form; parse(print(x)) == x. */
void ast_print_source(FILE *f, const struct ast_node *n);

const char *ast_kind_name(enum ast_kind kind);
const char *ast_op_str(enum ast_op op); /* "+", "==", ... */

#endif
