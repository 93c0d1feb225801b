/* The probe-kind table: what every stage knows about a kind of probe, one row per
 * enum pd_probe_kind (names and aliases, flags, the libbpf section and the context the
 * program gets). Stage-specific rows live in sema (providers) and the runtime (attachers). */
#ifndef PROBEKIND_H
#define PROBEKIND_H

#include <stdbool.h>

#include "progdesc.h"

/* How the program's context carries the probe's arguments. */
enum pk_ctx {
	PK_CTX_NONE, /* no positional arguments (BEGIN, END, iterators) */
	PK_CTX_TP, /* the tracepoint record: args.FIELD at format offsets */
	PK_CTX_U64, /* u64 args[]: raw tracepoints, fentry/fexit (retval after the args) */
	PK_CTX_REGS, /* struct pt_regs: kprobes, uprobes, usdt */
	PK_CTX_PERF, /* struct bpf_perf_event_data: pt_regs first (perf events) */
};

enum pk_flags {
	PK_ONCE = 1 << 0, /* run once through BPF_PROG_TEST_RUN, never attached */
	PK_USER = 1 << 1, /* fires in user context: arguments point to user memory */
	PK_RETVAL = 1 << 2, /* has `retval` */
	PK_TRACEFS = 1 << 3, /* attaching needs tracefs */
	PK_LATE = 1 << 4, /* END: last in pd->probes */
	PK_FUNC = 1 << 5, /* `func` names the probed function */
	/* probes at one point run as one program calling their bodies in script order: one
	 * attach and one detach (an RCU grace period each for tracepoints) for all of them */
	PK_MERGE = 1 << 6,
};

struct pk_desc {
	const char *name; /* canonical, as `probe` prints it: "uprobe" */
	const char *aliases[3]; /* other spellings: "u"; NULL-terminated */
	unsigned flags; /* PK_* */
	enum pk_ctx ctx;
	/* libbpf section: printf format of section_args strings (target, func) */
	const char *section;
	int section_args; /* 0: as is, 1: func, 2: target and func */
	/* the section of a program attached at many points by one link (kprobe_multi,
	 * uprobe_multi), or NULL when the kind has none */
	const char *multi_section;
	/* a kernel function (looked up in BTF) that exists when the kernel has that link */
	const char *multi_kfunc;
};

/* The row of kind k (k < PD_PROBE__COUNT). */
const struct pk_desc *pk_desc(enum pd_probe_kind k);
/* The kind named `name` (canonical or alias); false when there is none. */
bool pk_find(const char *name, enum pd_probe_kind *out);
static inline bool pk_has(enum pd_probe_kind k, unsigned flag)
{
	return (pk_desc(k)->flags & flag) != 0;
}

#endif
