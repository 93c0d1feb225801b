/* The runtime: open the BPF ELF from memory with libbpf, size maps, load (verifier
 * errors mapped to script lines), attach, drain the ring buffer, print maps at exit. */
#ifndef RUNTIME_H
#define RUNTIME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "progdesc.h"

struct pd_prog;
struct diag;

enum rt_buffering {
	RT_BUF_DEFAULT, /* line when out is a tty, full otherwise; flushed per event batch */
	RT_BUF_NONE,
	RT_BUF_LINE,
	RT_BUF_FULL,
};

struct rt_opts {
	bool json; /* -f json */
	FILE *out; /* -o FILE; NULL = stdout */
	bool quiet; /* -q: no "Attaching N probes..." */
	int verbose; /* -v: libbpf logs and full verifier log */
	enum rt_buffering buffering; /* -B */
	bool dry_run; /* --dry-run: load through the verifier, then stop */
	const char *emit_elf; /* --emit-elf FILE: write the object (no load) */
	char *const *child_argv; /* -c CMD split into argv, NULL if none */
	pid_t pid; /* -p PID, 0 if none */
	struct diag *diag; /* for mapping verifier errors to script lines; may be NULL */
	int cat_bytes_max; /* cat() prints at most this much of a file (0: 10240, bpftrace's) */
};

/* What loading and attaching BPF programs needs; messages start with it when it is missing. */
#define RT_PRIV_NEEDED                                                                             \
	"bpfscope needs root, or the capabilities CAP_BPF and CAP_PERFMON (and CAP_SYS_ADMIN on " \
	"older kernels)"

/* Whether this process holds what tracing needs: CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON
 * (effective). A cheap check before compiling; the kernel has the last word. */
bool rt_can_trace(void);

/* Loads, attaches, runs until exit()/signal/child exit, runs END, prints maps.
 * Returns 0 on a normal end, the code given to exit(code) (1 to 255), or a negative errno
 * after printing one clear message. */
int rt_run(const struct pd_prog *pd, const void *elf, size_t elf_size, const struct rt_opts *o);

/* --info: the kernel's helpers, features, map types and which probe types attach here,
 * each checked by asking the kernel. */
void rt_print_info(FILE *out);
/* Whether this kernel can attach probes of kind k (asked of the kernel once per kind). */
bool rt_can_attach(enum pd_probe_kind k);
/* -v timing: the CLOCK_BOOTTIME now in ns (the clock of the kernel's program load times),
 * and a "Time for PHASE: N ms" line on stderr for a phase that began at start_ns. */
unsigned long long rt_clock_ns(void);
void rt_verbose_time(const char *phase, unsigned long long start_ns);
/* libbpf's version: major << 16 | minor. */
unsigned rt_libbpf_version(void);

#endif
