/* Attaching: tracepoints, raw tracepoints, perf software events (interval on one CPU,
 * profile on every online CPU), kprobes and uprobes; BEGIN/END run once through
 * BPF_PROG_TEST_RUN. tracefs is mounted at /sys/kernel/tracing when a probe needs it. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "progdesc.h"
#include "runtime/rt_internal.h"

#define TRACEFS "/sys/kernel/tracing"

static int add_link(struct rt_trace *t, struct bpf_link *link)
{
	if (t->natt == t->capatt) {
		int cap = t->capatt ? t->capatt * 2 : 16;
		struct rt_attachment *a = realloc(t->att, (size_t)cap * sizeof(*a));
		if (!a) {
			bpf_link__destroy(link);
			return -ENOMEM;
		}
		t->att = a;
		t->capatt = cap;
	}
	t->att[t->natt++] = (struct rt_attachment){ link, -1 };
	return 0;
}

/* libbpf reads tracepoint ids from tracefs; a fresh machine may not have it mounted. */
static int ensure_tracefs(void)
{
	struct stat st;
	if (!stat(TRACEFS "/events", &st) || !stat("/sys/kernel/debug/tracing/events", &st))
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL)) {
		int err = -errno;
		fprintf(stderr, "error: tracefs is not mounted and mounting it at %s failed: %s\n",
			TRACEFS, strerror(-err));
		return err;
	}
	return 0;
}

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

static int perf_open(struct perf_event_attr *attr, int cpu)
{
	return (int)syscall(__NR_perf_event_open, attr, -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
}

/* Opens a cpu-clock event on cpu and attaches prog to it. */
static int attach_perf(struct rt_trace *t, struct bpf_program *prog, struct perf_event_attr *a,
		       int cpu)
{
	int fd = perf_open(a, cpu);
	if (fd < 0)
		return -errno;
	struct bpf_link *link = bpf_program__attach_perf_event(prog, fd);
	if (!link) {
		int err = -errno;
		close(fd);
		return err;
	}
	/* The link owns fd from here: bpf_link__destroy() closes it. */
	return add_link(t, link);
}

static int attach_clock(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_SOFTWARE,
				     .config = PERF_COUNT_SW_CPU_CLOCK };
	if (p->kind == PD_PROBE_PROFILE && p->freq_hz) {
		a.freq = 1;
		a.sample_freq = p->freq_hz;
	} else {
		/* cpu-clock counts nanoseconds */
		a.sample_period = p->period_ns ? p->period_ns :
			p->freq_hz ? 1000000000ull / p->freq_hz : 1000000000ull;
	}
	int cpus[1024];
	int n = online_cpus(cpus, 1024);
	if (n < 0)
		return n;
	if (p->kind == PD_PROBE_INTERVAL)
		n = 1;
	for (int i = 0; i < n; i++) {
		int err = attach_perf(t, prog, &a, cpus[i]);
		if (err)
			return err;
	}
	return 0;
}

struct sw_event {
	const char *name, *alias;
	unsigned long long config;
	unsigned long long period; /* bpftrace's default count */
};

static const struct sw_event sw_events[] = {
	{ "cpu-clock", "cpu", PERF_COUNT_SW_CPU_CLOCK, 1000000 },
	{ "task-clock", NULL, PERF_COUNT_SW_TASK_CLOCK, 1000000 },
	{ "page-faults", "faults", PERF_COUNT_SW_PAGE_FAULTS, 100 },
	{ "context-switches", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES, 1000 },
	{ "cpu-migrations", NULL, PERF_COUNT_SW_CPU_MIGRATIONS, 1 },
	{ "minor-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100 },
	{ "major-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1 },
	{ "alignment-faults", NULL, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1 },
	{ "emulation-faults", NULL, PERF_COUNT_SW_EMULATION_FAULTS, 1 },
	{ "dummy", NULL, PERF_COUNT_SW_DUMMY, 1 },
	{ "bpf-output", NULL, PERF_COUNT_SW_BPF_OUTPUT, 1 },
};

/* software:NAME:COUNT: target is the event name, period_ns the count (0: default). */
static int attach_software(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	const char *name = p->target ? p->target : p->func;
	const struct sw_event *ev = NULL;
	for (size_t i = 0; name && i < sizeof(sw_events) / sizeof(sw_events[0]); i++) {
		if (!strcmp(name, sw_events[i].name) ||
		    (sw_events[i].alias && !strcmp(name, sw_events[i].alias)))
			ev = &sw_events[i];
	}
	if (!ev)
		return -ENOENT;
	struct perf_event_attr a = { .size = sizeof(a), .type = PERF_TYPE_SOFTWARE,
				     .config = ev->config,
				     .sample_period = p->period_ns ? p->period_ns : ev->period };
	int cpus[1024];
	int n = online_cpus(cpus, 1024);
	for (int i = 0; i < n; i++) {
		int err = attach_perf(t, prog, &a, cpus[i]);
		if (err)
			return err;
	}
	return n < 0 ? n : 0;
}

static int attach_link(struct rt_trace *t, struct bpf_link *link)
{
	if (!link)
		return -errno;
	return add_link(t, link);
}

static int attach_uprobe(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .func_name = p->func,
		    .retprobe = p->kind == PD_PROBE_URETPROBE);
	pid_t pid = t->o->pid ? t->o->pid : t->child > 0 ? t->child : -1;
	return attach_link(t, bpf_program__attach_uprobe_opts(prog, pid, p->target, 0, &uo));
}

/* usdt: target is the binary, func "provider:name" (or just "name", provider the same). */
static int attach_usdt(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	char provider[256];
	const char *name = p->func ? p->func : "";
	const char *colon = strchr(name, ':');
	snprintf(provider, sizeof(provider), "%.*s", colon ? (int)(colon - name) : (int)strlen(name),
		 name);
	if (colon)
		name = colon + 1;
	pid_t pid = t->o->pid ? t->o->pid : t->child > 0 ? t->child : -1;
	return attach_link(t, bpf_program__attach_usdt(prog, pid, p->target, provider, name, NULL));
}

static int attach_one(struct rt_trace *t, int i)
{
	const struct pd_probe *p = &t->pd->probes.v[i];
	struct bpf_program *prog = t->progs[i];
	switch (p->kind) {
	case PD_PROBE_BEGIN:
	case PD_PROBE_END:
		return 0;
	case PD_PROBE_TRACEPOINT:
		return attach_link(t, bpf_program__attach_tracepoint(prog, p->target, p->func));
	case PD_PROBE_RAWTP:
		return attach_link(t, bpf_program__attach_raw_tracepoint(prog, p->func));
	case PD_PROBE_INTERVAL:
	case PD_PROBE_PROFILE:
		return attach_clock(t, p, prog);
	case PD_PROBE_SOFTWARE:
		return attach_software(t, p, prog);
	case PD_PROBE_KPROBE:
	case PD_PROBE_KRETPROBE:
		return attach_link(t, bpf_program__attach_kprobe(prog, p->kind == PD_PROBE_KRETPROBE,
								 p->func));
	case PD_PROBE_UPROBE:
	case PD_PROBE_URETPROBE:
		return attach_uprobe(t, p, prog);
	case PD_PROBE_USDT:
		return attach_usdt(t, p, prog);
	}
	return -EINVAL;
}

/* What the kernel lacks, when that explains an attach failure. */
static const char *missing_feature(const struct pd_probe *p, int err)
{
	struct stat st;
	switch (p->kind) {
	case PD_PROBE_KPROBE:
	case PD_PROBE_KRETPROBE:
		if (stat("/sys/bus/event_source/devices/kprobe", &st))
			return "this kernel has no kprobe support (CONFIG_KPROBES is off)";
		break;
	case PD_PROBE_TRACEPOINT:
		if (err == -ENOENT)
			return "no such tracepoint";
		break;
	case PD_PROBE_BEGIN:
	case PD_PROBE_END:
	case PD_PROBE_RAWTP:
	case PD_PROBE_INTERVAL:
	case PD_PROBE_PROFILE:
	case PD_PROBE_SOFTWARE:
	case PD_PROBE_UPROBE:
	case PD_PROBE_URETPROBE:
	case PD_PROBE_USDT:
		break;
	}
	return NULL;
}

static bool needs_tracefs(const struct pd_prog *pd)
{
	for (int i = 0; i < pd->probes.len; i++) {
		enum pd_probe_kind k = pd->probes.v[i].kind;
		if (k == PD_PROBE_TRACEPOINT || k == PD_PROBE_KPROBE || k == PD_PROBE_KRETPROBE)
			return true;
	}
	return false;
}

int rt_attach_all(struct rt_trace *t)
{
	if (needs_tracefs(t->pd)) {
		int err = ensure_tracefs();
		if (err)
			return err;
	}
	for (int i = 0; i < t->pd->probes.len; i++) {
		int err = attach_one(t, i);
		if (!err)
			continue;
		const struct pd_probe *p = &t->pd->probes.v[i];
		const char *why = missing_feature(p, err);
		fprintf(stderr, "error: failed to attach %s: %s%s%s\n", p->name, strerror(-err),
			why ? ": " : "", why ? why : "");
		return err;
	}
	return 0;
}

void rt_detach_all(struct rt_trace *t)
{
	for (int i = t->natt - 1; i >= 0; i--) {
		bpf_link__destroy(t->att[i].link);
		if (t->att[i].perf_fd >= 0)
			close(t->att[i].perf_fd);
	}
	t->natt = 0;
}

int rt_run_once(struct rt_trace *t, int i)
{
	/* Raw tracepoint programs run with a context of up to 12 u64 arguments; give
	 * them zeros so a BEGIN that reads arg0 still runs. */
	uint64_t ctx[12] = { 0 };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = sizeof(ctx));
	int err = bpf_prog_test_run_opts(bpf_program__fd(t->progs[i]), &opts);
	if (err) {
		err = -errno;
		fprintf(stderr, "error: failed to run %s: %s\n", t->pd->probes.v[i].name,
			strerror(-err));
	}
	return err;
}
