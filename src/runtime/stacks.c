/* kstack and ustack values rendered as bpftrace 0.17 prints them: the frames are read from
 * the stack trace map the value's id points into, then named (kernel: kallsyms; user: the
 * process's mappings). A failed read (a negative id: the kernel's errno) is shown as such
 * in place of the frames, never as an empty stack. */
#include <bpf/bpf.h>
#include <stdlib.h>
#include <string.h>

#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/strbuf.h"

static const char *failure(int err)
{
	switch (err) {
	case EEXIST:
		return "its stack map bucket holds another stack (hash collision)";
	case EFAULT:
		return "no stack in this context";
	case ENOENT:
		return "no longer in the stack map";
	default:
		return strerror(err);
	}
}

static int frame_bpftrace(struct strbuf *sb, uint64_t ip, bool user, int pid)
{
	if (user) {
		struct rt_usym s = { 0 };
		int err = rt_usym_lookup(pid, ip, &s) ? rt_hex_addr(sb, ip) :
			  sb_printf(sb, "%s+%llu", s.name, (unsigned long long)s.off);
		free(s.demangled);
		return err;
	}
	uint64_t off;
	const char *name = rt_ksym_lookup(ip, &off);
	return name ? sb_printf(sb, "%s+%llu", name, (unsigned long long)off) :
		      rt_hex_addr(sb, ip);
}

/* "\t<hex> sym+off (file)" for user frames, "\t<hex> sym+off" for kernel ones. */
static int frame_perf(struct strbuf *sb, uint64_t ip, bool user, int pid)
{
	int err = sb_printf(sb, "\t%llx ", (unsigned long long)ip);
	if (!user)
		return err | frame_bpftrace(sb, ip, false, pid);
	struct rt_usym s = { 0 };
	if (rt_usym_lookup(pid, ip, &s))
		err |= sb_printf(sb, "0x%llx (%s)", (unsigned long long)ip,
				 s.module ? s.module : "[unknown]");
	else
		err |= sb_printf(sb, "%s+%llu (%s)", s.name, (unsigned long long)s.off,
				 s.module ? s.module : "[unknown]");
	free(s.demangled);
	return err;
}

static int frame(struct strbuf *sb, const struct pd_type *t, uint64_t ip, int pid, int indent)
{
	bool user = t->kind == PD_USTACK;
	switch (t->stack_mode) {
	case PD_STACK_BPFTRACE:
		return sb_printf(sb, "%*s", indent, "") | frame_bpftrace(sb, ip, user, pid);
	case PD_STACK_PERF:
		return frame_perf(sb, ip, user, pid);
	case PD_STACK_RAW:
		return sb_printf(sb, "%*s%llx", indent, "", (unsigned long long)ip);
	}
	return 0;
}

int rt_stack_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		 const uint8_t *p, int indent)
{
	int64_t id;
	uint64_t pid = 0;
	memcpy(&id, p, 8);
	if (t->kind == PD_USTACK)
		memcpy(&pid, p + 8, 8);
	const struct pd_stackmap *sm = o->stackmaps && t->stack_map >= 0 &&
						       t->stack_map < o->nstackmaps ?
					       &o->stackmaps[t->stack_map] :
					       NULL;
	int err = sb_putc(sb, '\n');
	/* A failed read stored -errno; anything below that is not one (a recorded value). */
	int why = id < 0 ? (id >= -4095 ? (int)-id : EINVAL) : ENOENT;
	if (id < 0 || !sm)
		return err | sb_printf(sb, "%*s[stack not captured: %s]\n", indent, "",
				       failure(why));
	uint64_t *ips = calloc(sm->depth, 8);
	uint32_t key = (uint32_t)id;
	if (!ips)
		return -ENOMEM;
	if (bpf_map_lookup_elem(o->stack_fds[t->stack_map], &key, ips)) {
		free(ips);
		return err | sb_printf(sb, "%*s[stack not captured: %s]\n", indent, "",
				       failure(errno));
	}
	for (uint32_t i = 0; i < sm->depth && ips[i] && !err; i++)
		err |= frame(sb, t, ips[i], (int)pid, indent) | sb_putc(sb, '\n');
	free(ips);
	return err ? -ENOMEM : 0;
}
