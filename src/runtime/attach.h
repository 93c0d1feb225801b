/* The runtime's row of the probe-kind table: how each kind attaches and what the kernel
 * lacks when it cannot. attach.c holds the table; attach_perf.c, attach_kernel.c and
 * attach_user.c the attach functions. Runtime internals only. */
#ifndef RT_ATTACH_H
#define RT_ATTACH_H

#include <stdio.h>

#include "runtime/rt_internal.h"

struct pd_probe;

struct rt_attacher {
	/* Attaches prog for probe p, adding its links to t. Returns 0 or -errno. */
	int (*attach)(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog);
	/* Names the kernel facility missing when attaching failed with err, or NULL. */
	const char *(*missing)(const struct pd_probe *p, int err);
	/* Whether this kernel can attach the kind (available.c), for --info. */
	bool (*available)(void);
	/* Before load: sets what libbpf cannot tell from p's section (NULL: nothing to set).
	 * Returns 0 or -errno. */
	int (*prepare)(const struct pd_probe *p, struct bpf_program *prog);
};

/* Prints "  kind: yes|no" per probe kind. */
void rt_print_probe_types(FILE *out);

/* Takes ownership of link (destroyed on failure). Returns 0 or -ENOMEM. */
int rt_add_link(struct rt_trace *t, struct bpf_link *link);
/* Adds link, or returns -errno when it is NULL (libbpf sets errno). */
int rt_add_link_or_errno(struct rt_trace *t, struct bpf_link *link);
/* Takes ownership of the BPF link fd (closed on failure). Returns 0 or -ENOMEM. */
int rt_add_link_fd(struct rt_trace *t, int fd);
/* The process probes are restricted to: -p PID, else the -c child, else -1 (every one). */
int rt_target_pid(const struct rt_trace *t);

/* available.c: the kernel facilities each kind needs, checked for real. */
bool rt_have_tracefs(void);
bool rt_have_kprobes(void);
bool rt_have_uprobes(void);
bool rt_have_raw_tp(void);
bool rt_have_sw_events(void);
bool rt_have_hw_events(void);
bool rt_have_breakpoints(void);
bool rt_have_trampolines(void);
bool rt_have_iterators(void);

/* attach_perf.c */
int rt_attach_clock(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog);
int rt_attach_counter(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog);
const char *rt_counter_missing(const struct pd_probe *p, int err);
int rt_attach_watchpoint(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog);
const char *rt_watchpoint_missing(const struct pd_probe *p, int err);

/* attach_kernel.c */
int rt_attach_tracepoint(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog);
const char *rt_tracepoint_missing(const struct pd_probe *p, int err);
int rt_attach_rawtp(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog);
int rt_attach_kprobe(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog);
const char *rt_kprobe_missing(const struct pd_probe *p, int err);
int rt_attach_trampoline(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog);
const char *rt_trampoline_missing(const struct pd_probe *p, int err);
int rt_attach_iter(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog);
const char *rt_iter_missing(const struct pd_probe *p, int err);

/* attach_user.c */
int rt_attach_uprobe(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog);
const char *rt_uprobe_missing(const struct pd_probe *p, int err);
int rt_prepare_uprobe(const struct pd_probe *p, struct bpf_program *prog);

#endif
