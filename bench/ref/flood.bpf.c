/* (c) printf flood: a ring buffer record per getppid() of the target, laid out as
 * bpfscope's printf("%d %s %d\n", tid, comm, nsecs); failed reservations are counted. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ref.h"

const volatile uint32_t target_pid;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, REF_RINGBUF_SIZE);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, uint32_t);
	__type(value, uint64_t);
} lost SEC(".maps");

SEC("tracepoint/syscalls/sys_enter_getppid")
int flood(void *ctx)
{
	uint64_t id = bpf_get_current_pid_tgid();
	if (id >> 32 != target_pid)
		return 0;
	struct ref_printf_rec *r = bpf_ringbuf_reserve(&events, sizeof(*r), 0);
	if (!r) {
		uint32_t zero = 0;
		uint64_t *n = bpf_map_lookup_elem(&lost, &zero);
		if (n)
			(*n)++;
		return 0;
	}
	r->kind = REF_EV_PRINTF;
	r->index = 0;
	r->tid = (uint32_t)id;
	bpf_get_current_comm(r->comm, sizeof(r->comm));
	r->ns = bpf_ktime_get_ns();
	bpf_ringbuf_submit(r, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
