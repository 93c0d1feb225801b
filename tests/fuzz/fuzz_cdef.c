/* libFuzzer harness for the C-definition parser (src/sema/cdef.c): the input is a script's
 * preamble of struct, union and enum definitions and #defines. The harness appends a BEGIN
 * probe taking sizeof() of the first records the input names, so layouts are computed and
 * used, and judges the compilation up to typecheck by the rules of fuzz_one.h. */
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_one.h"

/* Appends to out " print(sizeof(struct NAME));" for up to 8 "struct NAME" / "union NAME" in
 * src[0, n), then " }". */
static void use_records(const char *src, size_t n, char *out, size_t cap)
{
	static const char *const kws[] = { "struct ", "union " };
	size_t len = strlen(out);
	int uses = 0;
	for (const char *p = src; p < src + n && uses < 8; p++) {
		for (int k = 0; k < 2; k++) {
			size_t kl = strlen(kws[k]);
			if (strncmp(p, kws[k], kl) || (p > src && isalnum((unsigned char)p[-1])))
				continue;
			const char *name = p + kl, *e = name;
			while (isalnum((unsigned char)*e) || *e == '_')
				e++;
			if (e == name || e - name > 64 || isdigit((unsigned char)*name))
				continue;
			len += (size_t)snprintf(out + len, cap - len, " print(sizeof(%s%.*s));",
						kws[k], (int)(e - name), name);
			uses++;
		}
	}
	snprintf(out + len, cap - len, " }\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t cap = size + 1024;
	char *src = malloc(cap);
	if (!src)
		return 0;
	memcpy(src, data, size);
	src[size] = '\0';
	/* a NUL ends the script, as when main.c reads a file */
	size_t text = strlen(src);
	size_t len = text + (size_t)snprintf(src + text, cap - text, "\nBEGIN {");
	use_records(src, text, src + len, cap - len);

	fuzz_compile_or_abort(src, "typecheck");
	free(src);
	return 0;
}
