/* Attaching: the runtime's probe-kind table (one attacher per kind, in attach_*.c), the
 * links it collects and detaches, and BEGIN/END run once through BPF_PROG_TEST_RUN.
 * tracefs is mounted at /sys/kernel/tracing when a probe needs it. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "progdesc.h"
#include "probekind.h"
#include "runtime/attach.h"
#include "util/diag.h"

#define TRACEFS "/sys/kernel/tracing"

static const struct rt_attacher attachers[PD_PROBE__COUNT] = {
	[PD_PROBE_BEGIN] = { NULL, NULL, rt_have_raw_tp },
	[PD_PROBE_END] = { NULL, NULL, rt_have_raw_tp },
	[PD_PROBE_TRACEPOINT] = { rt_attach_tracepoint, rt_tracepoint_missing, rt_have_tracefs },
	[PD_PROBE_RAWTP] = { rt_attach_rawtp, NULL, rt_have_raw_tp },
	[PD_PROBE_INTERVAL] = { rt_attach_clock, NULL, rt_have_sw_events },
	[PD_PROBE_PROFILE] = { rt_attach_clock, NULL, rt_have_sw_events },
	[PD_PROBE_SOFTWARE] = { rt_attach_counter, rt_counter_missing, rt_have_sw_events },
	[PD_PROBE_HARDWARE] = { rt_attach_counter, rt_counter_missing, rt_have_hw_events },
	[PD_PROBE_KPROBE] = { rt_attach_kprobe, rt_kprobe_missing, rt_have_kprobes },
	[PD_PROBE_KRETPROBE] = { rt_attach_kprobe, rt_kprobe_missing, rt_have_kprobes },
	[PD_PROBE_FENTRY] = { rt_attach_trampoline, rt_trampoline_missing, rt_have_trampolines },
	[PD_PROBE_FEXIT] = { rt_attach_trampoline, rt_trampoline_missing, rt_have_trampolines },
	[PD_PROBE_UPROBE] = { rt_attach_uprobe, rt_uprobe_missing, rt_have_uprobes,
			      rt_prepare_uprobe },
	[PD_PROBE_URETPROBE] = { rt_attach_uprobe, rt_uprobe_missing, rt_have_uprobes,
				 rt_prepare_uprobe },
	[PD_PROBE_USDT] = { rt_attach_uprobe, rt_uprobe_missing, rt_have_uprobes },
	[PD_PROBE_WATCHPOINT] = { rt_attach_watchpoint, rt_watchpoint_missing, rt_have_breakpoints },
	[PD_PROBE_ITER] = { rt_attach_iter, rt_iter_missing, rt_have_iterators },
};

static int add(struct rt_trace *t, struct bpf_link *link, int fd)
{
	if (t->natt == t->capatt) {
		int cap = t->capatt ? t->capatt * 2 : 16;
		struct rt_link *a = realloc(t->att, (size_t)cap * sizeof(*a));
		if (!a) {
			bpf_link__destroy(link);
			if (fd >= 0)
				close(fd);
			return -ENOMEM;
		}
		t->att = a;
		t->capatt = cap;
	}
	t->att[t->natt++] = (struct rt_link){ link, fd, t->attaching };
	return 0;
}

int rt_add_link(struct rt_trace *t, struct bpf_link *link)
{
	return add(t, link, -1);
}

int rt_add_link_fd(struct rt_trace *t, int fd)
{
	return add(t, NULL, fd);
}

int rt_prepare_program(const struct pd_probe *p, struct bpf_program *prog)
{
	return attachers[p->kind].prepare ? attachers[p->kind].prepare(p, prog) : 0;
}

int rt_add_link_or_errno(struct rt_trace *t, struct bpf_link *link)
{
	return link ? rt_add_link(t, link) : -errno;
}

int rt_target_pid(const struct rt_trace *t)
{
	return t->o->pid ? t->o->pid : t->child > 0 ? t->child : -1;
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

static bool needs_tracefs(const struct pd_prog *pd)
{
	for (int i = 0; i < pd->probes.len; i++)
		if (pk_has(pd->probes.v[i].kind, PK_TRACEFS))
			return true;
	return false;
}

/* One line at the probe in the script (when the script is known) naming what failed and,
 * when known, the kernel facility that is missing. */
static void rt_report_attach(struct rt_trace *t, const struct pd_probe *p, int err,
			     const char *why)
{
	struct diag *d = t->o->diag;
	bool warn = t->pd->missing_probes == PD_MISSING_WARN;
	if (d && p->loc.first_line > 0) {
		if (warn)
			diag_warn(d, &p->loc, "failed to attach %s: %s%s%s", p->name,
				  strerror(-err), why ? ": " : "", why ? why : "");
		else
			diag_error(d, &p->loc, "failed to attach %s: %s%s%s", p->name,
				   strerror(-err), why ? ": " : "", why ? why : "");
		return;
	}
	fprintf(stderr, "%s: failed to attach %s: %s%s%s\n", warn ? "warning" : "error", p->name,
		strerror(-err), why ? ": " : "", why ? why : "");
}

int rt_attach_all(struct rt_trace *t)
{
	if (needs_tracefs(t->pd)) {
		int err = ensure_tracefs();
		if (err)
			return err;
	}
	int tried = 0, failed = 0, last = 0;
	for (int i = 0; i < t->pd->probes.len; i++) {
		const struct pd_probe *p = &t->pd->probes.v[i];
		const struct rt_attacher *a = &attachers[p->kind];
		/* a probe merged into another's program (pd_probe.host) runs when that one does */
		if (!a->attach || (p->host && p->host - 1 != i))
			continue;
		tried++;
		t->attaching = i;
		int err = a->attach(t, p, t->progs[i]);
		if (!err)
			continue;
		failed++;
		last = err;
		if (t->pd->missing_probes != PD_MISSING_IGNORE)
			rt_report_attach(t, p, err, a->missing ? a->missing(p, err) : NULL);
		if (t->pd->missing_probes == PD_MISSING_ERROR)
			return err;
	}
	if (tried && failed == tried) {
		fprintf(stderr, "error: no probe could be attached\n");
		return last;
	}
	return 0;
}
bool rt_can_attach(enum pd_probe_kind k)
{
	static signed char known[PD_PROBE__COUNT]; /* 0: not asked yet, 1: yes, -1: no */
	if (!known[k])
		known[k] = attachers[k].available() ? 1 : -1;
	return known[k] > 0;
}

void rt_print_probe_types(FILE *out)
{
	for (int k = 0; k < PD_PROBE__COUNT; k++)
		fprintf(out, "  %s: %s\n", pk_desc((enum pd_probe_kind)k)->name,
			attachers[k].available() ? "yes" : "no");
}

/* Detaching a perf-event attachment (a tracepoint's, a uprobe's...) waits for the kernel
 * to retire it, an RCU grace period of 10-100 ms each, one after another: 16 programs on
 * one tracepoint took 0.6-1.8 s to detach. Up to RT_DETACH_THREADS threads detach at once,
 * so the waits overlap. */
#define RT_DETACH_THREADS 16

struct detach_work {
	struct rt_trace *t;
	int next; /* the next attachment to detach, taken atomically */
};

static void *detach_worker(void *arg)
{
	struct detach_work *w = arg;
	for (;;) {
		int i = __atomic_fetch_add(&w->next, 1, __ATOMIC_RELAXED);
		if (i >= w->t->natt)
			return NULL;
		bpf_link__destroy(w->t->att[i].link);
		if (w->t->att[i].fd >= 0)
			close(w->t->att[i].fd);
	}
}

void rt_detach_all(struct rt_trace *t)
{
	struct detach_work w = { t, 0 };
	pthread_t th[RT_DETACH_THREADS];
	int started = 0;
	for (int i = 1; i < t->natt && i < RT_DETACH_THREADS; i++) {
		if (pthread_create(&th[started], NULL, detach_worker, &w) == 0)
			started++;
	}
	detach_worker(&w);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
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
