/* (d) map print reference: `mapprint [-n] CMD...` runs CMD while the probe fills @m, then
 * reads the map in batches, sums the CPUs, sorts by value then key and prints `@m[k]: v`
 * lines in one buffered write. -n reads and deletes the entries instead of printing them,
 * as END { clear(@m); } does: the baseline the print cost is measured from. The time
 * print_map takes goes to stderr as "Time for printing maps: N ms", as bpfscope -v says it. */
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ref.h"
#include "mapprint.skel.h"

struct entry {
	uint64_t key, value;
};

static int entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

static void print_map(int fd, size_t max, int print)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *keys = malloc(max * sizeof(*keys));
	uint64_t *vals = malloc(max * ncpu * sizeof(*vals));
	struct entry *e = malloc(max * sizeof(*e));
	if (!keys || !vals || !e)
		return;
	uint64_t batch;
	void *in = NULL;
	size_t n = 0;
	for (;;) {
		uint32_t count = (uint32_t)(max - n);
		int err = (print ? bpf_map_lookup_batch : bpf_map_lookup_and_delete_batch)(
			fd, in, &batch, keys + n, vals + n * ncpu, &count, NULL);
		n += count;
		in = &batch;
		if (err || n >= max)
			break;
	}
	for (size_t i = 0; print && i < n; i++) {
		e[i].key = keys[i];
		e[i].value = 0;
		for (int c = 0; c < ncpu; c++)
			e[i].value += vals[i * ncpu + c];
	}
	qsort(e, print ? n : 0, sizeof(*e), entry_cmp);
	char *out = malloc(n * 48 + 1), *p = out;
	for (size_t i = 0; out && print && i < n; i++)
		p += sprintf(p, "@m[%llu]: %llu\n", (unsigned long long)e[i].key,
			     (unsigned long long)e[i].value);
	fputs("\n\n", stdout);
	fwrite(out, 1, (size_t)(p - out), stdout);
	free(out);
	free(e);
	free(vals);
	free(keys);
}

int main(int argc, char **argv)
{
	int print = !(argc > 1 && !strcmp(argv[1], "-n"));
	if (argc < 2 + !print) {
		fputs("usage: mapprint [-n] CMD...\n", stderr);
		return 2;
	}
	pid_t child = ref_child_start(argv + 2 - print);
	struct mapprint_bpf *skel = mapprint_bpf__open();
	if (child < 0 || !skel) {
		perror("mapprint: open");
		return 1;
	}
	skel->rodata->target_pid = (uint32_t)child;
	/* sized like the tracers' maps (output.sh exports it for all three) */
	const char *keys = getenv("BPFTRACE_MAP_KEYS_MAX");
	if (keys)
		bpf_map__set_max_entries(skel->maps.m, (uint32_t)atoi(keys));
	if (mapprint_bpf__load(skel) || mapprint_bpf__attach(skel)) {
		perror("mapprint: load");
		return 1;
	}
	puts("Attaching 1 probe...");
	fflush(stdout);
	ref_child_go();
	while (!ref_child_done(child))
		usleep(10000);
	mapprint_bpf__detach(skel);
	struct timespec a, b;
	clock_gettime(CLOCK_MONOTONIC, &a);
	print_map(bpf_map__fd(skel->maps.m), bpf_map__max_entries(skel->maps.m), print);
	clock_gettime(CLOCK_MONOTONIC, &b);
	/* as bpfscope -v words it, for bench/output.sh */
	fprintf(stderr, "Time for printing maps: %.1f ms\n",
		(double)(b.tv_sec - a.tv_sec) * 1e3 + (double)(b.tv_nsec - a.tv_nsec) / 1e6);
	mapprint_bpf__destroy(skel);
	return 0;
}
