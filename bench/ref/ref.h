/* Hand-written libbpf C references for bench/run.sh: the limit bpfscope is measured
 * against. Shared by the user-space sides: the record layout bpfscope uses for printf and
 * exit events, and a -c style child held until the probes are attached. */
#ifndef REF_H
#define REF_H

#ifdef __bpf__
#include <linux/types.h>
typedef __u32 uint32_t;
typedef __u64 uint64_t;
#else
#include <stdint.h>
#endif

/* bpfscope's event header (progdesc.h struct pd_event) and its kinds used here. */
#define REF_EV_PRINTF 1
#define REF_EV_EXIT 7

/* printf("%d %s %d\n", tid, comm, nsecs) as bpfscope lays it out: 40 bytes. */
struct ref_printf_rec {
	uint32_t kind, index;
	uint64_t tid;
	char comm[16];
	uint64_t ns;
};

/* Ring buffer size: bpfscope's default (CC_RINGBUF_DEFAULT). */
#define REF_RINGBUF_SIZE (4u << 20)

#ifndef __bpf__
#include <sys/types.h>

/* Forks argv[0] held before exec; returns its pid or -1. ref_child_go() lets it run. */
pid_t ref_child_start(char **argv);
void ref_child_go(void);
/* True once the child exited (reaped). */
int ref_child_done(pid_t pid);
/* Installs SIGINT/SIGTERM handlers setting ref_stop. */
void ref_catch_stop(void);
extern volatile int ref_stop;
#endif

#endif
