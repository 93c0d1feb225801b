/* (b) per-event cost on raw_syscalls:sys_enter: `@[tid] = count()` into a per-CPU hash,
 * and `@ = hist(args->id)` into per-CPU log2 buckets (bpfscope's bucket numbering). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ref.h"

#define HIST_BUCKETS 66

struct sys_enter_args {
	uint64_t common;
	long id;
	unsigned long args[6];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, uint64_t);
	__type(value, uint64_t);
} counts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, uint32_t);
	__type(value, uint64_t[HIST_BUCKETS]);
} hist SEC(".maps");

SEC("tracepoint/raw_syscalls/sys_enter")
int count(void *ctx)
{
	uint64_t tid = (uint32_t)bpf_get_current_pid_tgid();
	uint64_t *v = bpf_map_lookup_elem(&counts, &tid);
	if (v) {
		(*v)++;
	} else {
		uint64_t one = 1;
		bpf_map_update_elem(&counts, &tid, &one, BPF_NOEXIST);
	}
	return 0;
}

/* Index of the highest set bit plus one, x > 0 (clang 14's BPF backend has no ctlz). */
static __always_inline uint32_t bits(uint64_t x)
{
	uint32_t n = 1;
	for (int s = 32; s > 0; s >>= 1)
		if (x >> s) {
			x >>= s;
			n += s;
		}
	return n;
}

SEC("tracepoint/raw_syscalls/sys_enter")
int log2hist(struct sys_enter_args *ctx)
{
	uint32_t zero = 0;
	uint64_t *b = bpf_map_lookup_elem(&hist, &zero);
	long x = ctx->id;
	if (!b)
		return 0;
	uint32_t k = x < 0 ? 0 : x == 0 ? 1 : 1 + bits((uint64_t)x);
	if (k < HIST_BUCKETS)
		b[k]++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
