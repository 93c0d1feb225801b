/* Semantic analysis: probe resolution (wildcards against tracefs), typing against kernel
 * BTF and tracepoint formats, numbering of maps and formats into c->pd. */
#ifndef SEMA_H
#define SEMA_H

#include "../parser/ast.h"
#include "../progdesc.h"
#include "types.h"

struct compiler;

/* Built-in functions: sema sets call.fn; the index of sema's table (tc_call.c: name,
 * arity, type rule, flags) and codegen's (builtins_calls.c and lower_agg.c: lowering). */
enum sema_fn {
	FN_UNKNOWN,
	FN_PRINTF, /* printf(fmt, ...) */
	FN_PRINT, /* print(@m [, top [, div]]) or print(value) */
	FN_EXIT, /* exit([code]): bpfscope ends with that code after END and the maps */
	FN_TIME, /* time([fmt]) */
	FN_STRFTIME, /* strftime(fmt, ns): TY_TIMESTAMP */
	FN_STR, /* str(ptr_or_str [, len]): TY_STR */
	FN_CLEAR, /* clear(@m) */
	FN_ZERO, /* zero(@m) */
	FN_DELETE, /* delete(@m[k]) or delete(@m, k) */
	FN_HAS_KEY, /* has_key(@m, k): int */
	FN_LEN, /* len(@m): int (entry count, by iteration) */
	FN_COUNT, /* count() */
	FN_SUM, /* sum(x) */
	FN_AVG, /* avg(x) */
	FN_MIN, /* min(x) */
	FN_MAX, /* max(x) */
	FN_STATS, /* stats(x) */
	FN_HIST, /* hist(x) */
	FN_LHIST, /* lhist(x, min, max, step) */
	FN_REG, /* reg("name"): uint64 register of the pt_regs context; call.id its offset */
	FN_KPTR, /* kptr(p): p as a kernel pointer */
	FN_UPTR, /* uptr(p): p as a user pointer */
	FN_BUF, /* buf(p [, n]): TY_BUF */
	FN_PERCPU_KADDR, /* percpu_kaddr("var" [, cpu]): TY_PTR to the variable's BTF type */
	FN_SYSTEM, /* system(fmt, ...): user space runs the command (--unsafe) */
	FN_CAT, /* cat(fmt, ...): user space prints the file */
	FN_JOIN, /* join(argv [, sep]): user space prints the strings of a char** */
	FN_DEBUGF, /* debugf(fmt, ...): bpf_trace_printk into trace_pipe */
	FN_STRNCMP, /* strncmp(a, b, n): int, 0 when the first n bytes are equal */
	FN_STRCONTAINS, /* strcontains(hay, needle): int 1 when needle occurs in hay */
	FN_BSWAP, /* bswap(int): the bytes of its integer type reversed */
	FN_SIGNAL, /* signal(SIGNAME | n): bpf_send_signal (--unsafe) */
	FN_OVERRIDE, /* override(rc): bpf_override_return, kprobes only (--unsafe) */
	FN_PATH, /* path(p): bpf_d_path into a string (fentry, fexit, iter) */
	FN_UNWATCH, /* unwatch(addr): user space detaches the watchpoint on addr */
	FN_PTON, /* pton("addr"): uint8[4] or uint8[16] */
	FN_STRERROR, /* strerror(n): TY_ERRNO */
	FN_MACADDR, /* macaddr(p): TY_MACADDR */
	FN_NTOP, /* ntop([af,] addr): TY_INET */
	FN_CGROUP_PATH, /* cgroup_path(id [, filter]): TY_CGROUP_PATH */
	FN_CGROUPID, /* cgroupid("path"): folded into an integer literal */
	FN_KSTACK, /* kstack([mode][, depth]): TY_KSTACK */
	FN_USTACK, /* ustack([mode][, depth]): TY_USTACK */
	FN_KSYM, /* ksym(addr): TY_KSYM */
	FN_USYM, /* usym(addr): TY_USYM */
	FN_KADDR, /* kaddr("sym"): folded into a uint64 literal */
	FN_UADDR, /* uaddr("sym"): folded into a user pointer literal */
	FN_NSECS, /* nsecs([monotonic|boot|tai]): the clock's argument folded to its helper id */
	FN__COUNT,
};

enum sema_fn_flags {
	SEMA_FN_AGG = 1 << 0, /* an aggregation: only as `@m[...] = f(...)` */
	SEMA_FN_UNSAFE = 1 << 1, /* refused without --unsafe */
	SEMA_FN_WORDS = 1 << 2, /* takes bare words (kstack(perf), nsecs(boot)): never typed as
				 * identifiers, even after an arity error */
	SEMA_FN_ENTRIES = 1 << 3, /* sees its map's entries in the probe (delete, has_key,
				   * len): a hist it names keeps each bucket an entry */
};

/* pton(): the bytes of an IPv4 or IPv6 address in text (out may be NULL); returns their
 * count, 4 or 16, or 0 when s is neither. */
int sema_pton(const char *s, uint8_t out[16]);

/* What every stage may ask of a function: its name and flags. */
const char *sema_fn_name(enum sema_fn fn);
bool sema_fn_has(enum sema_fn fn, unsigned flag);

/* Built-in variables: sema sets builtin.id; the index of sema's table (tc_builtin.c) and
 * codegen's (builtins_vars.c). */
enum sema_builtin {
	BI_UNKNOWN,
	BI_PID, /* tgid: uint32 */
	BI_TID, /* uint32 */
	BI_UID, /* uint32 */
	BI_GID, /* uint32 */
	BI_NSECS, /* ktime ns: uint64 */
	BI_ELAPSED, /* ns since the program started: uint64 (start time in a global) */
	BI_CPU, /* uint32 */
	BI_COMM, /* string[16] */
	BI_PROBE, /* string: the probe's canonical name (a constant per program) */
	BI_CPID, /* uint32: the -c child's pid (a constant patched in at load) */
	BI_ARGS, /* TY_CTX whose elem is the args TY_RECORD (tracepoints) */
	BI_ARG, /* arg0..arg5: uint64 from the context (raw tracepoints); builtin n in name */
	BI_RETVAL, /* return probes: uint64, or the BTF return type of fexit */
	BI_CURTASK, /* TY_PTR to struct task_struct (BTF) */
	BI_FUNC, /* string: the probed function (a constant per program) */
	BI_CTX, /* TY_PTR to the program's context (struct pt_regs, struct bpf_iter__task) */
	BI_SARG, /* sarg0..: uint64 stack arguments (kprobe, uprobe); builtin n in name */
	BI_RAND, /* uint32: bpf_get_prandom_u32() */
	BI_CGROUP, /* uint64: the current task's cgroup v2 id */
	BI_NUMAID, /* uint32: the NUMA node of the current CPU */
	BI_JIFFIES, /* uint64: bpf_jiffies64() */
	BI_NCPUS, /* uint64: online CPUs when tracing started (pd_globals) */
	BI_USERNAME, /* TY_USERNAME: the uid, named at print time */
	BI_KSTACK, /* kstack: TY_KSTACK, bpftrace mode, default depth */
	BI_USTACK, /* ustack: TY_USTACK */
	BI__COUNT,
};

/* A local variable ($x); one per name per probe. */
struct sema_var {
	const char *name; /* without '$' */
	struct type *ty;
	int id; /* 0.. within its probe */
	struct src_loc decl;
};

/* What sema knows about one probe after resolution (ast_node.probe.sp). */
struct sema_probe {
	int pd_index; /* index into c->pd->probes: exactly one concrete attach point */
	struct type *args; /* the `args` record (fields at context offsets), made on first use */
	const void *prov_data; /* the provider's data for this point (usdt argument specs) */
	int retval_off; /* context offset of retval when the provider sets it (fexit), else 0 */
	int group; /* pd index of the first point expanded from the same attach list and kind */
	int share; /* 1 + pd index of the probe whose program this one reuses; 0: its own */
	bool point_specific; /* typing folded in something of this point (uaddr in a PIE):
			      * the program cannot be shared with the group */
	VEC(struct sema_var *) vars; /* every local of this probe */
};

/* Applies the script's `config = { ... }` to c->opts and c->pd. Returns 0, or -EINVAL
 * after diagnostics (unknown keys, bad values). */
int sema_apply_config(struct compiler *c);

/* Expands attach points: afterwards every AST_PROBE has exactly one concrete attach point,
 * a sema_probe, and an entry in c->pd->probes (bodies are cloned per match).
 * Returns 0, or -EINVAL after reporting diagnostics, or -ENOMEM. */
int sema_resolve(struct compiler *c);

/* Types every expression, resolves locals, builtins and calls, and numbers maps and
 * formats into c->pd. Returns 0, -EINVAL after diagnostics, or -ENOMEM. */
int sema_typecheck(struct compiler *c);

/* Whether the memory a typed expression (a field, an index, a dereference) reads is user
 * memory: the address space of the nearest pointer it goes through. */
bool sema_expr_is_user(const struct ast_node *n);

struct sema_list_opts {
	const char *glob; /* NULL: everything */
	bool verbose; /* -lv: arguments too */
	int pid; /* -p: the usdt probes of that process */
	/* kinds this machine cannot attach are not listed; NULL: list every kind */
	bool (*can_attach)(enum pd_probe_kind kind);
	FILE *out;
};

/* -l [glob]: prints every attach point matching the glob, with their arguments when
 * verbose. Returns the number printed, or a negative errno. */
int sema_list_probes(const struct sema_list_opts *o);

#endif
