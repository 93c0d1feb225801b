/* The probe-kind table shared by every stage (see probekind.h). Adding a kind is a row here,
 * a provider row in src/sema/providers.c and an attacher row in src/runtime/attach.c. */
#include <string.h>

#include "probekind.h"

static const struct pk_desc kinds[PD_PROBE__COUNT] = {
	[PD_PROBE_BEGIN] = { "BEGIN", { NULL }, PK_ONCE, PK_CTX_NONE, "raw_tp", 0 },
	[PD_PROBE_END] = { "END", { NULL }, PK_ONCE | PK_LATE, PK_CTX_NONE, "raw_tp", 0 },
	[PD_PROBE_TRACEPOINT] = { "tracepoint", { "t" }, PK_TRACEFS | PK_MERGE, PK_CTX_TP,
				  "tracepoint/%s/%s", 2 },
	[PD_PROBE_RAWTP] = { "rawtracepoint", { "rt" }, PK_MERGE, PK_CTX_U64,
			     "raw_tracepoint/%s", 1 },
	[PD_PROBE_INTERVAL] = { "interval", { "i" }, 0, PK_CTX_PERF, "perf_event", 0 },
	[PD_PROBE_PROFILE] = { "profile", { "p" }, 0, PK_CTX_PERF, "perf_event", 0 },
	[PD_PROBE_SOFTWARE] = { "software", { "s" }, 0, PK_CTX_PERF, "perf_event", 0 },
	[PD_PROBE_HARDWARE] = { "hardware", { "h" }, 0, PK_CTX_PERF, "perf_event", 0 },
	[PD_PROBE_KPROBE] = { "kprobe", { "k" }, PK_TRACEFS | PK_FUNC, PK_CTX_REGS, "kprobe", 0,
			      "kprobe.multi", "register_fprobe_ips" },
	[PD_PROBE_KRETPROBE] = { "kretprobe", { "kr" }, PK_TRACEFS | PK_RETVAL | PK_FUNC,
				 PK_CTX_REGS, "kretprobe", 0, "kretprobe.multi", "register_fprobe_ips" },
	[PD_PROBE_FENTRY] = { "fentry", { "f", "kfunc" }, PK_FUNC, PK_CTX_U64, "fentry/%s", 1 },
	[PD_PROBE_FEXIT] = { "fexit", { "fr", "kretfunc" }, PK_RETVAL | PK_FUNC, PK_CTX_U64,
			     "fexit/%s", 1 },
	[PD_PROBE_UPROBE] = { "uprobe", { "u" }, PK_USER | PK_FUNC, PK_CTX_REGS, "uprobe", 0,
			      "uprobe.multi", "bpf_uprobe_multi_link_attach" },
	[PD_PROBE_URETPROBE] = { "uretprobe", { "ur" }, PK_USER | PK_RETVAL | PK_FUNC,
				 PK_CTX_REGS, "uretprobe", 0, "uretprobe.multi",
				 "bpf_uprobe_multi_link_attach" },
	[PD_PROBE_USDT] = { "usdt", { "U" }, PK_USER, PK_CTX_REGS, "uprobe", 0 },
	[PD_PROBE_WATCHPOINT] = { "watchpoint", { "w" }, 0, PK_CTX_PERF, "perf_event", 0 },
	[PD_PROBE_ITER] = { "iter", { "it" }, 0, PK_CTX_NONE, "iter/%s", 1 },
};

const struct pk_desc *pk_desc(enum pd_probe_kind k)
{
	return &kinds[k];
}

bool pk_find(const char *name, enum pd_probe_kind *out)
{
	for (int k = 0; k < PD_PROBE__COUNT; k++) {
		bool hit = strcmp(name, kinds[k].name) == 0;
		for (int i = 0; !hit && i < 3 && kinds[k].aliases[i]; i++)
			hit = strcmp(name, kinds[k].aliases[i]) == 0;
		if (hit) {
			*out = (enum pd_probe_kind)k;
			return true;
		}
	}
	return false;
}
