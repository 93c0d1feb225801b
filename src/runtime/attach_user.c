/* Attaching user probes: uprobes, uretprobes and usdt probes, at a file offset the compiler
 * resolved, in the traced process (-p, -c) or every process; a usdt semaphore is counted up
 * by the kernel (ref_ctr_offset) in every process that maps the file, also later ones. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "progdesc.h"
#include "runtime/attach.h"

/* uprobe_multi links (kernel 6.6) attach one program at many offsets of a binary, and
 * detach in one go: a perf-event uprobe waits for an RCU grace period under a global mutex
 * when it detaches (~0.1 s each, minutes for 1,000). libbpf 1.1.2 and Debian 12's
 * <linux/bpf.h> predate them, so BPF_LINK_CREATE's attributes are spelled out here. */
#define UPROBE_MULTI_ATTACH_TYPE 48 /* BPF_TRACE_UPROBE_MULTI */
#define UPROBE_MULTI_RETURN 1u /* BPF_F_UPROBE_MULTI_RETURN */

struct uprobe_multi_attr { /* union bpf_attr's link_create with its uprobe_multi member */
	uint32_t prog_fd, target_fd, attach_type, flags;
	uint64_t path, offsets, ref_ctr_offsets, cookies;
	uint32_t cnt, multi_flags, pid;
};

int rt_prepare_uprobe(const struct pd_probe *p, struct bpf_program *prog)
{
	if (!p->multi)
		return 0;
	int err = bpf_program__set_type(prog, BPF_PROG_TYPE_KPROBE);
	return err ? err : bpf_program__set_expected_attach_type(
				   prog, (enum bpf_attach_type)UPROBE_MULTI_ATTACH_TYPE);
}

static bool same_link(const struct pd_probe *a, const struct pd_probe *b)
{
	return b->multi && !strcmp(a->prog_name, b->prog_name) && !strcmp(a->target, b->target);
}

/* One uprobe_multi link for the probes of p's program in p's binary, made at the first. */
static int attach_multi(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	const struct pd_prog *pd = t->pd;
	int first = -1, n = 0;
	for (int i = 0; i < pd->probes.len; i++)
		if (same_link(p, &pd->probes.v[i])) {
			first = first < 0 ? i : first;
			n++;
		}
	if (first < 0 || &pd->probes.v[first] != p)
		return 0;
	/* offsets, then the cookies: the points' pd indexes */
	uint64_t *offsets = calloc(2 * (size_t)n, sizeof(*offsets));
	if (!offsets)
		return -ENOMEM;
	uint64_t *cookies = offsets + n;
	n = 0;
	for (int i = first; i < pd->probes.len; i++)
		if (same_link(p, &pd->probes.v[i])) {
			cookies[n] = (uint64_t)i;
			offsets[n++] = pd->probes.v[i].offset;
		}
	int pid = rt_target_pid(t);
	struct uprobe_multi_attr a = {
		.prog_fd = (uint32_t)bpf_program__fd(prog),
		.attach_type = UPROBE_MULTI_ATTACH_TYPE,
		.path = (uint64_t)(uintptr_t)p->target,
		.offsets = (uint64_t)(uintptr_t)offsets,
		.cookies = (uint64_t)(uintptr_t)cookies,
		.cnt = (uint32_t)n,
		.multi_flags = p->kind == PD_PROBE_URETPROBE ? UPROBE_MULTI_RETURN : 0,
		.pid = pid > 0 ? (uint32_t)pid : 0,
	};
	int fd = (int)syscall(__NR_bpf, BPF_LINK_CREATE, &a, sizeof(a));
	int err = fd < 0 ? -errno : rt_add_link_fd(t, fd);
	free(offsets);
	return err;
}

int rt_attach_uprobe(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	if (p->multi)
		return attach_multi(t, p, prog);
	LIBBPF_OPTS(bpf_uprobe_opts, uo, .retprobe = p->kind == PD_PROBE_URETPROBE,
		    .ref_ctr_offset = p->ref_ctr_off);
	return rt_add_link_or_errno(t, bpf_program__attach_uprobe_opts(prog, rt_target_pid(t),
								       p->target, p->offset,
								       &uo));
}

const char *rt_uprobe_missing(const struct pd_probe *p, int err)
{
	struct stat st;
	if (stat("/sys/bus/event_source/devices/uprobe", &st))
		return "this kernel has no uprobe support (CONFIG_UPROBE_EVENTS is off)";
	if (err == -ESRCH)
		return "the process has exited";
	return NULL;
}
