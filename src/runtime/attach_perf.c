/* Attaching perf-event probes: interval (cpu-clock on one CPU), profile, software and
 * hardware events (on every online CPU) and watchpoints (a hardware breakpoint in the
 * traced process). The link owns the perf event's fd. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/hw_breakpoint.h>
#include <linux/perf_event.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "progdesc.h"
#include "runtime/attach.h"

/* Fills cpus with the online CPU numbers; returns how many, or -errno. */
static int online_cpus(int *cpus, int max)
{
	FILE *f = fopen("/sys/devices/system/cpu/online", "r");
	if (!f)
		return -errno;
	int n = 0, a, b;
	char sep;
	while (n < max && fscanf(f, "%d", &a) == 1) {
		b = a;
		if (fscanf(f, "%c", &sep) == 1 && sep == '-') {
			if (fscanf(f, "%d", &b) != 1)
				break;
			if (fscanf(f, "%c", &sep) != 1)
				sep = '\n';
		}
		for (int c = a; c <= b && n < max; c++)
			cpus[n++] = c;
		if (sep != ',')
			break;
	}
	fclose(f);
	return n > 0 ? n : -ENOENT;
}

/* Opens the event for (pid, cpu) and attaches prog to it. */
static int attach_event(struct rt_trace *t, struct bpf_program *prog, struct perf_event_attr *a,
			int pid, int cpu)
{
	int fd = (int)syscall(__NR_perf_event_open, a, pid, cpu, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0)
		return -errno;
	struct bpf_link *link = bpf_program__attach_perf_event(prog, fd);
	if (!link) {
		int err = -errno;
		close(fd);
		return err;
	}
	return rt_add_link(t, link);
}

/* One event per online CPU (interval: the first only), every process. */
static int attach_cpus(struct rt_trace *t, struct bpf_program *prog, struct perf_event_attr *a,
		       bool one)
{
	int cpus[1024];
	int n = online_cpus(cpus, 1024);
	if (n < 0)
		return n;
	for (int i = 0; i < (one ? 1 : n); i++) {
		int err = attach_event(t, prog, a, -1, cpus[i]);
		if (err)
			return err;
	}
	return 0;
}

int rt_attach_clock(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_SOFTWARE,
				     .config = PERF_COUNT_SW_CPU_CLOCK };
	if (p->kind == PD_PROBE_PROFILE && p->freq_hz) {
		a.freq = 1;
		a.sample_freq = p->freq_hz;
	} else {
		/* cpu-clock counts nanoseconds */
		a.sample_period = p->period ? p->period :
			p->freq_hz ? 1000000000ull / p->freq_hz : 1000000000ull;
	}
	return attach_cpus(t, prog, &a, p->kind == PD_PROBE_INTERVAL);
}

int rt_attach_counter(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	struct perf_event_attr a = { .size = sizeof(a), .config = p->perf_config,
				     .sample_period = p->period };
	a.type = p->kind == PD_PROBE_HARDWARE ? PERF_TYPE_HARDWARE : PERF_TYPE_SOFTWARE;
	return attach_cpus(t, prog, &a, false);
}

const char *rt_counter_missing(const struct pd_probe *p, int err)
{
	if (p->kind == PD_PROBE_HARDWARE && (err == -ENOENT || err == -EOPNOTSUPP))
		return "this machine has no hardware performance counters for it (no PMU, as "
		       "in most virtual machines)";
	return NULL;
}

int rt_attach_watchpoint(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_BREAKPOINT,
				     .sample_period = 1,
				     .bp_addr = p->addr, .bp_len = p->len };
	a.bp_type = (p->mode & PD_WATCH_R ? HW_BREAKPOINT_R : 0) |
		    (p->mode & PD_WATCH_W ? HW_BREAKPOINT_W : 0) |
		    (p->mode & PD_WATCH_X ? HW_BREAKPOINT_X : 0);
	if (p->mode & PD_WATCH_X)
		a.bp_len = sizeof(long);
	/* a kernel address is watched on every CPU, a user one in the traced process */
	if (p->addr >= 0xffff800000000000ull)
		return attach_cpus(t, prog, &a, false);
	return attach_event(t, prog, &a, rt_target_pid(t), -1);
}

const char *rt_watchpoint_missing(const struct pd_probe *p, int err)
{
	if (err == -ENOSPC)
		return "every hardware breakpoint register is in use";
	if (err == -EINVAL)
		return "the address must be aligned to the length (1, 2, 4 or 8 bytes), and a "
		       "watchpoint must be in a process (-p PID or -c CMD)";
	if (err == -ENOENT || err == -EOPNOTSUPP)
		return "this kernel has no hardware breakpoints (CONFIG_HAVE_HW_BREAKPOINT)";
	return NULL;
}
