/* Unit tests for src/lexer: integer and string literal decoding, and the token stream
 * (attach points, predicates, paths, tuple indexes, locations) straight from the scanner. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lexer/lex.h"
#include "parser/ast.h"
#include "util/arena.h"
#include "util/diag.h"
/* The generated headers (build/gen): token numbers and the scanner API. */
#include "parser.h"
#define YYSTYPE PARSE_YYSTYPE
#define YYLTYPE PARSE_YYLTYPE
#include "lexer.h"

/* ---- literals ---- */

static uint64_t int_of(const char *text, bool *is_unsigned, int *err)
{
	uint64_t v = 12345;
	*err = lex_parse_int(text, &v, is_unsigned);
	return v;
}

Test(lexer, parses_integers_in_every_base)
{
	bool u;
	int err;
	cr_assert_eq(int_of("42", &u, &err), 42);
	cr_assert_eq(err, 0);
	cr_assert_not(u);
	cr_assert_eq(int_of("0x1F", &u, &err), 31);
	cr_assert_eq(int_of("0o17", &u, &err), 15);
	cr_assert_eq(int_of("017", &u, &err), 15);
	cr_assert_eq(int_of("0b101", &u, &err), 5);
	cr_assert_eq(int_of("0", &u, &err), 0);
	cr_assert_eq(err, 0);
}

Test(lexer, accepts_separators_suffixes_and_exponents)
{
	bool u;
	int err;
	cr_assert_eq(int_of("1_000_000", &u, &err), 1000000);
	cr_assert_eq(int_of("0xff_ff", &u, &err), 0xffff);
	cr_assert_eq(int_of("10u", &u, &err), 10);
	cr_assert(u);
	cr_assert_eq(int_of("10ul", &u, &err), 10);
	cr_assert(u);
	cr_assert_eq(int_of("10L", &u, &err), 10);
	cr_assert_not(u);
	cr_assert_eq(int_of("1e6", &u, &err), 1000000);
	cr_assert_eq(err, 0);
}

Test(lexer, marks_only_u_suffixed_integers_unsigned_as_bpftrace)
{
	bool u;
	int err;
	cr_assert_eq(int_of("9223372036854775807", &u, &err), 9223372036854775807ull);
	cr_assert_not(u);
	cr_assert_eq(int_of("18446744073709551615", &u, &err), UINT64_MAX);
	cr_assert_not(u);
	cr_assert_eq(int_of("0xffffffffffffffffu", &u, &err), UINT64_MAX);
	cr_assert(u);
	cr_assert_eq(err, 0);
}

Test(lexer, rejects_overflowing_and_malformed_integers)
{
	bool u;
	int err;
	int_of("18446744073709551616", &u, &err);
	cr_assert_eq(err, -ERANGE);
	int_of("0x1_0000_0000_0000_0000", &u, &err);
	cr_assert_eq(err, -ERANGE);
	int_of("1e20", &u, &err);
	cr_assert_eq(err, -ERANGE);
	const char *bad[] = { "0x", "08", "1_", "12abc", "0b2", "1uu", "0o9" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int_of(bad[i], &u, &err);
		cr_assert_eq(err, -EINVAL, "%s", bad[i]);
	}
}

Test(lexer, decodes_string_escapes)
{
	struct arena a = { 0 };
	const char *text = "a\\n\\t\\\\\\\"\\x41\\101\\0z";
	int len = -1, bad = 0;
	char *s = lex_decode_string(&a, text, strlen(text), &len, &bad);
	cr_assert_not_null(s);
	cr_assert_eq(len, 9);
	cr_assert_eq(memcmp(s, "a\n\t\\\"AA\0z", 9), 0);
	arena_free(&a);
}

Test(lexer, reports_the_offset_of_a_bad_escape)
{
	struct arena a = { 0 };
	int len = 0, bad = 0;
	cr_assert_null(lex_decode_string(&a, "ab\\q", 4, &len, &bad));
	cr_assert_eq(bad, 2);
	cr_assert_null(lex_decode_string(&a, "\\xg", 3, &len, &bad));
	cr_assert_eq(bad, 0);
	arena_free(&a);
}

Test(lexer, describes_tokens_for_messages)
{
	char buf[64];
	cr_assert_str_eq(lex_describe("$x = 1", 2, buf, sizeof(buf)), "'$x'");
	cr_assert_str_eq(lex_describe("", 0, buf, sizeof(buf)), "end of input");
	cr_assert_str_eq(lex_describe("\"abc\ndef\"", 9, buf, sizeof(buf)), "'\"abc'");
}

/* ---- the token stream ---- */

struct tok {
	int kind;
	const char *text; /* identifiers, variables, maps, attach points */
	struct src_loc loc;
	uint64_t value;
};

struct scan {
	struct arena arena;
	struct diag diag;
	char *err;
	size_t errlen;
	FILE *errf;
	struct tok toks[64];
	int n;
};

static void scan_n(struct scan *s, const char *src, size_t n);

static void scan(struct scan *s, const char *src)
{
	scan_n(s, src, strlen(src));
}

static void scan_n(struct scan *s, const char *src, size_t n)
{
	struct lex_state st = { 0 };
	void *scanner;
	memset(s, 0, sizeof(*s));
	s->errf = open_memstream(&s->err, &s->errlen);
	diag_init(&s->diag, "t.bt", src, s->errf);
	st.arena = &s->arena;
	st.diag = &s->diag;
	st.src = src;
	st.line = st.col = 1;
	cr_assert_eq(lex_yylex_init_extra(&st, &scanner), 0);
	YY_BUFFER_STATE b = lex_yy_scan_bytes(src, (int)n, scanner);
	for (;;) {
		YYSTYPE val = { 0 };
		YYLTYPE loc = { 0 };
		int k = lex_yylex(&val, &loc, scanner);
		if (k == 0 || s->n == 64)
			break;
		struct tok *t = &s->toks[s->n++];
		t->kind = k;
		t->loc = loc;
		if (k == ATTACH || k == IDENT || k == VAR || k == MAP || k == TYPE || k == STRUCT)
			t->text = val.str;
		if (k == INT)
			t->value = val.node->int_.value;
		if (k == POSPARAM)
			t->value = (uint64_t)val.num;
		if (k == OPASSIGN)
			t->value = val.op;
	}
	lex_yy_delete_buffer(b, scanner);
	lex_yylex_destroy(scanner);
	fflush(s->errf);
}

static void scan_done(struct scan *s)
{
	fclose(s->errf);
	free(s->err);
	arena_free(&s->arena);
}

static void expect_kinds(const struct scan *s, const int *kinds, int n)
{
	cr_assert_eq(s->n, n, "got %d tokens, expected %d", s->n, n);
	for (int i = 0; i < n; i++)
		cr_assert_eq(s->toks[i].kind, kinds[i], "token %d is %d, expected %d", i,
			     s->toks[i].kind, kinds[i]);
}

Test(lexer, takes_a_path_after_colon_as_part_of_the_attach_point)
{
	struct scan s;
	scan(&s, "uprobe:/bin/bash:readline /pid == 1/ { }");
	int kinds[] = { ATTACH, '/', IDENT, EQ, INT, ENDPRED, '{', '}' };
	expect_kinds(&s, kinds, 8);
	cr_assert_str_eq(s.toks[0].text, "uprobe:/bin/bash:readline");
	scan_done(&s);
}

Test(lexer, ends_an_attach_point_at_a_slash_that_starts_a_predicate)
{
	struct scan s;
	scan(&s, "BEGIN/1/{}");
	int kinds[] = { ATTACH, '/', INT, ENDPRED, '{', '}' };
	expect_kinds(&s, kinds, 6);
	cr_assert_str_eq(s.toks[0].text, "BEGIN");
	scan_done(&s);
}

Test(lexer, keeps_globs_and_relative_paths_in_attach_points)
{
	struct scan s;
	scan(&s, "tracepoint:syscalls:sys_enter_[ab]*,\n  uprobe:./a.out:main+0x10 {}");
	int kinds[] = { ATTACH, ',', ATTACH, '{', '}' };
	expect_kinds(&s, kinds, 5);
	cr_assert_str_eq(s.toks[0].text, "tracepoint:syscalls:sys_enter_[ab]*");
	cr_assert_str_eq(s.toks[2].text, "uprobe:./a.out:main+0x10");
	scan_done(&s);
}

/* A path relative to the current directory, as bpftrace takes it; a predicate right after
 * the last word still ends the attach point. */
Test(lexer, takes_a_relative_path_without_dot_before_a_colon)
{
	struct scan s;
	scan(&s, "uprobe:build/x:add,uretprobe:a/b/c:f/pid/{}");
	int kinds[] = { ATTACH, ',', ATTACH, '/', IDENT, ENDPRED, '{', '}' };
	expect_kinds(&s, kinds, 8);
	cr_assert_str_eq(s.toks[0].text, "uprobe:build/x:add");
	cr_assert_str_eq(s.toks[2].text, "uretprobe:a/b/c:f");
	scan_done(&s);
}

Test(lexer, treats_slash_in_a_body_as_division)
{
	struct scan s;
	scan(&s, "BEGIN { @x = 4 / 2; }");
	int kinds[] = { ATTACH, '{', MAP, '=', INT, '/', INT, ';', '}' };
	expect_kinds(&s, kinds, 9);
	scan_done(&s);
}

Test(lexer, returns_to_attach_points_after_the_closing_brace)
{
	struct scan s;
	scan(&s, "BEGIN { if (1) { } } i:s:1 { }");
	int kinds[] = { ATTACH, '{', IF, '(', INT, ')', '{', '}', '}', ATTACH, '{', '}' };
	expect_kinds(&s, kinds, 12);
	cr_assert_str_eq(s.toks[9].text, "i:s:1");
	scan_done(&s);
}

Test(lexer, splits_tuple_indexes_and_ranges_into_integers)
{
	struct scan s;
	scan(&s, "BEGIN { $t.0.12; 0..10 }");
	int kinds[] = { ATTACH, '{', VAR, '.', INT, '.', INT, ';', INT, DOTDOT, INT, '}' };
	expect_kinds(&s, kinds, 12);
	cr_assert_str_eq(s.toks[2].text, "t");
	cr_assert_eq(s.toks[6].value, 12);
	cr_assert_eq(s.toks[10].value, 10);
	scan_done(&s);
}

Test(lexer, tells_keywords_types_and_identifiers_apart)
{
	struct scan s;
	scan(&s, "BEGIN { iffy if uint64 uint64x struct sizeof letter let $1 $# @ @m }");
	int kinds[] = { ATTACH, '{', IDENT, IF, TYPE, IDENT, STRUCT, SIZEOF, IDENT, LET,
			POSPARAM, POSPARAM, MAP, MAP, '}' };
	expect_kinds(&s, kinds, 15);
	cr_assert_eq(s.toks[10].value, 1);
	cr_assert_eq(s.toks[11].value, 0);
	cr_assert_str_eq(s.toks[12].text, "@");
	cr_assert_str_eq(s.toks[13].text, "@m");
	scan_done(&s);
}

Test(lexer, lexes_every_compound_assignment)
{
	struct scan s;
	scan(&s, "BEGIN { += -= *= /= %= &= |= ^= <<= >>= }");
	enum ast_op ops[] = { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
			      OP_BAND, OP_BOR, OP_BXOR, OP_SHL, OP_SHR };
	cr_assert_eq(s.n, 13);
	for (int i = 0; i < 10; i++) {
		cr_assert_eq(s.toks[i + 2].kind, OPASSIGN);
		cr_assert_eq(s.toks[i + 2].value, ops[i]);
	}
	scan_done(&s);
}

Test(lexer, gives_one_based_inclusive_spans_across_lines)
{
	struct scan s;
	scan(&s, "BEGIN\n{\n  /* two\n lines */ @count = 1;\n}");
	cr_assert_eq(s.n, 7);
	cr_assert_eq(s.toks[0].loc.first_line, 1);
	cr_assert_eq(s.toks[0].loc.first_col, 1);
	cr_assert_eq(s.toks[0].loc.last_col, 5);
	struct src_loc m = s.toks[2].loc;
	cr_assert_eq(m.first_line, 4);
	cr_assert_eq(m.first_col, 11);
	cr_assert_eq(m.last_line, 4);
	cr_assert_eq(m.last_col, 16);
	cr_assert_eq(s.toks[6].loc.first_line, 5);
	scan_done(&s);
}

Test(lexer, skips_the_preamble)
{
	struct scan s;
	scan(&s, "#!/usr/bin/bpftrace\n#include <linux/sched.h>\n"
		 "struct foo { int a; struct { int b; } c; };\n// note\nBEGIN {}");
	int kinds[] = { ATTACH, '{', '}' };
	expect_kinds(&s, kinds, 3);
	cr_assert_eq(s.toks[0].loc.first_line, 5);
	scan_done(&s);
}

Test(lexer, reports_invalid_characters_and_keeps_going)
{
	struct scan s;
	scan(&s, "BEGIN { ` 1 }");
	int kinds[] = { ATTACH, '{', INT, '}' };
	expect_kinds(&s, kinds, 4);
	cr_assert_str_eq(s.err, "t.bt:1:9: error: invalid character '`'\n"
				"BEGIN { ` 1 }\n"
				"        ^\n");
	scan_done(&s);
}

Test(lexer, reports_an_unterminated_string_at_its_start)
{
	struct scan s;
	scan(&s, "BEGIN { \"abc\n }");
	int kinds[] = { ATTACH, '{', STR, '}' };
	expect_kinds(&s, kinds, 4);
	cr_assert_str_eq(s.err, "t.bt:1:9: error: unterminated string\n"
				"BEGIN { \"abc\n"
				"        ^~~~\n");
	scan_done(&s);
}

Test(lexer, reports_an_unterminated_comment_and_stops)
{
	struct scan s;
	scan(&s, "BEGIN { /* never\nclosed }");
	int kinds[] = { ATTACH, '{' };
	expect_kinds(&s, kinds, 2);
	cr_assert_str_eq(s.err, "t.bt:1:9: error: unterminated comment\n"
				"BEGIN { /* never\n"
				"        ^~\n");
	scan_done(&s);
}

Test(lexer, reports_nul_bytes_as_invalid_characters)
{
	struct scan s;
	scan_n(&s, "BEGIN { \0 1 }", 14);
	int kinds[] = { ATTACH, '{', INT, '}' };
	expect_kinds(&s, kinds, 4);
	cr_assert(strstr(s.err, "t.bt:1:9: error: invalid character '\\x00'\n"), "%s", s.err);
	scan_done(&s);
}

Test(lexer, reports_a_utf8_character_once_with_its_code_point)
{
	struct scan s;
	scan(&s, "BEGIN { \xc3\xa9 1; \xe2\x82\xac }");
	int kinds[] = { ATTACH, '{', INT, ';', '}' };
	expect_kinds(&s, kinds, 5);
	/* one error per character, not per byte; the carets count characters */
	cr_assert_str_eq(s.err,
			 "t.bt:1:9: error: invalid character '\xc3\xa9' (U+00E9): names are ASCII "
			 "letters, digits and '_'\n"
			 "BEGIN { \xc3\xa9 1; \xe2\x82\xac }\n"
			 "        ^\n"
			 "t.bt:1:15: error: invalid character '\xe2\x82\xac' (U+20AC): names are ASCII "
			 "letters, digits and '_'\n"
			 "BEGIN { \xc3\xa9 1; \xe2\x82\xac }\n"
			 "             ^\n");
	scan_done(&s);
}

Test(lexer, reports_a_broken_utf8_sequence_once_by_its_first_byte)
{
	struct scan s;
	scan(&s, "BEGIN { \xe2\x82 1 }");
	int kinds[] = { ATTACH, '{', INT, '}' };
	expect_kinds(&s, kinds, 4);
	cr_assert_str_eq(s.err, "t.bt:1:9: error: invalid character '\\xe2'\n"
				"BEGIN { \xe2\x82 1 }\n"
				"        ^\n");
	scan_done(&s);
}

Test(lexer, reports_stray_characters_between_probes)
{
	struct scan s;
	scan(&s, "BEGIN { } < END { }");
	int kinds[] = { ATTACH, '{', '}', ATTACH, '{', '}' };
	expect_kinds(&s, kinds, 6);
	cr_assert_str_eq(s.err, "t.bt:1:11: error: invalid character '<'\n"
				"BEGIN { } < END { }\n"
				"          ^\n");
	scan_done(&s);
}

Test(lexer, shortens_long_tokens_in_messages)
{
	char buf[64];
	const char *t = "\"a very long string literal that goes on and on\"";
	cr_assert_str_eq(lex_describe(t, strlen(t), buf, sizeof(buf)),
			 "'\"a very long string literal t...'");
}
