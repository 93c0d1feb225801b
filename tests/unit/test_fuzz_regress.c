/* Replays every input the fuzzer (tests/fuzz/fuzz_compile.c) or hand testing broke the compiler
 * with, saved in tests/fuzz/regress/, through the same compile path up to codegen: each must
 * compile, or fail with -EINVAL and diagnostics that all carry file:line:col and a caret. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../fuzz/fuzz_one.h"
#include "progdesc.h"

#define REGRESS_DIR "tests/fuzz/regress"

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *s = malloc((size_t)n + 1);
	cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
	s[n] = '\0';
	fclose(f);
	return s;
}

static struct fuzz_result compile(const char *src)
{
	struct fuzz_result r;
	fuzz_compile(src, "codegen", &r);
	return r;
}

Test(fuzz_regress, every_saved_input_compiles_or_fails_with_located_diagnostics, .timeout = 300)
{
	DIR *d = opendir(REGRESS_DIR);
	cr_assert_not_null(d, "run from the repository root: %s not found", REGRESS_DIR);
	int n = 0;
	for (struct dirent *e; (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		char path[512];
		snprintf(path, sizeof(path), "%s/%s", REGRESS_DIR, e->d_name);
		char *src = read_file(path);
		struct fuzz_result r = compile(src);
		cr_expect_null(r.violation, "%s: %s (err %d)\n%s", e->d_name, r.violation, r.err,
			       r.diag);
		free(r.diag);
		free(src);
		n++;
	}
	closedir(d);
	cr_assert_gt(n, 0, "no saved inputs in %s", REGRESS_DIR);
}

Test(fuzz_regress, the_checker_rejects_a_diagnostic_without_line_and_column)
{
	cr_assert_str_eq(fuzz_check_diag("fuzz.bt: error: x\n", "BEGIN {}"),
			 "diagnostic line without file:line:col");
	cr_assert_str_eq(fuzz_check_diag("fuzz.bt:3:1: error: x\nBEGIN\n^\n", "BEGIN {}"),
			 "diagnostic location outside the script");
	cr_assert_str_eq(fuzz_check_diag("fuzz.bt:1:1: error: x\ny\n' here\n", "BEGIN {}"),
			 "source line not followed by a caret line");
	cr_assert_null(fuzz_check_diag("fuzz.bt:1:3: error: x\nBEGIN {}\n  ^~~\nerror: y\n",
				       "BEGIN {}"));
}

Test(fuzz_regress, a_bad_printf_conversion_with_a_newline_is_quoted_on_one_line)
{
	struct fuzz_result r = compile("BEGIN { printf(\"%-6d %.\\n\"); }");
	cr_assert_eq(r.err, -EINVAL);
	cr_assert_null(r.violation, "%s", r.violation);
	cr_assert_str_eq(r.diag, "fuzz.bt:1:22: error: printf: invalid conversion '%.\\n' in "
				 "format\n"
				 "BEGIN { printf(\"%-6d %.\\n\"); }\n"
				 "                     ^~~~\n");
	free(r.diag);
}

/* n terms "1+1+...+1" as @x's value (bpftrace compiles chains of thousands). */
static char *chain(int n)
{
	char *src = malloc((size_t)n * 2 + 64), *p = src;
	p += sprintf(p, "BEGIN { @x = 1");
	for (int i = 1; i < n; i++)
		p += sprintf(p, "+1");
	strcpy(p, "; }");
	return src;
}

Test(fuzz_regress, a_left_associative_chain_of_five_thousand_terms_compiles)
{
	char *src = chain(5000);
	struct fuzz_result r = compile(src);
	cr_assert_eq(r.err, 0, "%.300s", r.diag);
	free(r.diag);
	free(src);
}

Test(fuzz_regress, a_chain_deeper_than_the_tree_bound_is_one_located_error, .timeout = 60)
{
	char *src = chain(CC_MAX_TREE_DEPTH + 1);
	struct fuzz_result r = compile(src);
	cr_assert_eq(r.err, -EINVAL);
	cr_assert_null(r.violation, "%s", r.violation);
	const char *want = "fuzz.bt:1:14: error: expression is too long: more than 100000 "
			   "operators deep (split it with $variables)\n";
	cr_assert(strncmp(r.diag, want, strlen(want)) == 0, "%.200s", r.diag);
	free(r.diag);
	free(src);
}

/* n interval probes, one a line: "interval:ms:1 { @x = count(); }" ... */
static char *interval_probes(int n)
{
	char *src = malloc((size_t)n * 48 + 1), *p = src;
	for (int i = 1; i <= n; i++)
		p += sprintf(p, "interval:ms:%d { @x = count(); }\n", i);
	return src;
}

Test(fuzz_regress, more_probes_than_bpftrace_max_probes_is_an_error_at_the_first_one_over)
{
	char *src = interval_probes(600);
	struct fuzz_result r;
	fuzz_compile(src, "resolve", &r);
	cr_assert_eq(r.err, -EINVAL);
	cr_assert_null(r.violation, "%s", r.violation);
	cr_assert_str_eq(r.diag, "fuzz.bt:513:1: error: the program has 600 probes, more than the "
				 "limit of 512; raise BPFTRACE_MAX_PROBES to allow more, with care: "
				 "many probes can stall the system\n"
				 "interval:ms:513 { @x = count(); }\n"
				 "^~~~~~~~~~~~~~~\n");
	free(r.diag);
	free(src);
}

Test(fuzz_regress, five_hundred_and_twelve_probes_are_allowed)
{
	char *src = interval_probes(512);
	struct fuzz_result r;
	fuzz_compile(src, "resolve", &r);
	cr_assert_eq(r.err, 0, "%.300s", r.diag);
	free(r.diag);
	free(src);
}

Test(fuzz_regress, a_tracepoint_wildcard_over_every_event_stops_at_the_probe_limit)
{
	struct fuzz_result r;
	fuzz_compile("tracepoint:*:* { @[probe] = count(); }", "codegen", &r);
	if (!strstr(r.diag, "probes, more than the limit of 512"))
		cr_skip_test("needs root and tracefs with over 512 events: %.200s", r.diag);
	cr_assert_eq(r.err, -EINVAL);
	cr_assert_null(r.violation, "%s", r.violation);
	cr_assert(strncmp(r.diag, "fuzz.bt:1:1: error: the program has ", 36) == 0, "%s", r.diag);
	free(r.diag);
}

Test(fuzz_regress, an_argument_index_past_int_range_is_not_read_as_arg0)
{
	struct fuzz_result r;
	fuzz_compile("rawtracepoint:sched_switch { @[arg4294967296] = count(); }", "typecheck", &r);
	cr_assert_eq(r.err, -EINVAL, "%s", r.diag);
	cr_assert_str_eq(r.diag, "fuzz.bt:1:32: error: rawtracepoint:sched_switch has 4 arguments "
				 "(arg0..arg3)\n"
				 "rawtracepoint:sched_switch { @[arg4294967296] = count(); }\n"
				 "                               ^~~~~~~~~~~~~\n");
	free(r.diag);
}

Test(fuzz_regress, an_array_type_over_int_size_is_an_error_not_a_wrapped_size)
{
	struct fuzz_result r;
	fuzz_compile("BEGIN { @x = sizeof(int64[2147483647]); }", "typecheck", &r);
	cr_assert_eq(r.err, -EINVAL, "%s", r.diag);
	cr_assert_str_eq(r.diag, "fuzz.bt:1:21: error: type 'int64[2147483647]' is too large\n"
				 "BEGIN { @x = sizeof(int64[2147483647]); }\n"
				 "                    ^~~~~~~~~~~~~~~~~\n");
	free(r.diag);
}

Test(fuzz_regress, lhist_bounds_past_int_range_reach_the_program_description_intact)
{
	const char *src = "BEGIN { @h = lhist(4000000000, 0, 3000000000, 3000000); }";
	struct compiler c;
	FILE *f = fopen("/dev/null", "w");
	cr_assert_eq(cc_init(&c, FUZZ_FILE, src, NULL, f), 0);
	cr_assert_eq(cc_run(&c, "typecheck"), 0);
	cr_assert_eq(c.pd->maps.len, 1);
	cr_assert_eq(c.pd->maps.v[0].lhist_min, 0);
	cr_assert_eq(c.pd->maps.v[0].lhist_max, 3000000000LL);
	cr_assert_eq(c.pd->maps.v[0].lhist_step, 3000000);
	cc_fini(&c);
	fclose(f);
}
