/* (a) start-up: BEGIN { exit(); }: a raw_tp program run once queues an exit record. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include "ref.h"

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, REF_RINGBUF_SIZE);
} events SEC(".maps");

SEC("raw_tp")
int begin(void *ctx)
{
	uint32_t *rec = bpf_ringbuf_reserve(&events, 8, 0);
	if (!rec)
		return 0;
	rec[0] = REF_EV_EXIT;
	rec[1] = 0;
	bpf_ringbuf_submit(rec, 0);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
