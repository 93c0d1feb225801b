/* The compiler driver: struct compiler (arena, diagnostics, options) and the pass table
 * that runs lexer/parser, sema and codegen in order, stopping between passes on errors. */
#ifndef COMPILER_H
#define COMPILER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "util/arena.h"
#include "util/diag.h"

struct ast_node;
struct pd_prog;

enum cc_debug {
	CC_DEBUG_AST = 1 << 0, /* -d ast: AST after each pass */
	CC_DEBUG_IR = 1 << 1, /* -d ir: LLVM IR after optimisation */
	CC_DEBUG_ASM = 1 << 2, /* -d asm: BPF instructions */
};

/* The event ring buffer is shared by all CPUs; big enough to absorb bursts of printf. */
#define CC_RINGBUF_DEFAULT (4u << 20)
/* The passes recurse over the tree: its depth is bounded (a + a + ... chains count), and
 * they run on a thread whose stack holds that depth (address space only: pages are
 * touched as deep trees need them). */
#define CC_MAX_TREE_DEPTH 100000
#define CC_STACK_SIZE ((size_t)1 << 30)

struct cc_opts {
	const char **params; /* positional parameters $1..$N */
	int nparams;
	unsigned debug; /* enum cc_debug bits */
	FILE *debug_out; /* where -d output goes; NULL = stderr */
	int strlen; /* BPFTRACE_MAX_STRLEN, default 64 */
	int map_keys_max; /* BPFTRACE_MAP_KEYS_MAX, default 4096 */
	int max_probes; /* BPFTRACE_MAX_PROBES; 0 = 512 (BEGIN and END not counted) */
	unsigned ringbuf_size; /* event ring buffer bytes (power of two); 0 = CC_RINGBUF_DEFAULT */
	bool unsafe; /* --unsafe */
	bool has_cpid; /* -c given: cpid is meaningful */
	int pid; /* -p PID: uprobes and usdt resolve in that process; 0 if none */
};

struct compiler {
	struct arena arena; /* AST, types, strings: freed after load */
	struct diag diag;
	struct cc_opts opts;
	const char *file; /* "stdin" for -e */
	const char *src; /* script text */
	size_t src_len; /* bytes read when known: more than strlen(src) means a NUL byte */
	struct ast_node *ast; /* AST_PROGRAM after parsing */
	struct pd_prog *pd; /* program description, outlives the arena */
	void *elf; /* malloc'd BPF object from codegen */
	size_t elf_size;
};

/* Sets up c for one script; file NULL means "stdin". diag_out NULL means stderr. */
int cc_init(struct compiler *c, const char *file, const char *src, const struct cc_opts *opts,
	    FILE *diag_out);
/* Runs the passes up to and including the one named last ("parse", "resolve",
 * "typecheck", "codegen"; NULL for all). Returns 0, -EINVAL when diagnostics were
 * reported, or another negative errno. */
int cc_run(struct compiler *c, const char *last);
/* Releases the arena; the pd and elf stay valid (they are released by cc_fini). */
void cc_release_arena(struct compiler *c);
/* Releases everything. */
void cc_fini(struct compiler *c);

#endif
