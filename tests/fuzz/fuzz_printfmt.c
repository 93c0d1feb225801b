/* libFuzzer harness for the printf format parser (src/printfmt.c), which sema uses to check
 * printf calls and the runtime to render events: the input is a format. Every piece must
 * start where the last ended and stay inside the format, the pieces must cover it, and
 * each conversion's fields must be in range; anything else (or a sanitizer report) aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "printfmt.h"

static void fail(const char *what, size_t at)
{
	fprintf(stderr, "fuzz_printfmt: %s at byte %zu\n", what, at);
	abort();
}

static void check_conv(const struct pf_conv *cv, size_t at)
{
	if (cv->width < PF_STAR || cv->prec < PF_STAR)
		fail("width or precision out of range", at);
	if (cv->bits != 8 && cv->bits != 16 && cv->bits != 32 && cv->bits != 64)
		fail("length modifier bits not 8, 16, 32 or 64", at);
	if (!cv->conv || !strchr("diuxXocpsr", cv->conv))
		fail("unknown conversion letter accepted", at);
	if (cv->cls > PF_BUFFER)
		fail("conversion class out of range", at);
	int n = pf_nargs(cv);
	if (n < 1 || n > 3)
		fail("conversion consumes fewer than 1 or more than 3 arguments", at);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* an exact-size copy, so a read past the format is an ASan report */
	char *fmt = malloc(size ? size : 1);
	if (!fmt)
		return 0;
	memcpy(fmt, data, size);
	size_t pos = 0;
	for (;;) {
		struct pf_piece p;
		size_t before = pos;
		pf_next(fmt, size, &pos, &p);
		if (p.kind == PF_END) {
			if (before != size || pos != size)
				fail("the end before the end of the format", before);
			break;
		}
		/* a piece spans its bytes, inside what pf_next moved over ("%%" moves over
		 * two bytes and holds the second) */
		if (p.off < before || p.len == 0 || p.off + p.len != pos || pos > size ||
		    pos - before > p.len + 1)
			fail("a piece that does not follow the last one", before);
		if (p.kind == PF_CONV)
			check_conv(&p.conv, before);
		if (p.kind == PF_BAD && !pf_error_str(p.err))
			fail("a bad conversion without a message", before);
	}
	free(fmt);
	return 0;
}
