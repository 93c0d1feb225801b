/* Internals shared by the runtime's files: struct rt_trace (everything with a kernel
 * lifetime), and the load/attach/maps/loop/child steps rt_run() strings together. */
#ifndef RT_INTERNAL_H
#define RT_INTERNAL_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "progdesc.h"
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
	bool *map_full; /* per pd map: it held max_entries entries when last printed */
	int *stack_fds; /* per pd stack map */
	int events_fd, lost_fd, globals_fd;
	struct ring_buffer *rb;
	int ctl_fd; /* pd_ctl (PD_CTLBUF_SYM), -1 when the program has no control events */
	struct ring_buffer *ctl_rb;
	size_t read_bytes; /* record bytes read since the last nap (rt_poll) */
	/* with ctl_rb: each ring's consumer and producer positions, and the pd_ctl records
	 * read but not yet handled (rings.c) */
	struct rt_ring_pos {
		const volatile unsigned long *cons, *prod;
	} events_pos, ctl_pos;
	struct strbuf ctlq;
	size_t ctlq_head;
	unsigned long long nap_after; /* rt_clock_ns() before which the reader does not nap */
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
	bool hold_child; /* -c: hold the child at its exit (ptrace) until the maps print */
	bool child_traced; /* it is (PTRACE_SEIZE worked) */
	bool child_held; /* it is stopped at its exit */
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

/* ksyms.c: kernel symbols from /proc/kallsyms, read on first use. The name of the symbol
 * covering addr (and addr's offset into it), or NULL. */
const char *rt_ksym_lookup(uint64_t addr, uint64_t *off);
/* ksym(): the name, else the address as bpftrace prints it ("0x..", "0" for null). */
int rt_ksym_str(struct strbuf *sb, uint64_t addr);
int rt_hex_addr(struct strbuf *sb, uint64_t addr);
void rt_ksyms_free(void);

/* ufiles.c: user ELF files, each opened once (libdwfl), found by inode or build id. */
struct rt_ufile;
/* The file at path; NULL when it cannot be read (remembered too). */
struct rt_ufile *rt_ufile_get(const char *path);
/* The symbol holding a file offset and the offset into it, or NULL. The name lives as
 * long as the file. */
const char *rt_ufile_symbol(struct rt_ufile *f, uint64_t file_off, uint64_t *off);
void rt_ufiles_free(void);

/* usyms.c: user symbols of a live process: its mappings, read once. */
struct rt_usym {
	const char *name; /* demangled when C++; valid until the next lookup */
	uint64_t off; /* addr - symbol start */
	const char *module; /* the mapped file's path, NULL if unknown */
	char *demangled; /* owned: the caller frees it */
	char bare[256]; /* the name without a symbol version, when it had one */
};
/* Names addr in pid's address space. Returns 0, or -ENOENT (no symbol, or the process is
 * gone); out->module may be set even then. */
int rt_usym_lookup(int pid, uint64_t addr, struct rt_usym *out);
/* usym(): the name, else the address as bpftrace prints it. */
int rt_usym_str(struct strbuf *sb, uint64_t addr, int pid);
void rt_usyms_free(void);
/* Whether the program names user addresses (ustack, usym) at print time. */
bool rt_needs_user_symbols(const struct pd_prog *pd);

/* stacks.c: a kstack/ustack value at p: "\n" then a line per frame, indented by indent
 * spaces in bpftrace mode (8 in values and printf, 4 in map keys, as bpftrace 0.17). */
int rt_stack_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		 const uint8_t *p, int indent);

/* load.c: open the ELF, size maps, load through the verifier, fill pd_globals. */
int rt_load(struct rt_trace *t, const void *elf, size_t size);
int rt_fill_globals(struct rt_trace *t);
/* verifier.c: explain a rejected program (log tail, script line). */
void rt_report_verifier(struct rt_trace *t, int err);

/* verbose.c: -v lines on stderr after load (programs, maps) and after attach. */
void rt_verbose_loaded(struct rt_trace *t);
void rt_verbose_attached(struct rt_trace *t);
/* The split of bpf_object__load from start to end: map creation (with BTF and relocation)
 * until the kernel's load time of the first program, then program load and verification. */
void rt_verbose_load_time(struct rt_trace *t, unsigned long long start, unsigned long long end);

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
uint64_t rt_read_lost(struct rt_trace *t, enum pd_lost_slot slot);
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

/* rings.c: the pd_events and pd_ctl readers (t->rb, t->ctl_rb). rt_rings_read waits up to
 * timeout_ms (0: not at all) and handles what both hold, in the order it was written;
 * returns the pd_events records read or a negative error (RT_EV_STOP after an exit()). */
int rt_rings_open(struct rt_trace *t);
int rt_rings_read(struct rt_trace *t, int timeout_ms);
void rt_rings_close(struct rt_trace *t);
int rt_drain(struct rt_trace *t);

/* child.c: -c CMD, started stopped before attach and released after. */
int rt_child_spawn(struct rt_trace *t, char *const *argv);
int rt_child_release(struct rt_trace *t);
/* Returns true once the child (or the -p process) has exited. */
bool rt_target_gone(struct rt_trace *t);
void rt_child_kill(struct rt_trace *t);

/* load.c: the name of the program libbpf last failed to load, NULL if none */
const char *rt_failed_prog_name(void);

#endif
