/* Internals shared by the runtime's files: struct rt_trace (everything with a kernel
 * lifetime), and the load/attach/maps/loop/child steps rt_run() strings together. */
#ifndef RT_INTERNAL_H
#define RT_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "runtime/output.h"
#include "runtime/runtime.h"
#include "util/strbuf.h"

struct pd_prog;
struct pd_event;
struct arena;
struct pd_map;
struct strbuf;
struct bpf_object;
struct bpf_program;
struct bpf_link;

/* An attachment: a libbpf link, or the fd of a BPF link libbpf 1.1.2 cannot make
 * (uprobe_multi); the other is NULL / -1. */
struct rt_link {
	struct bpf_link *link;
	int fd;
	int probe; /* the pd probe it attaches (unwatch() finds its own) */
};
struct ring_buffer;
struct out_pfmt;

/* What the ring buffer callback returns at an exit() record: libbpf stops consuming and
 * ring_buffer__poll/consume return it, so records queued after exit are not printed. */
#define RT_EV_STOP (-ECANCELED)

struct rt_trace {
	const struct pd_prog *pd;
	const struct rt_opts *o;
	struct out out;
	struct strbuf batch; /* out.batch: output of one ring buffer batch */
	struct out_pfmt **pfmts; /* per pd fmt: the parsed printf format, NULL if none */
	FILE *stdout_f; /* bpftrace prints its two closing newlines here even with -o */
	struct bpf_object *obj;
	struct bpf_program **progs; /* per pd probe, NULL if the ELF lacks it */
	int *map_fds; /* per pd map */
	int events_fd, lost_fd, globals_fd;
	struct ring_buffer *rb;
	struct rt_link *att; /* every link attached, detached in reverse order */
	int natt, capatt;
	int attaching; /* the pd probe being attached */
	int ncpus; /* possible CPUs: per-CPU values come in this many slots */
	char *log_buf;
	size_t log_size;
	bool exiting; /* exit() event, signal, or the traced process ended */
	bool discarding; /* after an exit() record: later records are dropped until END */
	int exit_code; /* exit(code): what bpfscope ends with */
	int cb_err; /* an error inside the ring buffer callback */
	int write_err; /* errno of the first failed write of the output */
	pid_t child; /* -c: the child's pid, 0 if none */
	int child_go_fd; /* -c: write end of the pipe the child waits on, -1 if none */
	int child_status;
	bool child_done;
};

/* format_value.c */
int64_t rt_read_int(const uint8_t *p, uint32_t size, bool is_signed);

/* output_text.c: the value of a count/sum/min/max/plain map entry (div applied). */
int rt_scalar_value_str(struct strbuf *sb, const struct out *o, const struct pd_map *m,
			const struct out_entry *e, uint64_t div, bool json);

/* format_text.c: renderers of values user space turns into text (strerror, macaddr, ntop,
 * cgroup_path), as rt_kinds[] rows. */
int rt_errno_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		 const uint8_t *p, bool json);
int rt_macaddr_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		   const uint8_t *p, bool json);
int rt_inet_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		const uint8_t *p, bool json);
int rt_cgroup_path_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		       const uint8_t *p, bool json);
/* format_buf.c: a buf() value as print() shows it (%r). */
int rt_buf_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
	       const uint8_t *p, bool json);
/* username.c: a uid as its name in /etc/passwd (the number when it has none). */
int rt_username_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		    const uint8_t *p, bool json);

/* symbols.c: kernel and user symbol names (bpftrace prints 0x... when unknown). */
int rt_ksym_str(struct strbuf *sb, uint64_t addr);
int rt_usym_str(struct strbuf *sb, uint64_t addr, int pid);

/* load.c: open the ELF, size maps, load through the verifier, fill pd_globals. */
int rt_load(struct rt_trace *t, const void *elf, size_t size);
int rt_fill_globals(struct rt_trace *t);
/* verifier.c: explain a rejected program (log tail, script line). */
void rt_report_verifier(struct rt_trace *t, int err);

/* verbose.c: -v lines on stderr after load (programs, maps) and after attach. */
void rt_verbose_loaded(struct rt_trace *t);
void rt_verbose_attached(struct rt_trace *t);

/* attach.c */
int rt_attach_all(struct rt_trace *t);
void rt_detach_all(struct rt_trace *t);
/* Before load: what libbpf cannot tell from the program's section (its kind's row). */
int rt_prepare_program(const struct pd_probe *p, struct bpf_program *prog);
/* Runs a BEGIN/END program once with BPF_PROG_TEST_RUN. */
int rt_run_once(struct rt_trace *t, int probe_index);

/* maps.c: read, clear and zero maps; read the lost counter. */
int rt_print_map(struct rt_trace *t, int map_id, uint64_t top, uint64_t div);
int rt_clear_map(struct rt_trace *t, int map_id);
int rt_zero_map(struct rt_trace *t, int map_id);
uint64_t rt_read_lost(struct rt_trace *t);
/* Reads every entry of a map and merges per-CPU values; the entries and their bytes live
 * in a (the caller frees it). Returns the entry count or -errno. */
int rt_read_map(struct rt_trace *t, int map_id, struct out_entry **out, struct arena *a);

/* The runtime's handler of one event kind (loop.c's ev_handlers[]): the record's header and
 * payload. Returns 0, or RT_EV_STOP to stop reading. */
typedef int rt_ev_handler(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
			  size_t psize);

/* async.c: the functions user space runs (system, cat, join, unwatch). */
rt_ev_handler rt_ev_system, rt_ev_cat, rt_ev_join, rt_ev_unwatch;

/* loop.c: the ring buffer callback and the polling loop. */
int rt_handle_event(struct rt_trace *t, const void *data, size_t size);
int rt_poll(struct rt_trace *t);
int rt_drain(struct rt_trace *t);

/* child.c: -c CMD, started stopped before attach and released after. */
int rt_child_spawn(struct rt_trace *t, char *const *argv);
int rt_child_release(struct rt_trace *t);
/* Returns true once the child (or the -p process) has exited. */
bool rt_target_gone(struct rt_trace *t);
void rt_child_kill(struct rt_trace *t);

#endif
