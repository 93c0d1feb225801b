/* Loading: open the in-memory BPF ELF with libbpf, size the maps from the program
 * description, load through the verifier (log captured for verifier.c), find map fds,
 * and fill pd_globals before anything runs. */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progdesc.h"
#include "runtime/rt_internal.h"

/* Big enough for the tail of any rejection; kernels >= 6.4 keep the end of a log that
 * does not fit, which is the part that explains the error. */
#define LOG_SIZE (4u << 20)

static int libbpf_verbose;

/* The program libbpf last failed to load: it closes every program of the object after a
 * failure, so its own message is what names the rejected one. */
#define LIBBPF_LOAD_FAILED "libbpf: prog '%s': BPF program load failed: %s\n"
static char failed_prog[128];

const char *rt_failed_prog_name(void)
{
	return failed_prog[0] ? failed_prog : NULL;
}

static int print_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (!strcmp(fmt, LIBBPF_LOAD_FAILED)) {
		va_list copy;
		va_copy(copy, ap);
		snprintf(failed_prog, sizeof(failed_prog), "%s", va_arg(copy, const char *));
		va_end(copy);
	}
	if (!libbpf_verbose || (level == LIBBPF_DEBUG && libbpf_verbose < 2))
		return 0;
	return vfprintf(stderr, fmt, ap);
}

static int find_programs(struct rt_trace *t)
{
	const struct pd_prog *pd = t->pd;
	t->progs = calloc((size_t)pd->probes.len + 1, sizeof(*t->progs));
	if (!t->progs)
		return -ENOMEM;
	for (int i = 0; i < pd->probes.len; i++) {
		const struct pd_probe *p = &pd->probes.v[i];
		if (p->prog_name)
			t->progs[i] = bpf_object__find_program_by_name(t->obj, p->prog_name);
		if (!t->progs[i]) {
			fprintf(stderr, "error: the BPF object has no program for probe %s\n",
				p->name ? p->name : "?");
			return -ENOENT;
		}
		int err = rt_prepare_program(p, t->progs[i]);
		if (err) {
			fprintf(stderr, "error: cannot prepare the program of %s: %s\n", p->name,
				strerror(-err));
			return err;
		}
	}
	return 0;
}

static int size_maps(struct rt_trace *t)
{
	const struct pd_prog *pd = t->pd;
	struct bpf_map *rb = bpf_object__find_map_by_name(t->obj, PD_RINGBUF_SYM);
	if (!rb) {
		fprintf(stderr, "error: the BPF object has no %s ring buffer\n", PD_RINGBUF_SYM);
		return -ENOENT;
	}
	int err = bpf_map__set_max_entries(rb, pd->ringbuf_size);
	for (int i = 0; i < pd->maps.len && !err; i++) {
		const struct pd_map *m = &pd->maps.v[i];
		struct bpf_map *bm = m->sym ? bpf_object__find_map_by_name(t->obj, m->sym) : NULL;
		if (!bm) {
			fprintf(stderr, "error: the BPF object has no map for %s\n", m->name);
			return -ENOENT;
		}
		if (m->max_entries)
			err = bpf_map__set_max_entries(bm, m->max_entries);
	}
	if (err)
		fprintf(stderr, "error: failed to size the BPF maps: %s\n", strerror(-err));
	return err;
}

static int map_fd(struct rt_trace *t, const char *sym)
{
	struct bpf_map *m = bpf_object__find_map_by_name(t->obj, sym);
	return m ? bpf_map__fd(m) : -1;
}

static int find_map_fds(struct rt_trace *t)
{
	const struct pd_prog *pd = t->pd;
	t->map_fds = calloc((size_t)pd->maps.len + 1, sizeof(*t->map_fds));
	t->map_full = calloc((size_t)pd->maps.len + 1, sizeof(*t->map_full));
	if (!t->map_fds || !t->map_full)
		return -ENOMEM;
	for (int i = 0; i < pd->maps.len; i++)
		t->map_fds[i] = map_fd(t, pd->maps.v[i].sym);
	t->stack_fds = calloc((size_t)pd->stackmaps.len + 1, sizeof(*t->stack_fds));
	if (!t->stack_fds)
		return -ENOMEM;
	for (int i = 0; i < pd->stackmaps.len; i++)
		t->stack_fds[i] = map_fd(t, pd->stackmaps.v[i].sym);
	t->out.stackmaps = pd->stackmaps.v;
	t->out.stack_fds = t->stack_fds;
	t->out.nstackmaps = pd->stackmaps.len;
	t->events_fd = map_fd(t, PD_RINGBUF_SYM);
	t->ctl_fd = map_fd(t, PD_CTLBUF_SYM);
	t->lost_fd = map_fd(t, PD_LOST_SYM);
	t->globals_fd = map_fd(t, PD_GLOBALS_SYM);
	return 0;
}

int rt_load(struct rt_trace *t, const void *elf, size_t size)
{
	libbpf_verbose = t->o->verbose;
	libbpf_set_print(print_libbpf);
	t->log_size = LOG_SIZE;
	t->log_buf = malloc(t->log_size);
	if (!t->log_buf)
		return -ENOMEM;
	t->log_buf[0] = '\0';
	LIBBPF_OPTS(bpf_object_open_opts, oo, .object_name = "bpfscope",
		    .kernel_log_buf = t->log_buf, .kernel_log_size = t->log_size);
	t->obj = bpf_object__open_mem(elf, size, &oo);
	if (!t->obj) {
		int err = -errno;
		fprintf(stderr, "error: failed to open the BPF object: %s\n", strerror(-err));
		return err;
	}
	int err = find_programs(t);
	if (!err)
		err = size_maps(t);
	if (err)
		return err;
	t->ncpus = libbpf_num_possible_cpus();
	if (t->ncpus <= 0) {
		fprintf(stderr, "error: failed to count the possible CPUs: %s\n",
			strerror(-t->ncpus));
		return t->ncpus ? t->ncpus : -EINVAL;
	}
	unsigned long long start = rt_clock_ns();
	err = bpf_object__load(t->obj);
	if (!err && t->o->verbose)
		rt_verbose_load_time(t, start, rt_clock_ns());
	if (err) {
		rt_report_verifier(t, err);
		return err;
	}
	return find_map_fds(t);
}

/* pd_names: the name and func of each probe, read by multi-link programs by cookie. */
static int fill_names(struct rt_trace *t)
{
	const struct pd_prog *pd = t->pd;
	int fd = pd->names_size ? map_fd(t, PD_NAMES_SYM) : -1;
	char *buf = fd >= 0 ? malloc(pd->names_size) : NULL;
	int err = fd >= 0 && !buf ? -ENOMEM : 0;
	for (int i = 0; buf && !err && i < 2 * pd->probes.len; i++) {
		const struct pd_probe *p = &pd->probes.v[i / 2];
		const char *s = i % 2 ? p->func : p->name;
		memset(buf, 0, pd->names_size);
		strncpy(buf, s ? s : "", pd->names_size - 1);
		uint32_t key = (uint32_t)i;
		if (bpf_map_update_elem(fd, &key, buf, BPF_ANY))
			err = -errno;
	}
	free(buf);
	if (err)
		fprintf(stderr, "error: failed to set up %s: %s\n", PD_NAMES_SYM, strerror(-err));
	return err;
}

/* pd_sysnr: 1 + the pd index of the probe of each syscall number it dispatches. */
static int fill_sysnr(struct rt_trace *t)
{
	const struct pd_prog *pd = t->pd;
	int fd = -1, err = 0;
	for (int i = 0; !err && i < pd->probes.len; i++) {
		if (!pd->probes.v[i].sysnr)
			continue;
		if (fd < 0)
			fd = map_fd(t, PD_SYSNR_SYM);
		uint32_t key = (uint32_t)pd->probes.v[i].sysnr - 1, value = (uint32_t)i + 1;
		if (fd < 0 || bpf_map_update_elem(fd, &key, &value, BPF_ANY))
			err = fd < 0 ? -ENOENT : -errno;
	}
	if (err)
		fprintf(stderr, "error: failed to set up %s: %s\n", PD_SYSNR_SYM, strerror(-err));
	return err;
}

int rt_fill_globals(struct rt_trace *t)
{
	int nerr = fill_names(t);
	if (!nerr)
		nerr = fill_sysnr(t);
	if (nerr)
		return nerr;
	if (t->globals_fd < 0)
		return 0;
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	long ncpus = sysconf(_SC_NPROCESSORS_ONLN);
	struct pd_globals g = {
		.cpid = (uint64_t)(t->child > 0 ? t->child : 0),
		.start_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec,
		.ncpus = (uint64_t)(ncpus > 0 ? ncpus : 1),
	};
	uint32_t key = 0;
	if (bpf_map_update_elem(t->globals_fd, &key, &g, BPF_ANY)) {
		int err = -errno;
		fprintf(stderr, "error: failed to set up %s: %s\n", PD_GLOBALS_SYM, strerror(-err));
		return err;
	}
	return 0;
}
