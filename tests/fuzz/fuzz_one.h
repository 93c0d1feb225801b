/* One compilation of an arbitrary script, and the rules its outcome must follow. Shared by
 * the libFuzzer harness (tests/fuzz/fuzz_compile.c) and the regression replay
 * (tests/unit/test_fuzz_regress.c), so both judge an input the same way. */
#ifndef FUZZ_ONE_H
#define FUZZ_ONE_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

#define FUZZ_FILE "fuzz.bt"

struct fuzz_result {
	int err; /* what cc_run returned */
	char *diag; /* everything the diagnostics printed (malloc'd) */
	size_t diag_len;
	const char *violation; /* NULL when the outcome follows the rules */
};

static int fuzz_count_lines(const char *src)
{
	int n = 1;
	for (const char *p = src; *p; p++)
		n += *p == '\n';
	return n;
}

/* A caret line: blanks (tabs kept from the source), '^', then '~'s. */
static bool fuzz_is_caret(const char *l, const char *e)
{
	while (l < e && (*l == ' ' || *l == '\t'))
		l++;
	if (l == e || *l++ != '^')
		return false;
	while (l < e && *l == '~')
		l++;
	return l == e;
}

/* Every diagnostic naming the file must start "fuzz.bt:LINE:COL: " with LINE inside the
 * script and COL >= 1; an error or warning is followed by its source line and a caret
 * line. Returns NULL or what is wrong. */
static const char *fuzz_check_diag(const char *diag, const char *src)
{
	size_t flen = strlen(FUZZ_FILE);
	int nlines = fuzz_count_lines(src);
	int skip = 0; /* lines left of the source line + caret after a located message */
	for (const char *l = diag; *l;) {
		const char *e = strchr(l, '\n');
		if (!e)
			return "diagnostics do not end with a newline";
		if (skip == 1 && !fuzz_is_caret(l, e))
			return "source line not followed by a caret line";
		if (skip > 0) {
			skip--;
		} else if (strncmp(l, FUZZ_FILE ":", flen + 1) == 0) {
			int line = 0, col = 0, used = 0;
			if (sscanf(l + flen, ":%d:%d: %n", &line, &col, &used) != 2 || used == 0)
				return "diagnostic line without file:line:col";
			if (line < 1 || line > nlines || col < 1)
				return "diagnostic location outside the script";
			const char *lvl = l + flen + used;
			if (!strncmp(lvl, "error: ", 7) || !strncmp(lvl, "warning: ", 9))
				skip = 2;
			else if (strncmp(lvl, "note: ", 6))
				return "diagnostic without a level";
		} else if (strncmp(l, "error: ", 7) && strncmp(l, "warning: ", 9) &&
			   strncmp(l, "note: ", 6)) {
			return "stray line in the diagnostics";
		}
		l = e + 1;
	}
	return skip ? "located message without source line and caret" : NULL;
}

/* Compiles src up to pass last ("typecheck", "codegen") and judges the result: 0 on
 * success (with an object when codegen ran), or -EINVAL with at least one error. */
static void fuzz_compile(const char *src, const char *last, struct fuzz_result *r)
{
	static const char *params[] = { "42", "hello" };
	struct cc_opts opts = { .params = params, .nparams = 2, .has_cpid = true };
	struct compiler c;
	FILE *f;

	memset(r, 0, sizeof(*r));
	f = open_memstream(&r->diag, &r->diag_len);
	if (!f) {
		r->err = -ENOMEM;
		r->violation = "open_memstream failed";
		return;
	}
	r->err = cc_init(&c, FUZZ_FILE, src, &opts, f);
	if (!r->err)
		r->err = cc_run(&c, last);
	bool ran_codegen = !strcmp(last, "codegen") && !r->err;
	bool has_elf = c.elf && c.elf_size > 0;
	cc_fini(&c);
	fclose(f);
	if (r->err && r->err != -EINVAL)
		r->violation = "compilation failed with neither success nor -EINVAL";
	else if (r->err == -EINVAL && !strstr(r->diag, "error: "))
		r->violation = "-EINVAL without an error diagnostic";
	else if (ran_codegen && !has_elf)
		r->violation = "codegen succeeded without an object";
	else
		r->violation = fuzz_check_diag(r->diag, src);
}

/* For the libFuzzer harnesses: compiles src up to last and aborts, saying why, when the
 * outcome breaks the rules (the fuzzer then keeps the input). */
static inline void fuzz_compile_or_abort(const char *src, const char *last)
{
	struct fuzz_result r;
	fuzz_compile(src, last, &r);
	if (r.violation) {
		fprintf(stderr, "fuzz: %s (err %d)\n--- diagnostics ---\n%.*s--- end ---\n",
			r.violation, r.err, (int)r.diag_len, r.diag ? r.diag : "");
		abort();
	}
	free(r.diag);
}

#endif
