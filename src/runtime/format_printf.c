/* printf() formatting in user space: the format string from pd_fmt and the event payload
 * (a PD_TUPLE of the arguments). Every conversion bpftrace accepts, with C semantics for
 * flags, width, precision and length modifiers; "%%" prints one '%'. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/strbuf.h"

struct conv {
	char flags[8];
	int width; /* -1: none */
	int prec; /* -1: none */
	char len[3]; /* "", "h", "hh", "l", "ll", "z", "j", "t" */
	char conv;
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

/* Parses the conversion after '%' at p; returns the character after it, or NULL when
 * this is not a conversion bpftrace accepts (the text is then printed as it is). */
static const char *parse_conv(const char *p, struct conv *c)
{
	memset(c, 0, sizeof(*c));
	c->width = c->prec = -1;
	int nf = 0;
	while (*p && strchr("-0+ #", *p)) {
		if (nf < (int)sizeof(c->flags) - 1 && !strchr(c->flags, *p))
			c->flags[nf++] = *p;
		p++;
	}
	if (*p >= '0' && *p <= '9')
		p = parse_num(p, &c->width);
	if (*p == '.')
		p = parse_num(p + 1, &c->prec);
	if ((p[0] == 'h' && p[1] == 'h') || (p[0] == 'l' && p[1] == 'l')) {
		memcpy(c->len, p, 2);
		p += 2;
	} else if (*p && strchr("hlzjt", *p)) {
		c->len[0] = *p++;
	}
	if (!*p || !strchr("diuxXocsp", *p))
		return NULL;
	c->conv = *p++;
	return p;
}

/* "%<flags><width>.<prec>" followed by tail, e.g. "lld". */
static void build_spec(char *buf, size_t len, const struct conv *c, const char *tail)
{
	int n = snprintf(buf, len, "%%%s", c->flags);
	if (c->width >= 0)
		n += snprintf(buf + n, len - (size_t)n, "%d", c->width);
	if (c->prec >= 0)
		n += snprintf(buf + n, len - (size_t)n, ".%d", c->prec);
	snprintf(buf + n, len - (size_t)n, "%s", tail);
}

/* Truncates v the way C's printf reads an argument with this length modifier. */
static long long signed_arg(int64_t v, const char *len)
{
	if (!strcmp(len, "hh"))
		return (signed char)v;
	if (!strcmp(len, "h"))
		return (short)v;
	if (!*len)
		return (int)v;
	return v;
}

static unsigned long long unsigned_arg(int64_t v, const char *len)
{
	if (!strcmp(len, "hh"))
		return (unsigned char)v;
	if (!strcmp(len, "h"))
		return (unsigned short)v;
	if (!*len)
		return (unsigned int)v;
	return (uint64_t)v;
}

static int64_t int_of(const struct pd_type *a, const uint8_t *p)
{
	switch (a->kind) {
	case PD_INT:
		return rt_read_int(p, a->size, true);
	case PD_UINT:
	case PD_PTR:
	case PD_KSYM:
	case PD_USYM:
	case PD_TIMESTAMP:
		return rt_read_int(p, a->size < 8 ? a->size : 8, false);
	case PD_NONE:
	case PD_STR:
	case PD_TUPLE:
	case PD_RECORD:
	case PD_ARRAY:
	case PD_KSTACK:
	case PD_USTACK:
		break;
	}
	return 0;
}

static int format_string(struct strbuf *sb, const struct out *o, const struct conv *c,
			 const struct pd_type *a, const uint8_t *p)
{
	struct strbuf tmp = { 0 };
	char spec[64];
	int err;
	if (a->kind == PD_STR)
		err = sb_appendn(&tmp, (const char *)p, strnlen((const char *)p, a->size));
	else
		err = out_value_str(&tmp, o, a, p, false);
	build_spec(spec, sizeof(spec), c, "s");
	if (!err)
		err = sb_printf(sb, spec, sb_str(&tmp));
	sb_free(&tmp);
	return err;
}

static int format_one(struct strbuf *sb, const struct out *o, const struct conv *c,
		      const struct pd_type *a, const uint8_t *p)
{
	char spec[64];
	int64_t v;
	switch (c->conv) {
	case 's':
		return format_string(sb, o, c, a, p);
	case 'd':
	case 'i':
		if (a->kind == PD_STR)
			return format_string(sb, o, c, a, p);
		v = int_of(a, p);
		build_spec(spec, sizeof(spec), c, "lld");
		return sb_printf(sb, spec, signed_arg(v, c->len));
	case 'c':
		build_spec(spec, sizeof(spec), c, "c");
		return sb_printf(sb, spec, (int)(unsigned char)int_of(a, p));
	case 'p':
		build_spec(spec, sizeof(spec), c, "p");
		return sb_printf(sb, spec, (void *)(uintptr_t)int_of(a, p));
	default:
		break;
	}
	if (a->kind == PD_STR)
		return format_string(sb, o, c, a, p);
	char tail[4] = { 'l', 'l', c->conv, 0 };
	build_spec(spec, sizeof(spec), c, tail);
	return sb_printf(sb, spec, unsigned_arg(int_of(a, p), c->len));
}

int out_format_printf(struct strbuf *sb, const struct out *o, const char *fmt,
		      const struct pd_type *args, const uint8_t *payload, size_t size)
{
	int next = 0, err = 0;
	const char *p = fmt;
	while (*p && !err) {
		const char *pct = strchr(p, '%');
		if (!pct)
			return sb_append(sb, p);
		err = sb_appendn(sb, p, (size_t)(pct - p));
		if (pct[1] == '%') {
			err |= sb_putc(sb, '%');
			p = pct + 2;
			continue;
		}
		struct conv c;
		const char *end = parse_conv(pct + 1, &c);
		const struct pd_type *a =
			args && next < args->fields.len ? &args->fields.v[next] : NULL;
		if (!end || !a || a->offset + a->size > size) {
			/* Not a conversion, or no argument for it: shown as written. */
			err |= sb_putc(sb, '%');
			p = pct + 1;
			continue;
		}
		next++;
		err |= format_one(sb, o, &c, a, payload + a->offset);
		p = end;
	}
	return err ? -ENOMEM : 0;
}
