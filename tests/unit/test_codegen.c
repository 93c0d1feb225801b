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
	if (k == PD_MAP_HIST) { /* the hash layout, as sema's layout gives it */
		m.bucket_off = key_size - 8;
		m.max_entries = nkeys ? 4096 : PD_HIST_BUCKETS;
	}
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
	struct type *kelems[2] = { ty_int(8, false), ty_str(&c->arena, 16) };
	cm->map.key_ty = ty_tuple(&c->arena, kelems, 2); /* sema's key tuple, as pd_map.key */
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
	expect_map(obj, PD_RINGBUF_SYM, BPF_MAP_TYPE_RINGBUF, 0, 0, CC_RINGBUF_DEFAULT);
	expect_map(obj, PD_LOST_SYM, BPF_MAP_TYPE_PERCPU_ARRAY, 4, 8, PD_LOST__COUNT);
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

/* ---- whole scripts through the front end, run with BPF_PROG_TEST_RUN ---- */

struct run {
	struct compiler c;
	struct bpf_object *obj;
	unsigned char ev[64][128]; /* ring buffer records, first 128 bytes each */
	int nev;
};

static void compile_with(struct run *r, const char *src, uint32_t ringbuf_size)
{
	memset(r, 0, sizeof(*r));
	char *diags = NULL;
	size_t dlen = 0;
	FILE *df = open_memstream(&diags, &dlen);
	cr_assert_eq(cc_init(&r->c, "test.bt", src, NULL, df), 0);
	int err = cc_run(&r->c, "typecheck");
	fflush(df);
	cr_assert_eq(err, 0, "front end failed on %s:\n%s", src, diags);
	if (ringbuf_size)
		r->c.pd->ringbuf_size = ringbuf_size;
	err = cg_emit(&r->c);
	fflush(df);
	cr_assert_eq(err, 0, "codegen failed on %s:\n%s", src, diags);
	fclose(df);
	free(diags);
	r->obj = open_elf(&r->c);
}

static void compile(struct run *r, const char *src)
{
	compile_with(r, src, 0);
}

static void compile_load(struct run *r, const char *src)
{
	need_root();
	compile(r, src);
	load(r->obj);
}

static void finish(struct run *r)
{
	bpf_object__close(r->obj);
	cc_fini(&r->c);
}

Test(codegen, declares_one_stack_map_per_kind_and_depth)
{
	struct run r;
	compile(&r, "BEGIN { @a[kstack] = count(); @b[kstack(perf)] = count(); "
		    "@c[ustack(3)] = count(); @d[kstack(raw, 3)] = count(); @e = ustack(perf, 3); }");
	cr_expect_eq(r.c.pd->stackmaps.len, 3, "kernel 127, user 3, kernel 3");
	expect_map(r.obj, "stack_k127", BPF_MAP_TYPE_STACK_TRACE, 4, 127 * 8, 4096);
	expect_map(r.obj, "stack_u3", BPF_MAP_TYPE_STACK_TRACE, 4, 3 * 8, 4096);
	expect_map(r.obj, "stack_k3", BPF_MAP_TYPE_STACK_TRACE, 4, 3 * 8, 4096);
	expect_map(r.obj, "m2", BPF_MAP_TYPE_PERCPU_HASH, 16, 8, 4096);
	finish(&r);
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct run *r = ctx;
	if (r->nev < 64) {
		memset(r->ev[r->nev], 0, sizeof(r->ev[0]));
		memcpy(r->ev[r->nev], data, size < sizeof(r->ev[0]) ? size : sizeof(r->ev[0]));
	}
	r->nev++;
	return 0;
}

/* Runs the program of pd probe `index` once (raw_tp programs: BEGIN/END) and collects
 * the ring buffer records it wrote. */
static void run_probe(struct run *r, int index)
{
	const char *name = r->c.pd->probes.v[index].prog_name;
	struct bpf_program *p = bpf_object__find_program_by_name(r->obj, name);
	cr_assert_not_null(p, "no program %s", name);
	LIBBPF_OPTS(bpf_test_run_opts, o);
	cr_assert_eq(bpf_prog_test_run_opts(bpf_program__fd(p), &o), 0, "test run failed: %s",
		     strerror(errno));
	struct bpf_map *ev = bpf_object__find_map_by_name(r->obj, PD_RINGBUF_SYM);
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(ev), on_event, r, NULL);
	cr_assert_not_null(rb);
	ring_buffer__consume(rb);
	ring_buffer__free(rb);
}

static struct bpf_map *user_map(struct run *r, const char *name)
{
	for (int i = 0; i < r->c.pd->maps.len; i++)
		if (strcmp(r->c.pd->maps.v[i].name, name) == 0)
			return bpf_object__find_map_by_name(r->obj, r->c.pd->maps.v[i].sym);
	cr_assert_fail("no map %s", name);
	return NULL;
}

/* The value at key (key_size bytes) summed over CPUs for per-CPU maps; value_off picks
 * a field of the value. Returns 0 for a missing key. */
static int64_t map_get(struct run *r, const char *name, const void *key, int value_off)
{
	struct bpf_map *m = user_map(r, name);
	int ncpu = libbpf_num_possible_cpus();
	bool percpu = bpf_map__type(m) == BPF_MAP_TYPE_PERCPU_HASH ||
		      bpf_map__type(m) == BPF_MAP_TYPE_PERCPU_ARRAY;
	size_t vs = bpf_map__value_size(m);
	size_t n = percpu ? ((vs + 7) & ~7ul) * (size_t)ncpu : vs;
	unsigned char *buf = calloc(1, n);
	unsigned char zero[256] = { 0 };
	int64_t sum = 0;
	if (bpf_map__lookup_elem(m, key ? key : zero, bpf_map__key_size(m), buf, n, 0) == 0) {
		for (int c = 0; c < (percpu ? ncpu : 1); c++) {
			int64_t v;
			memcpy(&v, buf + (size_t)c * ((vs + 7) & ~7ul) + value_off, 8);
			sum += v;
		}
	}
	free(buf);
	return sum;
}

static int64_t scalar(struct run *r, const char *name)
{
	return map_get(r, name, NULL, 0);
}

static int64_t keyed(struct run *r, const char *name, uint64_t k)
{
	unsigned char key[64] = { 0 };
	memcpy(key, &k, 8);
	return map_get(r, name, key, 0);
}

Test(codegen, integer_arithmetic_follows_signedness_and_bpf_division_by_zero)
{
	struct run r;
	compile_load(&r, "BEGIN { @a = 7 / 2; @b = -7 / 2; @c = 7 % 0; @d = 7 / 0; @e = -7 % 3;"
			 " @f = (uint64)-16 >> 2; @g = -16 >> 2; @h = (int8)300; @i = (uint8)300;"
			 " @j = 3 - 5 * 2; @k = 1 << 40; @l = ~0 ^ 5; }");
	run_probe(&r, 0);
	cr_expect_eq(scalar(&r, "@a"), 3);
	cr_expect_eq(scalar(&r, "@b"), -3);
	cr_expect_eq(scalar(&r, "@c"), 7, "x %% 0 leaves x, as the BPF ISA does");
	cr_expect_eq(scalar(&r, "@d"), 0, "x / 0 is 0, as the BPF ISA does");
	cr_expect_eq(scalar(&r, "@e"), -1);
	cr_expect_eq((uint64_t)scalar(&r, "@f"), (uint64_t)-16 >> 2);
	cr_expect_eq(scalar(&r, "@g"), -4);
	cr_expect_eq(scalar(&r, "@h"), 44);
	cr_expect_eq(scalar(&r, "@i"), 44);
	cr_expect_eq(scalar(&r, "@j"), -7);
	cr_expect_eq(scalar(&r, "@k"), 1ll << 40);
	cr_expect_eq(scalar(&r, "@l"), ~0ll ^ 5);
	finish(&r);
}

Test(codegen, comparisons_and_logic_give_zero_or_one_and_short_circuit)
{
	struct run r;
	compile_load(&r, "BEGIN { @n = 0; @a = 0 && @n++; @b = 1 || @n++; @c = 1 && @n++;"
			 " @d = -1 < 1; @e = (uint64)-1 > 1; @f = 3 > 2 ? 10 : 20; @g = !5; }");
	run_probe(&r, 0);
	cr_expect_eq(scalar(&r, "@n"), 1, "only the third @n++ ran");
	cr_expect_eq(scalar(&r, "@a"), 0);
	cr_expect_eq(scalar(&r, "@b"), 1);
	cr_expect_eq(scalar(&r, "@c"), 0, "@n++ gave the old value 0");
	cr_expect_eq(scalar(&r, "@d"), 1);
	cr_expect_eq(scalar(&r, "@e"), 1);
	cr_expect_eq(scalar(&r, "@f"), 10);
	cr_expect_eq(scalar(&r, "@g"), 0);
	finish(&r);
}

Test(codegen, locals_compound_assignment_and_loops)
{
	struct run r;
	compile_load(&r, "BEGIN { $x = 5; $x += 3; $x *= 2; $x++; @x = $x;"
			 " $i = 0; $s = 0; while ($i < 10) { $i++; if ($i == 3) { continue; }"
			 " if ($i == 6) { break; } $s += $i; } @w = $s;"
			 " $u = 0; unroll(4) { $u += 2; } @u = $u;"
			 " $t = 0; for ($k : 2..6) { if ($k == 4) { continue; } $t += $k; } @r = $t; }");
	run_probe(&r, 0);
	cr_expect_eq(scalar(&r, "@x"), 17);
	cr_expect_eq(scalar(&r, "@w"), 1 + 2 + 4 + 5);
	cr_expect_eq(scalar(&r, "@u"), 8);
	cr_expect_eq(scalar(&r, "@r"), 2 + 3 + 5);
	finish(&r);
}

Test(codegen, return_inside_a_loop_callback_leaves_the_probe)
{
	struct run r;
	compile_load(&r, "BEGIN { for ($i : 0..10) { @n++; if ($i == 2) { return; } } @after = 1; }");
	run_probe(&r, 0);
	cr_expect_eq(scalar(&r, "@n"), 3);
	cr_expect_eq(scalar(&r, "@after"), 0, "nothing after the loop ran");
	finish(&r);
}

Test(codegen, map_reads_of_missing_keys_are_zero_and_maps_update_in_place)
{
	struct run r;
	compile_load(&r, "BEGIN { @m[1] = 10; @m[2] = 20; @m[2] += 5; @m[3]--; @z = @m[7] + 1;"
			 " delete(@m[1]); @has = has_key(@m, 2); @hasnt = has_key(@m, 1);"
			 " @len = len(@m); $t = 0; for ($kv : @m) { $t += $kv.1; } @sum = $t; }");
	run_probe(&r, 0);
	cr_expect_eq(keyed(&r, "@m", 1), 0, "deleted");
	cr_expect_eq(keyed(&r, "@m", 2), 25);
	cr_expect_eq(keyed(&r, "@m", 3), -1);
	cr_expect_eq(scalar(&r, "@z"), 1);
	cr_expect_eq(scalar(&r, "@has"), 1);
	cr_expect_eq(scalar(&r, "@hasnt"), 0);
	cr_expect_eq(scalar(&r, "@len"), 2);
	cr_expect_eq(scalar(&r, "@sum"), 24);
	finish(&r);
}

Test(codegen, aggregations_update_per_cpu_values)
{
	struct run r;
	compile_load(&r, "BEGIN { @c = count(); @c = count(); @s = sum(5); @s = sum(-2);"
			 " @mi = min(3); @mi = min(-4); @ma = max(3); @ma = max(9);"
			 " @av = avg(3); @av = avg(5); @st = stats(10); @st = stats(20); }");
	run_probe(&r, 0);
	cr_expect_eq(scalar(&r, "@c"), 2);
	cr_expect_eq(scalar(&r, "@s"), 3);
	cr_expect_eq(map_get(&r, "@mi", NULL, 0), -4);
	cr_expect_eq(map_get(&r, "@mi", NULL, 8), 1, "min marked set");
	cr_expect_eq(map_get(&r, "@ma", NULL, 0), 9);
	cr_expect_eq(map_get(&r, "@av", NULL, 0), 8, "avg sum");
	cr_expect_eq(map_get(&r, "@av", NULL, 8), 2, "avg count");
	cr_expect_eq(map_get(&r, "@st", NULL, 0), 30);
	cr_expect_eq(map_get(&r, "@st", NULL, 8), 2);
	finish(&r);
}

/* A keyless hist keeps its counts in one per-CPU array value: bucket i at i * 8. */
static int64_t bucket(struct run *r, const char *name, int i)
{
	return map_get(r, name, NULL, i * 8);
}

Test(codegen, hist_and_lhist_count_into_the_documented_buckets)
{
	struct run r;
	compile_load(&r, "BEGIN { @h = hist(-3); @h = hist(0); @h = hist(1); @h = hist(5);"
			 " @h = hist(7); @h = hist(1024); @h = hist(0x7fffffffffffffff);"
			 " @l = lhist(-1, 0, 100, 10);"
			 " @l = lhist(0, 0, 100, 10); @l = lhist(25, 0, 100, 10);"
			 " @l = lhist(100, 0, 100, 10); @l = lhist(1000, 0, 100, 10); }");
	run_probe(&r, 0);
	expect_map(r.obj, "m0", BPF_MAP_TYPE_PERCPU_ARRAY, 4, (PD_HIST_BUCKETS + 1) * 8, 1);
	expect_map(r.obj, "m1", BPF_MAP_TYPE_PERCPU_ARRAY, 4, (11 + 1 + 1) * 8, 1);
	cr_expect_eq(bucket(&r, "@h", 0), 1, "negative");
	cr_expect_eq(bucket(&r, "@h", 1), 1, "zero");
	cr_expect_eq(bucket(&r, "@h", 2), 1, "[1, 2)");
	cr_expect_eq(bucket(&r, "@h", 4), 2, "[4, 8) holds 5 and 7");
	cr_expect_eq(bucket(&r, "@h", 12), 1, "[1K, 2K)");
	cr_expect_eq(bucket(&r, "@h", 64), 1, "[4E, 8E)");
	cr_expect_eq(bucket(&r, "@h", 66), 0, "the zero() mark: user space writes it");
	cr_expect_eq(bucket(&r, "@l", 0), 1, "below min");
	cr_expect_eq(bucket(&r, "@l", 1), 1, "[0, 10)");
	cr_expect_eq(bucket(&r, "@l", 3), 1, "[20, 30)");
	cr_expect_eq(bucket(&r, "@l", 11), 2, "max and above");
	finish(&r);
}

Test(codegen, keyed_hist_buckets_are_the_last_key_field)
{
	struct run r;
	compile_load(&r, "BEGIN { @h[7] = hist(5); @h[7] = hist(6); @h[8] = hist(0); }");
	run_probe(&r, 0);
	expect_map(r.obj, "m0", BPF_MAP_TYPE_PERCPU_HASH, 16, 8, 4096);
	uint64_t k[2] = { 7, 4 };
	cr_expect_eq(map_get(&r, "@h", k, 0), 2, "@h[7]: [4, 8)");
	k[0] = 8;
	k[1] = 1;
	cr_expect_eq(map_get(&r, "@h", k, 0), 1, "@h[8]: [0]");
	finish(&r);
}

Test(codegen, strings_compare_up_to_the_nul_and_are_stored_zero_filled)
{
	struct run r;
	compile_load(&r, "BEGIN { $s = \"abc\"; @eq = $s == \"abc\"; @ne = $s != \"abd\";"
			 " @pre = $s == \"ab\"; @long = $s == \"abcd\"; $t = \"abc\";"
			 " @same = $s == $t; @k[$s] = 1; @c = comm == \"test_codegen\"; }");
	run_probe(&r, 0);
	cr_expect_eq(scalar(&r, "@eq"), 1);
	cr_expect_eq(scalar(&r, "@ne"), 1);
	cr_expect_eq(scalar(&r, "@pre"), 0);
	cr_expect_eq(scalar(&r, "@long"), 0);
	cr_expect_eq(scalar(&r, "@same"), 1);
	unsigned char key[64] = "abc";
	cr_expect_eq(map_get(&r, "@k", key, 0), 1, "the key is \"abc\" padded with zeros");
	cr_expect_eq(scalar(&r, "@c"), 1, "comm of the test process");
	finish(&r);
}

Test(codegen, str_with_a_length_keeps_that_many_characters)
{
	struct run r;
	compile_load(&r, "BEGIN { $n = 3; @a[str(\"abcdef\", 2)] = 1; @b[str(\"abcdef\", $n)] = 1; }");
	run_probe(&r, 0);
	unsigned char k[64] = "ab";
	cr_expect_eq(map_get(&r, "@a", k, 0), 1, "\"ab\" with a constant length");
	unsigned char k3[64] = "abc";
	cr_expect_eq(map_get(&r, "@b", k3, 0), 1, "\"abc\" with a length known at run time");
	finish(&r);
}

Test(codegen, printf_writes_a_ring_buffer_record_in_the_format_layout)
{
	struct run r;
	compile_load(&r, "BEGIN { printf(\"%d %s %d\\n\", -42, \"hi\", (uint8)7); exit(); }");
	run_probe(&r, 0);
	cr_assert_eq(r.nev, 2, "printf and exit events");
	struct pd_event h;
	memcpy(&h, r.ev[0], sizeof(h));
	cr_expect_eq(h.kind, PD_EV_PRINTF);
	cr_expect_eq(h.index, 0);
	const struct pd_type *args = &r.c.pd->fmts.v[0].args;
	cr_assert_eq(args->fields.len, 3);
	int64_t a;
	memcpy(&a, r.ev[0] + 8 + args->fields.v[0].offset, 8);
	cr_expect_eq(a, -42);
	cr_expect_str_eq((char *)r.ev[0] + 8 + args->fields.v[1].offset, "hi");
	memcpy(&a, r.ev[0] + 8 + args->fields.v[2].offset, 8);
	cr_expect_eq(a, 7, "small integers are widened to 8 bytes");
	memcpy(&h, r.ev[1], sizeof(h));
	cr_expect_eq(h.kind, PD_EV_EXIT);
	finish(&r);
}

Test(codegen, map_and_time_events_carry_their_index)
{
	struct run r;
	compile_load(&r, "BEGIN { @a = 1; @b[1] = count(); print(@b, 3, 2); clear(@a); zero(@b);"
			 " time(); }");
	run_probe(&r, 0);
	cr_assert_eq(r.nev, 4);
	struct pd_event h;
	memcpy(&h, r.ev[0], sizeof(h));
	cr_expect_eq(h.kind, PD_EV_PRINT_MAP);
	cr_expect_str_eq(r.c.pd->maps.v[h.index].name, "@b");
	struct pd_ev_print_map pm;
	memcpy(&pm, r.ev[0] + 8, sizeof(pm));
	cr_expect_eq(pm.top, 3);
	cr_expect_eq(pm.div, 2);
	memcpy(&h, r.ev[1], sizeof(h));
	cr_expect_eq(h.kind, PD_EV_CLEAR);
	cr_expect_str_eq(r.c.pd->maps.v[h.index].name, "@a");
	memcpy(&h, r.ev[2], sizeof(h));
	cr_expect_eq(h.kind, PD_EV_ZERO);
	memcpy(&h, r.ev[3], sizeof(h));
	cr_expect_eq(h.kind, PD_EV_TIME);
	cr_expect_eq(r.c.pd->fmts.v[h.index].kind, PD_FMT_TIME);
	finish(&r);
}

Test(codegen, a_full_ring_buffer_counts_lost_events)
{
	need_root();
	struct run r;
	compile_with(&r, "BEGIN { for ($i : 0..200) { printf(\"%s\\n\", \"0123456789\"); } }",
		     4096);
	load(r.obj);
	run_probe(&r, 0);
	struct bpf_map *lost = bpf_object__find_map_by_name(r.obj, PD_LOST_SYM);
	int ncpu = libbpf_num_possible_cpus();
	uint64_t vals[ncpu], total = 0;
	uint32_t k = 0;
	cr_assert_eq(bpf_map__lookup_elem(lost, &k, 4, vals, sizeof(vals), 0), 0);
	for (int i = 0; i < ncpu; i++)
		total += vals[i];
	cr_expect_gt(total, 0);
	cr_expect_eq((uint64_t)r.nev + total, 200, "every record is delivered or counted");
	finish(&r);
}

Test(codegen, exit_ends_the_probe)
{
	struct run r;
	compile_load(&r, "BEGIN { @a = 1; exit(); @b = 1; }");
	run_probe(&r, 0);
	cr_expect_eq(scalar(&r, "@a"), 1);
	cr_expect_eq(scalar(&r, "@b"), 0);
	finish(&r);
}

Test(codegen, tuples_are_relaid_out_when_stored)
{
	struct run r;
	compile_load(&r, "BEGIN { $t = (1, \"ab\", (int8)-3); @a = $t.0; @c = $t.2; @t = $t;"
			 " @p[2, \"x\"] = 7; }");
	run_probe(&r, 0);
	cr_expect_eq(scalar(&r, "@a"), 1);
	cr_expect_eq(scalar(&r, "@c"), -3);
	const struct pd_map *pm = &r.c.pd->maps.v[2];
	cr_assert_str_eq(pm->name, "@t");
	cr_assert_eq(pm->value.fields.len, 3);
	struct bpf_map *m = user_map(&r, "@t");
	unsigned char val[256] = { 0 }, key[8] = { 0 };
	cr_assert_eq(bpf_map__lookup_elem(m, key, 8, val, bpf_map__value_size(m), 0), 0);
	int64_t v;
	memcpy(&v, val + pm->value.fields.v[2].offset, 8);
	cr_expect_eq(v, -3, "int8 widened to 8 bytes in storage");
	cr_expect_str_eq((char *)val + pm->value.fields.v[1].offset, "ab");
	unsigned char pk[128] = { 0 };
	const struct pd_map *pp = &r.c.pd->maps.v[3];
	uint64_t two = 2;
	memcpy(pk + pp->key.fields.v[0].offset, &two, 8);
	memcpy(pk + pp->key.fields.v[1].offset, "x", 2);
	cr_expect_eq(map_get(&r, "@p", pk, 0), 7);
	finish(&r);
}

Test(codegen, tracepoint_programs_read_args_and_pass_the_verifier)
{
	struct run r;
	compile_load(&r, "tracepoint:syscalls:sys_enter_openat /comm != \"x\"/ {"
			 " @[comm, str(args->filename)] = count(); @f = hist(args->flags);"
			 " printf(\"%s %d %d\\n\", str(args->filename), args->flags, pid); }"
			 " tracepoint:sched:sched_switch { @s[args->prev_comm] = sum(args->prev_pid); }"
			 " rawtracepoint:sched_switch { @r = arg0 + arg1; }");
	cr_expect_str_eq(bpf_program__section_name(bpf_object__find_program_by_name(r.obj, "p0")),
			 "tracepoint/syscalls/sys_enter_openat");
	cr_expect_str_eq(bpf_program__section_name(bpf_object__find_program_by_name(r.obj, "p2")),
			 "raw_tracepoint/sched_switch");
	finish(&r);
}

Test(codegen, kernel_pointers_are_followed_with_probe_reads)
{
	struct run r;
	compile_load(&r, "BEGIN { @p = curtask->tgid == pid; @t = curtask->pid == tid; @pp = curtask->real_parent->pid > 0;"
			 " @c = curtask->comm == comm; @e = elapsed < 1000000000000; }");
	run_probe(&r, 0);
	cr_expect_eq(scalar(&r, "@p"), 1);
	cr_expect_eq(scalar(&r, "@t"), 1);
	cr_expect_eq(scalar(&r, "@c"), 1);
	cr_expect_eq(scalar(&r, "@pp"), 1);
	finish(&r);
}

Test(codegen, loaded_objects_carry_btf_and_line_info)
{
	struct run r;
	compile_load(&r, "BEGIN {\n  @a = 1;\n  printf(\"x\\n\");\n}\n");
	cr_expect_geq(bpf_object__btf_fd(r.obj), 0, "the kernel accepted the object's BTF");
	struct bpf_prog_info info = { 0 };
	uint32_t len = sizeof(info);
	struct bpf_program *p = bpf_object__find_program_by_name(r.obj, "p0");
	cr_assert_eq(bpf_obj_get_info_by_fd(bpf_program__fd(p), &info, &len), 0);
	cr_expect_gt(info.nr_line_info, 0);
	finish(&r);
}

Test(codegen, verifier_log_maps_instructions_to_script_lines)
{
	need_root();
	struct run r;
	/* The runtime maps a rejection to the script through these "@ file:LINE" comments;
	 * a verbose log of an accepted program shows them the same way. */
	compile(&r, "BEGIN {\n  @a = 1;\n}\n");
	struct bpf_program *p = bpf_object__find_program_by_name(r.obj, "p0");
	bpf_program__set_log_level(p, 2);
	static char buf[1 << 16];
	bpf_program__set_log_buf(p, buf, sizeof(buf));
	load(r.obj);
	cr_expect_not_null(strstr(buf, "@ test.bt:2"), "line 2 in the log:\n%s", buf);
	finish(&r);
}

/* kprobe:do_sys_openat2 { @x = arg1; } built by hand: sema does not accept kprobes yet,
 * but the probe-kind table already compiles them (pt_regs arguments) and they load. */
Test(codegen, kprobe_programs_read_arguments_from_pt_regs_and_load)
{
	struct compiler c;
	cr_assert_eq(cc_init(&c, "hand.bt", "", NULL, NULL), 0);
	c.ast = node(&c, AST_PROGRAM, NULL);
	add_probe(&c, PD_PROBE_KPROBE, "kprobe:do_sys_openat2", NULL, "do_sys_openat2");
	add_map(&c, "@x", PD_MAP_VALUE, NULL, 0, 8, 8);
	struct ast_node *x = node(&c, AST_MAP, ty_int(8, false));
	x->map.name = "@x";
	x->map.map_id = 0;
	struct ast_node *a1 = node(&c, AST_BUILTIN, ty_int(8, false));
	a1->builtin.name = "arg1";
	a1->builtin.id = BI_ARG;
	struct ast_node *as = node(&c, AST_ASSIGN, NULL);
	as->assign.lhs = x;
	as->assign.rhs = a1;
	probe(&c, 0, &as, 1);
	cr_assert_eq(cg_emit(&c), 0);
	struct bpf_object *obj = open_elf(&c);
	struct bpf_program *p = bpf_object__find_program_by_name(obj, "p0");
	cr_expect_str_eq(bpf_program__section_name(p), "kprobe");
	cr_expect_eq(bpf_program__type(p), BPF_PROG_TYPE_KPROBE);
	if (geteuid() == 0)
		load(obj);
	bpf_object__close(obj);
	cc_fini(&c);
}

/* A program whose records all come from BEGIN and END outside loops gets a ring that
 * holds them (a page here, more when they need it); any other reservation keeps the
 * default. */
static uint32_t ring_of(const char *src)
{
	struct run r;
	compile(&r, src);
	uint32_t size = r.c.pd->ringbuf_size;
	finish(&r);
	return size;
}

Test(codegen, ring_sized_to_bounded_begin_end_records)
{
	uint32_t page = (uint32_t)sysconf(_SC_PAGESIZE);
	cr_expect_eq(ring_of("BEGIN { exit(); }"), page);
	cr_expect_eq(ring_of("BEGIN { printf(\"a\\n\"); } END { printf(\"b\\n\"); }"), page);
	/* 200 records of 8 + 8 + 64 bytes (header, event header, a 64-byte string) */
	uint32_t big = ring_of("BEGIN { unroll(100) { printf(\"%s\\n\", str(0)); } } "
			       "END { unroll(100) { printf(\"%s\\n\", str(0)); } }");
	cr_expect_geq(big, 200 * (8 + 8 + 64), "ring of %u bytes", big);
	cr_expect_leq(big, 2 * 200 * (8 + 8 + 64) + page, "ring of %u bytes", big);
	cr_expect_eq(ring_of("BEGIN { $i = 0; while ($i < 2) { printf(\"x\\n\"); $i++; } }"),
		     CC_RINGBUF_DEFAULT, "a loop is unbounded");
	cr_expect_eq(ring_of("BEGIN { exit(); } tracepoint:sched:sched_switch { printf(\"x\\n\"); }"),
		     CC_RINGBUF_DEFAULT, "a traced probe is unbounded");
}
