/* Codegen tests: the emitted BPF ELF as libbpf sees it (programs, sections, maps with
 * their key/value sizes), loading through the verifier as root, and the semantics of the
 * generated code checked by running BEGIN programs with BPF_PROG_TEST_RUN. */
#include "codegen/codegen.h"

#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "compiler.h"
#include "parser/ast.h"
#include "progdesc.h"
#include "sema/sema.h"
#include "sema/types.h"

static char vlog[1 << 16];

static int quiet(enum libbpf_print_level l, const char *f, va_list ap)
{
	return 0;
}

static struct bpf_object *open_elf(struct compiler *c)
{
	libbpf_set_print(quiet);
	LIBBPF_OPTS(bpf_object_open_opts, o, .kernel_log_buf = vlog,
		    .kernel_log_size = sizeof(vlog), .kernel_log_level = 1);
	struct bpf_object *obj = bpf_object__open_mem(c->elf, c->elf_size, &o);
	cr_assert_not_null(obj, "libbpf cannot open the object: %s", strerror(errno));
	return obj;
}

static void need_root(void)
{
	if (geteuid() != 0)
		cr_skip_test("loading BPF programs needs root");
}

static void load(struct bpf_object *obj)
{
	vlog[0] = 0;
	int err = bpf_object__load(obj);
	cr_assert_eq(err, 0, "verifier rejected the object (%d):\n%s", err, vlog);
}

/* ---- a program description and typed AST built by hand (no front end needed) ---- */

static struct src_loc L = { 1, 1, 1, 1 };

static struct ast_node *node(struct compiler *c, enum ast_kind k, struct type *ty)
{
	struct ast_node *n = ast_new(&c->arena, k, &L);
	n->ty = ty;
	return n;
}

static struct ast_node *probe(struct compiler *c, int pd_index, struct ast_node **stmts, int n)
{
	struct ast_node *p = node(c, AST_PROBE, NULL);
	p->probe.sp = arena_alloc(&c->arena, sizeof(struct sema_probe));
	p->probe.sp->pd_index = pd_index;
	p->probe.body = node(c, AST_BLOCK, NULL);
	for (int i = 0; i < n; i++)
		vec_push(&c->arena, &p->probe.body->block.stmts, stmts[i]);
	vec_push(&c->arena, &c->ast->program.probes, p);
	return p;
}

static void add_probe(struct compiler *c, enum pd_probe_kind k, const char *name,
		      const char *target, const char *func)
{
	struct pd_probe p = { .kind = k, .name = name, .target = target, .func = func };
	vec_push(&c->pd->arena, &c->pd->probes, p);
}

static struct pd_type pd_u64(uint32_t off)
{
	struct pd_type t = { .kind = PD_UINT, .size = 8, .offset = off };
	return t;
}

static void add_map(struct compiler *c, const char *name, enum pd_map_kind k, struct pd_type *keys,
		    int nkeys, uint32_t key_size, uint32_t value_size)
{
	struct pd_map m = { .name = name, .kind = k, .key_size = key_size,
			    .value_size = value_size };
	m.key.kind = PD_TUPLE;
	for (int i = 0; i < nkeys; i++)
		vec_push(&c->pd->arena, &m.key.fields, keys[i]);
	m.value = pd_u64(0);
	m.value.kind = PD_INT;
	m.is_scalar = nkeys == 0;
	m.max_entries = nkeys ? 4096 : 1;
	if (k == PD_MAP_HIST)
		m.bucket_off = key_size - 8;
	vec_push(&c->pd->arena, &c->pd->maps, m);
}

/* BEGIN { @x = 1; }  tracepoint:sched:sched_switch { @c[pid, comm] = count(); } with a
 * hist map declared too. */
static void build_by_hand(struct compiler *c)
{
	cr_assert_eq(cc_init(c, "hand.bt", "", NULL, NULL), 0);
	c->ast = node(c, AST_PROGRAM, NULL);
	add_probe(c, PD_PROBE_BEGIN, "BEGIN", NULL, NULL);
	add_probe(c, PD_PROBE_TRACEPOINT, "tracepoint:sched:sched_switch", "sched",
		  "sched_switch");
	add_map(c, "@x", PD_MAP_VALUE, NULL, 0, 8, 8);
	struct pd_type keys[2] = { pd_u64(0), { .kind = PD_STR, .size = 16, .offset = 8 } };
	add_map(c, "@c", PD_MAP_COUNT, keys, 2, 24, 8);
	add_map(c, "@h", PD_MAP_HIST, NULL, 0, 8, 8);

	struct ast_node *x = node(c, AST_MAP, ty_int(8, true));
	x->map.name = "@x";
	x->map.map_id = 0;
	struct ast_node *one = node(c, AST_INT, ty_int(8, true));
	one->int_.value = 1;
	struct ast_node *a1 = node(c, AST_ASSIGN, NULL);
	a1->assign.lhs = x;
	a1->assign.rhs = one;
	probe(c, 0, &a1, 1);

	struct ast_node *cm = node(c, AST_MAP, ty_new(&c->arena, TY_COUNT));
	cm->map.name = "@c";
	cm->map.map_id = 1;
	struct ast_node *pid = node(c, AST_BUILTIN, ty_int(4, false));
	pid->builtin.name = "pid";
	pid->builtin.id = BI_PID;
	struct ast_node *comm = node(c, AST_BUILTIN, ty_str(&c->arena, 16));
	comm->builtin.name = "comm";
	comm->builtin.id = BI_COMM;
	vec_push(&c->arena, &cm->map.keys, pid);
	vec_push(&c->arena, &cm->map.keys, comm);
	struct ast_node *cnt = node(c, AST_CALL, ty_none());
	cnt->call.name = "count";
	cnt->call.fn = FN_COUNT;
	struct ast_node *a2 = node(c, AST_ASSIGN, NULL);
	a2->assign.lhs = cm;
	a2->assign.rhs = cnt;
	probe(c, 1, &a2, 1);
}

static void expect_map(struct bpf_object *obj, const char *name, enum bpf_map_type type,
		       uint32_t key, uint32_t value, uint32_t max)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
	cr_assert_not_null(m, "no map %s", name);
	cr_expect_eq(bpf_map__type(m), type, "%s: type %d", name, bpf_map__type(m));
	cr_expect_eq(bpf_map__key_size(m), key, "%s: key size %u", name, bpf_map__key_size(m));
	cr_expect_eq(bpf_map__value_size(m), value, "%s: value size %u", name,
		     bpf_map__value_size(m));
	cr_expect_eq(bpf_map__max_entries(m), max, "%s: max_entries %u", name,
		     bpf_map__max_entries(m));
}

Test(codegen, names_programs_and_gives_them_libbpf_sections)
{
	struct compiler c;
	build_by_hand(&c);
	cr_assert_eq(cg_emit(&c), 0);
	cr_expect_str_eq(c.pd->probes.v[0].prog_name, "p0");
	cr_expect_str_eq(c.pd->probes.v[1].prog_name, "p1");
	struct bpf_object *obj = open_elf(&c);
	struct bpf_program *p0 = bpf_object__find_program_by_name(obj, "p0");
	struct bpf_program *p1 = bpf_object__find_program_by_name(obj, "p1");
	cr_assert_not_null(p0);
	cr_assert_not_null(p1);
	cr_expect_str_eq(bpf_program__section_name(p0), "raw_tp");
	cr_expect_eq(bpf_program__type(p0), BPF_PROG_TYPE_RAW_TRACEPOINT);
	cr_expect_str_eq(bpf_program__section_name(p1), "tracepoint/sched/sched_switch");
	cr_expect_eq(bpf_program__type(p1), BPF_PROG_TYPE_TRACEPOINT);
	bpf_object__close(obj);
	cc_fini(&c);
}

Test(codegen, declares_user_and_runtime_maps_with_their_sizes)
{
	struct compiler c;
	build_by_hand(&c);
	cr_assert_eq(cg_emit(&c), 0);
	struct bpf_object *obj = open_elf(&c);
	expect_map(obj, "m0", BPF_MAP_TYPE_HASH, 8, 8, 1);
	expect_map(obj, "m1", BPF_MAP_TYPE_PERCPU_HASH, 24, 8, 4096);
	expect_map(obj, "m2", BPF_MAP_TYPE_PERCPU_HASH, 8, 8, PD_HIST_BUCKETS);
	expect_map(obj, PD_RINGBUF_SYM, BPF_MAP_TYPE_RINGBUF, 0, 0, 1u << 20);
	expect_map(obj, PD_LOST_SYM, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, 1);
	expect_map(obj, PD_GLOBALS_SYM, BPF_MAP_TYPE_ARRAY, 4, sizeof(struct pd_globals), 1);
	cr_expect_eq(c.pd->maps.v[2].max_entries, PD_HIST_BUCKETS, "pd agrees with the ELF");
	bpf_object__close(obj);
	cc_fini(&c);
}

Test(codegen, hand_built_program_passes_the_verifier)
{
	need_root();
	struct compiler c;
	build_by_hand(&c);
	cr_assert_eq(cg_emit(&c), 0);
	struct bpf_object *obj = open_elf(&c);
	load(obj);
	bpf_object__close(obj);
	cc_fini(&c);
}

Test(codegen, prints_ir_and_assembly_when_asked)
{
	struct compiler c;
	build_by_hand(&c);
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	c.opts.debug = CC_DEBUG_IR | CC_DEBUG_ASM;
	c.opts.debug_out = f;
	cr_assert_eq(cg_emit(&c), 0);
	fclose(f);
	cr_expect_not_null(strstr(buf, "@p0(ptr"), "IR of p0 printed");
	cr_expect_not_null(strstr(buf, "section \"tracepoint/sched/sched_switch\""));
	cr_expect_not_null(strstr(buf, "p1:"), "assembly label of p1 printed");
	cr_expect_not_null(strstr(buf, "call 14"), "bpf_get_current_pid_tgid call in asm");
	free(buf);
	cc_fini(&c);
}
