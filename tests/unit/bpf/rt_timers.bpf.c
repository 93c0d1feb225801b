/* Timer and raw tracepoint probes for tests/unit/test_runtime.c: an interval probe that
 * calls exit() on its third tick, a profile probe on every CPU, and a raw tracepoint.
 * Same contract as codegen's objects (docs/internals.md). */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned long long u64;
typedef unsigned int u32;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} pd_events SEC(".maps");

/* @ticks, @prof, @raw: count() */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, u64);
	__type(value, u64);
} m0 SEC(".maps"), m1 SEC(".maps"), m2 SEC(".maps");

static __always_inline u64 count(void *map)
{
	u64 key = 0, one = 1, *v = bpf_map_lookup_elem(map, &key);
	if (v)
		return *v += 1;
	bpf_map_update_elem(map, &key, &one, BPF_ANY);
	return 1;
}

SEC("perf_event")
int ticks(void *ctx)
{
	if (count(&m0) == 3) {
		u32 *h = bpf_ringbuf_reserve(&pd_events, 8, 0);
		if (h) {
			h[0] = 7; /* PD_EV_EXIT */
			h[1] = 0;
			bpf_ringbuf_submit(h, 0);
		}
	}
	return 0;
}

SEC("perf_event")
int prof(void *ctx)
{
	count(&m1);
	return 0;
}

SEC("raw_tracepoint/sys_enter")
int raw(void *ctx)
{
	count(&m2);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
