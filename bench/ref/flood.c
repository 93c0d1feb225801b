/* (c) printf flood reference: `flood CMD...` runs CMD, prints "tid comm nsecs" per record
 * through stdio, written out after every batch, and "Lost N events" at the end. */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <stdio.h>

#include "ref.h"
#include "flood.skel.h"

static int on_event(void *ctx, void *data, size_t size)
{
	const struct ref_printf_rec *r = data;
	(void)ctx;
	if (size >= sizeof(*r))
		printf("%d %s %d\n", (int)r->tid, r->comm, (int)r->ns); /* %d: 32 bits, as bpftrace */
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs("usage: flood CMD...\n", stderr);
		return 2;
	}
	pid_t child = ref_child_start(argv + 1);
	struct flood_bpf *skel = flood_bpf__open();
	if (child < 0 || !skel) {
		perror("flood: open");
		return 1;
	}
	skel->rodata->target_pid = (uint32_t)child;
	if (flood_bpf__load(skel) || flood_bpf__attach(skel)) {
		perror("flood: load");
		return 1;
	}
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL,
						  NULL);
	if (!rb)
		return 1;
	puts("Attaching 1 probe...");
	fflush(stdout);
	ref_child_go();
	/* written out after every batch, as bpfscope does: a line reaches a pipe as soon as
	 * its batch is read (bench 1b times the first one), in few writes at high rates */
	int got;
	while (!ref_child_done(child) && (got = ring_buffer__poll(rb, 100)) >= 0)
		if (got > 0)
			fflush(stdout);
	ring_buffer__consume(rb);
	int ncpu = libbpf_num_possible_cpus();
	uint64_t n[ncpu], total = 0;
	uint32_t zero = 0;
	if (!bpf_map_lookup_elem(bpf_map__fd(skel->maps.lost), &zero, n))
		for (int c = 0; c < ncpu; c++)
			total += n[c];
	fflush(stdout);
	if (total)
		printf("Lost %llu events\n", (unsigned long long)total);
	ring_buffer__free(rb);
	flood_bpf__destroy(skel);
	return 0;
}
