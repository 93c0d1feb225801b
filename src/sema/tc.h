/* The type checker's state, shared by typecheck.c (statements, locals, maps), tc_expr.c
 * (expressions), tc_call.c (built-in functions), printf.c and layout.c (pd layouts);
 * tc_util.c holds the helpers they share. */
#ifndef SEMA_TC_H
#define SEMA_TC_H

#include <stdarg.h>

#include "../compiler.h"
#include "../progdesc.h"
#include "sema.h"
#include "sema_int.h"

/* What sema knows about one map across all probes. */
struct tc_map {
	const char *name; /* "@x" */
	int id; /* index into pd->maps */
	struct type *value; /* storage type of the AST_MAP node: normalised value or aggregation */
	struct type *key; /* TY_TUPLE of the normalised key types (no fields for @x) */
	int nkeys;
	struct src_loc first; /* the use that fixed its kind */
	bool entries_seen; /* named by a SEMA_FN_ENTRIES function */
};

/* A constant defined in the script: #define NAME value or an enumerator. */
struct tc_const {
	const char *name;
	int64_t value;
};

/* A message already reported, with where. */
struct tc_said {
	struct src_loc loc;
	const char *msg;
};

struct checker {
	struct compiler *c;
	bool quiet; /* a pre-pass: no diagnostics, no formats; maps get defined */
	bool grew; /* a map was defined during this pass */
	VEC(struct tc_map *) maps;
	/* maps by name: open addressing, a power of two of slots, at most half used (a script
	 * of thousands of maps would otherwise cost a name comparison per map per use) */
	struct tc_map **map_slots;
	uint32_t map_nslots;
	VEC(const char *) poisoned; /* maps whose defining use was bad: reads stay quiet */
	/* Probes cloned from one wildcard share their source: each message is said once. */
	VEC(struct tc_said) said;
	bool muted; /* the last error was a repeat: its notes are too */
	struct ast_node *probe; /* being checked */
	struct sema_probe *sp;
	const struct pd_probe *pp;
	int loops; /* enclosing while/for/unroll bodies */
	bool nomem; /* an allocation failed: sema_typecheck returns -ENOMEM */
	VEC(struct type *) records; /* structs and unions defined in the preamble */
	VEC(struct tc_const) consts; /* constants defined in the preamble */
	int includes; /* #include files read, nested or not: a cycle ends at a bound */
};

/* tc_builtin.c: types a builtin variable (or an identifier naming a constant). */
struct type *tc_builtin(struct checker *ck, struct ast_node *n);
/* tc_expr.c: turns n into the integer literal v in place. */
struct type *tc_make_literal(struct checker *ck, struct ast_node *n, int64_t v);

/* share.c: marks the probes whose program is emitted once for their group. */
int sema_share_programs(struct compiler *c);
/* sysdispatch.c: whether the syscall tracepoints of group leader (a written probe) are
 * many enough to run from raw_syscalls; marks points leader and i of such a group, *host
 * the group's (0 at first). */
bool sema_sys_dispatchable(struct compiler *c, int leader);
/* Whether group leader's points are sys_enter_* (else sys_exit_*). */
bool sema_sys_dispatch_enter(const struct pd_prog *pd, int leader);
void sema_sys_dispatch(struct pd_prog *pd, int leader, int i, int *host);
/* merge.c: gives the probes at one point one program (pd_probe.host); 0 or -ENOMEM. */
int sema_merge_points(struct compiler *c);

/* tc_util.c */
bool tc_same_loc(const struct src_loc *a, const struct src_loc *b);
/* Diagnostics that stay silent during a quiet pass. */
void tc_error(struct checker *ck, const struct src_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Whether a note now would be shown: not in a quiet pass, after a repeated error, or past
 * the diagnostics shown; a "did you mean" search is spared otherwise. */
bool tc_noting(const struct checker *ck);
void tc_note(struct checker *ck, const struct src_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* ty_name into a small rotating buffer, for messages. */
const char *tc_tyname(const struct type *t);
/* The type of a value read from memory at `from`: t, or t as a user pointer when t is a
 * pointer read from user memory. */
struct type *tc_read_type(struct checker *ck, struct type *t, const struct ast_node *from);
/* Marks n bad (TY_ERROR) and returns its type. */
struct type *tc_fail(struct ast_node *n);
/* Sets n's type to t and returns it; a NULL t (allocation failure) sets ck->nomem and
 * marks n bad. */
struct type *tc_set(struct checker *ck, struct ast_node *n, struct type *t);

/* typecheck.c */
struct tc_map *tc_find_map(struct checker *ck, const char *name);
/* Checks the keys of map node n against its map (defining it with value type `value` when
 * value is non-NULL and the map is new). Sets n->map.map_id and n->ty. Returns the map or
 * NULL (after a diagnostic when not quiet). */
struct tc_map *tc_use_map(struct checker *ck, struct ast_node *n, struct type *value,
			  bool define);
/* A whole-map reference (print(@m), clear(@m), for (... : @m)): the map must exist. */
struct tc_map *tc_map_ref(struct checker *ck, struct ast_node *n);
/* Resolves a read of local n; NULL (+diagnostic) when it is not assigned yet. */
struct sema_var *tc_lookup_var(struct checker *ck, struct ast_node *n);
/* Storage normalisation of a value stored in a map or local; NULL (+diagnostic) if it
 * cannot be stored. */
struct type *tc_storage(struct checker *ck, struct type *t, const struct src_loc *loc,
			const char *what);

/* tc_expr.c: types n and its children; returns n->ty (never NULL). */
struct type *tc_expr(struct checker *ck, struct ast_node *n);
/* True for int and pointer values usable as conditions; reports otherwise. */
bool tc_check_cond(struct checker *ck, struct ast_node *n);
/* The type an AST_TYPENAME names, or NULL after a diagnostic. */
struct type *tc_typename(struct checker *ck, struct ast_node *n);
/* Evaluates an integer literal (with optional unary minus); false if not one. */
bool tc_const_int(const struct ast_node *n, int64_t *out);

/* tc_call.c: types a call; agg says it is the right side of a map assignment. */
struct type *tc_call(struct checker *ck, struct ast_node *n, bool agg);
bool tc_is_aggregation_call(const struct ast_node *n);
/* Argument checks of calls, with diagnostics naming the function: types every argument
 * from `from` on; argument i must be an integer; argument i must be a string literal. */
bool tc_type_args(struct checker *ck, struct ast_node *n, int from);
bool tc_want_int(struct checker *ck, struct ast_node *n, int i, const char *what);
bool tc_want_literal(struct checker *ck, struct ast_node *n, int i, const char *what);

/* tc_fns.c: type rules of the functions whose work is mostly new code (fn_table rows). */
struct type *tc_check_int_void(struct checker *ck, struct ast_node *n);
struct type *tc_check_join(struct checker *ck, struct ast_node *n);
struct type *tc_check_strncmp(struct checker *ck, struct ast_node *n);
struct type *tc_check_strcontains(struct checker *ck, struct ast_node *n);
struct type *tc_check_bswap(struct checker *ck, struct ast_node *n);
struct type *tc_check_signal(struct checker *ck, struct ast_node *n);
struct type *tc_check_path(struct checker *ck, struct ast_node *n);
struct type *tc_check_pton(struct checker *ck, struct ast_node *n);
struct type *tc_check_strerror(struct checker *ck, struct ast_node *n);
struct type *tc_check_macaddr(struct checker *ck, struct ast_node *n);
struct type *tc_check_ntop(struct checker *ck, struct ast_node *n);
struct type *tc_check_cgroup_path(struct checker *ck, struct ast_node *n);
struct type *tc_check_cgroupid(struct checker *ck, struct ast_node *n);
struct type *tc_check_nsecs(struct checker *ck, struct ast_node *n);
struct type *tc_check_debugf(struct checker *ck, struct ast_node *n);

/* tc_reg.c: reg("name"), and kptr()/uptr(). */
struct type *tc_check_reg(struct checker *ck, struct ast_node *n);
struct type *tc_check_addr_space(struct checker *ck, struct ast_node *n);

/* tc_percpu.c: percpu_kaddr("name" [, cpu]). */
struct type *tc_check_percpu_kaddr(struct checker *ck, struct ast_node *n);

/* tc_buf.c: buf(p [, n]). */
struct type *tc_check_buf(struct checker *ck, struct ast_node *n);
/* tc_stack.c: kstack/ustack as builtins and as calls (mode, depth). */
struct type *tc_stack_builtin(struct checker *ck, struct ast_node *n);
struct type *tc_stack_call(struct checker *ck, struct ast_node *n);
/* tc_sym.c: ksym/usym values; kaddr/uaddr folded into literals. */
struct type *tc_sym_value(struct checker *ck, struct ast_node *n);
struct type *tc_kaddr(struct checker *ck, struct ast_node *n);
struct type *tc_uaddr(struct checker *ck, struct ast_node *n);

/* printf.c: checks printf's format against its arguments (already typed). */
bool tc_check_printf(struct checker *ck, struct ast_node *call);

/* cdef.c: the preamble's C definitions (program.cdefs) into ck->records and ck->consts,
 * with diagnostics. Returns 0 or -ENOMEM. */
int tc_cdefs(struct checker *ck);
/* One definition (a struct, union or enum, a #define or an #include line) at loc; from
 * names the header it comes from (its diagnostics are then all placed at loc), NULL for
 * the script itself. */
void tc_cdef(struct checker *ck, const char *text, const struct src_loc *loc, const char *from);
/* cinclude.c: #include "file" reads the definitions of a file next to the script (then in
 * the system directories); #include <file> must exist there and is not read: types come
 * from BTF, constants from stdlib/. text starts after "include". */
void tc_include(struct checker *ck, const char *text, const struct src_loc *loc);
/* A record the script defines ("struct x"), or NULL. */
struct type *tc_script_record(struct checker *ck, const char *name);
/* A constant the script defines; false when there is none. */
bool tc_script_const(struct checker *ck, const char *name, int64_t *out);

/* layout.c */
/* Converts a type to its pd layout (strings copied into pd->arena). Returns 0 or -ENOMEM. */
int tc_pd_type(struct checker *ck, const struct type *t, struct pd_type *out);
/* Adds a format for call; its args are the given types widened for an event payload. Sets
 * call.id (-1 during a quiet pass) and call.payload; sets ck->nomem on allocation failure. */
void tc_add_fmt(struct checker *ck, struct ast_node *call, enum pd_fmt_kind kind,
		const char *fmt, struct type **args, int nargs);
/* Fills pd->maps from ck->maps once every probe is checked. */
int tc_layout_maps(struct checker *ck);

#endif
