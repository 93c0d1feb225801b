/* libFuzzer harness for the front end, sema and codegen: the input is script text, compiled
 * up to FUZZ_LAST (environment; "codegen" by default, or "typecheck"). Any crash, sanitizer
 * report, or outcome breaking the rules in fuzz_one.h (other than success or diagnostics
 * with -EINVAL, or a diagnostic without file:line:col) stops the fuzzer. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_one.h"

static const char *last_pass = "codegen";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *v = getenv("FUZZ_LAST");
	if (v && *v)
		last_pass = v;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* Scripts are C strings: a NUL byte ends the script, as when main.c reads a file. */
	char *src = malloc(size + 1);
	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';

	fuzz_compile_or_abort(src, last_pass);
	free(src);
	return 0;
}
