/* (a) start-up reference: load, run BEGIN once, read its exit record, exit. */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <stdio.h>

#include "ref.h"
#include "start.skel.h"

static int on_event(void *ctx, void *data, size_t size)
{
	const uint32_t *rec = data;
	if (size >= 8 && rec[0] == REF_EV_EXIT)
		*(int *)ctx = 1;
	return 0;
}

int main(void)
{
	struct start_bpf *skel = start_bpf__open_and_load();
	if (!skel) {
		perror("start: load");
		return 1;
	}
	int done = 0;
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event,
						  &done, NULL);
	LIBBPF_OPTS(bpf_test_run_opts, run);
	if (!rb || bpf_prog_test_run_opts(bpf_program__fd(skel->progs.begin), &run)) {
		perror("start: run");
		return 1;
	}
	puts("Attaching 1 probe...");
	while (!done && ring_buffer__poll(rb, 100) >= 0)
		;
	ring_buffer__free(rb);
	start_bpf__destroy(skel);
	return 0;
}
