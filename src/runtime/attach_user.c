/* Attaching user probes: uprobes, uretprobes and usdt probes, at a file offset the compiler
 * resolved, in the traced process (-p, -c) or every process; a usdt semaphore is counted up
 * by the kernel (ref_ctr_offset) in every process that maps the file, also later ones. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "progdesc.h"
#include "runtime/attach.h"

int rt_attach_uprobe(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
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
