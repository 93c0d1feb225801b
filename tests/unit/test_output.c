/* Unit tests for the runtime's output formatting (src/runtime/output*.c, format_*.c):
 * recorded map contents and event payloads are printed and compared byte for byte with
 * what bpftrace 0.17 prints for the same data. No kernel needed. */
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "progdesc.h"
#include "runtime/output.h"
#include "util/strbuf.h"

/* Output captured in memory. */
struct cap {
	struct out o;
	char *buf;
	size_t len;
};

static void cap_open(struct cap *c, bool json)
{
	memset(c, 0, sizeof(*c));
	c->o.f = open_memstream(&c->buf, &c->len);
	c->o.json = json;
	cr_assert_not_null(c->o.f);
}

/* Closes the stream and returns the text (owned by c). */
static const char *cap_text(struct cap *c)
{
	fclose(c->o.f);
	c->o.f = NULL;
	return c->buf;
}

static void cap_free(struct cap *c)
{
	free(c->buf);
}

#define T_INT(off) { .kind = PD_INT, .size = 8, .offset = (off) }
#define T_UINT(off) { .kind = PD_UINT, .size = 8, .offset = (off) }
#define T_STR(off, n) { .kind = PD_STR, .size = (n), .offset = (off) }
#define FIELDS(arr) { .v = (arr), .len = (int)(sizeof(arr) / sizeof((arr)[0])) }

static struct pd_type no_fields[1];

static struct pd_map scalar_map(const char *name, enum pd_map_kind kind, enum pd_kind vkind)
{
	struct pd_map m = { .name = name, .kind = kind, .is_scalar = true, .key_size = 8 };
	m.key.kind = PD_TUPLE;
	m.key.fields.v = no_fields;
	m.value.kind = vkind;
	m.value.size = 8;
	return m;
}

static const char *print_map(struct cap *c, bool json, const struct pd_map *m,
			     struct out_entry *e, int n, uint64_t top, uint64_t div)
{
	cap_open(c, json);
	cr_assert_eq(out_print_map(&c->o, m, e, n, top, div), 0);
	return cap_text(c);
}

/* ---- value maps ---- */

Test(output_text, prints_a_scalar_count_as_name_colon_value)
{
	struct pd_map m = scalar_map("@a", PD_MAP_COUNT, PD_UINT);
	struct out_entry e = { .num = 1 };
	struct cap c;
	cr_assert_str_eq(print_map(&c, false, &m, &e, 1, 0, 0), "@a: 1\n");
	cap_free(&c);
}

struct key_is {
	int64_t i;
	char s[16];
};

static struct pd_type key_is_fields[] = { T_INT(0), T_STR(8, 16) };

static struct pd_map keyed_map(const char *name, enum pd_map_kind kind)
{
	struct pd_map m = { .name = name, .kind = kind, .key_size = 24 };
	m.key.kind = PD_TUPLE;
	m.key.size = 24;
	m.key.fields.v = key_is_fields;
	m.key.fields.len = 2;
	m.value.kind = PD_INT;
	m.value.size = 8;
	return m;
}

Test(output_text, sorts_counts_by_value_ascending_and_joins_multiple_keys)
{
	struct pd_map m = keyed_map("@b", PD_MAP_SUM);
	struct key_is k[3] = { { 1, "x" }, { 2, "yy" }, { -3, "z" } };
	struct out_entry e[3] = {
		{ .key = (uint8_t *)&k[0], .num = 50 },
		{ .key = (uint8_t *)&k[1], .num = -4 },
		{ .key = (uint8_t *)&k[2], .num = 7 },
	};
	struct cap c;
	cr_assert_str_eq(print_map(&c, false, &m, e, 3, 0, 0),
			 "@b[2, yy]: -4\n@b[-3, z]: 7\n@b[1, x]: 50\n");
	cap_free(&c);
}

Test(output_text, sorts_by_value_then_every_key_field_across_the_whole_range)
{
	/* values at both ends of int64 and ties on value and on the first key field, which the
	 * second field (a string) breaks */
	struct pd_map m = keyed_map("@s", PD_MAP_SUM);
	struct key_is k[6] = { { 5, "b" }, { 5, "a" }, { -1, "a" }, { 2, "a" }, { 2, "a" },
			       { 7, "z" } };
	k[4].s[0] = 'c';
	struct out_entry e[6] = {
		{ .key = (uint8_t *)&k[0], .num = 3 },
		{ .key = (uint8_t *)&k[1], .num = 3 },
		{ .key = (uint8_t *)&k[2], .num = INT64_MAX },
		{ .key = (uint8_t *)&k[3], .num = INT64_MIN },
		{ .key = (uint8_t *)&k[4], .num = 3 },
		{ .key = (uint8_t *)&k[5], .num = -1 },
	};
	struct cap c;
	cr_assert_str_eq(print_map(&c, false, &m, e, 6, 0, 0),
			 "@s[2, a]: -9223372036854775808\n@s[7, z]: -1\n@s[2, c]: 3\n"
			 "@s[5, a]: 3\n@s[5, b]: 3\n@s[-1, a]: 9223372036854775807\n");
	cap_free(&c);
}

Test(output_text, print_with_top_and_div_keeps_the_largest_and_divides)
{
	/* bpftrace: @c[1]=1, @c[2]=2, @c[3]=3; print(@c, 2); print(@c, 0, 2) */
	struct pd_map m = keyed_map("@c", PD_MAP_COUNT);
	m.key.fields.len = 1;
	struct key_is k[3] = { { 1, "" }, { 2, "" }, { 3, "" } };
	struct out_entry e[3] = {
		{ .key = (uint8_t *)&k[2], .num = 3 },
		{ .key = (uint8_t *)&k[0], .num = 1 },
		{ .key = (uint8_t *)&k[1], .num = 2 },
	};
	struct cap c;
	cr_assert_str_eq(print_map(&c, false, &m, e, 3, 2, 0), "@c[2]: 2\n@c[3]: 3\n");
	cap_free(&c);
	cr_assert_str_eq(print_map(&c, false, &m, e, 3, 0, 2), "@c[1]: 0\n@c[2]: 1\n@c[3]: 1\n");
	cap_free(&c);
}

Test(output_text, sorts_string_values_by_key)
{
	struct pd_map m = keyed_map("@k", PD_MAP_VALUE);
	m.key.fields.v = &key_is_fields[1];
	m.key.fields.v[0].offset = 0;
	m.key.fields.len = 1;
	m.value = (struct pd_type)T_STR(0, 8);
	char k[2][16] = { "b", "a" };
	char v[2][8] = { "x", "y" };
	struct out_entry e[2] = {
		{ .key = (uint8_t *)k[0], .value = (uint8_t *)v[0] },
		{ .key = (uint8_t *)k[1], .value = (uint8_t *)v[1] },
	};
	struct cap c;
	cr_assert_str_eq(print_map(&c, false, &m, e, 2, 0, 0), "@k[a]: y\n@k[b]: x\n");
	cap_free(&c);
	key_is_fields[1].offset = 8;
}

Test(output_text, prints_tuple_values_in_parentheses)
{
	struct pd_type inner_f[] = { T_INT(0), T_STR(8, 4) };
	struct pd_type f[] = { T_INT(0), T_STR(8, 4),
			       { .kind = PD_TUPLE, .size = 16, .offset = 16,
				 .fields = FIELDS(inner_f) } };
	struct pd_map m = scalar_map("@r", PD_MAP_VALUE, PD_TUPLE);
	m.value.size = 32;
	m.value.fields.v = f;
	m.value.fields.len = 3;
	uint8_t val[32] = { 0 };
	int64_t one = 1, two = 2;
	memcpy(val, &one, 8);
	memcpy(val + 8, "a", 2);
	memcpy(val + 16, &two, 8);
	memcpy(val + 24, "b", 2);
	struct out_entry e = { .value = val };
	struct cap c;
	cr_assert_str_eq(print_map(&c, false, &m, &e, 1, 0, 0), "@r: (1, a, (2, b))\n");
	cap_free(&c);
	cr_assert_str_eq(print_map(&c, true, &m, &e, 1, 0, 0),
			 "{\"type\": \"map\", \"data\": {\"@r\": [1,\"a\",[2,\"b\"]]}}\n");
	cap_free(&c);
}

Test(output_text, prints_records_and_arrays_like_bpftrace)
{
	struct pd_type el[] = { { .kind = PD_INT, .size = 4 } };
	struct pd_type f[] = { { .kind = PD_INT, .size = 4, .offset = 0, .name = "a" },
			       { .kind = PD_ARRAY, .size = 8, .offset = 4, .name = "b",
				 .count = 2, .fields = FIELDS(el) } };
	struct pd_type rec = { .kind = PD_RECORD, .size = 12, .fields = FIELDS(f) };
	int32_t v[3] = { 7, 1, -2 };
	struct strbuf sb = { 0 };
	struct out o = { 0 };
	cr_assert_eq(out_value_str(&sb, &o, &rec, (uint8_t *)v, false), 0);
	cr_assert_str_eq(sb_str(&sb), "{ .a = 7, .b = [1,-2] }");
	sb_reset(&sb);
	cr_assert_eq(out_value_str(&sb, &o, &rec, (uint8_t *)v, true), 0);
	cr_assert_str_eq(sb_str(&sb), "{ \"a\": 7, \"b\": [1,-2] }");
	sb_free(&sb);
}

Test(output_text, prints_bit_fields_of_a_record)
{
	/* struct { u32 on:1, kind:4; s32 neg:6 (bits 5..10); } = { 1, 9, -5 } */
	struct pd_type f[] = {
		{ .kind = PD_UINT, .size = 1, .name = "on", .bit_off = 0, .bit_size = 1 },
		{ .kind = PD_UINT, .size = 1, .name = "kind", .bit_off = 1, .bit_size = 4 },
		{ .kind = PD_INT, .size = 2, .name = "neg", .bit_off = 5, .bit_size = 6 },
	};
	struct pd_type rec = { .kind = PD_RECORD, .size = 4, .fields = FIELDS(f) };
	uint32_t v = 1 | 9 << 1 | (uint32_t)(-5 & 0x3f) << 5 | 0xfffff800;
	struct strbuf sb = { 0 };
	struct out o = { 0 };
	cr_assert_eq(out_value_str(&sb, &o, &rec, (uint8_t *)&v, false), 0);
	cr_assert_str_eq(sb_str(&sb), "{ .on = 1, .kind = 9, .neg = -5 }");
	sb_free(&sb);
}

/* Every value kind has a row in the runtime's table: a kind added without its renderer
 * would crash here rather than on a user's machine. */
Test(output_text, every_value_kind_renders)
{
	uint8_t zero[64] = { 0 };
	struct out o = { 0 };
	for (int k = 0; k < PD_KIND__COUNT; k++) {
		struct pd_type t = { .kind = (enum pd_kind)k, .size = 8 };
		struct strbuf sb = { 0 };
		cr_expect_eq(out_value_str(&sb, &o, &t, zero, false), 0, "kind %d", k);
		cr_expect_eq(out_value_str(&sb, &o, &t, zero, true), 0, "kind %d", k);
		sb_free(&sb);
	}
}

/* A stack value holds an id or -errno; any other negative number (a fuzzer's, found by
 * fuzz_output: INT64_MIN, whose negation overflowed) renders as not captured. */
Test(output_text, a_stack_id_that_is_no_errno_renders_as_not_captured)
{
	int64_t ids[] = { INT64_MIN, -4096, -2 };
	const char *why[] = { "Invalid argument", "Invalid argument", "no longer in the stack map" };
	struct out o = { 0 };
	for (int i = 0; i < 3; i++) {
		struct pd_type t = { .kind = PD_KSTACK, .size = 8 };
		struct strbuf sb = { 0 };
		cr_expect_eq(out_value_str(&sb, &o, &t, (const uint8_t *)&ids[i], false), 0);
		cr_expect_not_null(strstr(sb.s ? sb.s : "", why[i]), "id %lld: %s",
				   (long long)ids[i], sb.s ? sb.s : "");
		sb_free(&sb);
	}
}

Test(output_text, prints_min_and_max_of_negative_values)
{
	/* bpftrace 0.17 prints an empty line for max() of only negative values; we print
	 * the value. */
	struct pd_map mn = scalar_map("@mn", PD_MAP_MIN, PD_INT);
	struct pd_map mx = scalar_map("@mx", PD_MAP_MAX, PD_INT);
	struct out_entry a = { .num = -10 }, b = { .num = -4 };
	struct cap c;
	cr_assert_str_eq(print_map(&c, false, &mn, &a, 1, 0, 0), "@mn: -10\n");
	cap_free(&c);
	cr_assert_str_eq(print_map(&c, false, &mx, &b, 1, 0, 0), "@mx: -4\n");
	cap_free(&c);
}

Test(output_text, prints_an_empty_map_as_an_empty_line)
{
	struct pd_map m = keyed_map("@e", PD_MAP_COUNT);
	struct cap c;
	cr_assert_str_eq(print_map(&c, false, &m, NULL, 0, 0, 0), "\n");
	cap_free(&c);
	cr_assert_str_eq(print_map(&c, true, &m, NULL, 0, 0, 0), "");
	cap_free(&c);
}

/* ---- stats and avg ---- */

Test(output_text, prints_stats_and_avg_with_a_blank_line_after)
{
	struct pd_map s = scalar_map("@s", PD_MAP_STATS, PD_INT);
	struct pd_map v = scalar_map("@v", PD_MAP_AVG, PD_INT);
	struct out_entry es = { .count = 2, .total = -7 }, ev = { .count = 2, .total = -5 };
	struct cap c;
	cr_assert_str_eq(print_map(&c, false, &s, &es, 1, 0, 0),
			 "@s: count 2, average -3, total -7\n\n");
	cap_free(&c);
	cr_assert_str_eq(print_map(&c, false, &v, &ev, 1, 0, 0), "@v: -2\n\n");
	cap_free(&c);
}

Test(output_json, prints_keyed_stats_sorted_by_average)
{
	struct pd_map s = keyed_map("@s", PD_MAP_STATS);
	s.key.fields.len = 1;
	struct key_is k[2] = { { 1, "" }, { 2, "" } };
	struct out_entry e[2] = { { .key = (uint8_t *)&k[0], .count = 1, .total = 4 },
				  { .key = (uint8_t *)&k[1], .count = 1, .total = 1 } };
	struct cap c;
	cr_assert_str_eq(print_map(&c, true, &s, e, 2, 0, 0),
			 "{\"type\": \"stats\", \"data\": {\"@s\": {\"2\": {\"count\": 1, "
			 "\"average\": 1, \"total\": 1}, \"1\": {\"count\": 1, \"average\": 4, "
			 "\"total\": 4}}}}\n");
	cap_free(&c);
}

/* ---- histograms ---- */

static uint64_t hist_buckets[PD_HIST_BUCKETS];

Test(output_text, prints_a_log2_histogram_byte_for_byte)
{
	/* bpftrace 0.17: hist(-5), hist(0), hist(1) x2, hist(2), hist(3), hist(1500),
	 * hist(2000000), hist(3000000000), hist(3000000001) */
	memset(hist_buckets, 0, sizeof(hist_buckets));
	hist_buckets[0] = 1;
	hist_buckets[1] = 1;
	hist_buckets[2] = 2;
	hist_buckets[3] = 2;
	hist_buckets[12] = 1;
	hist_buckets[22] = 1;
	hist_buckets[33] = 2;
	struct pd_map m = scalar_map("@h", PD_MAP_HIST, PD_INT);
	struct out_entry e = { .buckets = hist_buckets, .nbuckets = PD_HIST_BUCKETS };
	struct cap c;
	cr_assert_str_eq(print_map(&c, false, &m, &e, 1, 0, 0),
		"@h: \n"
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[0]                    1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[1]                    2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[2, 4)                 2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[4, 8)                 0 |                                                    |\n"
		"[8, 16)                0 |                                                    |\n"
		"[16, 32)               0 |                                                    |\n"
		"[32, 64)               0 |                                                    |\n"
		"[64, 128)              0 |                                                    |\n"
		"[128, 256)             0 |                                                    |\n"
		"[256, 512)             0 |                                                    |\n"
		"[512, 1K)              0 |                                                    |\n"
		"[1K, 2K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[2K, 4K)               0 |                                                    |\n"
		"[4K, 8K)               0 |                                                    |\n"
		"[8K, 16K)              0 |                                                    |\n"
		"[16K, 32K)             0 |                                                    |\n"
		"[32K, 64K)             0 |                                                    |\n"
		"[64K, 128K)            0 |                                                    |\n"
		"[128K, 256K)           0 |                                                    |\n"
		"[256K, 512K)           0 |                                                    |\n"
		"[512K, 1M)             0 |                                                    |\n"
		"[1M, 2M)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n"
		"[2M, 4M)               0 |                                                    |\n"
		"[4M, 8M)               0 |                                                    |\n"
		"[8M, 16M)              0 |                                                    |\n"
		"[16M, 32M)             0 |                                                    |\n"
		"[32M, 64M)             0 |                                                    |\n"
		"[64M, 128M)            0 |                                                    |\n"
		"[128M, 256M)           0 |                                                    |\n"
		"[256M, 512M)           0 |                                                    |\n"
		"[512M, 1G)             0 |                                                    |\n"
		"[1G, 2G)               0 |                                                    |\n"
		"[2G, 4G)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
	);
	cap_free(&c);
}

Test(output_text, labels_high_buckets_with_T_P_E_suffixes)
{
	memset(hist_buckets, 0, sizeof(hist_buckets));
	hist_buckets[2 + 45] = 3;
	hist_buckets[2 + 63] = 7;
	struct pd_map m = scalar_map("@h", PD_MAP_HIST, PD_INT);
	struct out_entry e = { .buckets = hist_buckets, .nbuckets = PD_HIST_BUCKETS };
	struct cap c;
	const char *s = print_map(&c, false, &m, &e, 1, 0, 0);
	cr_assert(strstr(s, "[32T, 64T)             3 |@@@@@@@@@@@@@@@@@@@@@@ "), "%s", s);
	cr_assert(strstr(s, "[8E, 16E)              7 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"),
		  "%s", s);
	cap_free(&c);
}

struct key_i {
	int64_t i;
	char s[8];
};

Test(output_text, prints_keyed_histograms_sorted_by_total_count)
{
	/* bpftrace 0.17: @h[1, "a"] = hist(5); @h[2, "b"] = hist(5); @h[2, "b"] = hist(100);
	 * @h[0, "c"] = hist(1) three times */
	static struct pd_type kf[] = { T_INT(0), T_STR(8, 8) };
	struct pd_map m = { .name = "@h", .kind = PD_MAP_HIST, .key_size = 24, .bucket_off = 16 };
	m.key.kind = PD_TUPLE;
	m.key.size = 16;
	m.key.fields.v = kf;
	m.key.fields.len = 2;
	struct key_i k[3] = { { 1, "a" }, { 2, "b" }, { 0, "c" } };
	static uint64_t b[3][PD_HIST_BUCKETS];
	b[0][4] = 1;
	b[1][4] = 1;
	b[1][8] = 1;
	b[2][2] = 3;
	struct out_entry e[3] = {
		{ .key = (uint8_t *)&k[2], .buckets = b[2], .nbuckets = PD_HIST_BUCKETS },
		{ .key = (uint8_t *)&k[1], .buckets = b[1], .nbuckets = PD_HIST_BUCKETS },
		{ .key = (uint8_t *)&k[0], .buckets = b[0], .nbuckets = PD_HIST_BUCKETS },
	};
	struct cap c;
	cr_assert_str_eq(
		print_map(&c, false, &m, e, 3, 0, 0),
		"@h[1, a]: \n"
		"[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@h[2, b]: \n"
		"[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[8, 16)                0 |                                                    |\n"
		"[16, 32)               0 |                                                    |\n"
		"[32, 64)               0 |                                                    |\n"
		"[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n"
		"@h[0, c]: \n"
		"[1]                    3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
	cap_free(&c);
	cr_assert_str_eq(print_map(&c, true, &m, e, 2, 0, 0),
			 "{\"type\": \"hist\", \"data\": {\"@h\": {\"1,a\": [{\"min\": 4, \"max\": 7, "
			 "\"count\": 1}], \"2,b\": [{\"min\": 4, \"max\": 7, \"count\": 1}, {\"min\": "
			 "8, \"max\": 15, \"count\": 0}, {\"min\": 16, \"max\": 31, \"count\": 0}, "
			 "{\"min\": 32, \"max\": 63, \"count\": 0}, {\"min\": 64, \"max\": 127, "
			 "\"count\": 1}]}}}\n");
	cap_free(&c);
}

static struct pd_map lhist_map(const char *name, int64_t min, int64_t max, int64_t step)
{
	struct pd_map m = scalar_map(name, PD_MAP_LHIST, PD_INT);
	m.lhist_min = min;
	m.lhist_max = max;
	m.lhist_step = step;
	return m;
}

Test(output_text, prints_a_linear_histogram_with_open_ends)
{
	/* bpftrace 0.17: lhist(-5, 0, 100, 10), lhist(150, ...), lhist(55, ...) */
	struct pd_map m = lhist_map("@l", 0, 100, 10);
	uint64_t b[12] = { 0 };
	b[0] = 1;
	b[6] = 1;
	b[11] = 1;
	struct out_entry e = { .buckets = b, .nbuckets = 12 };
	cr_assert_eq(pd_map_buckets(&m), 12);
	struct cap c;
	cr_assert_str_eq(
		print_map(&c, false, &m, &e, 1, 0, 0),
		"@l: \n"
		"(..., 0)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[0, 10)                0 |                                                    |\n"
		"[10, 20)               0 |                                                    |\n"
		"[20, 30)               0 |                                                    |\n"
		"[30, 40)               0 |                                                    |\n"
		"[40, 50)               0 |                                                    |\n"
		"[50, 60)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"[60, 70)               0 |                                                    |\n"
		"[70, 80)               0 |                                                    |\n"
		"[80, 90)               0 |                                                    |\n"
		"[90, 100)              0 |                                                    |\n"
		"[100, ...)             1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
	cap_free(&c);
	b[6] = 0;
	cr_assert_str_eq(print_map(&c, true, &m, &e, 1, 0, 0),
			 "{\"type\": \"hist\", \"data\": {\"@l\": [{\"max\": -1, \"count\": 1}, "
			 "{\"min\": 0, \"max\": 9, \"count\": 0}, {\"min\": 10, \"max\": 19, "
			 "\"count\": 0}, {\"min\": 20, \"max\": 29, \"count\": 0}, {\"min\": 30, "
			 "\"max\": 39, \"count\": 0}, {\"min\": 40, \"max\": 49, \"count\": 0}, "
			 "{\"min\": 50, \"max\": 59, \"count\": 0}, {\"min\": 60, \"max\": 69, "
			 "\"count\": 0}, {\"min\": 70, \"max\": 79, \"count\": 0}, {\"min\": 80, "
			 "\"max\": 89, \"count\": 0}, {\"min\": 90, \"max\": 99, \"count\": 0}, "
			 "{\"min\": 100, \"count\": 1}]}}\n");
	cap_free(&c);
}

Test(output_text, labels_linear_buckets_in_K_and_M)
{
	struct pd_map m = lhist_map("@m", 0, 4096, 1024);
	uint64_t b[6] = { 0, 0, 0, 1, 0, 0 };
	struct out_entry e = { .buckets = b, .nbuckets = 6 };
	struct cap c;
	cr_assert_str_eq(
		print_map(&c, false, &m, &e, 1, 0, 0),
		"@m: \n[2K, 3K)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n");
	cap_free(&c);
	struct pd_map n = lhist_map("@n", 0, 4194304, 1048576);
	uint64_t bn[6] = { 0, 0, 0, 0, 1, 0 };
	struct out_entry en = { .buckets = bn, .nbuckets = 6 };
	cr_assert_str_eq(
		print_map(&c, false, &n, &en, 1, 0, 0),
		"@n: \n[3M, 4M)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n");
	cap_free(&c);
}

Test(output_text, scales_bars_to_the_largest_bucket)
{
	memset(hist_buckets, 0, sizeof(hist_buckets));
	hist_buckets[3] = 3;
	hist_buckets[4] = 7;
	struct pd_map m = scalar_map("@h", PD_MAP_HIST, PD_INT);
	struct out_entry e = { .buckets = hist_buckets, .nbuckets = PD_HIST_BUCKETS };
	struct cap c;
	cr_assert_str_eq(
		print_map(&c, false, &m, &e, 1, 0, 0),
		"@h: \n"
		"[2, 4)                 3 |@@@@@@@@@@@@@@@@@@@@@@                              |\n"
		"[4, 8)                 7 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n"
		"\n");
	cap_free(&c);
}

/* ---- JSON maps: the bpftrace 0.17 sample of every kind ---- */

Test(output_json, prints_scalar_maps_of_every_kind)
{
	struct cap c;
	struct pd_map a = scalar_map("@a", PD_MAP_COUNT, PD_UINT);
	struct out_entry ea = { .num = 1 };
	cr_assert_str_eq(print_map(&c, true, &a, &ea, 1, 0, 0),
			 "{\"type\": \"map\", \"data\": {\"@a\": 1}}\n");
	cap_free(&c);

	struct pd_map b = keyed_map("@b", PD_MAP_SUM);
	struct key_is kb = { 1, "x" };
	struct out_entry eb = { .key = (uint8_t *)&kb, .num = 5 };
	cr_assert_str_eq(print_map(&c, true, &b, &eb, 1, 0, 0),
			 "{\"type\": \"map\", \"data\": {\"@b\": {\"1,x\": 5}}}\n");
	cap_free(&c);

	memset(hist_buckets, 0, sizeof(hist_buckets));
	hist_buckets[8] = 1;
	struct pd_map h = scalar_map("@h", PD_MAP_HIST, PD_INT);
	struct out_entry eh = { .buckets = hist_buckets, .nbuckets = PD_HIST_BUCKETS };
	cr_assert_str_eq(print_map(&c, true, &h, &eh, 1, 0, 0),
			 "{\"type\": \"hist\", \"data\": {\"@h\": [{\"min\": 64, \"max\": 127, "
			 "\"count\": 1}]}}\n");
	cap_free(&c);

	struct pd_map s = scalar_map("@s", PD_MAP_STATS, PD_INT);
	struct out_entry es = { .count = 1, .total = 10 };
	cr_assert_str_eq(print_map(&c, true, &s, &es, 1, 0, 0),
			 "{\"type\": \"stats\", \"data\": {\"@s\": {\"count\": 1, \"average\": 10, "
			 "\"total\": 10}}}\n");
	cap_free(&c);

	struct pd_map v = scalar_map("@v", PD_MAP_AVG, PD_INT);
	struct out_entry ev = { .count = 1, .total = 7 };
	cr_assert_str_eq(print_map(&c, true, &v, &ev, 1, 0, 0),
			 "{\"type\": \"stats\", \"data\": {\"@v\": 7}}\n");
	cap_free(&c);

	struct pd_map mn = scalar_map("@mn", PD_MAP_MIN, PD_INT);
	struct out_entry emn = { .num = -3 };
	cr_assert_str_eq(print_map(&c, true, &mn, &emn, 1, 0, 0),
			 "{\"type\": \"map\", \"data\": {\"@mn\": -3}}\n");
	cap_free(&c);
}

Test(output_json, escapes_keys_and_string_values)
{
	struct pd_map m = keyed_map("@c", PD_MAP_VALUE);
	m.key.fields.v = &key_is_fields[1];
	m.key.fields.len = 1;
	key_is_fields[1].offset = 0;
	m.value = (struct pd_type)T_STR(0, 8);
	char k[16] = "a\"b\n";
	char v[8] = "t\tx\x01";
	struct out_entry e = { .key = (uint8_t *)k, .value = (uint8_t *)v };
	struct cap c;
	cr_assert_str_eq(print_map(&c, true, &m, &e, 1, 0, 0),
			 "{\"type\": \"map\", \"data\": {\"@c\": {\"a\\\"b\\n\": \"t\\tx\\u0001\"}}}\n");
	cap_free(&c);
	cr_assert_str_eq(print_map(&c, false, &m, &e, 1, 0, 0), "@c[a\"b\n]: t\tx\x01\n");
	cap_free(&c);
	key_is_fields[1].offset = 8;
}

Test(output_json, keeps_utf8_bytes_unescaped)
{
	/* bpftrace 0.17 turns every byte >= 0x80 into "\uffffffXX", which is not JSON. */
	struct strbuf sb = { 0 };
	const char *s = "caf\xc3\xa9";
	cr_assert_eq(out_json_escape(&sb, s, strlen(s)), 0);
	cr_assert_str_eq(sb_str(&sb), "caf\xc3\xa9");
	sb_free(&sb);
}

/* ---- messages ---- */

Test(output_messages, announce_attached_probes_in_both_layouts)
{
	struct cap c;
	cap_open(&c, false);
	out_attached(&c.o, 1);
	out_attached(&c.o, 5);
	cr_assert_str_eq(cap_text(&c), "Attaching 1 probe...\nAttaching 5 probes...\n");
	cap_free(&c);
	cap_open(&c, true);
	out_attached(&c.o, 2);
	cr_assert_str_eq(cap_text(&c), "{\"type\": \"attached_probes\", \"data\": {\"probes\": 2}}\n");
	cap_free(&c);
}

Test(output_messages, report_lost_events)
{
	struct cap c;
	cap_open(&c, false);
	out_lost(&c.o, 12);
	cr_assert_str_eq(cap_text(&c), "Lost 12 events\n");
	cap_free(&c);
	cap_open(&c, true);
	out_lost(&c.o, 12);
	cr_assert_str_eq(cap_text(&c), "{\"type\": \"lost_events\", \"data\": {\"events\": 12}}\n");
	cap_free(&c);
}

Test(output_messages, print_time_with_strftime_of_local_time)
{
	setenv("TZ", "UTC", 1);
	struct cap c;
	cap_open(&c, false);
	c.o.fixed_now = 1700000000; /* 2023-11-14 22:13:20 UTC */
	out_time(&c.o, NULL);
	out_time(&c.o, "%Y!\n");
	out_time(&c.o, "%S.%f %%f %f\n");
	cr_assert_str_eq(cap_text(&c), "22:13:20\n2023!\n20.000000 %f 000000\n");
	cap_free(&c);
	cap_open(&c, true);
	c.o.fixed_now = 1700000000;
	out_time(&c.o, NULL);
	cr_assert_str_eq(cap_text(&c), "{\"type\": \"time\", \"data\": \"22:13:20\\n\"}\n");
	cap_free(&c);
}

Test(output_messages, print_values_in_both_layouts)
{
	struct pd_type f[] = { T_INT(0), T_STR(8, 8) };
	struct pd_type tup = { .kind = PD_TUPLE, .size = 16, .fields = FIELDS(f) };
	struct pd_type str = T_STR(0, 8), neg = T_INT(0);
	uint8_t v[16] = { 0 };
	int64_t one = 1, m3 = -3;
	memcpy(v, &one, 8);
	memcpy(v + 8, "x", 2);
	struct cap c;
	cap_open(&c, false);
	out_print_value(&c.o, &tup, v);
	out_print_value(&c.o, &str, (const uint8_t *)"str\0\0\0\0");
	out_print_value(&c.o, &neg, (const uint8_t *)&m3);
	cr_assert_str_eq(cap_text(&c), "(1, x)\nstr\n-3\n");
	cap_free(&c);
	cap_open(&c, true);
	out_print_value(&c.o, &tup, v);
	out_print_value(&c.o, &str, (const uint8_t *)"str\0\0\0\0");
	cr_assert_str_eq(cap_text(&c), "{\"type\": \"value\", \"data\": [1,\"x\"]}\n"
				       "{\"type\": \"value\", \"data\": \"str\"}\n");
	cap_free(&c);
}

Test(output_messages, print_microseconds_of_timestamps_with_percent_f)
{
	setenv("TZ", "UTC", 1);
	struct pd_type ts = { .kind = PD_TIMESTAMP, .size = 8, .fmt = "%M:%S.%f|%%f" };
	uint64_t ns = 61ull * 1000000000ull + 234567891ull;
	struct cap c;
	cap_open(&c, false);
	out_print_value(&c.o, &ts, (const uint8_t *)&ns);
	cr_assert_str_eq(cap_text(&c), "01:01.234567|%f\n");
	cap_free(&c);
}

Test(output_messages, print_buffers_as_r_rx_and_rh)
{
	/* u32 length 4 (of a capacity of 6), then the bytes */
	uint8_t b[10] = { 4, 0, 0, 0, 'a', '\\', 0x01, 0xff, 'z', 'z' };
	struct pd_type t = { .kind = PD_BUF, .size = 10 };
	const char *want[3] = { "a\\\\x01\\xff", "\\x61\\x5c\\x01\\xff", "61 5c 01 ff" };
	const char modes[3] = { 0, 'x', 'h' };
	for (int i = 0; i < 3; i++) {
		struct strbuf sb = { 0 };
		cr_assert_eq(out_buf_str(&sb, &t, b, modes[i]), 0);
		cr_assert_str_eq(sb_str(&sb), want[i]);
		sb_free(&sb);
	}
	b[0] = 200; /* a length past the capacity stops at it */
	struct strbuf sb = { 0 };
	out_buf_str(&sb, &t, b, 'h');
	cr_assert_str_eq(sb_str(&sb), "61 5c 01 ff 7a 7a");
	sb_free(&sb);
}

Test(output_messages, quote_timestamps_in_json)
{
	/* bpftrace 0.17 prints {"type": "value", "data": 02}, which is not valid JSON. */
	setenv("TZ", "UTC", 1);
	struct pd_type ts = { .kind = PD_TIMESTAMP, .size = 8, .fmt = "%H" };
	uint64_t ns = 2ull * 3600 * 1000000000ull;
	struct cap c;
	cap_open(&c, true);
	out_print_value(&c.o, &ts, (const uint8_t *)&ns);
	cr_assert_str_eq(cap_text(&c), "{\"type\": \"value\", \"data\": \"02\"}\n");
	cap_free(&c);
}

/* ---- printf ---- */

static char *fmt_printf(const char *fmt, struct pd_type *f, int n, const void *payload,
			size_t size)
{
	struct pd_type args = { .kind = PD_TUPLE, .size = (uint32_t)size };
	args.fields.v = f;
	args.fields.len = n;
	struct strbuf sb = { 0 };
	struct out o = { 0 };
	cr_assert_eq(out_format_printf(&sb, &o, fmt, &args, payload, size), 0);
	return sb.s ? sb.s : strdup("");
}

Test(output_printf, formats_integers_with_c_semantics_like_bpftrace)
{
	/* bpftrace 0.17: printf("%d %ld %u %x %lx|%5d|%-5d|%05d|%X|%o|%c|%p\n", 5000000000,
	 * 5000000000, -1, -1, -1, 42, 42, 42, 255, 8, 65, 4096) */
	int64_t v[12] = { 5000000000LL, 5000000000LL, -1, -1, -1, 42, 42, 42, 255, 8, 65, 4096 };
	struct pd_type f[12];
	for (int i = 0; i < 12; i++)
		f[i] = (struct pd_type)T_INT(i * 8);
	char *s = fmt_printf("%d %ld %u %x %lx|%5d|%-5d|%05d|%X|%o|%c|%p\n", f, 12, v, sizeof(v));
	cr_assert_str_eq(s, "705032704 5000000000 4294967295 ffffffff ffffffffffffffff|   42|42   "
			    "|00042|FF|10|A|0x1000\n");
	free(s);
}

Test(output_printf, supports_length_modifiers_flags_and_precision)
{
	int64_t v[11] = { 300, 70000, 70000, 7, 2, -3, 5, 5, 255, 8, 5 };
	struct pd_type f[11];
	for (int i = 0; i < 11; i++)
		f[i] = (struct pd_type)T_INT(i * 8);
	char *s = fmt_printf("%hhd|%hd|%hu|%zu|%jd|%lli|%+d|% d|%#x|%#o|%.3d", f, 11, v, sizeof(v));
	cr_assert_str_eq(s, "44|4464|4464|7|2|-3|+5| 5|0xff|010|005");
	free(s);
}

Test(output_printf, pads_and_truncates_strings)
{
	char p[4][8] = { "ab", "cd", "xyz", "hello" };
	struct pd_type f[4] = { T_STR(0, 8), T_STR(8, 8), T_STR(16, 8), T_STR(24, 8) };
	char *s = fmt_printf("%10s|%-10s|%.2s|%5.1s|", f, 4, p, sizeof(p));
	cr_assert_str_eq(s, "        ab|cd        |xy|    h|");
	free(s);
}

Test(output_printf, prints_a_double_percent_as_one)
{
	/* bpftrace 0.17 prints "100% 5%%" for "100%% %d%%": a bug we do not copy. */
	int64_t v = 5;
	struct pd_type f[1] = { T_INT(0) };
	char *s = fmt_printf("100%% %d%%\n", f, 1, &v, 8);
	cr_assert_str_eq(s, "100% 5%\n");
	free(s);
}

Test(output_printf, leaves_conversions_without_enough_arguments_as_written)
{
	int64_t v = 5;
	struct pd_type f[1] = { T_INT(0) };
	char *s = fmt_printf("%.3d %*d %q", f, 1, &v, 8);
	cr_assert_str_eq(s, "005 %*d %q");
	free(s);
}

Test(output_printf, takes_star_widths_and_precisions_from_arguments_as_c_does)
{
	/* a negative width left-justifies, a negative precision is none */
	char str[8] = "abcdef";
	int64_t v[11] = { 5, 42, -5, 42, 3, 7, 4, 4, 2, 0, -1 };
	uint8_t payload[96];
	memcpy(payload, v, sizeof(v));
	memcpy(payload + 88, str, 8);
	struct pd_type f[12];
	for (int i = 0; i < 11; i++)
		f[i] = (struct pd_type)T_INT(i * 8);
	f[9] = f[11] = (struct pd_type)T_STR(88, 8);
	char want[128];
	snprintf(want, sizeof(want), "[%*d][%*d][%*.*d][%*.*s][%.*s]", 5, 42, -5, 42, 3, 7, 4, 4, 2,
		 str, -1, str);
	char *s = fmt_printf("[%*d][%*d][%*.*d][%*.*s][%.*s]", f, 12, payload, sizeof(payload));
	cr_assert_str_eq(s, want);
	free(s);
}

Test(output_printf, prints_unsigned_and_small_integers_by_their_type)
{
	/* (uint32)-1 with %d prints -1, (int8)-1 with %u prints 4294967295 in bpftrace */
	int64_t v[2] = { 0xffffffffLL, -1 };
	struct pd_type f[2] = { T_UINT(0), T_INT(8) };
	char *s = fmt_printf("%d %u", f, 2, v, sizeof(v));
	cr_assert_str_eq(s, "-1 4294967295");
	free(s);
}

Test(output_printf, escapes_printf_text_in_json)
{
	struct pd_fmt fmt = { .kind = PD_FMT_PRINTF, .fmt = "hi \"%s\"\n" };
	struct pd_type f[1] = { T_STR(0, 8) };
	fmt.args.kind = PD_TUPLE;
	fmt.args.fields.v = f;
	fmt.args.fields.len = 1;
	struct cap c;
	cap_open(&c, true);
	out_printf(&c.o, &fmt, (const uint8_t *)"bob\0\0\0\0", 8);
	cr_assert_str_eq(cap_text(&c), "{\"type\": \"printf\", \"data\": \"hi \\\"bob\\\"\\n\"}\n");
	cap_free(&c);
}

/* ---- the compiled printf formatter ---- */

/* One integer as every argument of fmt (each read from the same bytes), the way the
 * runtime formats an event. */
static char *fmt_int(const char *fmt, int64_t v)
{
	struct pd_type f[16];
	for (int i = 0; i < 16; i++)
		f[i] = (struct pd_type)T_INT(0);
	return fmt_printf(fmt, f, 16, &v, 8);
}

Test(output_printf, matches_libc_for_every_integer_conversion_flag_width_and_precision)
{
	static const char *const flags[] = { "", "-", "0", "+", " ", "#", "-+", "0 ", "#0", "-#" };
	static const char *const widths[] = { "", "1", "5", "12", "25" };
	static const char *const precs[] = { "", ".", ".0", ".1", ".4", ".22" };
	static const char convs[] = "diuxXo";
	static const int64_t vals[] = { 0, 1, -1, 7, 8, 42, -42, 255, 65536, 2147483647,
					-2147483648LL, 4294967295LL, 5000000000LL, INT64_MAX,
					INT64_MIN };
	const size_t nf = sizeof(flags) / sizeof(flags[0]), nw = sizeof(widths) / sizeof(widths[0]);
	const size_t np = sizeof(precs) / sizeof(precs[0]), nc = sizeof(convs) - 1;
	const size_t nv = sizeof(vals) / sizeof(vals[0]);
	char fmt[32], want[128];
	/* every combination: i walks them all, one digit per list */
	for (size_t i = 0; i < nf * nw * np * nc * nv; i++) {
		size_t r = i, v = r % nv, c = (r /= nv) % nc, p = (r /= nc) % np;
		size_t w = (r /= np) % nw, f = (r / nw) % nf;
		/* "ll" so libc reads the whole value; the plain form truncates to int */
		snprintf(fmt, sizeof(fmt), "%%%s%s%sll%c", flags[f], widths[w], precs[p], convs[c]);
		snprintf(want, sizeof(want), fmt, (long long)vals[v]);
		char *got = fmt_int(fmt, vals[v]);
		cr_assert_str_eq(got, want, "format %s of %lld", fmt, (long long)vals[v]);
		free(got);
	}
}

Test(output_printf, reads_arguments_by_length_modifier_like_c)
{
	int64_t v = INT64_MIN + 0x12345678fedcLL;
	char *s = fmt_int("%d|%hd|%hhd|%ld|%lld|%zd|%jd|%td|%u|%hu|%hhu|%lu|%llx|%hhX", v);
	char want[256];
	snprintf(want, sizeof(want), "%d|%hd|%hhd|%ld|%lld|%zd|%jd|%td|%u|%hu|%hhu|%lu|%llx|%hhX",
		 (int)v, (short)v, (signed char)v, (long)v, (long long)v, (ssize_t)v,
		 (intmax_t)v, (ptrdiff_t)v, (unsigned)v, (unsigned short)v, (unsigned char)v,
		 (unsigned long)v, (unsigned long long)v, (unsigned char)v);
	cr_assert_str_eq(s, want);
	free(s);
}

Test(output_printf, prints_int64_min_and_the_largest_unsigned_values)
{
	char *s = fmt_int("%lld %lu %llu %lx %lo", INT64_MIN);
	cr_assert_str_eq(s, "-9223372036854775808 9223372036854775808 9223372036854775808 "
			    "8000000000000000 1000000000000000000000");
	free(s);
	s = fmt_int("%lu %llu %lx %d", -1);
	cr_assert_str_eq(s, "18446744073709551615 18446744073709551615 ffffffffffffffff -1");
	free(s);
}

Test(output_printf, prints_chars_and_pointers_as_libc_does)
{
	int64_t v[4] = { 'A', 'z', 0xffff8880deadbeefLL, 0 };
	struct pd_type f[4] = { T_INT(0), T_INT(8), T_UINT(16), T_UINT(24) };
	char *s = fmt_printf("[%c][%3c][%p][%p]", f, 4, v, sizeof(v));
	cr_assert_str_eq(s, "[A][  z][0xffff8880deadbeef][(nil)]");
	free(s);
	f[0] = f[1];
	f[1] = f[2] = (struct pd_type)T_UINT(16);
	s = fmt_printf("[%-3c][%20p][%-20p]", f, 3, v, sizeof(v));
	cr_assert_str_eq(s, "[z  ][  0xffff8880deadbeef][0xffff8880deadbeef  ]");
	free(s);
}

Test(output_printf, keeps_strings_without_a_nul_within_their_size)
{
	char p[8] = { 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h' }; /* no NUL anywhere */
	int64_t after = 7;
	uint8_t payload[16];
	memcpy(payload, p, 8);
	memcpy(payload + 8, &after, 8);
	struct pd_type f[5] = { T_STR(0, 8), T_STR(0, 8), T_STR(0, 8), T_STR(0, 8), T_INT(8) };
	char *s = fmt_printf("%s|%-10s|%.3s|%05s|%d", f, 5, payload, sizeof(payload));
	cr_assert_str_eq(s, "abcdefgh|abcdefgh  |abc|abcdefgh|7");
	free(s);
}

Test(output_printf, folds_percent_signs_and_text_around_conversions)
{
	char *s = fmt_int("%%%d%%|%%d|100%%|%", 3);
	cr_assert_str_eq(s, "%3%|%d|100%|%");
	free(s);
}

Test(output_printf, prints_a_conversion_without_an_argument_as_written)
{
	int64_t v = 9;
	struct pd_type f[1] = { T_INT(0) };
	char *s = fmt_printf("%d %d %s", f, 1, &v, 8);
	cr_assert_str_eq(s, "9 %d %s");
	free(s);
}

Test(output_printf, renders_non_string_values_for_percent_s)
{
	int64_t v[2] = { -5, 6 };
	struct pd_type tup_fields[2] = { T_INT(0), T_INT(8) };
	struct pd_type tup = { .kind = PD_TUPLE, .size = 16, .offset = 0 };
	tup.fields.v = tup_fields;
	tup.fields.len = 2;
	struct pd_type f[3] = { tup, tup, T_INT(0) };
	char *s = fmt_printf("%s|%10s|%s", f, 3, v, sizeof(v));
	cr_assert_str_eq(s, "(-5, 6)|   (-5, 6)|-5");
	free(s);
}

Test(output_printf, formats_the_same_event_twice_from_one_compiled_format)
{
	struct pd_type f[2] = { T_INT(0), T_STR(8, 8) };
	struct pd_type args = { .kind = PD_TUPLE, .size = 16 };
	args.fields.v = f;
	args.fields.len = 2;
	struct out_pfmt *pf;
	cr_assert_eq(out_pfmt_compile("%-4d<%s>\n", &args, &pf), 0);
	uint8_t p[16] = { 0 };
	int64_t v = -12;
	memcpy(p, &v, 8);
	memcpy(p + 8, "sh", 3);
	struct strbuf sb = { 0 };
	struct out o = { 0 };
	cr_assert_eq(out_pfmt_format(&sb, &o, pf, p, sizeof(p)), 0);
	cr_assert_eq(out_pfmt_format(&sb, &o, pf, p, sizeof(p)), 0);
	cr_assert_str_eq(sb_str(&sb), "-12 <sh>\n-12 <sh>\n");
	sb_free(&sb);
	out_pfmt_free(pf);
}

Test(output_messages, batch_output_until_flushed)
{
	struct strbuf batch = { 0 };
	struct cap c;
	cap_open(&c, false);
	c.o.batch = &batch;
	struct pd_type f[1] = { T_INT(0) };
	struct pd_fmt fmt = { .kind = PD_FMT_PRINTF, .fmt = "n=%d\n" };
	fmt.args.kind = PD_TUPLE;
	fmt.args.fields.v = f;
	fmt.args.fields.len = 1;
	struct out_pfmt *pf;
	cr_assert_eq(out_pfmt_compile(fmt.fmt, &fmt.args, &pf), 0);
	int64_t v = 1;
	out_printf_compiled(&c.o, pf, (const uint8_t *)&v, 8);
	v = 2;
	out_printf(&c.o, &fmt, (const uint8_t *)&v, 8);
	out_lost(&c.o, 3);
	fflush(c.o.f);
	cr_assert_eq(c.len, 0, "nothing is written before out_flush");
	cr_assert_str_eq(sb_str(&batch), "n=1\nn=2\nLost 3 events\n");
	out_flush(&c.o);
	cr_assert_str_eq(cap_text(&c), "n=1\nn=2\nLost 3 events\n");
	cr_assert_eq(batch.len, 0);
	out_pfmt_free(pf);
	sb_free(&batch);
	cap_free(&c);
}

/* ---- values user space turns into text (format_text.c) ---- */

static char *value_text(enum pd_kind kind, uint32_t size, const char *fmt, const void *p,
			bool json)
{
	struct pd_type t = { .kind = kind, .size = size, .fmt = fmt };
	struct strbuf sb = { 0 };
	struct out o = { 0 };
	cr_assert_eq(out_value_str(&sb, &o, &t, p, json), 0);
	return sb.s ? sb.s : strdup("");
}

Test(output_text_values, strerror_macaddr_and_ntop)
{
	int64_t e = 2;
	char *s = value_text(PD_ERRNO, 8, NULL, &e, false);
	cr_expect_str_eq(s, "No such file or directory");
	free(s);
	s = value_text(PD_ERRNO, 8, NULL, &e, true);
	cr_expect_str_eq(s, "\"No such file or directory\"");
	free(s);
	uint8_t mac[8] = { 0x2f, 0xa0, 0x0b, 1, 2, 0xff };
	s = value_text(PD_MACADDR, 8, NULL, mac, false);
	cr_expect_str_eq(s, "2F:A0:0B:01:02:FF");
	free(s);
	struct pd_inet v4 = { .af = PD_AF_INET, .addr = { 127, 0, 0, 1 } };
	struct pd_inet v6 = { .af = PD_AF_INET6, .addr = { 0xfe, 0x80, [15] = 2 } };
	s = value_text(PD_INET, sizeof(v4), NULL, &v4, false);
	cr_expect_str_eq(s, "127.0.0.1");
	free(s);
	s = value_text(PD_INET, sizeof(v6), NULL, &v6, true);
	cr_expect_str_eq(s, "\"fe80::2\"");
	free(s);
}

Test(output_text_values, cgroup_path_of_an_unknown_id_is_empty)
{
	uint64_t id = ~0ull;
	char *s = value_text(PD_CGROUP_PATH, 8, "", &id, false);
	cr_expect_str_eq(s, "");
	free(s);
}

Test(output_text, escapes_control_characters_only_for_a_terminal)
{
	const char s[] = "a\x1b[31mb\x07\tc\x7f\xc2\x9b\xc3\xa9" "d\x01";
	struct out tty = { .escape_ctl = true }, file = { .escape_ctl = false };
	struct strbuf a = { 0 }, b = { 0 };
	cr_assert_eq(out_text(&a, &tty, s, sizeof(s) - 1), 0);
	cr_assert_str_eq(sb_str(&a), "a\\e[31mb\\a\\tc\\x7f\\u009b\xc3\xa9" "d\\x01");
	cr_assert_eq(out_text(&b, &file, s, sizeof(s) - 1), 0);
	cr_assert_eq(b.len, sizeof(s) - 1);
	cr_assert(memcmp(sb_str(&b), s, b.len) == 0, "the bytes stay as they are");
	sb_free(&a);
	sb_free(&b);
}
