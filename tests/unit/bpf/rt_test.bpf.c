/* A hand-written BPF object that follows docs/internals.md the way codegen's output does,
 * so tests/unit/test_runtime.c can check load, BEGIN/END, attach, the ring buffer and map
 * printing before (and independently of) the compiler. Built with clang -target bpf. */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

typedef unsigned long long u64;
typedef long long s64;
typedef unsigned int u32;

struct ev_hdr {
	u32 kind, index;
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4096);
} pd_events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, u64);
} pd_lost SEC(".maps");

struct globals {
	u64 cpid, start_ns;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, u32);
	__type(value, struct globals);
} pd_globals SEC(".maps");

/* @a = count() */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, u64);
	__type(value, u64);
} m0 SEC(".maps");

/* @h[int64] = hist(): key { s64 k; u64 bucket; } */
struct hkey {
	s64 k;
	u64 bucket;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 64);
	__type(key, struct hkey);
	__type(value, u64);
} m1 SEC(".maps");

/* @s[string[16]] = string[16] */
struct skey {
	char s[16];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, struct skey);
	__type(value, struct skey);
} m2 SEC(".maps");

/* @e = count(): execs of the -c child */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 1);
	__type(key, u64);
	__type(value, u64);
} m3 SEC(".maps");

struct printf0 {
	struct ev_hdr h;
	s64 n;
	char s[16];
};

static __always_inline void emit_simple(u32 kind, u32 index)
{
	struct ev_hdr *h = bpf_ringbuf_reserve(&pd_events, sizeof(*h), 0);
	if (!h) {
		u32 z = 0;
		u64 *lost = bpf_map_lookup_elem(&pd_lost, &z);
		if (lost)
			*lost += 1;
		return;
	}
	h->kind = kind;
	h->index = index;
	bpf_ringbuf_submit(h, 0);
}

static __always_inline void count(void *map, u64 key)
{
	u64 one = 1, *v = bpf_map_lookup_elem(map, &key);
	if (v)
		*v += 1;
	else
		bpf_map_update_elem(map, &key, &one, BPF_ANY);
}

static __always_inline void hist_add(s64 k, u64 bucket, u64 n)
{
	struct hkey key = { k, bucket };
	u64 *v = bpf_map_lookup_elem(&m1, &key);
	if (v)
		*v += n;
	else
		bpf_map_update_elem(&m1, &key, &n, BPF_ANY);
}

SEC("raw_tp")
int begin(void *ctx)
{
	struct printf0 *e = bpf_ringbuf_reserve(&pd_events, sizeof(*e), 0);
	if (e) {
		e->h.kind = 1; /* PD_EV_PRINTF */
		e->h.index = 0;
		e->n = 42;
		__builtin_memcpy(e->s, "abc\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
		bpf_ringbuf_submit(e, 0);
	}
	count(&m0, 0);
	hist_add(1, 4, 2); /* @h[1]: [4, 8) x2 */
	hist_add(2, 1, 1); /* @h[2]: [0] */
	hist_add(2, 3, 4); /* @h[2]: [2, 4) x4 */
	struct skey k = { "k" }, v = { "v" };
	bpf_map_update_elem(&m2, &k, &v, BPF_ANY);
	return 0;
}

SEC("tracepoint/syscalls/sys_enter_execve")
int execs(void *ctx)
{
	u32 z = 0;
	struct globals *g = bpf_map_lookup_elem(&pd_globals, &z);
	if (g && g->cpid && (bpf_get_current_pid_tgid() >> 32) == g->cpid)
		count(&m3, 0);
	return 0;
}

SEC("raw_tp")
int end(void *ctx)
{
	emit_simple(3, 1); /* PD_EV_TIME with fmt 1 */
	emit_simple(5, 2); /* PD_EV_CLEAR of @s */
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
