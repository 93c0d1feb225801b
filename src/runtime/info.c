/* --info: what this kernel offers bpfscope, each answer checked by asking the kernel
 * (helpers and map types through libbpf's probes, probe types through the attachers'
 * `available` column). */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <stdio.h>

#include "runtime/attach.h"
#include "runtime/runtime.h"

static const char *yes(bool b)
{
	return b ? "yes" : "no";
}

static void print_helpers(FILE *out)
{
	static const struct { const char *name; enum bpf_func_id id; } helpers[] = {
		{ "probe_read_user", BPF_FUNC_probe_read_user },
		{ "probe_read_user_str", BPF_FUNC_probe_read_user_str },
		{ "probe_read_kernel", BPF_FUNC_probe_read_kernel },
		{ "probe_read_kernel_str", BPF_FUNC_probe_read_kernel_str },
		{ "get_current_cgroup_id", BPF_FUNC_get_current_cgroup_id },
		{ "send_signal", BPF_FUNC_send_signal },
		{ "override_return", BPF_FUNC_override_return },
		{ "get_func_ip", BPF_FUNC_get_func_ip },
		{ "loop", BPF_FUNC_loop },
		{ "ringbuf_output", BPF_FUNC_ringbuf_output },
	};
	fprintf(out, "Kernel helpers\n");
	for (size_t i = 0; i < sizeof(helpers) / sizeof(helpers[0]); i++)
		fprintf(out, "  %s: %s\n", helpers[i].name,
			yes(libbpf_probe_bpf_helper(BPF_PROG_TYPE_KPROBE, helpers[i].id, NULL) == 1));
}

static void print_maps(FILE *out)
{
	static const struct { const char *name; enum bpf_map_type type; } maps[] = {
		{ "hash", BPF_MAP_TYPE_HASH },
		{ "percpu hash", BPF_MAP_TYPE_PERCPU_HASH },
		{ "array", BPF_MAP_TYPE_ARRAY },
		{ "percpu array", BPF_MAP_TYPE_PERCPU_ARRAY },
		{ "stack_trace", BPF_MAP_TYPE_STACK_TRACE },
		{ "ringbuf", BPF_MAP_TYPE_RINGBUF },
	};
	fprintf(out, "\nMap types\n");
	for (size_t i = 0; i < sizeof(maps) / sizeof(maps[0]); i++)
		fprintf(out, "  %s: %s\n", maps[i].name,
			yes(libbpf_probe_bpf_map_type(maps[i].type, NULL) == 1));
}

void rt_print_info(FILE *out)
{
	print_helpers(out);
	fprintf(out, "\nKernel features\n");
	struct btf *btf = libbpf_find_kernel_btf();
	fprintf(out, "  btf: %s\n", yes(btf != NULL));
	btf__free(btf);
	fprintf(out, "  tracefs: %s\n", yes(rt_have_tracefs()));
	print_maps(out);
	fprintf(out, "\nProbe types\n");
	rt_print_probe_types(out);
}

unsigned rt_libbpf_version(void)
{
	return libbpf_major_version() << 16 | libbpf_minor_version();
}
