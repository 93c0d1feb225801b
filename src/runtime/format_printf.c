/* printf() formatting in user space. A format string is parsed once (out_pfmt_compile)
 * into literal text and conversions bound to their argument's pd_type; each event is then
 * rendered with hand-written integer and string code, C semantics for flags, width,
 * precision and length modifiers; only %c and %p go through snprintf. "%%" prints '%'. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/strbuf.h"

enum seg_kind {
	SEG_TEXT, /* literal text */
	SEG_INT, /* d, i of an integer argument */
	SEG_UINT, /* u, x, X, o of an integer argument */
	SEG_STR, /* any text conversion of a char[] argument */
	SEG_VALUE, /* s of another kind: rendered as print() shows it, then as a string */
	SEG_LIBC, /* c, p: rare, handed to snprintf with the spec as written */
};

enum {
	F_MINUS = 1, /* '-' */
	F_ZERO = 2, /* '0' */
	F_PLUS = 4, /* '+' */
	F_SPACE = 8, /* ' ' */
	F_HASH = 16, /* '#' */
};

struct seg {
	enum seg_kind kind;
	uint32_t off, len; /* SEG_TEXT: bytes of f->text; else the spec as written in fmt */
	const struct pd_type *arg;
	unsigned flags;
	int width; /* -1: none */
	int prec; /* -1: none */
	int bits; /* what the length modifier reads: 8, 16, 32 or 64 bits */
	char conv;
	char spec[40]; /* SEG_LIBC: "%<flags><width>.<prec>c" for snprintf */
};

struct out_pfmt {
	const char *fmt; /* as given; conversions' source text for short payloads */
	char *text; /* literal text of every SEG_TEXT, "%%" already folded */
	int nsegs;
	struct seg segs[];
};

static const char *parse_num(const char *p, int *out)
{
	long n = 0;
	while (*p >= '0' && *p <= '9') {
		if (n < 100000)
			n = n * 10 + (*p - '0');
		p++;
	}
	*out = (int)n;
	return p;
}

static unsigned flag_bit(char c)
{
	switch (c) {
	case '-':
		return F_MINUS;
	case '0':
		return F_ZERO;
	case '+':
		return F_PLUS;
	case ' ':
		return F_SPACE;
	case '#':
		return F_HASH;
	}
	return 0;
}

/* Parses the conversion after '%' at p into s (flags, width, precision, length, conv);
 * returns the character after it, or NULL when this is not a conversion bpftrace accepts
 * (the text is then printed as it is). */
static const char *parse_conv(const char *p, struct seg *s)
{
	s->flags = 0;
	s->width = s->prec = -1;
	s->bits = 32;
	while (flag_bit(*p))
		s->flags |= flag_bit(*p++);
	if (*p >= '0' && *p <= '9')
		p = parse_num(p, &s->width);
	if (*p == '.')
		p = parse_num(p + 1, &s->prec);
	if ((p[0] == 'h' && p[1] == 'h') || (p[0] == 'l' && p[1] == 'l')) {
		s->bits = p[0] == 'h' ? 8 : 64;
		p += 2;
	} else if (*p && strchr("hlzjt", *p)) {
		s->bits = *p == 'h' ? 16 : 64;
		p++;
	}
	if (!*p || !strchr("diuxXocsp", *p))
		return NULL;
	s->conv = *p++;
	return p;
}

/* The spec as snprintf reads it: flags in a fixed order, width, precision, conv. */
static void build_spec(struct seg *s)
{
	static const char order[] = "-0+ #";
	char *b = s->spec;
	*b++ = '%';
	for (const char *c = order; *c; c++)
		if (s->flags & flag_bit(*c))
			*b++ = *c;
	size_t rest = sizeof(s->spec) - (size_t)(b - s->spec);
	int n = 0;
	if (s->width >= 0)
		n += snprintf(b + n, rest - (size_t)n, "%d", s->width);
	if (s->prec >= 0)
		n += snprintf(b + n, rest - (size_t)n, ".%d", s->prec);
	snprintf(b + n, rest - (size_t)n, "%c", s->conv);
}

static enum seg_kind conv_kind(const struct seg *s)
{
	bool is_str = s->arg->kind == PD_STR;
	switch (s->conv) {
	case 's':
		return is_str ? SEG_STR : SEG_VALUE;
	case 'c':
	case 'p':
		return SEG_LIBC;
	case 'd':
	case 'i':
		return is_str ? SEG_STR : SEG_INT;
	}
	return is_str ? SEG_STR : SEG_UINT;
}

/* Appends literal text to the last segment when it is text, else opens a text segment. */
static void add_text(struct out_pfmt *f, uint32_t *tlen, const char *s, size_t n)
{
	if (!n)
		return;
	if (!f->nsegs || f->segs[f->nsegs - 1].kind != SEG_TEXT)
		f->segs[f->nsegs++] = (struct seg){ .kind = SEG_TEXT, .off = *tlen };
	memcpy(f->text + *tlen, s, n);
	*tlen += (uint32_t)n;
	f->segs[f->nsegs - 1].len += (uint32_t)n;
}

int out_pfmt_compile(const char *fmt, const struct pd_type *args, struct out_pfmt **out)
{
	*out = NULL;
	size_t n = strlen(fmt);
	/* at most one segment per '%' plus one of text after each */
	struct out_pfmt *f = calloc(1, sizeof(*f) + (2 * n + 2) * sizeof(struct seg));
	char *text = malloc(n + 1);
	if (!f || !text) {
		free(f);
		free(text);
		return -ENOMEM;
	}
	f->fmt = fmt;
	f->text = text;
	uint32_t tlen = 0;
	int next = 0;
	const char *p = fmt;
	while (*p) {
		const char *pct = strchr(p, '%');
		if (!pct) {
			add_text(f, &tlen, p, strlen(p));
			break;
		}
		add_text(f, &tlen, p, (size_t)(pct - p));
		if (pct[1] == '%') {
			add_text(f, &tlen, "%", 1);
			p = pct + 2;
			continue;
		}
		struct seg s = { 0 };
		const char *end = parse_conv(pct + 1, &s);
		s.arg = args && next < args->fields.len ? &args->fields.v[next] : NULL;
		if (!end || !s.arg) {
			/* Not a conversion, or no argument for it: shown as written. */
			add_text(f, &tlen, "%", 1);
			p = pct + 1;
			continue;
		}
		next++;
		s.kind = conv_kind(&s);
		s.off = (uint32_t)(pct - fmt);
		s.len = (uint32_t)(end - pct);
		if (s.kind == SEG_LIBC)
			build_spec(&s);
		f->segs[f->nsegs++] = s;
		p = end;
	}
	*out = f;
	return 0;
}

void out_pfmt_free(struct out_pfmt *f)
{
	if (!f)
		return;
	free(f->text);
	free(f);
}

/* The argument as an integer: its first 8 bytes, sign-extended when its kind is signed. */
static int64_t int_of(const struct pd_type *a, const uint8_t *p)
{
	return rt_read_int(p, a->size < 8 ? a->size : 8, pd_kinds[a->kind].flags & PD_KF_SIGNED);
}

static int pad(struct strbuf *sb, char c, int n)
{
	static const char spaces[] = "                                ";
	static const char zeros[] = "00000000000000000000000000000000";
	const char *run = c == '0' ? zeros : spaces;
	int err = 0;
	while (n > 0 && !err) {
		int k = n < 32 ? n : 32;
		err = sb_appendn(sb, run, (size_t)k);
		n -= k;
	}
	return err;
}

/* Digits of v in base 8, 10 or 16, written backwards ending at end; returns the count. */
static int digits(char *end, uint64_t v, char conv)
{
	static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
	const char *d = conv == 'X' ? upper : lower;
	unsigned base = conv == 'o' ? 8 : conv == 'x' || conv == 'X' ? 16 : 10;
	int n = 0;
	do {
		*--end = d[v % base];
		v /= base;
		n++;
	} while (v);
	return n;
}

/* One integer conversion with C's rules: precision is the minimum digit count (0 prints
 * nothing for 0), '#' gives octal a leading 0 and hex a 0x before non-zero values, '0'
 * pads after the sign unless '-' or a precision is given. */
static int put_int(struct strbuf *sb, const struct seg *s, uint64_t mag, bool neg)
{
	char buf[32];
	int nd = s->prec == 0 && mag == 0 ? 0 : digits(buf + sizeof(buf), mag, s->conv);
	const char *prefix = "";
	if (s->kind == SEG_INT)
		prefix = neg ? "-" : s->flags & F_PLUS ? "+" : s->flags & F_SPACE ? " " : "";
	else if (s->flags & F_HASH && mag && s->conv == 'x')
		prefix = "0x";
	else if (s->flags & F_HASH && mag && s->conv == 'X')
		prefix = "0X";
	int zeros = s->prec > nd ? s->prec - nd : 0;
	if (s->flags & F_HASH && s->conv == 'o' && !zeros && (!nd || buf[sizeof(buf) - nd] != '0'))
		zeros = 1;
	int plen = (int)strlen(prefix);
	int fill = s->width > plen + zeros + nd ? s->width - plen - zeros - nd : 0;
	if (!(s->flags & F_MINUS) && s->flags & F_ZERO && s->prec < 0) {
		zeros += fill;
		fill = 0;
	}
	int err = s->flags & F_MINUS ? 0 : pad(sb, ' ', fill);
	err |= sb_appendn(sb, prefix, (size_t)plen);
	err |= pad(sb, '0', zeros);
	err |= sb_appendn(sb, buf + sizeof(buf) - nd, (size_t)nd);
	if (s->flags & F_MINUS)
		err |= pad(sb, ' ', fill);
	return err;
}

/* Reads the argument as C's printf would with this length modifier, then formats it. */
static int format_int(struct strbuf *sb, const struct seg *s, int64_t v)
{
	if (s->kind == SEG_INT) {
		if (s->bits == 8)
			v = (int8_t)v;
		else if (s->bits == 16)
			v = (int16_t)v;
		else if (s->bits == 32)
			v = (int32_t)v;
		uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
		return put_int(sb, s, mag, v < 0);
	}
	uint64_t u = (uint64_t)v;
	if (s->bits < 64)
		u &= (1ULL << s->bits) - 1;
	return put_int(sb, s, u, false);
}

/* %s: at most prec bytes of str, padded to width with spaces ('0' is ignored, as C). */
static int put_str(struct strbuf *sb, const struct seg *s, const char *str, size_t n)
{
	if (s->prec >= 0 && n > (size_t)s->prec)
		n = (size_t)s->prec;
	int fill = s->width > 0 && (size_t)s->width > n ? s->width - (int)n : 0;
	int err = s->flags & F_MINUS ? 0 : pad(sb, ' ', fill);
	err |= sb_appendn(sb, str, n);
	if (s->flags & F_MINUS)
		err |= pad(sb, ' ', fill);
	return err;
}

static int format_seg(struct strbuf *sb, const struct out *o, const struct seg *s,
		      const uint8_t *p)
{
	switch (s->kind) {
	case SEG_TEXT:
		return 0;
	case SEG_INT:
	case SEG_UINT:
		return format_int(sb, s, int_of(s->arg, p));
	case SEG_STR:
		return put_str(sb, s, (const char *)p, strnlen((const char *)p, s->arg->size));
	case SEG_VALUE: {
		struct strbuf tmp = { 0 };
		int err = out_value_str(&tmp, o, s->arg, p, false);
		if (!err)
			err = put_str(sb, s, sb_str(&tmp), tmp.len);
		sb_free(&tmp);
		return err;
	}
	case SEG_LIBC:
		if (s->conv == 'c')
			return sb_printf(sb, s->spec, (int)(unsigned char)int_of(s->arg, p));
		return sb_printf(sb, s->spec, (void *)(uintptr_t)int_of(s->arg, p));
	}
	return 0;
}

int out_pfmt_format(struct strbuf *sb, const struct out *o, const struct out_pfmt *f,
		    const uint8_t *payload, size_t size)
{
	int err = 0;
	for (int i = 0; i < f->nsegs && !err; i++) {
		const struct seg *s = &f->segs[i];
		if (s->kind == SEG_TEXT)
			err = sb_appendn(sb, f->text + s->off, s->len);
		else if (s->arg->offset + s->arg->size > size)
			/* a short record (never emitted by codegen): the spec as written */
			err = sb_appendn(sb, f->fmt + s->off, s->len);
		else
			err = format_seg(sb, o, s, payload + s->arg->offset);
	}
	return err ? -ENOMEM : 0;
}

int out_format_printf(struct strbuf *sb, const struct out *o, const char *fmt,
		      const struct pd_type *args, const uint8_t *payload, size_t size)
{
	struct out_pfmt *f;
	int err = out_pfmt_compile(fmt, args, &f);
	if (err)
		return err;
	err = out_pfmt_format(sb, o, f, payload, size);
	out_pfmt_free(f);
	return err;
}
