/* Unit tests for src/sema: types, probe resolution, expression types, map and format layouts
 * in the program description, and the exact text of every kind of diagnostic. Tests that
 * read tracefs or kernel BTF skip when they are unavailable. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compiler.h"
#include "parser/ast.h"
#include "parser/parser.h"
#include "progdesc.h"
#include "sema/sema.h"
#include "sema/sema_int.h"
#include "sema/types.h"
#include "util/arena.h"
#include "util/diag.h"
#include "util/strbuf.h"

struct checked {
	struct compiler c;
	char *err;
	size_t errlen;
	FILE *errf;
	int rc;
};

static struct checked *check_opts(const char *src, const char **params, int nparams, bool cpid)
{
	struct checked *p = calloc(1, sizeof(*p));
	p->errf = open_memstream(&p->err, &p->errlen);
	p->c.file = "t.bt";
	p->c.src = src;
	p->c.opts.strlen = 64;
	p->c.opts.map_keys_max = 4096;
	p->c.opts.params = params;
	p->c.opts.nparams = nparams;
	p->c.opts.has_cpid = cpid;
	diag_init(&p->c.diag, "t.bt", src, p->errf);
	p->c.pd = pd_new();
	cr_assert_not_null(p->c.pd);
	p->c.pd->strlen = 64;
	p->rc = parse_program(&p->c);
	cr_assert_eq(p->rc, 0, "parse failed");
	if (p->rc == 0)
		p->rc = sema_resolve(&p->c);
	if (p->rc == 0)
		p->rc = sema_typecheck(&p->c);
	fflush(p->errf);
	return p;
}

static struct checked *check(const char *src)
{
	return check_opts(src, NULL, 0, false);
}

static void done(struct checked *p)
{
	fclose(p->errf);
	free(p->err);
	arena_free(&p->c.arena);
	pd_free(p->c.pd);
	free(p);
}

static void expect_ok(struct checked *p)
{
	cr_assert_eq(p->rc, 0, "rc %d, diagnostics:\n%s", p->rc, p->err);
	cr_assert_str_empty(p->err);
}

static void expect_err(const char *src, const char *want)
{
	struct checked *p = check(src);
	cr_expect_neq(p->rc, 0);
	cr_expect_str_eq(p->err, want);
	done(p);
}

static struct ast_node *stmt(struct checked *p, int probe, int i)
{
	struct ast_node *body = p->c.ast->program.probes.v[probe]->probe.body;
	cr_assert_gt(body->block.stmts.len, i);
	return body->block.stmts.v[i];
}

/* The right side of statement i of the first probe ($x = expr). */
static struct ast_node *rhs(struct checked *p, int i)
{
	struct ast_node *s = stmt(p, 0, i);
	if (s->kind == AST_LET)
		return s->let.init;
	cr_assert_eq(s->kind, AST_ASSIGN);
	return s->assign.rhs;
}

static const char *tyname(const struct type *t)
{
	static char buf[256];
	return ty_name(t, buf, sizeof(buf));
}

static bool have_tracefs(void)
{
	return geteuid() == 0 && sema_tracefs_root() && sema_tp_exists("sched", "sched_switch");
}

static bool have_btf(void)
{
	return kbtf_available();
}

/* ---- types ---- */

Test(types, names_read_as_the_script_would_write_them)
{
	struct arena a = { 0 };
	struct type *elems[2] = { ty_int(8, true), ty_str(&a, 4) };
	cr_expect_str_eq(tyname(ty_int(8, false)), "uint64");
	cr_expect_str_eq(tyname(ty_int(4, true)), "int32");
	cr_expect_str_eq(tyname(ty_str(&a, 64)), "string[64]");
	cr_expect_str_eq(tyname(ty_ptr(&a, ty_none(), false)), "void *");
	cr_expect_str_eq(tyname(ty_ptr(&a, ty_ptr(&a, ty_int(1, true), false), false)), "int8 **");
	cr_expect_str_eq(tyname(ty_array(&a, ty_int(4, false), 3)), "uint32[3]");
	cr_expect_str_eq(tyname(ty_tuple(&a, elems, 2)), "(int64, string[4])");
	cr_expect_str_eq(tyname(ty_new(&a, TY_COUNT)), "count()");
	arena_free(&a);
}

Test(types, tuples_are_laid_out_with_c_alignment)
{
	struct arena a = { 0 };
	struct type *elems[3] = { ty_int(1, true), ty_int(8, false), ty_str(&a, 3) };
	struct type *t = ty_tuple(&a, elems, 3);
	cr_assert_eq(t->fields.len, 3);
	cr_expect_eq(t->fields.v[0].offset, 0);
	cr_expect_eq(t->fields.v[1].offset, 8);
	cr_expect_eq(t->fields.v[2].offset, 16);
	cr_expect_eq(t->size, 24);
	cr_expect_eq(t->align, 8);
	cr_expect_str_eq(t->fields.v[1].name, "1");
	arena_free(&a);
}

Test(types, scalars_are_shared_and_strings_of_any_size_are_equal)
{
	struct arena a = { 0 };
	cr_expect_eq(ty_int(4, true), ty_int(4, true));
	cr_expect_neq(ty_int(4, true), ty_int(4, false));
	cr_expect(ty_equal(ty_str(&a, 4), ty_str(&a, 64)));
	cr_expect_not(ty_equal(ty_int(8, true), ty_int(8, false)));
	cr_expect(ty_is_aggregation(ty_new(&a, TY_LHIST)));
	cr_expect_not(ty_is_aggregation(ty_int(8, true)));
	cr_expect(ty_is_error(ty_error()));
	arena_free(&a);
}

/* The kinds' table decides what each stage does: spot-check the rows that matter most. */
Test(types, kind_rows_say_how_each_stage_treats_a_kind)
{
	struct arena a = { 0 };
	cr_expect_eq(ty_desc(ty_int(4, false))->pd[0], PD_UINT);
	cr_expect_eq(ty_desc(ty_int(4, true))->pd[1], PD_INT);
	cr_expect_eq(ty_desc(ty_new(&a, TY_HIST))->map, PD_MAP_HIST);
	cr_expect_eq(ty_desc(ty_str(&a, 4))->store, TY_STORE_STRLEN);
	cr_expect(ty_desc(ty_array(&a, ty_int(1, false), 4))->flags & TY_F_MEMORY);
	cr_expect_eq(pd_kinds[ty_pd_kind(ty_new(&a, TY_KSYM))].convs, PD_CONV_TEXT);
	for (int k = 0; k < TY_KIND__COUNT; k++)
		cr_expect_eq(!!(ty_kinds[k].flags & TY_F_AGG), ty_kinds[k].map != PD_MAP_VALUE,
			     "kind %d", k);
	arena_free(&a);
}

Test(types, c_type_names_parse_to_their_layout)
{
	struct arena a = { 0 };
	cr_expect_eq(sema_parse_ctype(&a, "unsigned int"), ty_int(4, false));
	cr_expect_eq(sema_parse_ctype(&a, "const unsigned long"), ty_int(8, false));
	cr_expect_eq(sema_parse_ctype(&a, "u64"), ty_int(8, false));
	cr_expect_eq(sema_parse_ctype(&a, "pid_t"), ty_int(4, true));
	cr_expect_eq(sema_parse_ctype(&a, "umode_t"), ty_int(2, false));
	cr_expect_str_eq(tyname(sema_parse_ctype(&a, "const char *")), "int8 *");
	cr_expect_str_eq(tyname(sema_parse_ctype(&a, "char[16]")), "string[16]");
	cr_expect_null(sema_parse_ctype(&a, "no_such_type_anywhere"));
	arena_free(&a);
}

/* ---- suggestions ---- */

Test(suggest, a_swapped_pair_is_one_edit)
{
	cr_expect_eq(sema_edit_distance("cuont", "count"), 1);
	cr_expect_eq(sema_edit_distance("", "abc"), 3);
	struct sema_suggest s;
	sema_suggest_init(&s, "cuont");
	sema_suggest_add(&s, "printf");
	sema_suggest_add(&s, "count");
	cr_expect_str_eq(sema_suggest_best(&s), "count");
	sema_suggest_init(&s, "zzzzzz");
	sema_suggest_add(&s, "count");
	cr_expect_null(sema_suggest_best(&s));
}

/* ---- resolution ---- */

Test(resolve, begin_comes_first_in_the_probe_table)
{
	struct checked *p = check("END { } interval:ms:100 { } BEGIN { } profile:hz:99 { }");
	expect_ok(p);
	struct pd_prog *pd = p->c.pd;
	cr_assert_eq(pd->probes.len, 4);
	cr_expect_eq(pd->probes.v[0].kind, PD_PROBE_BEGIN);
	cr_expect_str_eq(pd->probes.v[1].name, "interval:ms:100");
	cr_expect_eq(pd->probes.v[1].period, 100000000ull);
	cr_expect_str_eq(pd->probes.v[2].name, "profile:hz:99");
	cr_expect_eq(pd->probes.v[2].freq_hz, 99);
	cr_expect_eq(pd->probes.v[3].kind, PD_PROBE_END);
	/* the AST keeps the order as written */
	cr_expect_eq(p->c.ast->program.probes.v[0]->probe.sp->pd_index, 3);
	done(p);
}

Test(resolve, aliases_expand_to_canonical_names)
{
	struct checked *p = check("i:s:2 { } p:ms:5 { }");
	expect_ok(p);
	cr_expect_str_eq(p->c.pd->probes.v[0].name, "interval:s:2");
	cr_expect_eq(p->c.pd->probes.v[0].period, 2000000000ull);
	cr_expect_str_eq(p->c.pd->probes.v[1].name, "profile:ms:5");
	cr_expect_eq(p->c.pd->probes.v[1].kind, PD_PROBE_PROFILE);
	done(p);
}

Test(resolve, interval_hz_becomes_a_period)
{
	struct checked *p = check("interval:hz:4 { }");
	expect_ok(p);
	cr_expect_eq(p->c.pd->probes.v[0].period, 250000000ull);
	done(p);
}

Test(resolve, an_unknown_probe_type_is_reported_with_a_suggestion)
{
	expect_err("tracepint:sched:sched_switch { }",
		   "t.bt:1:1: error: unknown probe type 'tracepint'\n"
		   "tracepint:sched:sched_switch { }\n"
		   "^~~~~~~~~~~~~~~~~~~~~~~~~~~~\n"
		   "t.bt:1:1: note: did you mean 'tracepoint'?\n");
}

Test(resolve, kernel_probes_are_checked_against_the_kernel)
{
	if (!have_btf())
		cr_skip_test("needs kernel BTF");
	expect_err("kretprobe:vfs_read+4 { }",
		   "t.bt:1:1: error: kretprobes cannot have an offset\n"
		   "kretprobe:vfs_read+4 { }\n"
		   "^~~~~~~~~~~~~~~~~~~~\n");
	expect_err("fentry:no_such_fn_q { }",
		   "t.bt:1:1: error: kernel function 'no_such_fn_q' has no BTF description: "
		   "fentry cannot attach\n"
		   "fentry:no_such_fn_q { }\n"
		   "^~~~~~~~~~~~~~~~~~~\n");
	expect_err("hardware:cycle { }",
		   "t.bt:1:1: error: unknown hardware event 'cycle'\n"
		   "hardware:cycle { }\n"
		   "^~~~~~~~~~~~~~\n"
		   "t.bt:1:1: note: did you mean 'hardware:cycles'?\n");
}

Test(resolve, a_missing_point_among_several_is_a_warning_and_skipped)
{
	if (!have_btf())
		cr_skip_test("needs kernel BTF");
	struct checked *p = check("kprobe:vfs_read, kprobe:no_such_fn_q, fentry:no_such_fn_q, "
				  "kprobe:no_such_fn_q.constprop.* { }");
	cr_assert_eq(p->rc, 0, "rc %d, diagnostics:\n%s", p->rc, p->err);
	cr_assert_eq(p->c.pd->probes.len, 1);
	cr_assert_str_eq(p->c.pd->probes.v[0].name, "kprobe:vfs_read");
	cr_assert_str_eq(p->err,
			 "t.bt:1:18: warning: unknown kernel function 'no_such_fn_q': attach point "
			 "skipped\n"
			 "kprobe:vfs_read, kprobe:no_such_fn_q, fentry:no_such_fn_q, "
			 "kprobe:no_such_fn_q.constprop.* { }\n"
			 "                 ^~~~~~~~~~~~~~~~~~~\n"
			 "t.bt:1:39: warning: kernel function 'no_such_fn_q' has no BTF description: "
			 "fentry cannot attach: attach point skipped\n"
			 "kprobe:vfs_read, kprobe:no_such_fn_q, fentry:no_such_fn_q, "
			 "kprobe:no_such_fn_q.constprop.* { }\n"
			 "                                      ^~~~~~~~~~~~~~~~~~~\n"
			 "t.bt:1:60: warning: no kernel function matches "
			 "'kprobe:no_such_fn_q.constprop.*': attach point skipped\n"
			 "kprobe:vfs_read, kprobe:no_such_fn_q, fentry:no_such_fn_q, "
			 "kprobe:no_such_fn_q.constprop.* { }\n"
			 "                                                           "
			 "^~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n");
	done(p);
}

Test(resolve, a_probe_none_of_whose_points_exists_is_an_error)
{
	if (!have_btf())
		cr_skip_test("needs kernel BTF");
	struct checked *p = check("kprobe:no_such_fn_q, kprobe:no_such_fn_r { }");
	cr_expect_neq(p->rc, 0);
	cr_expect(strstr(p->err, "t.bt:1:1: error: none of the probe's 2 attach points exists\n"),
		  "%s", p->err);
	done(p);
	p = check("rawtracepoint:sched_switch, rawtracepoint:no_such_tp_q { }");
	cr_assert_eq(p->rc, 0, "rc %d, diagnostics:\n%s", p->rc, p->err);
	cr_expect_eq(p->c.pd->probes.len, 1);
	cr_expect(strstr(p->err, "warning: unknown raw tracepoint 'rawtracepoint:no_such_tp_q': "
				 "attach point skipped\n"), "%s", p->err);
	done(p);
	/* one attach point: the error as ever */
	expect_err("kprobe:no_such_fn_q { }",
		   "t.bt:1:1: error: unknown kernel function 'no_such_fn_q'\n"
		   "kprobe:no_such_fn_q { }\n"
		   "^~~~~~~~~~~~~~~~~~~\n");
}

Test(resolve, perf_events_take_names_aliases_and_counts)
{
	struct checked *p = check("software:faults:50 { } s:cs { } h:cycles:1000 { }");
	expect_ok(p);
	struct pd_probe *v = p->c.pd->probes.v;
	cr_expect_str_eq(v[0].name, "software:faults:50");
	cr_expect_eq(v[0].period, 50);
	cr_expect_eq(v[0].perf_config, 2); /* PERF_COUNT_SW_PAGE_FAULTS */
	cr_expect_str_eq(v[1].name, "software:cs");
	cr_expect_eq(v[1].period, 1000);
	cr_expect_str_eq(v[2].name, "hardware:cycles:1000");
	cr_expect_eq(v[2].perf_config, 0); /* PERF_COUNT_HW_CPU_CYCLES */
	done(p);
}

Test(resolve, positional_parameters_are_substituted_inside_attach_points)
{
	const char *params[] = { "GIN", "sched" };
	if (!have_tracefs())
		cr_skip_test("needs root and tracefs");
	struct checked *p = check_opts("BE$1 { } tracepoint:$2:sched_switch { }", params, 2,
				       false);
	expect_ok(p);
	cr_expect_str_eq(p->c.pd->probes.v[0].name, "BEGIN");
	cr_expect_str_eq(p->c.pd->probes.v[1].name, "tracepoint:sched:sched_switch");
	done(p);
}

Test(resolve, bad_interval_units_and_counts_are_reported)
{
	expect_err("interval:xs:1 { }",
		   "t.bt:1:1: error: unknown interval unit 'xs': expected s, ms, us or hz\n"
		   "interval:xs:1 { }\n"
		   "^~~~~~~~~~~~~\n");
	expect_err("interval:s:abc { }",
		   "t.bt:1:1: error: invalid interval count 'abc': expected a positive integer\n"
		   "interval:s:abc { }\n"
		   "^~~~~~~~~~~~~~\n");
	expect_err("profile:hz:0 { }",
		   "t.bt:1:1: error: invalid profile count '0': expected a positive integer\n"
		   "profile:hz:0 { }\n"
		   "^~~~~~~~~~~~\n");
}

Test(resolve, tracepoint_wildcards_clone_the_probe_per_match)
{
	if (!have_tracefs())
		cr_skip_test("needs root and tracefs");
	struct checked *p = check("tracepoint:sched:sched_process_e* { @[probe] = count(); }");
	expect_ok(p);
	struct pd_prog *pd = p->c.pd;
	cr_assert_geq(pd->probes.len, 2);
	cr_expect_str_eq(pd->probes.v[0].name, "tracepoint:sched:sched_process_exec");
	cr_expect_str_eq(pd->probes.v[0].target, "sched");
	cr_expect_str_eq(pd->probes.v[0].func, "sched_process_exec");
	cr_expect_str_eq(pd->probes.v[1].name, "tracepoint:sched:sched_process_exit");
	cr_expect_eq(p->c.ast->program.probes.len, pd->probes.len);
	struct ast_node *p1 = p->c.ast->program.probes.v[1];
	cr_expect_eq(p1->probe.attach.len, 1);
	cr_expect_str_eq(p1->probe.attach.v[0]->attach.text, "tracepoint:sched:sched_process_exit");
	cr_expect_neq(p1->probe.body, p->c.ast->program.probes.v[0]->probe.body);
	/* every clone uses the one map */
	cr_expect_eq(pd->maps.len, 1);
	done(p);
}

Test(resolve, an_unknown_tracepoint_suggests_the_closest)
{
	if (!have_tracefs())
		cr_skip_test("needs root and tracefs");
	expect_err("t:sched:sched_swich { }",
		   "t.bt:1:1: error: unknown tracepoint 'tracepoint:sched:sched_swich'\n"
		   "t:sched:sched_swich { }\n"
		   "^~~~~~~~~~~~~~~~~~~\n"
		   "t.bt:1:1: note: did you mean 'tracepoint:sched:sched_switch'?\n");
	expect_err("tracepoint:nope*:x* { }",
		   "t.bt:1:1: error: no tracepoint matches 'tracepoint:nope*:x*'\n"
		   "tracepoint:nope*:x* { }\n"
		   "^~~~~~~~~~~~~~~~~~~\n");
}

Test(resolve, raw_tracepoints_are_checked_against_btf)
{
	if (!have_btf())
		cr_skip_test("needs kernel BTF");
	struct checked *p = check("rawtracepoint:sched_switch { @[arg1] = count(); }");
	expect_ok(p);
	cr_expect_eq(p->c.pd->probes.v[0].kind, PD_PROBE_RAWTP);
	cr_expect_str_eq(p->c.pd->probes.v[0].func, "sched_switch");
	done(p);
	expect_err("rt:sched_switch { print(arg7); }",
		   "t.bt:1:25: error: rawtracepoint:sched_switch has 4 arguments (arg0..arg3)\n"
		   "rt:sched_switch { print(arg7); }\n"
		   "                        ^~~~\n");
}

/* ---- expression types ---- */

Test(typecheck, thousands_of_maps_are_each_defined_once_and_found_again)
{
	/* past several growths of the name index: every later use finds its own map */
	enum { N = 1500 };
	struct strbuf sb = { 0 };
	sb_append(&sb, "BEGIN {");
	for (int i = 0; i < N; i++)
		sb_printf(&sb, " @m%d = %d;", i, i);
	sb_append(&sb, " }\nEND {");
	for (int i = N - 1; i >= 0; i--)
		sb_printf(&sb, " @m%d = @m%d + 1;", i, i);
	sb_append(&sb, " @m7 = \"x\"; }\n");
	struct checked *p = check(sb_str(&sb));
	cr_assert_eq(p->c.pd->maps.len, N);
	for (int i = 0; i < N; i++) {
		char name[16];
		snprintf(name, sizeof(name), "@m%d", i);
		cr_assert_str_eq(p->c.pd->maps.v[i].name, name);
	}
	cr_assert_neq(p->rc, 0);
	cr_assert(strstr(p->err, "@m7"), "the type clash names @m7:\n%s", p->err);
	done(p);
	sb_free(&sb);
}

Test(typecheck, literals_and_builtins_have_their_types)
{
	struct checked *p = check("BEGIN { $a = 1; $b = 18446744073709551615u; $c = pid; $d = comm;"
				  " $e = nsecs; $f = \"abc\"; $g = probe; $h = pid + 1; $i = $b + 1;"
				  " $j = comm == \"x\"; }");
	expect_ok(p);
	cr_expect_str_eq(tyname(rhs(p, 0)->ty), "int64");
	cr_expect_str_eq(tyname(rhs(p, 1)->ty), "uint64");
	cr_expect_str_eq(tyname(rhs(p, 2)->ty), "uint32");
	cr_expect_str_eq(tyname(rhs(p, 3)->ty), "string[16]");
	cr_expect_str_eq(tyname(rhs(p, 4)->ty), "uint64");
	cr_expect_str_eq(tyname(rhs(p, 5)->ty), "string[4]");
	cr_expect_str_eq(tyname(rhs(p, 6)->ty), "string[6]");
	cr_expect_str_eq(tyname(rhs(p, 7)->ty), "int64");
	cr_expect_str_eq(tyname(rhs(p, 8)->ty), "uint64");
	cr_expect_str_eq(tyname(rhs(p, 9)->ty), "int64");
	/* locals are stored normalised: 8-byte integers, strlen-byte strings */
	cr_expect_str_eq(tyname(stmt(p, 0, 2)->assign.lhs->ty), "uint64");
	cr_expect_str_eq(tyname(stmt(p, 0, 3)->assign.lhs->ty), "string[64]");
	cr_expect_eq(rhs(p, 2)->builtin.id, BI_PID);
	done(p);
}

Test(typecheck, locals_are_numbered_per_probe)
{
	struct checked *p = check("BEGIN { $a = 1; $b = 2; $a = 3; } END { $z = 1; }");
	expect_ok(p);
	struct sema_probe *sp = p->c.ast->program.probes.v[0]->probe.sp;
	cr_assert_eq(sp->vars.len, 2);
	cr_expect_str_eq(sp->vars.v[1]->name, "b");
	cr_expect_eq(stmt(p, 0, 2)->assign.lhs->var.var, sp->vars.v[0]);
	cr_expect_eq(p->c.ast->program.probes.v[1]->probe.sp->vars.len, 1);
	done(p);
}

Test(typecheck, tuples_index_and_ternaries)
{
	struct checked *p = check("BEGIN { $t = (1, \"ab\", pid); $x = $t.1; $y = pid > 1 ? 2 : 3;"
				  " $s = 1 ? \"a\" : \"bcd\"; $n = sizeof(uint32); }");
	expect_ok(p);
	cr_expect_str_eq(tyname(rhs(p, 0)->ty), "(int64, string[3], uint32)");
	cr_expect_str_eq(tyname(stmt(p, 0, 0)->assign.lhs->ty), "(int64, string[64], uint64)");
	cr_expect_str_eq(tyname(rhs(p, 1)->ty), "string[64]");
	cr_expect_str_eq(tyname(rhs(p, 2)->ty), "int64");
	cr_expect_str_eq(tyname(rhs(p, 3)->ty), "string[4]");
	cr_expect_eq(rhs(p, 4)->kind, AST_INT);
	cr_expect_eq(rhs(p, 4)->int_.value, 4);
	done(p);
}

Test(typecheck, positional_parameters_become_literals)
{
	const char *params[] = { "42", "hello", "-7" };
	struct checked *p = check_opts("BEGIN { $a = $1; $b = str($2); $c = $#; $d = $3; $e = $9;"
				       " $f = str($9); }",
				       params, 3, false);
	expect_ok(p);
	cr_expect_eq(rhs(p, 0)->kind, AST_INT);
	cr_expect_eq(rhs(p, 0)->int_.value, 42);
	struct ast_node *s = rhs(p, 1)->call.args.v[0];
	cr_expect_eq(s->kind, AST_STR);
	cr_expect_str_eq(s->str.s, "hello");
	cr_expect_eq(rhs(p, 2)->int_.value, 3);
	cr_expect_eq(rhs(p, 3)->kind, AST_UNOP);
	cr_expect_eq(rhs(p, 3)->unop.expr->int_.value, 7);
	cr_expect_eq(rhs(p, 4)->int_.value, 0); /* missing: 0, as bpftrace */
	cr_expect_str_eq(tyname(rhs(p, 5)->ty), "string[1]");
	done(p);
}

Test(typecheck, a_text_parameter_used_as_a_number_is_reported)
{
	const char *params[] = { "abc" };
	struct checked *p = check_opts("BEGIN { print($1); }", params, 1, false);
	cr_expect_neq(p->rc, 0);
	cr_expect_str_eq(p->err, "t.bt:1:15: error: $1 is used as a number, but its value \"abc\" "
				 "is not one; use str($1) for text\n"
				 "BEGIN { print($1); }\n"
				 "              ^~\n");
	done(p);
}

Test(typecheck, cpid_needs_a_child_command)
{
	expect_err("BEGIN { print(cpid); }",
		   "t.bt:1:15: error: cpid cannot be used without a child command (-c)\n"
		   "BEGIN { print(cpid); }\n"
		   "              ^~~~\n");
	struct checked *p = check_opts("BEGIN { print(cpid); }", NULL, 0, true);
	expect_ok(p);
	done(p);
}

Test(typecheck, tracepoint_args_are_typed_from_the_format)
{
	if (!have_tracefs())
		cr_skip_test("needs root and tracefs");
	struct checked *p = check("tracepoint:sched:sched_switch { $a = args->prev_comm;"
				  " $b = args.next_pid; $c = args->prev_state; }"
				  " tracepoint:syscalls:sys_enter_openat { $f = args->filename;"
				  " $d = args->dfd; $s = str(args->filename); }"
				  " tracepoint:sched:sched_process_exec { $e = args->filename; }");
	expect_ok(p);
	cr_expect_str_eq(tyname(rhs(p, 0)->ty), "string[16]");
	cr_expect_str_eq(tyname(rhs(p, 1)->ty), "int32");
	cr_expect_str_eq(tyname(rhs(p, 2)->ty), "int64");
	struct ast_node *b = p->c.ast->program.probes.v[1]->probe.body;
	struct type *fname = b->block.stmts.v[0]->assign.rhs->ty;
	cr_expect_eq(fname->kind, TY_PTR);
	cr_expect(fname->as_user);
	/* the format's size and signedness win: "int dfd" is 8 bytes, unsigned */
	cr_expect_str_eq(tyname(b->block.stmts.v[1]->assign.rhs->ty), "uint64");
	cr_expect_str_eq(tyname(b->block.stmts.v[2]->assign.rhs->ty), "string[64]");
	struct sema_probe *sp = p->c.ast->program.probes.v[2]->probe.sp;
	cr_assert_not_null(sp->args);
	cr_expect_str_eq(sp->args->name, "struct _tracepoint_sched_sched_process_exec");
	cr_expect(sp->args->fields.v[0].data_loc);
	cr_expect_eq(sp->args->fields.v[0].offset, 8);
	done(p);
}

Test(typecheck, an_unknown_field_suggests_the_closest)
{
	if (!have_tracefs())
		cr_skip_test("needs root and tracefs");
	expect_err("tracepoint:sched:sched_switch { print(args->nxt_pid); }",
		   "t.bt:1:39: error: unknown field 'nxt_pid' in struct "
		   "_tracepoint_sched_sched_switch\n"
		   "tracepoint:sched:sched_switch { print(args->nxt_pid); }\n"
		   "                                      ^~~~~~~~~~~~~\n"
		   "t.bt:1:39: note: did you mean 'next_pid'?\n");
}

Test(typecheck, curtask_fields_come_from_btf)
{
	if (!have_btf())
		cr_skip_test("needs kernel BTF");
	struct checked *p = check("BEGIN { $a = curtask->pid; $b = curtask->real_parent->comm;"
				  " $c = curtask->se.vruntime; $d = (struct task_struct *)curtask; }");
	expect_ok(p);
	cr_expect_str_eq(tyname(rhs(p, 0)->ty), "int32");
	cr_expect_str_eq(tyname(rhs(p, 1)->ty), "string[16]");
	cr_expect_str_eq(tyname(rhs(p, 2)->ty), "uint64");
	cr_expect_str_eq(tyname(rhs(p, 3)->ty), "struct task_struct *");
	done(p);
	expect_err("BEGIN { print(curtask->pidd); }",
		   "t.bt:1:15: error: unknown field 'pidd' in struct task_struct\n"
		   "BEGIN { print(curtask->pidd); }\n"
		   "              ^~~~~~~~~~~~~\n"
		   "t.bt:1:15: note: did you mean 'pid'?\n");
}

Test(typecheck, kernel_enumerators_become_literals)
{
	if (!have_btf())
		cr_skip_test("needs kernel BTF");
	struct checked *p = check("BEGIN { $a = TASK_COMM_LEN; }");
	expect_ok(p);
	cr_expect_eq(rhs(p, 0)->kind, AST_INT);
	cr_expect_eq(rhs(p, 0)->int_.value, 16);
	done(p);
	expect_err("BEGIN { $a = NO_SUCH_CONSTANT_X; }",
		   "t.bt:1:14: error: unknown identifier 'NO_SUCH_CONSTANT_X'\n"
		   "BEGIN { $a = NO_SUCH_CONSTANT_X; }\n"
		   "             ^~~~~~~~~~~~~~~~~~\n");
}

Test(typecheck, clones_of_a_wildcard_report_an_error_once)
{
	if (!have_tracefs())
		cr_skip_test("needs root and tracefs");
	expect_err("tracepoint:sched:sched_process_e* { @x = qqqq(); }",
		   "t.bt:1:42: error: unknown function 'qqqq'\n"
		   "tracepoint:sched:sched_process_e* { @x = qqqq(); }\n"
		   "                                         ^~~~\n");
}

Test(typecheck, big_records_are_not_stored_on_the_stack)
{
	if (!have_btf())
		cr_skip_test("needs kernel BTF");
	struct checked *p = check("struct big { char a[9000]; }\n"
				  "BEGIN { $q = *(struct big *)curtask; }");
	cr_expect_neq(p->rc, 0);
	cr_expect(strstr(p->err, "error: cannot store struct big (9000 bytes) in a variable: at most "
			  "8192 bytes can be stored\n"),
		  "%s", p->err);
	done(p);
}

/* ---- maps in the program description ---- */

Test(maps, value_maps_have_normalised_keys_and_values)
{
	struct checked *p = check("BEGIN { @x[1, \"a\"] = pid; }");
	expect_ok(p);
	cr_assert_eq(p->c.pd->maps.len, 1);
	struct pd_map *m = &p->c.pd->maps.v[0];
	cr_expect_str_eq(m->name, "@x");
	cr_expect_str_eq(m->sym, "m0");
	cr_expect_eq(m->kind, PD_MAP_VALUE);
	cr_expect_eq(m->key.kind, PD_TUPLE);
	cr_assert_eq(m->key.fields.len, 2);
	cr_expect_eq(m->key.fields.v[0].kind, PD_INT);
	cr_expect_eq(m->key.fields.v[0].size, 8);
	cr_expect_eq(m->key.fields.v[1].kind, PD_STR);
	cr_expect_eq(m->key.fields.v[1].offset, 8);
	cr_expect_eq(m->key.fields.v[1].size, 64);
	cr_expect_eq(m->key_size, 72);
	cr_expect_eq(m->value.kind, PD_UINT);
	cr_expect_eq(m->value_size, 8);
	cr_expect_eq(m->max_entries, 4096);
	cr_expect_not(m->is_scalar);
	struct ast_node *lhs = stmt(p, 0, 0)->assign.lhs;
	cr_expect_eq(lhs->map.map_id, 0);
	cr_expect_str_eq(tyname(lhs->ty), "uint64");
	done(p);
}

Test(maps, aggregations_have_their_value_layouts)
{
	struct checked *p = check("BEGIN { @c = count(); @s[comm] = sum(-5); @a = avg(1);"
				  " @h[pid] = hist(1); @l = lhist(3, 0, 100, 10); @m = max(pid); }");
	expect_ok(p);
	struct pd_map *m = p->c.pd->maps.v;
	cr_assert_eq(p->c.pd->maps.len, 6);
	cr_expect_eq(m[0].kind, PD_MAP_COUNT);
	cr_expect(m[0].is_scalar);
	cr_expect_eq(m[0].key_size, 8);
	cr_expect_eq(m[0].max_entries, 1);
	cr_expect_eq(m[0].value_size, 8);
	cr_expect_eq(m[1].kind, PD_MAP_SUM);
	cr_expect_eq(m[1].value.kind, PD_INT);
	cr_expect_eq(m[1].key_size, 64);
	cr_expect_eq(m[2].kind, PD_MAP_AVG);
	cr_expect_eq(m[2].value_size, 16);
	cr_expect_eq(m[3].kind, PD_MAP_HIST);
	cr_expect_eq(m[3].bucket_off, 8);
	cr_expect_eq(m[3].key_size, 16);
	cr_expect_not(m[3].buckets_in_value);
	cr_expect_eq(m[3].max_entries, 4096);
	cr_expect_eq(m[4].kind, PD_MAP_LHIST);
	cr_expect(m[4].buckets_in_value);
	cr_expect_eq(m[4].key_size, 4);
	cr_expect_eq(m[4].value_size, (12 + 1) * 8, "12 buckets and the zero() mark");
	cr_expect_eq(m[4].lhist_min, 0);
	cr_expect_eq(m[4].lhist_max, 100);
	cr_expect_eq(m[4].lhist_step, 10);
	cr_expect_eq(m[4].max_entries, 1);
	cr_expect_eq(m[5].kind, PD_MAP_MAX);
	cr_expect_eq(m[5].value_size, 16);
	cr_expect_str_eq(tyname(stmt(p, 0, 0)->assign.lhs->ty), "count()");
	done(p);
}

Test(maps, keyless_hists_keep_their_buckets_in_the_value_when_they_fit)
{
	struct checked *p = check("BEGIN { @h = hist(1); @small = lhist(1, 0, 5100, 10);"
				  " @big = lhist(1, 0, 5110, 10); @k[1] = hist(1);"
				  " @del = hist(1); delete(@del); @len = hist(1); $n = len(@len);"
				  " @later = lhist(1, 0, 10, 1); }"
				  " END { delete(@later); }");
	expect_ok(p);
	struct pd_map *m = p->c.pd->maps.v;
	cr_assert_eq(p->c.pd->maps.len, 7);
	cr_expect(m[0].buckets_in_value, "hist(): 66 buckets");
	cr_expect_eq(m[0].key_size, 4);
	cr_expect_eq(m[0].value_size, (PD_HIST_BUCKETS + 1) * 8);
	cr_expect_eq(m[0].max_entries, 1);
	cr_expect(m[1].buckets_in_value, "512 buckets: the most that fit");
	cr_expect_eq(m[1].value_size, (PD_VALUE_BUCKETS_MAX + 1) * 8);
	cr_expect_not(m[2].buckets_in_value, "513 buckets: one entry per bucket");
	cr_expect_eq(m[2].key_size, 8);
	cr_expect_eq(m[2].bucket_off, 0);
	cr_expect_eq(m[2].value_size, 8);
	cr_expect_eq(m[2].max_entries, 513);
	cr_expect_not(m[3].buckets_in_value, "keyed: a bucket key per user key");
	cr_expect_eq(m[3].key_size, 16);
	cr_expect_not(m[4].buckets_in_value, "delete() sees buckets as entries");
	cr_expect_eq(m[4].max_entries, PD_HIST_BUCKETS);
	cr_expect_not(m[5].buckets_in_value, "len() counts buckets");
	cr_expect_not(m[6].buckets_in_value, "named by delete() in a later probe");
	done(p);
}

Test(maps, a_map_read_before_its_assignment_is_defined)
{
	struct checked *p = check("END { print(@x); $v = @y; } BEGIN { @x = 1; @y = @x; }");
	expect_ok(p);
	cr_expect_eq(p->c.pd->maps.len, 2);
	done(p);
}

Test(maps, conflicting_uses_are_reported_at_the_later_one)
{
	expect_err("BEGIN { @x = count(); @x = 1; }",
		   "t.bt:1:23: error: type mismatch for @x: cannot assign int64 to a map of count()\n"
		   "BEGIN { @x = count(); @x = 1; }\n"
		   "                      ^~\n"
		   "t.bt:1:9: note: @x was first used as count() here\n");
	expect_err("BEGIN { @x[1] = 1; @x[\"a\"] = 2; }",
		   "t.bt:1:20: error: key type mismatch for @x: string[64] given, int64 expected\n"
		   "BEGIN { @x[1] = 1; @x[\"a\"] = 2; }\n"
		   "                   ^~~~~~~\n"
		   "t.bt:1:9: note: @x was first used with key int64 here\n");
	expect_err("BEGIN { @x[1] = 1; @x[1, 2] = 2; }",
		   "t.bt:1:20: error: @x used with 2 keys here, but it was first used with 1\n"
		   "BEGIN { @x[1] = 1; @x[1, 2] = 2; }\n"
		   "                   ^~~~~~~~\n"
		   "t.bt:1:9: note: @x was first used here\n");
}

Test(maps, an_undefined_map_is_reported)
{
	expect_err("BEGIN { print(@nope); }",
		   "t.bt:1:15: error: undefined map '@nope'\n"
		   "BEGIN { print(@nope); }\n"
		   "              ^~~~~\n");
}

Test(maps, aggregations_must_be_assigned_to_a_map)
{
	expect_err("BEGIN { count(); }",
		   "t.bt:1:9: error: count() must be assigned directly to a map, as in @x = "
		   "count(...)\n"
		   "BEGIN { count(); }\n"
		   "        ^~~~~~~\n");
}

Test(maps, lhist_parameters_are_checked)
{
	expect_err("BEGIN { @l = lhist(1, 10, 5, 1); }",
		   "t.bt:1:14: error: lhist() min must be less than max (min 10, max 5, step 1)\n"
		   "BEGIN { @l = lhist(1, 10, 5, 1); }\n"
		   "             ^~~~~~~~~~~~~~~~~~\n");
}

/* ---- formats ---- */

Test(formats, printf_arguments_are_widened_in_the_payload)
{
	struct checked *p = check("BEGIN { printf(\"%d %s %-5lu\\n\", pid, comm, 7); time(); }");
	expect_ok(p);
	struct pd_prog *pd = p->c.pd;
	cr_assert_eq(pd->fmts.len, 2);
	struct pd_fmt *f = &pd->fmts.v[0];
	cr_expect_eq(f->kind, PD_FMT_PRINTF);
	cr_expect_str_eq(f->fmt, "%d %s %-5lu\n");
	cr_assert_eq(f->args.fields.len, 3);
	cr_expect_eq(f->args.fields.v[0].kind, PD_UINT);
	cr_expect_eq(f->args.fields.v[0].size, 8);
	cr_expect_eq(f->args.fields.v[1].kind, PD_STR);
	cr_expect_eq(f->args.fields.v[1].size, 16);
	cr_expect_eq(f->args.fields.v[1].offset, 8);
	cr_expect_eq(f->args.fields.v[2].offset, 24);
	cr_expect_eq(f->args.size, 32);
	cr_expect_eq(pd->fmts.v[1].kind, PD_FMT_TIME);
	cr_expect_str_eq(pd->fmts.v[1].fmt, "%H:%M:%S\n");
	cr_expect_eq(stmt(p, 0, 0)->expr_stmt.expr->call.id, 0);
	cr_expect_eq(stmt(p, 0, 0)->expr_stmt.expr->call.fn, FN_PRINTF);
	cr_expect_eq(stmt(p, 0, 1)->expr_stmt.expr->call.id, 1);
	done(p);
}

Test(formats, strftime_values_carry_their_format)
{
	struct checked *p = check("BEGIN { @t = strftime(\"%H\", nsecs); print(5); }");
	expect_ok(p);
	struct pd_map *m = &p->c.pd->maps.v[0];
	cr_expect_eq(m->value.kind, PD_TIMESTAMP);
	cr_expect_str_eq(m->value.fmt, "%H");
	cr_expect_eq(p->c.pd->fmts.v[1].kind, PD_FMT_PRINT_VALUE);
	cr_expect_eq(p->c.pd->fmts.v[1].args.fields.v[0].kind, PD_INT);
	done(p);
}

Test(formats, every_accepted_conversion_passes)
{
	struct checked *p = check("BEGIN { printf(\"%d %i %u %x %X %o %s %c %p %ld %lu %lld %llu %lx"
				  " %hhd %hd %zd %-5d %05d %+d % d %.3s %10s %%\\n\", 1, 2, 3, 4, 5, 6,"
				  " \"s\", 65, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, \"abcd\","
				  " comm); }");
	expect_ok(p);
	cr_expect_eq(p->c.pd->fmts.v[0].args.fields.len, 23);
	done(p);
}

Test(formats, argument_counts_and_types_are_checked)
{
	expect_err("BEGIN { printf(\"%d %d\\n\", 1); }",
		   "t.bt:1:9: error: printf: too few arguments for format: 2 conversions, 1 argument\n"
		   "BEGIN { printf(\"%d %d\\n\", 1); }\n"
		   "        ^~~~~~~~~~~~~~~~~~~~\n");
	expect_err("BEGIN { printf(\"%d\\n\", 1, 2); }",
		   "t.bt:1:9: error: printf: too many arguments for format: 1 conversion, 2 "
		   "arguments\n"
		   "BEGIN { printf(\"%d\\n\", 1, 2); }\n"
		   "        ^~~~~~~~~~~~~~~~~~~~\n");
	expect_err("BEGIN { printf(\"%d\\n\", \"abc\"); }",
		   "t.bt:1:24: error: printf: %d expects an integer argument, got string[4]\n"
		   "BEGIN { printf(\"%d\\n\", \"abc\"); }\n"
		   "                       ^~~~~\n");
	expect_err("BEGIN { printf(\"%-5s\\n\", 1); }",
		   "t.bt:1:26: error: printf: %-5s expects a string argument, got int64\n"
		   "BEGIN { printf(\"%-5s\\n\", 1); }\n"
		   "                         ^\n");
}

Test(formats, invalid_conversions_are_reported_where_they_are_in_the_format)
{
	expect_err("BEGIN { printf(\"%q\\n\", 1); }",
		   "t.bt:1:17: error: printf: invalid conversion '%q' in format\n"
		   "BEGIN { printf(\"%q\\n\", 1); }\n"
		   "                ^~\n");
	expect_err("BEGIN { printf(\"\\t\\x41 %f\\n\", 1); }",
		   "t.bt:1:24: error: printf: invalid conversion '%f' in format\n"
		   "BEGIN { printf(\"\\t\\x41 %f\\n\", 1); }\n"
		   "                       ^~\n");
	expect_err("BEGIN { printf(\"50%\"); }",
		   "t.bt:1:19: error: printf: incomplete conversion '%' at the end of the format\n"
		   "BEGIN { printf(\"50%\"); }\n"
		   "                  ^\n");
	expect_err("BEGIN { printf(\"%-*\"); }",
		   "t.bt:1:17: error: printf: incomplete conversion '%-*' in format\n"
		   "BEGIN { printf(\"%-*\"); }\n"
		   "                ^~~\n");
	expect_err("BEGIN { printf(\"%ls\", \"a\"); }",
		   "t.bt:1:17: error: printf: length modifier on a non-integer conversion '%ls' in "
		   "format\n"
		   "BEGIN { printf(\"%ls\", \"a\"); }\n"
		   "                ^~~\n");
}

Test(formats, flags_and_star_widths_are_accepted)
{
	struct checked *p = check("BEGIN { printf(\"%#x %#o %+i % d %*d %-*s %.*s %*.*d\\n\", 1, 2,"
				  " 3, 4, 5, 6, 7, \"a\", 2, \"bc\", 3, 4, 5); }");
	expect_ok(p);
	cr_expect_eq(p->c.pd->fmts.v[0].args.fields.len, 13);
	done(p);
}

Test(formats, star_arguments_are_counted_and_typed)
{
	expect_err("BEGIN { printf(\"%*d\\n\", 1); }",
		   "t.bt:1:9: error: printf: too few arguments for format: 1 conversion taking 2 "
		   "arguments, 1 argument\n"
		   "BEGIN { printf(\"%*d\\n\", 1); }\n"
		   "        ^~~~~~~~~~~~~~~~~~\n");
	expect_err("BEGIN { printf(\"%-*s\\n\", \"a\", \"b\"); }",
		   "t.bt:1:26: error: printf: the '*' of %-*s expects an integer argument, got "
		   "string[2]\n"
		   "BEGIN { printf(\"%-*s\\n\", \"a\", \"b\"); }\n"
		   "                         ^~~\n");
}

Test(formats, a_nul_byte_ends_the_format_with_a_warning)
{
	expect_err("BEGIN { printf(\"a\\0%d\\n\", 1); }",
		   "t.bt:1:18: warning: printf: the format ends at this NUL byte; the text after "
		   "it is never printed\n"
		   "BEGIN { printf(\"a\\0%d\\n\", 1); }\n"
		   "                 ^~\n"
		   "t.bt:1:9: error: printf: too many arguments for format: 0 conversions, 1 "
		   "argument\n"
		   "BEGIN { printf(\"a\\0%d\\n\", 1); }\n"
		   "        ^~~~~~~~~~~~~~~~~~~~\n");
}

/* ---- other diagnostics ---- */

Test(diagnostics, an_unknown_function_suggests_the_closest)
{
	expect_err("BEGIN { @calls = cuont(); }",
		   "t.bt:1:18: error: unknown function 'cuont'\n"
		   "BEGIN { @calls = cuont(); }\n"
		   "                 ^~~~~\n"
		   "t.bt:1:18: note: did you mean 'count'?\n");
	expect_err("BEGIN { skboutput(1); }",
		   "t.bt:1:9: error: function 'skboutput' is not supported yet\n"
		   "BEGIN { skboutput(1); }\n"
		   "        ^~~~~~~~~\n");
}

Test(diagnostics, wrong_argument_counts_are_reported)
{
	expect_err("BEGIN { @x = hist(); }",
		   "t.bt:1:14: error: hist() takes 1 argument, 0 given\n"
		   "BEGIN { @x = hist(); }\n"
		   "             ^~~~~~\n");
	expect_err("BEGIN { print(1, 2, 3, 4); }",
		   "t.bt:1:9: error: print() takes at most 3 arguments, 4 given\n"
		   "BEGIN { print(1, 2, 3, 4); }\n"
		   "        ^~~~~~~~~~~~~~~~~\n");
}

Test(diagnostics, undefined_variables_are_reported_once)
{
	expect_err("BEGIN { $total = 1; print($totl + 1); }",
		   "t.bt:1:27: error: undefined variable '$totl'\n"
		   "BEGIN { $total = 1; print($totl + 1); }\n"
		   "                          ^~~~~\n"
		   "t.bt:1:27: note: did you mean '$total'?\n");
}

Test(diagnostics, a_variable_keeps_its_first_type)
{
	expect_err("BEGIN { $x = 1; $x = \"a\"; }",
		   "t.bt:1:17: error: type mismatch for $x: cannot assign string[2] to a variable of "
		   "type int64\n"
		   "BEGIN { $x = 1; $x = \"a\"; }\n"
		   "                ^~\n"
		   "t.bt:1:9: note: $x was first assigned here\n");
}

Test(diagnostics, loops_control_and_unroll_are_checked)
{
	expect_err("BEGIN { break; }",
		   "t.bt:1:9: error: 'break' outside of a loop\n"
		   "BEGIN { break; }\n"
		   "        ^~~~~\n");
	expect_err("BEGIN { unroll(101) { } }",
		   "t.bt:1:16: error: unroll count must be at most 100, got 101\n"
		   "BEGIN { unroll(101) { } }\n"
		   "               ^~~\n");
	struct checked *p = check("BEGIN { $i = 0; while ($i < 3) { $i++; if ($i == 2) { break; } }"
				  " unroll(3) { continue; } for ($j : 0..5) { print($j); } }");
	expect_ok(p);
	done(p);
}

Test(diagnostics, builtins_outside_their_probes_are_reported)
{
	expect_err("BEGIN { print(args->x); }",
		   "t.bt:1:15: error: the args builtin is not available in BEGIN; it is for "
		   "tracepoint, rawtracepoint, fentry, fexit, uprobe, uretprobe probes\n"
		   "BEGIN { print(args->x); }\n"
		   "              ^~~~\n");
	expect_err("END { print(retval); }",
		   "t.bt:1:13: error: the retval builtin is only available in return probes "
		   "(kretprobe, uretprobe, fexit), not in END\n"
		   "END { print(retval); }\n"
		   "            ^~~~~~\n");
	expect_err("BEGIN { print(arg0); }",
		   "t.bt:1:15: error: the arg0 builtin is not available in BEGIN; it is for "
		   "rawtracepoint, kprobe, kretprobe, fentry, fexit, uprobe, uretprobe, usdt probes\n"
		   "BEGIN { print(arg0); }\n"
		   "              ^~~~\n");
}

Test(diagnostics, operators_check_their_operands)
{
	expect_err("BEGIN { $x = comm + 1; }",
		   "t.bt:1:14: error: invalid operands to '+': string[16] and int64\n"
		   "BEGIN { $x = comm + 1; }\n"
		   "             ^~~~~~~~\n");
	expect_err("BEGIN { $x = pid ? 1 : \"a\"; }",
		   "t.bt:1:14: error: the branches of '?:' have different types: int64 and string[2]\n"
		   "BEGIN { $x = pid ? 1 : \"a\"; }\n"
		   "             ^~~~~~~~~~~~~\n");
}

Test(diagnostics, errors_do_not_cascade)
{
	/* one bad call, not a second error where the map or the local is read */
	expect_err("BEGIN { @x = qqqq(); @y = @x; $a = qqqq(); $b = $a + 1; }",
		   "t.bt:1:14: error: unknown function 'qqqq'\n"
		   "BEGIN { @x = qqqq(); @y = @x; $a = qqqq(); $b = $a + 1; }\n"
		   "             ^~~~\n"
		   "t.bt:1:36: error: unknown function 'qqqq'\n"
		   "BEGIN { @x = qqqq(); @y = @x; $a = qqqq(); $b = $a + 1; }\n"
		   "                                   ^~~~\n");
}

/* ---- -l ---- */

Test(list, verbose_listing_prints_tracepoint_arguments)
{
	if (!have_tracefs())
		cr_skip_test("needs root and tracefs");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sema_list_opts lo = { .glob = "t:sched:sched_process_exec", .verbose = true, .out = f };
	int n = sema_list_probes(&lo);
	fclose(f);
	cr_expect_eq(n, 1);
	cr_expect_str_eq(buf, "tracepoint:sched:sched_process_exec\n"
			      "    __data_loc char[] filename\n"
			      "    pid_t pid\n"
			      "    pid_t old_pid\n");
	free(buf);
}

Test(list, a_glob_matches_every_provider)
{
	if (!have_tracefs() || !have_btf())
		cr_skip_test("needs root, tracefs and kernel BTF");
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct sema_list_opts lo = { .glob = "*sched_switch", .out = f };
	int n = sema_list_probes(&lo);
	fclose(f);
	cr_expect_geq(n, 4);
	cr_expect(strncmp(buf, "tracepoint:sched:sched_switch\nrawtracepoint:sched_switch\n", 56) == 0,
		  "%s", buf);
	cr_expect(strstr(buf, "\nkprobe:perf_trace_sched_switch\n"), "%s", buf);
	cr_expect(strstr(buf, "\nfentry:perf_trace_sched_switch\n"), "%s", buf);
	cr_expect(!strstr(buf, "kretprobe:"), "return probes are listed only when asked: %s", buf);
	free(buf);
}

/* ---- C definitions in the preamble and standard library constants ---- */

static const struct ty_field *field_of(const struct type *rec, const char *name)
{
	for (int i = 0; i < rec->fields.len; i++)
		if (strcmp(rec->fields.v[i].name, name) == 0)
			return &rec->fields.v[i];
	cr_assert_fail("no field %s", name);
	return NULL;
}

Test(cdef, script_structs_are_laid_out_with_c_alignment)
{
	struct checked *p = check("struct s { char c; u64 x; int a[3], *q; char name[5]; short h; };\n"
				  "union u { u32 a; char b[6]; };\n"
				  "BEGIN { $p = (struct s *)0; $u = (union u *)0; }");
	expect_ok(p);
	const struct type *s = rhs(p, 0)->ty->elem;
	cr_assert_eq(s->kind, TY_RECORD);
	cr_expect_str_eq(s->name, "struct s");
	cr_expect_eq(field_of(s, "x")->offset, 8);
	cr_expect_eq(field_of(s, "a")->offset, 16);
	cr_expect_str_eq(tyname(field_of(s, "a")->type), "int32[3]");
	cr_expect_eq(field_of(s, "q")->offset, 32);
	cr_expect_str_eq(tyname(field_of(s, "q")->type), "int32 *");
	cr_expect_eq(field_of(s, "name")->offset, 40);
	cr_expect_str_eq(tyname(field_of(s, "name")->type), "string[5]");
	cr_expect_eq(field_of(s, "h")->offset, 46);
	cr_expect_eq(s->size, 48);
	cr_expect_eq(s->align, 8);
	const struct type *u = rhs(p, 1)->ty->elem;
	cr_expect_eq(field_of(u, "b")->offset, 0);
	cr_expect_eq(u->size, 8);
	done(p);
}

Test(cdef, a_script_struct_may_point_to_itself_and_to_later_structs)
{
	struct checked *p = check("struct node { struct node *next; struct later *l; long v; };\n"
				  "BEGIN { $n = (struct node *)0; $v = $n->next->next->v; }");
	expect_ok(p);
	cr_expect_str_eq(tyname(rhs(p, 1)->ty), "int64");
	done(p);
}

Test(cdef, kernel_types_nest_by_value_and_script_structs_shadow_the_kernel)
{
	if (!have_btf())
		cr_skip_test("no kernel BTF");
	struct checked *p = check("struct task_struct { struct thread_info ti; pid_t mine; };\n"
				  "struct w { struct load_weight lw; atomic_t a; };\n"
				  "BEGIN { $t = (struct task_struct *)curtask; $c = $t->ti.cpu;\n"
				  "$m = $t->mine; $w = sizeof(struct w); }");
	expect_ok(p);
	cr_expect_str_eq(tyname(rhs(p, 1)->ty), "uint32");
	cr_expect_str_eq(tyname(rhs(p, 2)->ty), "int32");
	cr_expect_eq(rhs(p, 3)->int_.value, 24);
	done(p);
}

Test(cdef, bad_member_types_are_reported_at_the_type)
{
	expect_err("struct a { int x; foo_t y; };\nBEGIN { }",
		   "t.bt:1:19: error: unknown type 'foo_t'\n"
		   "struct a { int x; foo_t y; };\n"
		   "                  ^~~~~\n");
	expect_err("struct b {\n\tstruct nosuch n; };\nBEGIN { }",
		   "t.bt:2:2: error: member 'n' has incomplete type 'struct nosuch'\n"
		   "\tstruct nosuch n; };\n"
		   "\t^~~~~~~~~~~~~\n");
	expect_err("struct d { int q : 33; };\nBEGIN { }",
		   "t.bt:1:20: error: invalid width 33 for bit field 'q'\n"
		   "struct d { int q : 33; };\n"
		   "                   ^~\n");
	expect_err("struct e { int q int r; }; BEGIN { }",
		   "t.bt:1:18: error: expected ';', found 'int'\n"
		   "struct e { int q int r; }; BEGIN { }\n"
		   "                 ^~~\n");
}

Test(cdef, redefinitions_and_duplicate_members_are_reported)
{
	expect_err("struct c { int x; int x; };\nBEGIN { }",
		   "t.bt:1:19: error: duplicate member 'x' in 'struct c'\n"
		   "struct c { int x; int x; };\n"
		   "                  ^~~\n");
	expect_err("struct c { int x; };\nstruct c { int z; };\nBEGIN { }",
		   "t.bt:2:8: error: redefinition of 'struct c'\n"
		   "struct c { int z; };\n"
		   "       ^\n");
}

static int64_t const_value(struct checked *p, int i)
{
	struct ast_node *n = rhs(p, i);
	if (n->kind == AST_UNOP && n->unop.op == OP_NEG)
		return -(int64_t)n->unop.expr->int_.value;
	cr_assert_eq(n->kind, AST_INT, "statement %d is not a literal", i);
	return (int64_t)n->int_.value;
}

Test(cdef, script_constants_come_before_kernel_enums_and_the_stdlib)
{
	struct checked *p = check("#define TASK_RUNNING 5\n#define NEG (-3)\n#define F(x) x\n"
				  "enum { A, B = 0x10, C };\n"
				  "BEGIN { $a = TASK_RUNNING; $b = NEG; $c = C; $d = AF_INET6;"
				  " $e = SIGKILL; }");
	expect_ok(p);
	cr_expect_eq(const_value(p, 0), 5);
	cr_expect_eq(const_value(p, 1), -3);
	cr_expect_eq(const_value(p, 2), 17);
	cr_expect_eq(const_value(p, 3), 10);
	cr_expect_eq(const_value(p, 4), 9);
	done(p);
	expect_err("#define F(x) x\nBEGIN { $a = F; }",
		   "t.bt:2:14: error: unknown identifier 'F'\n"
		   "BEGIN { $a = F; }\n"
		   "             ^\n");
}

Test(cdef, the_stdlib_has_the_x86_64_values_of_common_macros)
{
	static const struct {
		const char *name;
		int64_t value;
	} want[] = {
		{ "TASK_RUNNING", 0 }, { "TASK_UNINTERRUPTIBLE", 2 }, { "TASK_KILLABLE", 0x102 },
		{ "AF_UNIX", 1 },      { "AF_INET", 2 },	      { "AF_INET6", 10 },
		{ "O_CREAT", 0100 },   { "O_CLOEXEC", 02000000 },     { "O_LARGEFILE", 0100000 },
		{ "SIGKILL", 9 },      { "SIGTERM", 15 },	      { "SIGCHLD", 17 },
		{ "EPERM", 1 },	       { "EAGAIN", 11 },	      { "ERANGE", 34 },
		{ "PROT_EXEC", 4 },    { "MAP_ANONYMOUS", 0x20 },     { "MAP_PRIVATE", 2 },
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		int64_t v = -1;
		cr_expect(sema_stdlib_const(want[i].name, &v), "%s missing", want[i].name);
		cr_expect_eq(v, want[i].value, "%s is %lld", want[i].name, (long long)v);
	}
	int64_t v;
	cr_expect_not(sema_stdlib_const("AF_INE", &v));
	cr_expect_not(sema_stdlib_const("NOT_A_MACRO", &v));
}

/* ---- program sharing ---- */

static int share_of(struct checked *p, int probe)
{
	return p->c.ast->program.probes.v[probe]->probe.sp->share;
}

Test(share, points_of_one_probe_share_a_program_unless_the_body_tells_them_apart)
{
	if (!have_tracefs())
		cr_skip_test("needs root and tracefs");
	struct checked *p = check("tracepoint:sched:sched_switch, tracepoint:sched:sched_wakeup "
				  "{ @ = count(); } "
				  "tracepoint:sched:sched_switch, tracepoint:sched:sched_wakeup "
				  "{ @p[probe] = count(); }");
	expect_ok(p);
	cr_expect_eq(share_of(p, 0), 0, "the first point compiles its program");
	cr_expect_eq(share_of(p, 1), 1, "the second reuses probe 0's");
	cr_expect_eq(share_of(p, 2), 0);
	cr_expect_eq(share_of(p, 3), 0, "`probe` differs per point: a program each");
	done(p);
}
