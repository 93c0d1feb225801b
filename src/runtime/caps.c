/* Privileges: whether this process may load and attach tracing programs, asked with
 * capget(2) before anything touches the kernel, so an unprivileged user gets one line
 * saying what is needed instead of a bare "Operation not permitted". */
#include <linux/capability.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/runtime.h"

/* Older uapi headers lack the 5.8 capabilities; their numbers are fixed. */
#ifndef CAP_PERFMON
#define CAP_PERFMON 38
#endif
#ifndef CAP_BPF
#define CAP_BPF 39
#endif

static bool has_cap(const struct __user_cap_data_struct d[2], int cap)
{
	return d[cap / 32].effective & (UINT32_C(1) << (cap % 32));
}

bool rt_can_trace(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2] = { 0 };
	if (syscall(SYS_capget, &h, d))
		return true; /* cannot tell: let the kernel decide */
	/* Before 5.8 CAP_SYS_ADMIN was the only way; since, it still implies both. */
	return has_cap(d, CAP_SYS_ADMIN) || (has_cap(d, CAP_BPF) && has_cap(d, CAP_PERFMON));
}
