/* Attaching kernel probes: tracepoints, raw tracepoints, kprobes/kretprobes (with an offset
 * or in a module), fentry/fexit trampolines and iterators. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "progdesc.h"
#include "runtime/attach.h"

/* A syscall point dispatched from raw_syscalls (pd_probe.sysdispatch): the host attaches
 * there for every point with a number (pd_sysnr); a point without one attaches on its own,
 * telling the program its pd index + 1 by cookie. */
static int attach_syscall(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	if (p->sysnr)
		return rt_add_link_or_errno(
			t, bpf_program__attach_tracepoint(prog, "raw_syscalls",
							  strncmp(p->func, "sys_enter_", 10) ?
								  "sys_exit" :
								  "sys_enter"));
	LIBBPF_OPTS(bpf_tracepoint_opts, o, .bpf_cookie = (__u64)(p - t->pd->probes.v) + 1);
	return rt_add_link_or_errno(t, bpf_program__attach_tracepoint_opts(prog, p->target,
									   p->func, &o));
}

int rt_attach_tracepoint(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	if (p->sysdispatch)
		return attach_syscall(t, p, prog);
	return rt_add_link_or_errno(t, bpf_program__attach_tracepoint(prog, p->target, p->func));
}

const char *rt_tracepoint_missing(const struct pd_probe *p, int err)
{
	return err == -ENOENT ? "no such tracepoint" : NULL;
}

int rt_attach_rawtp(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	return rt_add_link_or_errno(t, bpf_program__attach_raw_tracepoint(prog, p->func));
}

/* One kprobe_multi link for every probe of p's program, made at the first of them. */
static int attach_multi(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	const struct pd_prog *pd = t->pd;
	int first = -1, n = 0;
	for (int i = 0; i < pd->probes.len; i++)
		if (pd->probes.v[i].multi && !strcmp(pd->probes.v[i].prog_name, p->prog_name)) {
			first = first < 0 ? i : first;
			n++;
		}
	if (first < 0 || &pd->probes.v[first] != p)
		return 0;
	const char **syms = calloc((size_t)n, sizeof(*syms));
	__u64 *cookies = calloc((size_t)n, sizeof(*cookies)); /* the points' pd indexes */
	int err = syms && cookies ? 0 : -ENOMEM;
	n = 0;
	for (int i = first; !err && i < pd->probes.len; i++)
		if (pd->probes.v[i].multi && !strcmp(pd->probes.v[i].prog_name, p->prog_name)) {
			cookies[n] = (__u64)i;
			syms[n++] = pd->probes.v[i].func;
		}
	LIBBPF_OPTS(bpf_kprobe_multi_opts, ko, .syms = syms, .cookies = cookies,
		    .cnt = (size_t)n, .retprobe = p->kind == PD_PROBE_KRETPROBE);
	if (!err)
		err = rt_add_link_or_errno(t, bpf_program__attach_kprobe_multi_opts(prog, NULL,
										      &ko));
	free(syms);
	free(cookies);
	return err;
}

int rt_attach_kprobe(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	if (p->multi)
		return attach_multi(t, p, prog);
	char sym[512];
	/* the kernel takes "module:function" for a function of a module */
	if (p->target)
		snprintf(sym, sizeof(sym), "%s:%s", p->target, p->func);
	else
		snprintf(sym, sizeof(sym), "%s", p->func);
	LIBBPF_OPTS(bpf_kprobe_opts, ko, .offset = p->offset,
		    .retprobe = p->kind == PD_PROBE_KRETPROBE);
	return rt_add_link_or_errno(t, bpf_program__attach_kprobe_opts(prog, sym, &ko));
}

const char *rt_kprobe_missing(const struct pd_probe *p, int err)
{
	struct stat st;
	if (stat("/sys/bus/event_source/devices/kprobe", &st))
		return "this kernel has no kprobe support (CONFIG_KPROBES is off)";
	if (err == -ENOENT || err == -EINVAL)
		return "the function cannot be probed (inlined, notrace, or blacklisted), or the "
		       "offset is not an instruction boundary";
	return NULL;
}

int rt_attach_trampoline(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	return rt_add_link_or_errno(t, bpf_program__attach_trace(prog));
}

const char *rt_trampoline_missing(const struct pd_probe *p, int err)
{
	/* 524 is the kernel's ENOTSUPP, which user space has no name for */
	if (err == -EOPNOTSUPP || err == -EPERM || err == -524)
		return "this kernel cannot attach BPF trampolines (fentry/fexit need "
		       "CONFIG_DYNAMIC_FTRACE_WITH_DIRECT_CALLS and an x86-64 or arm64 kernel)";
	return NULL;
}

/* An iterator runs when its fd is read: read it to the end once (its output comes through
 * the ring buffer like any probe's, drained as it fills), then stop, as bpftrace does. */
int rt_attach_iter(struct rt_trace *t, const struct pd_probe *p, struct bpf_program *prog)
{
	struct bpf_link *link = bpf_program__attach_iter(prog, NULL);
	int err = rt_add_link_or_errno(t, link);
	if (err)
		return err;
	int fd = bpf_iter_create(bpf_link__fd(link));
	if (fd < 0)
		return -errno;
	char buf[4096];
	ssize_t n;
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		rt_drain(t);
	err = n < 0 ? -errno : 0;
	close(fd);
	rt_drain(t);
	t->exiting = true;
	return err;
}

const char *rt_iter_missing(const struct pd_probe *p, int err)
{
	return rt_trampoline_missing(p, err) ? "this kernel cannot run BPF iterators (BPF "
					       "tracing programs)" : NULL;
}
