/* (d) map print: `@m[nsecs] = count()` per getppid() of the target, a per-CPU hash. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ref.h"

const volatile uint32_t target_pid;

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 262144);
	__type(key, uint64_t);
	__type(value, uint64_t);
} m SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int fill(void *ctx)
{
	if (bpf_get_current_pid_tgid() >> 32 != target_pid)
		return 0;
	uint64_t k = bpf_ktime_get_ns();
	uint64_t *v = bpf_map_lookup_elem(&m, &k);
	if (v) {
		(*v)++;
	} else {
		uint64_t one = 1;
		bpf_map_update_elem(&m, &k, &one, BPF_NOEXIST);
	}
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
