/* Unit tests for src/util: arena, vectors, string buffers and diagnostics with carets. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/diag.h"
#include "util/radix.h"
#include "util/strbuf.h"
#include "util/vec.h"

Test(arena, returns_zeroed_aligned_memory)
{
	struct arena a = { 0 };
	char *p = arena_alloc(&a, 3);
	long *q = arena_alloc(&a, sizeof(long));
	cr_assert_not_null(p);
	cr_assert_not_null(q);
	cr_assert_eq(((unsigned long)q) % 16, 0);
	cr_assert_eq(*q, 0);
	arena_free(&a);
	cr_assert_null(a.head);
}

Test(arena, serves_allocations_larger_than_a_block)
{
	struct arena a = { 0 };
	char *big = arena_alloc(&a, 1 << 20);
	cr_assert_not_null(big);
	big[(1 << 20) - 1] = 'x';
	char *s = arena_sprintf(&a, "%s-%d", "probe", 42);
	cr_assert_str_eq(s, "probe-42");
	cr_assert_str_eq(arena_strndup(&a, "abcdef", 3), "abc");
	arena_free(&a);
}

Test(vec, grows_and_keeps_elements)
{
	struct arena a = { 0 };
	VEC(int) v = { 0 };
	for (int i = 0; i < 1000; i++)
		cr_assert_eq(vec_push(&a, &v, i * 2), 0);
	cr_assert_eq(v.len, 1000);
	cr_assert_eq(v.v[0], 0);
	cr_assert_eq(v.v[999], 1998);
	arena_free(&a);
}

Test(strbuf, appends_and_formats)
{
	struct strbuf sb = { 0 };
	cr_assert_str_eq(sb_str(&sb), "");
	sb_append(&sb, "@x[");
	sb_printf(&sb, "%d, %s", 7, "abc");
	sb_putc(&sb, ']');
	cr_assert_str_eq(sb_str(&sb), "@x[7, abc]");
	cr_assert_eq(sb.len, 10);
	sb_reset(&sb);
	cr_assert_str_eq(sb_str(&sb), "");
	sb_free(&sb);
}

/* sb_printf formats into the free room first and again only when the text did not fit. */
Test(strbuf, formats_text_longer_than_the_free_room)
{
	struct strbuf sb = { 0 };
	char long_text[301];
	memset(long_text, 'x', 300);
	long_text[300] = '\0';
	sb_append(&sb, "ab");
	cr_assert_eq(sb_printf(&sb, "<%s>%d", long_text, 42), 0);
	cr_assert_eq(sb.len, 2 + 1 + 300 + 1 + 2);
	cr_assert_eq(strncmp(sb_str(&sb), "ab<xxx", 6), 0);
	cr_assert_str_eq(sb_str(&sb) + sb.len - 4, "x>42");
	cr_assert_eq(sb_printf(&sb, "%s", ""), 0);
	cr_assert_eq(sb.len, 306);
	sb_free(&sb);
}

Test(strbuf, puts_numbers_as_printf_does)
{
	struct strbuf sb = { 0 };
	sb_putu(&sb, 0);
	sb_putc(&sb, ' ');
	sb_putu(&sb, UINT64_MAX);
	sb_putc(&sb, ' ');
	sb_puti(&sb, INT64_MIN);
	sb_putc(&sb, ' ');
	sb_puti(&sb, -1);
	sb_putc(&sb, ' ');
	sb_puti(&sb, 1234567890);
	cr_assert_str_eq(sb_str(&sb),
			 "0 18446744073709551615 -9223372036854775808 -1 1234567890");
	sb_free(&sb);
}

static char *capture(void (*fn)(struct diag *d), const char *src)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct diag d;
	diag_init(&d, "prog.bt", src, f);
	fn(&d);
	fclose(f);
	return buf;
}

static void unknown_function(struct diag *d)
{
	struct src_loc loc = { 2, 14, 2, 18 };
	diag_error(d, &loc, "unknown function '%s'", "cuont");
	diag_note(d, &loc, "did you mean '%s'?", "count");
	cr_assert_eq(diag_errors(d), 1);
}

Test(diag, prints_location_source_line_and_caret)
{
	char *out = capture(unknown_function, "BEGIN {\n    @calls = cuont();\n}\n");
	cr_assert_str_eq(out, "prog.bt:2:14: error: unknown function 'cuont'\n"
			      "    @calls = cuont();\n"
			      "             ^~~~~\n"
			      "prog.bt:2:14: note: did you mean 'count'?\n");
	free(out);
}

static void muted_warning(struct diag *d)
{
	struct src_loc loc = { 1, 1, 1, 2 };
	d->no_warnings = true;
	diag_warn(d, &loc, "unknown tracepoint");
	diag_note(d, &loc, "did you mean this?");
	diag_error(d, &loc, "bad");
	diag_note(d, &loc, "shown");
}

Test(diag, no_warnings_also_leaves_out_the_warnings_notes)
{
	char *out = capture(muted_warning, "xy");
	cr_assert_str_eq(out, "prog.bt:1:1: error: bad\nxy\n^~\nprog.bt:1:1: note: shown\n");
	free(out);
}

static void tab_indent(struct diag *d)
{
	struct src_loc loc = { 1, 3, 1, 3 };
	diag_error(d, &loc, "bad");
}

Test(diag, keeps_tabs_so_the_caret_lines_up)
{
	char *out = capture(tab_indent, "\t\tx;");
	cr_assert_str_eq(out, "prog.bt:1:3: error: bad\n\t\tx;\n\t\t^\n");
	free(out);
}

static void no_location(struct diag *d)
{
	diag_error(d, NULL, "failed to attach %s: %s", "tracepoint:a:b", "No such file");
}

Test(diag, reports_without_a_location)
{
	char *out = capture(no_location, "");
	cr_assert_str_eq(out, "error: failed to attach tracepoint:a:b: No such file\n");
	free(out);
}

static void multi_line_span(struct diag *d)
{
	struct src_loc loc = { 1, 5, 2, 3 };
	diag_warn(d, &loc, "spans lines");
	cr_assert_eq(diag_errors(d), 0);
}

Test(diag, underlines_to_the_end_of_the_first_line_of_a_long_span)
{
	char *out = capture(multi_line_span, "abc defgh\nxyz\n");
	cr_assert_str_eq(out, "prog.bt:1:5: warning: spans lines\nabc defgh\n    ^~~~~\n");
	free(out);
}

static int rec_cmp(const void *a, const void *b)
{
	const struct radix_rec *x = a, *y = b;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return x->tag < y->tag ? -1 : x->tag > y->tag; /* the input order: stable */
}

Test(radix, sorts_by_hi_then_lo_stably_like_a_comparison_sort)
{
	enum { N = 5000 };
	static struct radix_rec v[N], tmp[N], want[N];
	uint64_t x = 88172645463325252ull; /* xorshift64 */
	for (int i = 0; i < N; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		/* few distinct hi values (ties on hi), lo of every width, and repeated pairs */
		v[i] = (struct radix_rec){ .hi = x % 7 == 0 ? UINT64_MAX : (x >> 60),
					   .lo = i % 10 == 0 ? 42 : x >> (x % 64), .tag = i };
	}
	memcpy(want, v, sizeof(v));
	qsort(want, N, sizeof(*want), rec_cmp);
	radix_sort(v, tmp, N);
	for (int i = 0; i < N; i++)
		cr_assert(v[i].hi == want[i].hi && v[i].lo == want[i].lo && v[i].tag == want[i].tag,
			  "record %d differs", i);
}

Test(radix, leaves_records_that_share_every_byte_in_order)
{
	struct radix_rec v[3] = { { 1, 2, 0 }, { 1, 2, 1 }, { 1, 2, 2 } }, tmp[3];
	radix_sort(v, tmp, 3);
	for (int i = 0; i < 3; i++)
		cr_assert_eq(v[i].tag, (uint64_t)i);
	radix_sort(v, tmp, 0);
	radix_sort(v, tmp, 1);
	cr_assert_eq(v[0].tag, 0);
}
