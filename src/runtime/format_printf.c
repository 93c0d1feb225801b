/* printf() formatting in user space. A format string is parsed once (out_pfmt_compile) with
 * the shared parser (src/printfmt.h) into literal text and conversions bound to their
 * arguments (a '*' width or precision takes one before the value); each event is then
 * rendered with C semantics for flags, width, precision and length modifiers. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "printfmt.h"
#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/strbuf.h"

enum seg_kind {
	SEG_TEXT, /* literal text */
	SEG_INT, /* d, i of an integer argument */
	SEG_UINT, /* u, x, X, o of an integer argument */
	SEG_CHAR, /* c: one byte */
	SEG_PTR, /* p: 0x... or (nil), as glibc */
	SEG_STR, /* s of a char[] argument */
	SEG_VALUE, /* s of another kind: rendered as print() shows it, then as a string */
	SEG_BUF, /* r, rx, rh of a buf() */
};

struct seg {
	enum seg_kind kind;
	uint32_t off, len; /* SEG_TEXT: bytes of f->text; else the spec as written in fmt */
	const struct pd_type *arg; /* the value */
	const struct pd_type *warg, *parg; /* '*' width and precision, or NULL */
	struct pf_conv cv;
};

struct out_pfmt {
	const char *fmt; /* as given; conversions' source text for short payloads */
	char *text; /* literal text of every SEG_TEXT, "%%" already folded */
	int nsegs;
	struct seg segs[];
};

static enum seg_kind conv_kind(const struct seg *s)
{
	switch (s->cv.cls) {
	case PF_SIGNED:
		return SEG_INT;
	case PF_UNSIGNED:
		return SEG_UINT;
	case PF_CHAR:
		return SEG_CHAR;
	case PF_POINTER:
		return SEG_PTR;
	case PF_BUFFER:
		return SEG_BUF;
	case PF_STRING:
		break;
	}
	return s->arg->kind == PD_STR ? SEG_STR : SEG_VALUE;
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

/* The next argument of the payload, or NULL when the format asks for more than it has. */
static const struct pd_type *next_arg(const struct pd_type *args, int *next)
{
	if (!args || *next >= args->fields.len)
		return NULL;
	return &args->fields.v[(*next)++];
}

/* A conversion's segment: '*' arguments first, then the value. False when the payload
 * lacks one of them (the conversion is then printed as written). */
static bool bind_args(struct seg *s, const struct pd_type *args, int *next)
{
	if (*next + pf_nargs(&s->cv) > (args ? args->fields.len : 0))
		return false;
	if (s->cv.width == PF_STAR)
		s->warg = next_arg(args, next);
	if (s->cv.prec == PF_STAR)
		s->parg = next_arg(args, next);
	s->arg = next_arg(args, next);
	s->kind = conv_kind(s);
	return true;
}

int out_pfmt_compile(const char *fmt, const struct pd_type *args, struct out_pfmt **out)
{
	*out = NULL;
	size_t n = strlen(fmt);
	/* at most one segment per piece */
	struct out_pfmt *f = calloc(1, sizeof(*f) + (n + 1) * sizeof(struct seg));
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
	size_t pos = 0;
	struct pf_piece p;
	for (pf_next(fmt, n, &pos, &p); p.kind != PF_END; pf_next(fmt, n, &pos, &p)) {
		struct seg s = { .off = p.off, .len = p.len, .cv = p.conv };
		/* Text, and what sema would have refused (shown as written). */
		if (p.kind != PF_CONV || !bind_args(&s, args, &next))
			add_text(f, &tlen, fmt + p.off, p.len);
		else
			f->segs[f->nsegs++] = s;
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
	unsigned shift = conv == 'o' ? 3 : conv == 'x' || conv == 'X' ? 4 : 0;
	int n = 0;
	/* Constant divisors only: a 64-bit division by a variable base was a fifth of the time
	 * a printf flood spends in user space. */
	do {
		if (shift) {
			*--end = d[v & ((1u << shift) - 1)];
			v >>= shift;
		} else {
			*--end = (char)('0' + v % 10);
			v /= 10;
		}
		n++;
	} while (v);
	return n;
}

/* One integer conversion with C's rules: precision is the minimum digit count (0 prints
 * nothing for 0), '#' gives octal a leading 0 and hex a 0x before non-zero values, '0'
 * pads after the sign unless '-' or a precision is given. */
static int put_int(struct strbuf *sb, const struct pf_conv *c, uint64_t mag, bool neg)
{
	char buf[32];
	int nd = c->prec == 0 && mag == 0 ? 0 : digits(buf + sizeof(buf), mag, c->conv);
	const char *prefix = "";
	if (c->cls == PF_SIGNED)
		prefix = neg ? "-" : c->flags & PF_PLUS ? "+" : c->flags & PF_SPACE ? " " : "";
	else if (c->flags & PF_HASH && mag && c->conv == 'x')
		prefix = "0x";
	else if (c->flags & PF_HASH && mag && c->conv == 'X')
		prefix = "0X";
	int zeros = c->prec > nd ? c->prec - nd : 0;
	if (c->flags & PF_HASH && c->conv == 'o' && !zeros && (!nd || buf[sizeof(buf) - nd] != '0'))
		zeros = 1;
	int plen = (int)strlen(prefix);
	int fill = c->width > plen + zeros + nd ? c->width - plen - zeros - nd : 0;
	if (!(c->flags & PF_MINUS) && c->flags & PF_ZERO && c->prec < 0) {
		zeros += fill;
		fill = 0;
	}
	int err = c->flags & PF_MINUS ? 0 : pad(sb, ' ', fill);
	err |= sb_appendn(sb, prefix, (size_t)plen);
	err |= pad(sb, '0', zeros);
	err |= sb_appendn(sb, buf + sizeof(buf) - nd, (size_t)nd);
	if (c->flags & PF_MINUS)
		err |= pad(sb, ' ', fill);
	return err;
}

/* Reads the argument as C's printf would with this length modifier, then formats it. */
static int format_int(struct strbuf *sb, const struct pf_conv *c, int64_t v)
{
	if (c->cls == PF_SIGNED) {
		if (c->bits == 8)
			v = (int8_t)v;
		else if (c->bits == 16)
			v = (int16_t)v;
		else if (c->bits == 32)
			v = (int32_t)v;
		uint64_t mag = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
		return put_int(sb, c, mag, v < 0);
	}
	uint64_t u = (uint64_t)v;
	if (c->bits < 64)
		u &= (1ULL << c->bits) - 1;
	return put_int(sb, c, u, false);
}

/* %s: at most prec bytes of str, padded to width with spaces ('0' is ignored, as C). */
static int put_str(struct strbuf *sb, const struct pf_conv *c, const char *str, size_t n)
{
	if (c->prec >= 0 && n > (size_t)c->prec)
		n = (size_t)c->prec;
	int fill = c->width > 0 && (size_t)c->width > n ? c->width - (int)n : 0;
	int err = c->flags & PF_MINUS ? 0 : pad(sb, ' ', fill);
	err |= sb_appendn(sb, str, n);
	if (c->flags & PF_MINUS)
		err |= pad(sb, ' ', fill);
	return err;
}

/* %p as glibc prints it: (nil) for 0, else 0x and lower-case hex digits. */
static int put_ptr(struct strbuf *sb, const struct pf_conv *c, uint64_t v)
{
	struct pf_conv hex = *c;
	if (!v) {
		hex.prec = -1;
		return put_str(sb, &hex, "(nil)", 5);
	}
	hex.conv = 'x';
	hex.flags |= PF_HASH;
	return put_int(sb, &hex, v, false);
}

static int format_seg(struct strbuf *sb, const struct out *o, const struct seg *s,
		      const struct pf_conv *c, const uint8_t *p)
{
	switch (s->kind) {
	case SEG_TEXT:
		return 0;
	case SEG_INT:
	case SEG_UINT:
		return format_int(sb, c, int_of(s->arg, p));
	case SEG_CHAR: {
		char ch = (char)int_of(s->arg, p);
		struct pf_conv one = *c;
		one.prec = -1;
		return put_str(sb, &one, &ch, 1);
	}
	case SEG_PTR:
		return put_ptr(sb, c, (uint64_t)int_of(s->arg, p));
	case SEG_STR:
		if (!o->escape_ctl)
			return put_str(sb, c, (const char *)p,
				       strnlen((const char *)p, s->arg->size));
		/* out_value_str escapes what a terminal would obey */
		__attribute__((fallthrough));
	case SEG_VALUE:
	case SEG_BUF: {
		struct strbuf tmp = { 0 };
		int err = s->kind == SEG_BUF ? out_buf_str(&tmp, s->arg, p, c->buf_mode) :
					       out_value_str(&tmp, o, s->arg, p, false);
		if (!err)
			err = put_str(sb, c, sb_str(&tmp), tmp.len);
		sb_free(&tmp);
		return err;
	}
	}
	return 0;
}

/* Widths beyond this are cut: a '*' argument must not make one event gigabytes long. */
#define MAX_WIDTH 4096

/* The conversion with its '*' width and precision read from the payload, as C does: a
 * negative width means '-' and its magnitude, a negative precision means none. */
static struct pf_conv resolve(const struct seg *s, const uint8_t *payload)
{
	struct pf_conv c = s->cv;
	if (s->warg) {
		int64_t w = (int32_t)int_of(s->warg, payload + s->warg->offset);
		if (w < 0) {
			c.flags |= PF_MINUS;
			w = -w;
		}
		c.width = (int)w;
	}
	if (s->parg) {
		int64_t pr = (int32_t)int_of(s->parg, payload + s->parg->offset);
		c.prec = pr < 0 ? -1 : (int)(pr < MAX_WIDTH ? pr : MAX_WIDTH);
	}
	if (c.width > MAX_WIDTH)
		c.width = MAX_WIDTH;
	return c;
}

static bool fits(const struct pd_type *a, size_t size)
{
	return !a || a->offset + a->size <= size;
}

int out_pfmt_format(struct strbuf *sb, const struct out *o, const struct out_pfmt *f,
		    const uint8_t *payload, size_t size)
{
	int err = 0;
	for (int i = 0; i < f->nsegs && !err; i++) {
		const struct seg *s = &f->segs[i];
		if (s->kind == SEG_TEXT) {
			err = sb_appendn(sb, f->text + s->off, s->len);
		} else if (!fits(s->arg, size) || !fits(s->warg, size) || !fits(s->parg, size)) {
			/* a short record (never emitted by codegen): the spec as written */
			err = sb_appendn(sb, f->fmt + s->off, s->len);
		} else {
			struct pf_conv c = resolve(s, payload);
			err = format_seg(sb, o, s, &c, payload + s->arg->offset);
		}
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
