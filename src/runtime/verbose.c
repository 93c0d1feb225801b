/* -v: what was loaded and attached, on stderr (like bpftrace's "Program ID" and
 * "Attaching" lines): per probe its program id, instruction counts and JIT size, per map
 * its type and sizes, then one line per attached probe; and the time of each phase
 * (compile, map creation, program load, attach, detach). */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "progdesc.h"
#include "runtime/rt_internal.h"

static void report_program(const struct pd_probe *p, struct bpf_program *prog)
{
	struct bpf_prog_info info;
	uint32_t len = sizeof(info);
	memset(&info, 0, sizeof(info));
	int fd = bpf_program__fd(prog);
	size_t insns = bpf_program__insn_cnt(prog);
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len)) {
		fprintf(stderr, "Program %s: %zu instructions\n", p->name, insns);
		return;
	}
	const char *type = libbpf_bpf_prog_type_str(bpf_program__type(prog));
	/* verified_insns is 0 before kernel 5.16: leave it out rather than print 0 */
	fprintf(stderr, "Program %s: ID %u, %s, %zu instructions", p->name, info.id,
		type ? type : "?", insns);
	if (info.verified_insns)
		fprintf(stderr, ", %u processed by the verifier", info.verified_insns);
	if (info.jited_prog_len)
		fprintf(stderr, ", %u bytes JIT-compiled", info.jited_prog_len);
	fputc('\n', stderr);
}

static void report_map(const struct pd_map *m, int fd)
{
	struct bpf_map_info info;
	uint32_t len = sizeof(info);
	memset(&info, 0, sizeof(info));
	if (fd < 0 || bpf_obj_get_info_by_fd(fd, &info, &len))
		return;
	const char *type = libbpf_bpf_map_type_str((enum bpf_map_type)info.type);
	fprintf(stderr, "Map %s: ID %u, %s, %u entries, key %u bytes, value %u bytes\n", m->name,
		info.id, type ? type : "?", info.max_entries, info.key_size, info.value_size);
}

void rt_verbose_loaded(struct rt_trace *t)
{
	const struct pd_prog *pd = t->pd;
	for (int i = 0; i < pd->probes.len; i++)
		if (t->progs[i])
			report_program(&pd->probes.v[i], t->progs[i]);
	for (int i = 0; i < pd->maps.len; i++)
		report_map(&pd->maps.v[i], t->map_fds ? t->map_fds[i] : -1);
}

void rt_verbose_attached(struct rt_trace *t)
{
	const struct pd_prog *pd = t->pd;
	for (int i = 0; i < pd->probes.len; i++) {
		enum pd_probe_kind k = pd->probes.v[i].kind;
		if (k != PD_PROBE_BEGIN && k != PD_PROBE_END)
			fprintf(stderr, "Attached %s\n", pd->probes.v[i].name);
	}
}

unsigned long long rt_clock_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (unsigned long long)ts.tv_sec * 1000000000ull + (unsigned long long)ts.tv_nsec;
}

static void print_time(const char *phase, unsigned long long start, unsigned long long end)
{
	fprintf(stderr, "Time for %s: %.1f ms\n", phase,
		end > start ? (double)(end - start) / 1e6 : 0.0);
}

void rt_verbose_time(const char *phase, unsigned long long start_ns)
{
	print_time(phase, start_ns, rt_clock_ns());
}

void rt_verbose_load_time(struct rt_trace *t, unsigned long long start, unsigned long long end)
{
	unsigned long long first = end;
	struct bpf_program *prog;
	bpf_object__for_each_program(prog, t->obj) {
		struct bpf_prog_info info;
		uint32_t len = sizeof(info);
		memset(&info, 0, sizeof(info));
		int fd = bpf_program__fd(prog);
		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) && info.load_time &&
		    info.load_time < first && info.load_time >= start)
			first = info.load_time;
	}
	print_time("map creation", start, first);
	print_time("program load and verification", first, end);
}
