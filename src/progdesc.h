/* The program description: the whole contract between the compiler and the runtime,
 * beside the BPF ELF itself. Sema fills maps, formats and probes; codegen names the ELF
 * programs; the runtime loads, attaches, decodes events and prints maps from it alone. */
#ifndef PROGDESC_H
#define PROGDESC_H

#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/loc.h"
#include "util/vec.h"

/* How a value's bytes are rendered. Layouts are C-aligned, little-endian. */
enum pd_kind {
	PD_NONE, /* no value */
	PD_INT, /* signed integer of size 1, 2, 4, 8 */
	PD_UINT, /* unsigned integer */
	PD_STR, /* char[size], printed up to the first NUL */
	PD_TUPLE, /* fields at offsets: printed "(a, b)" */
	PD_RECORD, /* struct fields at offsets: printed "{ .a = 1, .b = 2 }" */
	PD_ARRAY, /* fields[0] repeated count times: printed "[1,2,3]" */
	PD_PTR, /* 64-bit address: printed 0x... */
	PD_TIMESTAMP, /* u64 ns since boot, rendered with strftime(fmt) */
	PD_KSYM, /* u64 kernel address rendered as a symbol */
	PD_USYM, /* u64 user address, then u64 pid */
	PD_KSTACK, /* s64 stack id (negative: the errno of a failed read); stack_map, mode */
	PD_USTACK, /* s64 stack id, then u64 pid */
	PD_ENUM, /* integer of an enum type: fields name the enumerators (name, value) */
	PD_ERRNO, /* strerror(n): s64 error number, rendered as its message */
	PD_MACADDR, /* macaddr(): 6 bytes (8 with padding), "AA:BB:CC:DD:EE:FF" */
	PD_INET, /* ntop(): struct pd_inet, rendered by inet_ntop */
	PD_CGROUP_PATH, /* cgroup_path(): u64 cgroup id; fmt: the hierarchy filter */
	PD_USERNAME, /* username: u64 uid, rendered as the user's name from /etc/passwd */
	PD_BUF, /* buf(): u32 length, then size - 4 bytes */
	PD_KIND__COUNT,
};

/* How kstack/ustack are printed: bpftrace's frame per line, perf's "\taddr sym (file)",
 * or raw addresses. */
enum pd_stack_mode {
	PD_STACK_BPFTRACE,
	PD_STACK_PERF,
	PD_STACK_RAW,
};

/* Which printf conversions take a value kind. */
#define PD_CONV_INT 1 /* %d %u %x %c %p read it as an integer (its first 8 bytes) */
#define PD_CONV_TEXT 2 /* %s prints its text rendering */
#define PD_CONV_BUF 4 /* %r %rx %rh print its bytes */

#define PD_KF_NUMBER 1 /* an integer: sorted, divided and compared as a number */
#define PD_KF_SIGNED 2 /* read sign-extended */
#define PD_KF_FIELDS 4 /* a tuple or record of fields at offsets */
#define PD_KF_ELEM 8 /* an array of fields[0], count times */

/* What the compiler and the runtime both know of a value kind: one row per PD_* kind
 * (pd_kinds[], src/progdesc.c). How the runtime renders it is rt_kinds[] in
 * src/runtime/format_value.c. */
struct pd_kind_desc {
	unsigned convs; /* PD_CONV_*: the printf conversions that take it */
	unsigned flags; /* PD_KF_* */
};

extern const struct pd_kind_desc pd_kinds[PD_KIND__COUNT];

struct pd_type {
	enum pd_kind kind;
	uint32_t size;
	uint32_t offset; /* within the enclosing tuple/record/event payload */
	const char *name; /* field name inside a PD_RECORD, else NULL */
	const char *fmt; /* PD_TIMESTAMP: the strftime format */
	uint32_t count; /* PD_ARRAY: element count */
	enum pd_stack_mode stack_mode; /* PD_KSTACK, PD_USTACK */
	int stack_map; /* PD_KSTACK, PD_USTACK: index into pd_prog.stackmaps */
	int64_t value; /* an enumerator among a PD_ENUM's fields */
	uint8_t bit_off, bit_size; /* a bit field of a record: bit_size bits from bit bit_off of
				    * the size bytes at offset (little-endian); 0: not one */
	VEC(struct pd_type) fields; /* PD_TUPLE, PD_RECORD, PD_ARRAY (one element) */
};

enum pd_map_kind {
	PD_MAP_VALUE, /* BPF_MAP_TYPE_HASH, value bytes laid out as pd_map.value */
	PD_MAP_COUNT, /* PERCPU_HASH, u64 per CPU, summed */
	PD_MAP_SUM, /* PERCPU_HASH, 64-bit per CPU (value.kind PD_INT or PD_UINT), summed */
	PD_MAP_MIN, /* PERCPU_HASH, { s64 value; u64 set; } per CPU */
	PD_MAP_MAX, /* as PD_MAP_MIN */
	PD_MAP_AVG, /* PERCPU_HASH, { s64 sum; u64 count; } per CPU; prints sum/count */
	PD_MAP_STATS, /* as PD_MAP_AVG; prints count, average, total */
	PD_MAP_HIST, /* PERCPU_HASH, key = user keys + u64 bucket at bucket_off; u64 count;
		      * or, with buckets_in_value, PERCPU_ARRAY[1] of u64 counts[nbuckets] */
	PD_MAP_LHIST, /* as PD_MAP_HIST with linear buckets */
};

/* Histogram buckets (the u64 at bucket_off in the key, or the index in the value):
 *   hist:  0 = negative, 1 = zero, k >= 2 holds [2^(k-2), 2^(k-1)).
 *   lhist: 0 = below min, 1 + i holds [min + i*step, min + (i+1)*step), and
 *          1 + (max-min)/step holds max and above. */
#define PD_HIST_BUCKETS 66
/* A keyless hist/lhist of at most this many buckets keeps them in one per-CPU value. */
#define PD_VALUE_BUCKETS_MAX 512

struct pd_map {
	const char *name; /* as written: "@x", "@" */
	const char *sym; /* ELF map name (C identifier), set by sema */
	enum pd_map_kind kind;
	struct pd_type key; /* PD_TUPLE of the user keys (nfields 0 for @x) */
	struct pd_type value; /* PD_MAP_VALUE layout; signedness for sum/min/max/avg/stats */
	uint32_t key_size; /* BPF key size: at least 8 (a u64 zero stands for "no key") */
	uint32_t value_size; /* BPF value size, per CPU for per-CPU maps */
	uint32_t bucket_off; /* hist/lhist: offset of the u64 bucket index in the key */
	/* hist/lhist without keys, of at most PD_VALUE_BUCKETS_MAX buckets, that no probe
	 * deletes from or counts (delete, len: they see buckets as entries): a PERCPU_ARRAY of
	 * one entry (u32 key 0) whose value is u64 counts[nbuckets] then a u64 that only user
	 * space writes, 1 after zero() (a zeroed hist still prints, as a hash of zeroed bucket
	 * keys does). One lookup and an increment per event instead of a hash lookup. */
	bool buckets_in_value;
	int64_t lhist_min, lhist_max, lhist_step;
	uint32_t max_entries;
	bool is_scalar; /* no keys: printed "@x: v" rather than "@x[k]: v" */
};

enum pd_fmt_kind {
	PD_FMT_PRINTF, /* printf(fmt, args...): fmt is the script's format string */
	PD_FMT_TIME, /* time(fmt): user space prints local time with strftime(fmt) */
	PD_FMT_PRINT_VALUE, /* print(value): one arg */
	PD_FMT_STRFTIME, /* the format of a strftime() value; no event of its own */
	PD_FMT_JOIN, /* join(): fmt is the separator; args: one string per argument */
	PD_FMT_VALUE, /* text a value's rendering needs (cgroup_path's filter); no event */
};

struct pd_fmt {
	enum pd_fmt_kind kind;
	const char *fmt;
	struct pd_type args; /* PD_TUPLE: the event payload after the header */
};

/* Probe kinds. What each stage knows of a kind is one row of a table indexed by it:
 * src/probekind.c (names, flags, program section and context), sema's providers
 * (src/sema/providers.c: expansion, listing, argument types) and the runtime's attachers
 * (src/runtime/attach.c). */
enum pd_probe_kind {
	PD_PROBE_BEGIN, /* run once with BPF_PROG_TEST_RUN before attaching the rest */
	PD_PROBE_END, /* run once with BPF_PROG_TEST_RUN after detaching */
	PD_PROBE_TRACEPOINT, /* target = category, func = event name */
	PD_PROBE_RAWTP, /* func = raw tracepoint name */
	PD_PROBE_INTERVAL, /* perf cpu-clock on one CPU; period or freq */
	PD_PROBE_PROFILE, /* perf cpu-clock on every CPU; period or freq */
	PD_PROBE_SOFTWARE, /* perf software event on every CPU: perf_config, period */
	PD_PROBE_HARDWARE, /* perf hardware event on every CPU: perf_config, period */
	PD_PROBE_KPROBE, /* func (+ offset), target = module or NULL */
	PD_PROBE_KRETPROBE, /* func, target = module or NULL */
	PD_PROBE_FENTRY, /* func, target = module or NULL; typed args from BTF */
	PD_PROBE_FEXIT, /* as fentry, with retval */
	PD_PROBE_UPROBE, /* target = binary path, func = symbol, offset = file offset */
	PD_PROBE_URETPROBE, /* as uprobe */
	PD_PROBE_USDT, /* target = binary, func = "provider:name", offset, ref_ctr_off */
	PD_PROBE_WATCHPOINT, /* hardware breakpoint: addr, len, mode */
	PD_PROBE_ITER, /* BPF iterator: func = "task", "task_file", ... */
	PD_PROBE__COUNT,
};

/* Watchpoint modes (pd_probe.mode bits). */
#define PD_WATCH_R 1
#define PD_WATCH_W 2
#define PD_WATCH_X 4

struct pd_probe {
	enum pd_probe_kind kind;
	const char *name; /* canonical attach point, what the `probe` builtin prints */
	const char *prog_name; /* function name in the ELF; set by codegen, shared by probes
				* whose body compiles to the same program */
	const char *target; /* category, binary path, kernel module, perf event name */
	const char *func; /* event, function or symbol name */
	uint64_t offset; /* uprobe/usdt: file offset; kprobe: offset into func */
	uint64_t ref_ctr_off; /* usdt: file offset of the semaphore, 0 without one */
	uint64_t addr; /* watchpoint address */
	uint32_t len; /* watchpoint length in bytes */
	uint32_t mode; /* watchpoint: PD_WATCH_* bits */
	uint64_t perf_config; /* software/hardware: PERF_COUNT_* */
	uint64_t period; /* perf period: ns for cpu-clock (interval, profile), else a count */
	uint64_t freq_hz; /* profile:hz, interval:hz */
	struct src_loc loc; /* the attach point in the script, for attach errors */
	/* 1 + pd index of the probe whose program runs this probe's body, with the bodies of
	 * every probe at the same point in script order (PK_MERGE kinds); 0: none. Only the
	 * host (host - 1 is its own index) is attached. */
	int host;
	/* one of many syscall tracepoints of one written probe sharing a program
	 * (src/sema/sysdispatch.c): sysnr is 1 + its syscall number when known, and those
	 * run from one attachment at raw_syscalls:sys_enter or sys_exit (the first of them,
	 * their host, attaches it; the program finds the point by the number in pd_sysnr);
	 * the others (sysnr 0) attach at their own point with 1 + their pd index as cookie */
	bool sysdispatch;
	int sysnr; /* 1 + pd_sysnr's key: the number, + PD_SYSNR_MAX for sys_exit */
	bool multi; /* kprobe, uprobe: attached with the others of its program through one
		     * kprobe_multi link, or one uprobe_multi link per binary (its kind's
		     * multi_section), with its pd index as the link's cookie for that point */
};

/* Every ring buffer record starts with this header. */
struct pd_event {
	uint32_t kind; /* enum pd_event_kind */
	uint32_t index; /* fmt id or map id */
};

enum pd_event_kind {
	PD_EV_PRINTF = 1, /* index = fmt id; payload = fmt.args layout */
	PD_EV_PRINT_VALUE, /* index = fmt id (PD_FMT_PRINT_VALUE); payload = the value */
	PD_EV_TIME, /* index = fmt id (PD_FMT_TIME); no payload */
	PD_EV_PRINT_MAP, /* index = map id; payload = struct pd_ev_print_map */
	PD_EV_CLEAR, /* index = map id: user space deletes every entry */
	PD_EV_ZERO, /* index = map id: user space zeroes every value */
	PD_EV_EXIT, /* stop: run END, print maps, exit with the code in index (exit(code)) */
	PD_EV_SYSTEM, /* index = fmt id (a printf format); user space runs the command */
	PD_EV_CAT, /* index = fmt id (a printf format); user space prints the file */
	PD_EV_JOIN, /* index = fmt id (PD_FMT_JOIN); payload = PD_JOIN_MAX strings */
	PD_EV_UNWATCH, /* payload = u64 address: user space detaches its watchpoints */
	PD_EV__COUNT,
};

/* ntop()'s value (PD_INET): the address family, then 4 (IPv4) or 16 bytes, network order. */
struct pd_inet {
	uint64_t af; /* PD_AF_INET or PD_AF_INET6 */
	uint8_t addr[16];
};
#define PD_AF_INET 2 /* Linux's AF_INET */
#define PD_AF_INET6 10 /* Linux's AF_INET6 */

/* join(): at most this many arguments are read, as bpftrace. */
#define PD_JOIN_MAX 16

struct pd_ev_print_map {
	uint64_t top; /* 0: all entries */
	uint64_t div; /* 0 or 1: values as they are */
};

/* Names of the maps every program has (ELF symbols). */
#define PD_RINGBUF_SYM "pd_events" /* BPF_MAP_TYPE_RINGBUF */
#define PD_LOST_SYM "pd_lost" /* PERCPU_ARRAY[PD_LOST__COUNT] of u64 counters */
/* Programs with events other than printf also have this ring buffer: such an event goes to
 * pd_events like any other, and here only when pd_events is full, so a printf flood that
 * overflows loses printfs, never an exit(), print(), clear(), ... A record here is the
 * pd_events record followed by PD_CTL_TRAILER bytes: pd_events' producer position when it was
 * written (bpf_ringbuf_query). User space handles the pd_events records before that position
 * first, so the control event keeps its place among the records queued before and after it. */
#define PD_CTLBUF_SYM "pd_ctl" /* BPF_MAP_TYPE_RINGBUF */
#define PD_CTLBUF_SIZE (256u << 10)
#define PD_CTL_TRAILER 8

/* The slots of pd_lost. */
enum pd_lost_slot {
	PD_LOST_EVENTS, /* ring buffer records dropped */
	PD_LOST_STACKS, /* kstack/ustack reads that failed (bpf_get_stackid < 0) */
	PD_LOST_EXIT, /* exit()s neither pd_events nor pd_ctl took: user space stops on one */
	PD_LOST__COUNT,
};

/* A BPF_MAP_TYPE_STACK_TRACE map: one per kind (kernel or user) and depth a script uses,
 * as bpftrace; kstack/ustack values hold an id into it. */
struct pd_stackmap {
	const char *sym; /* ELF map name */
	bool user;
	uint32_t depth; /* frames kept: value size = 8 * depth */
	uint32_t max_entries;
};
#define PD_GLOBALS_SYM "pd_globals" /* ARRAY[1] of struct pd_globals, filled before attach */
#define PD_NAMES_SYM "pd_names" /* ARRAY of names (pd_prog.names_size), filled before attach */
/* ARRAY[2 * PD_SYSNR_MAX] u32: 1 + the pd index of the probe of each syscall number (sys_exit
 * points from PD_SYSNR_MAX on), 0: none */
#define PD_SYSNR_SYM "pd_sysnr"
#define PD_SYSNR_MAX 512

struct pd_globals {
	uint64_t cpid; /* the -c child's pid, 0 without -c */
	uint64_t start_ns; /* bpf_ktime_get_ns() clock at start, for `elapsed` */
	uint64_t ncpus; /* online CPUs when tracing starts, for `ncpus` */
};

/* What to do when a probe fails to attach (config missing_probes). */
enum pd_missing {
	PD_MISSING_ERROR, /* stop: nothing stays attached, exit 1 */
	PD_MISSING_WARN, /* a warning, then trace with the others */
	PD_MISSING_IGNORE, /* trace with the others silently */
};

struct pd_prog {
	struct arena arena; /* owns everything below, outlives the compiler's arena */
	VEC(struct pd_map) maps;
	VEC(struct pd_fmt) fmts;
	VEC(struct pd_probe) probes;
	VEC(struct pd_stackmap) stackmaps;
	uint32_t ringbuf_size; /* bytes, a power of two multiple of the page size */
	uint32_t strlen; /* BPFTRACE_MAX_STRLEN in effect */
	enum pd_missing missing_probes;
	/* > 0: a multi-link program reads `probe` or `func`; pd_names holds, at key 2 * i,
	 * probe i's name and at 2 * i + 1 its func, each in this many bytes */
	uint32_t names_size;
	/* offset of thread_info.status in task_struct (TS_COMPAT marks an ia32 system call,
	 * which raw_syscalls sees and the syscall tracepoints do not), when a probe has
	 * sysdispatch */
	int compat_status_off;
};

/* The number of buckets of a hist/lhist map (0 for other kinds or a bad lhist). */
uint32_t pd_map_buckets(const struct pd_map *m);

/* Allocates an empty program description with its own arena; NULL on ENOMEM. */
struct pd_prog *pd_new(void);
void pd_free(struct pd_prog *pd);

#endif
