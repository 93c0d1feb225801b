/* (b) per-event reference: count|hist attaches one program to raw_syscalls:sys_enter,
 * says "Attaching", waits for SIGINT, then prints the per-CPU sums. */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ref.h"
#include "count.skel.h"

#define HIST_BUCKETS 66

static void print_counts(int fd, int ncpu)
{
	uint64_t key, *next = NULL, vals[ncpu];
	while (!bpf_map_get_next_key(fd, next, &key)) {
		next = &key;
		uint64_t sum = 0;
		if (bpf_map_lookup_elem(fd, &key, vals))
			continue;
		for (int c = 0; c < ncpu; c++)
			sum += vals[c];
		printf("@[%llu]: %llu\n", (unsigned long long)key, (unsigned long long)sum);
	}
}

static void print_hist(int fd, int ncpu)
{
	uint32_t zero = 0;
	uint64_t (*vals)[HIST_BUCKETS] = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals || bpf_map_lookup_elem(fd, &zero, vals))
		return;
	for (int k = 0; k < HIST_BUCKETS; k++) {
		uint64_t sum = 0;
		for (int c = 0; c < ncpu; c++)
			sum += vals[c][k];
		if (sum)
			printf("bucket %d: %llu\n", k, (unsigned long long)sum);
	}
	free(vals);
}

int main(int argc, char **argv)
{
	int hist = argc > 1 && !strcmp(argv[1], "hist");
	struct count_bpf *skel = count_bpf__open_and_load();
	if (!skel) {
		perror("count: load");
		return 1;
	}
	ref_catch_stop();
	struct bpf_link *link = bpf_program__attach(hist ? skel->progs.log2hist :
							 skel->progs.count);
	if (!link) {
		perror("count: attach");
		return 1;
	}
	puts("Attaching 1 probe...");
	fflush(stdout);
	while (!ref_stop)
		pause();
	bpf_link__destroy(link);
	int ncpu = libbpf_num_possible_cpus();
	if (hist)
		print_hist(bpf_map__fd(skel->maps.hist), ncpu);
	else
		print_counts(bpf_map__fd(skel->maps.counts), ncpu);
	count_bpf__destroy(skel);
	return 0;
}
