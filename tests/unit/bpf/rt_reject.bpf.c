/* A BPF object the verifier rejects (a read through a NULL map value), to check that the
 * runtime names the probe and maps the log's source comments back to a script line. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} pd_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4);
	__type(key, long long);
	__type(value, long long);
} m0 SEC(".maps");

SEC("raw_tp")
int begin(void *ctx)
{
	long long k = 0;
	long long *v = bpf_map_lookup_elem(&m0, &k);
	return *v; /* no NULL check: rejected */
}

char LICENSE[] SEC("license") = "GPL";
