/* printf formats: %[flags][width][.prec][length]conv, where flags are "-0+ #", width and
 * precision are digits or '*' (an integer argument), length is hh h l ll z j t, and conv is
 * one of d i u x X o c p s, or r rx rh for buffers; "%%" is a '%'. */
#include <string.h>

#include "printfmt.h"

static unsigned flag_bit(char c)
{
	switch (c) {
	case '-':
		return PF_MINUS;
	case '0':
		return PF_ZERO;
	case '+':
		return PF_PLUS;
	case ' ':
		return PF_SPACE;
	case '#':
		return PF_HASH;
	}
	return 0;
}

/* A width or precision at fmt[*i]: digits, '*', or nothing (-1). */
static int number(const char *fmt, size_t len, size_t *i)
{
	if (*i < len && fmt[*i] == '*') {
		(*i)++;
		return PF_STAR;
	}
	if (*i >= len || fmt[*i] < '0' || fmt[*i] > '9')
		return -1;
	long n = 0;
	for (; *i < len && fmt[*i] >= '0' && fmt[*i] <= '9'; (*i)++)
		if (n < 100000)
			n = n * 10 + (fmt[*i] - '0');
	return (int)n;
}

/* The length modifier at fmt[*i]; returns the bits it reads (32 when there is none). */
static int length(const char *fmt, size_t len, size_t *i, bool *written)
{
	char c = *i < len ? fmt[*i] : 0;
	bool twice = *i + 1 < len && fmt[*i + 1] == c;
	*written = true;
	switch (c) {
	case 'h':
		*i += twice ? 2 : 1;
		return twice ? 8 : 16;
	case 'l':
		*i += twice ? 2 : 1;
		return 64;
	case 'z':
	case 'j':
	case 't':
		(*i)++;
		return 64;
	}
	*written = false;
	return 32;
}

static bool conv_class(char c, enum pf_class *cls)
{
	switch (c) {
	case 'd':
	case 'i':
		*cls = PF_SIGNED;
		return true;
	case 'u':
	case 'x':
	case 'X':
	case 'o':
		*cls = PF_UNSIGNED;
		return true;
	case 'c':
		*cls = PF_CHAR;
		return true;
	case 'p':
		*cls = PF_POINTER;
		return true;
	case 's':
		*cls = PF_STRING;
		return true;
	case 'r':
		*cls = PF_BUFFER;
		return true;
	}
	return false;
}

/* Parses the conversion whose '%' is at fmt[at]; returns the index after it. */
static size_t conversion(const char *fmt, size_t len, size_t at, struct pf_piece *p)
{
	struct pf_conv *cv = &p->conv;
	size_t i = at + 1;
	bool has_len;
	for (; i < len && flag_bit(fmt[i]); i++)
		cv->flags |= flag_bit(fmt[i]);
	cv->width = number(fmt, len, &i);
	cv->prec = -1;
	if (i < len && fmt[i] == '.') {
		i++;
		cv->prec = number(fmt, len, &i);
		if (cv->prec == -1)
			cv->prec = 0; /* "%.d": precision 0, as C */
	}
	cv->bits = length(fmt, len, &i, &has_len);
	p->kind = PF_BAD;
	if (i >= len) {
		p->err = PF_ERR_INCOMPLETE;
		return i;
	}
	cv->conv = fmt[i++];
	if (!conv_class(cv->conv, &cv->cls)) {
		p->err = PF_ERR_UNKNOWN;
		return i;
	}
	if (has_len && (cv->cls == PF_STRING || cv->cls == PF_POINTER || cv->cls == PF_BUFFER)) {
		p->err = PF_ERR_LENGTH;
		return i;
	}
	if (cv->cls == PF_BUFFER && i < len && (fmt[i] == 'x' || fmt[i] == 'h'))
		cv->buf_mode = fmt[i++];
	p->kind = PF_CONV;
	return i;
}

void pf_next(const char *fmt, size_t len, size_t *pos, struct pf_piece *p)
{
	size_t at = *pos;
	*p = (struct pf_piece){ .kind = PF_END, .off = (uint32_t)at };
	if (at >= len)
		return;
	if (fmt[at] != '%') {
		const char *pct = memchr(fmt + at, '%', len - at);
		size_t end = pct ? (size_t)(pct - fmt) : len;
		p->kind = PF_TEXT;
		p->len = (uint32_t)(end - at);
		*pos = end;
		return;
	}
	if (at + 1 < len && fmt[at + 1] == '%') {
		p->kind = PF_TEXT;
		p->off = (uint32_t)at + 1;
		p->len = 1;
		*pos = at + 2;
		return;
	}
	*pos = conversion(fmt, len, at, p);
	p->len = (uint32_t)(*pos - at);
}

int pf_nargs(const struct pf_conv *cv)
{
	return 1 + (cv->width == PF_STAR) + (cv->prec == PF_STAR);
}

const char *pf_error_str(enum pf_error err)
{
	switch (err) {
	case PF_ERR_NONE:
		return "no error";
	case PF_ERR_INCOMPLETE:
		return "incomplete conversion";
	case PF_ERR_UNKNOWN:
		return "invalid conversion";
	case PF_ERR_LENGTH:
		return "length modifier on a non-integer conversion";
	}
	return "?";
}
