/* Token helpers for the lexer: integer literal parsing, string escape decoding and the
 * quoted token descriptions used in syntax errors. Pure functions, no scanner state. */
#include "lex.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../util/arena.h"

static int digit_value(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return 99;
}

/* Accumulates digits of text[0..n) in base; returns 0, -ERANGE or -EINVAL. */
static int accumulate(const char *text, size_t n, unsigned base, uint64_t *out)
{
	uint64_t v = 0;
	int ndigits = 0;
	for (size_t i = 0; i < n; i++) {
		if (text[i] == '_')
			continue;
		unsigned d = (unsigned)digit_value(text[i]);
		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
		ndigits++;
	}
	if (!ndigits)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Splits off a suffix of u/l letters; returns the length without it, or -1 if malformed. */
static long strip_suffix(const char *text, size_t n, bool hex, bool *has_u)
{
	size_t end = n;
	int nu = 0, nl = 0;
	while (end > 0 && strchr("uUlL", text[end - 1])) {
		if (text[end - 1] == 'u' || text[end - 1] == 'U')
			nu++;
		else
			nl++;
		end--;
	}
	(void)hex;
	if (nu > 1 || nl > 2)
		return -1;
	*has_u = nu > 0;
	return (long)end;
}

static int parse_decimal(const char *text, size_t n, uint64_t *value)
{
	const char *e = memchr(text, 'e', n);
	if (!e)
		e = memchr(text, 'E', n);
	if (!e)
		return accumulate(text, n, 10, value);
	uint64_t mant, exp;
	int err = accumulate(text, (size_t)(e - text), 10, &mant);
	if (!err)
		err = accumulate(e + 1, n - (size_t)(e - text) - 1, 10, &exp);
	if (err)
		return err;
	for (uint64_t i = 0; i < exp && mant; i++) {
		if (mant > UINT64_MAX / 10)
			return -ERANGE;
		mant *= 10;
	}
	*value = mant;
	return 0;
}

int lex_parse_int(const char *text, uint64_t *value, bool *is_unsigned)
{
	size_t n = strlen(text);
	bool hex = n > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X');
	bool has_u = false;
	long end = strip_suffix(text, n, hex, &has_u);
	int err;
	if (end <= 0 || text[end - 1] == '_')
		return -EINVAL;
	if (hex)
		err = accumulate(text + 2, (size_t)end - 2, 16, value);
	else if (end > 2 && text[0] == '0' && (text[1] == 'b' || text[1] == 'B'))
		err = accumulate(text + 2, (size_t)end - 2, 2, value);
	else if (end > 2 && text[0] == '0' && (text[1] == 'o' || text[1] == 'O'))
		err = accumulate(text + 2, (size_t)end - 2, 8, value);
	else if (end > 1 && text[0] == '0')
		err = accumulate(text + 1, (size_t)end - 1, 8, value);
	else
		err = parse_decimal(text, (size_t)end, value);
	if (err)
		return err;
	/* as bpftrace: a literal is int64 unless suffixed u, whatever its size (0xffff...ff
	 * is -1) */
	*is_unsigned = has_u;
	return 0;
}

/* Decodes one escape at text[*i] (just after the backslash); returns the byte or -1. */
static int decode_escape(const char *text, size_t n, size_t *i)
{
	char ch = text[*i];
	(*i)++;
	switch (ch) {
	case 'n':
		return '\n';
	case 't':
		return '\t';
	case 'r':
		return '\r';
	case 'a':
		return '\a';
	case 'b':
		return '\b';
	case 'f':
		return '\f';
	case 'v':
		return '\v';
	case 'e':
		return 033;
	case '\\':
	case '"':
	case '\'':
		return (unsigned char)ch;
	case 'x': {
		int v = 0, nd = 0;
		while (nd < 2 && *i < n && isxdigit((unsigned char)text[*i])) {
			v = v * 16 + digit_value(text[*i]);
			(*i)++;
			nd++;
		}
		return nd ? v : -1;
	}
	default:
		break;
	}
	if (ch < '0' || ch > '7')
		return -1;
	int v = ch - '0', nd = 1;
	while (nd < 3 && *i < n && text[*i] >= '0' && text[*i] <= '7') {
		v = v * 8 + (text[*i] - '0');
		(*i)++;
		nd++;
	}
	return v > 255 ? -1 : v;
}

char *lex_decode_string(struct arena *a, const char *text, size_t n, int *len, int *bad_at)
{
	char *out = arena_alloc(a, n + 1);
	int o = 0;
	if (!out) {
		*bad_at = -1;
		return NULL;
	}
	for (size_t i = 0; i < n;) {
		if (text[i] != '\\' || i + 1 >= n) {
			out[o++] = text[i++];
			continue;
		}
		size_t at = i++;
		int b = decode_escape(text, n, &i);
		if (b < 0) {
			*bad_at = (int)at;
			return NULL;
		}
		out[o++] = (char)b;
	}
	out[o] = '\0';
	*len = o;
	return out;
}

int lex_string_raw_offset(const char *text, size_t n, int decoded)
{
	size_t i = 0;
	for (int o = 0; o < decoded && i < n; o++) {
		if (text[i] != '\\' || i + 1 >= n) {
			i++;
			continue;
		}
		i++;
		if (decode_escape(text, n, &i) < 0)
			break;
	}
	return (int)i;
}

const char *lex_describe(const char *text, size_t n, char *buf, size_t len)
{
	if (!text || n == 0) {
		snprintf(buf, len, "end of input");
		return buf;
	}
	const char *nl = memchr(text, '\n', n);
	if (nl)
		n = (size_t)(nl - text);
	if (n > 32) {
		snprintf(buf, len, "'%.29s...'", text);
		return buf;
	}
	snprintf(buf, len, "'%.*s'", (int)n, text);
	return buf;
}
