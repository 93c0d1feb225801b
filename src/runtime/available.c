/* Whether this kernel can attach each kind of probe, checked for real (a tiny program
 * loaded, a perf event opened, a PMU looked up) rather than guessed from the version:
 * the attachers' `available` column, for --info. */
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/attach.h"

static bool exists(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0;
}

bool rt_have_tracefs(void)
{
	return exists("/sys/kernel/tracing/events") || exists("/sys/kernel/debug/tracing/events");
}

bool rt_have_kprobes(void)
{
	return exists("/sys/bus/event_source/devices/kprobe");
}

bool rt_have_uprobes(void)
{
	return exists("/sys/bus/event_source/devices/uprobe");
}

bool rt_have_raw_tp(void)
{
	return libbpf_probe_bpf_prog_type(BPF_PROG_TYPE_RAW_TRACEPOINT, NULL) == 1;
}

static bool perf_event_ok(struct perf_event_attr *a, int pid, int cpu)
{
	int fd = (int)syscall(__NR_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool rt_have_sw_events(void)
{
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_SOFTWARE,
				     .config = PERF_COUNT_SW_CPU_CLOCK, .sample_period = 1000000 };
	return perf_event_ok(&a, -1, 0);
}

bool rt_have_hw_events(void)
{
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_HARDWARE,
				     .config = PERF_COUNT_HW_CPU_CYCLES, .sample_period = 1000000 };
	return perf_event_ok(&a, -1, 0);
}

bool rt_have_breakpoints(void)
{
	static volatile long probe_me;
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_BREAKPOINT,
				     .sample_period = 1, .bp_type = HW_BREAKPOINT_W,
				     .bp_addr = (unsigned long)&probe_me, .bp_len = 8 };
	return perf_event_ok(&a, 0, -1);
}

/* The functions the tracing programs below load on. */
enum probe_fn { FN_VFS_READ, FN_ITER_TASK, FN__COUNT };

/* The BTF id of fn, all looked up in one read of the kernel's BTF: reading it takes
 * ~15 ms, which -l of everything would pay once per kind. <= 0: not found. */
static int probe_fn_id(enum probe_fn fn)
{
	static const char *const names[FN__COUNT] = { "vfs_read", "bpf_iter_task" };
	static int ids[FN__COUNT];
	static bool done;
	if (!done) {
		done = true;
		struct btf *btf = btf__load_vmlinux_btf();
		for (int i = 0; btf && i < FN__COUNT; i++)
			ids[i] = btf__find_by_name_kind(btf, names[i], BTF_KIND_FUNC);
		btf__free(btf);
	}
	return ids[fn];
}

/* Loads `r0 = 0; exit` as a tracing program of attach type `type` on BTF function `fn`. */
static bool tracing_loads(enum bpf_attach_type type, enum probe_fn fn)
{
	int id = probe_fn_id(fn);
	if (id <= 0)
		return false;
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o, .expected_attach_type = type,
		    .attach_btf_id = (__u32)id);
	int fd = bpf_prog_load(BPF_PROG_TYPE_TRACING, NULL, "GPL", insns, 2, &o);
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

bool rt_have_trampolines(void)
{
	return tracing_loads(BPF_TRACE_FENTRY, FN_VFS_READ);
}

bool rt_have_iterators(void)
{
	return tracing_loads(BPF_TRACE_ITER, FN_ITER_TASK);
}
