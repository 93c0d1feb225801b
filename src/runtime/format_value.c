/* Rendering of single values (integers, strings, tuples, records, arrays, pointers,
 * timestamps, symbols) as text or JSON, and of map keys. Used by print(), printf's %s of
 * non-string values, and map printing. Input is raw bytes laid out as a struct pd_type. */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/strbuf.h"

int64_t rt_read_int(const uint8_t *p, uint32_t size, bool is_signed)
{
	switch (size) {
	case 1: {
		uint8_t v = p[0];
		return is_signed ? (int64_t)(int8_t)v : (int64_t)v;
	}
	case 2: {
		uint16_t v;
		memcpy(&v, p, 2);
		return is_signed ? (int64_t)(int16_t)v : (int64_t)v;
	}
	case 4: {
		uint32_t v;
		memcpy(&v, p, 4);
		return is_signed ? (int64_t)(int32_t)v : (int64_t)v;
	}
	default: {
		int64_t v = 0;
		memcpy(&v, p, size < 8 ? size : 8);
		return v;
	}
	}
}

int out_json_escape(struct strbuf *sb, const char *s, size_t len)
{
	int err = 0;
	for (size_t i = 0; i < len && !err; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':
			err = sb_append(sb, "\\\"");
			break;
		case '\\':
			err = sb_append(sb, "\\\\");
			break;
		case '\n':
			err = sb_append(sb, "\\n");
			break;
		case '\r':
			err = sb_append(sb, "\\r");
			break;
		case '\t':
			err = sb_append(sb, "\\t");
			break;
		default:
			/* bpftrace 0.17 also escapes bytes >= 0x80 (as "\uffffffc3"), which
			 * breaks UTF-8 text; we pass them through. */
			if (c < 0x20)
				err = sb_printf(sb, "\\u%04x", c);
			else
				err = sb_putc(sb, (char)c);
		}
	}
	return err;
}

/* fmt with each %f replaced by the microseconds (6 digits), which strftime lacks; "%%"
 * stays for strftime. */
static int expand_usec(struct strbuf *out, const char *fmt, uint32_t usec)
{
	int err = 0;
	for (const char *p = fmt; *p && !err; p++) {
		if (p[0] == '%' && p[1] == 'f') {
			err = sb_printf(out, "%06u", usec % 1000000);
			p++;
		} else if (p[0] == '%' && p[1]) {
			err = sb_appendn(out, p, 2);
			p++;
		} else {
			err = sb_putc(out, *p);
		}
	}
	return err;
}

int out_strftime(struct strbuf *sb, const char *fmt, int64_t secs, uint32_t usec)
{
	time_t t = (time_t)secs;
	struct tm tm;
	char buf[512];
	struct strbuf f = { 0 };
	if (!localtime_r(&t, &tm) || expand_usec(&f, fmt, usec)) {
		sb_free(&f);
		return sb_append(sb, "(?)");
	}
	size_t n = *sb_str(&f) ? strftime(buf, sizeof(buf), sb_str(&f), &tm) : 0;
	bool empty = !*sb_str(&f);
	sb_free(&f);
	if (n == 0 && !empty)
		return sb_append(sb, "(?)");
	return sb_appendn(sb, buf, n);
}

/* A renderer writes one value of its kind; json selects the JSON layout where the kind has
 * one of its own (tuples, records, arrays). */
typedef int render_fn(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		      const uint8_t *p, bool json);

static int none_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		    const uint8_t *p, bool json)
{
	(void)sb, (void)o, (void)t, (void)p, (void)json;
	return 0;
}

/* A record's bit field: bit_size bits from bit bit_off of the little-endian bytes at p. */
static uint64_t bits_of(const struct pd_type *t, const uint8_t *p, bool is_signed)
{
	uint64_t v = 0;
	memcpy(&v, p, t->size < 8 ? t->size : 8);
	v >>= t->bit_off;
	if (t->bit_size >= 64)
		return v;
	uint64_t sign = 1ULL << (t->bit_size - 1);
	v &= (sign << 1) - 1;
	return is_signed ? (v ^ sign) - sign : v;
}

static int int_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		   const uint8_t *p, bool json)
{
	(void)o, (void)json;
	bool is_signed = pd_kinds[t->kind].flags & PD_KF_SIGNED;
	int64_t v = t->bit_size ? (int64_t)bits_of(t, p, is_signed) :
				  rt_read_int(p, t->size, is_signed);
	return is_signed ? sb_puti(sb, v) : sb_putu(sb, (uint64_t)v);
}

/* The enumerator's name; the number when the value names none (flags, a newer kernel). */
static int enum_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		    const uint8_t *p, bool json)
{
	uint64_t mask = t->size >= 8 ? ~0ULL : (1ULL << (t->size * 8)) - 1;
	uint64_t v = (uint64_t)rt_read_int(p, t->size, false) & mask;
	for (int i = 0; i < t->fields.len; i++)
		if (((uint64_t)t->fields.v[i].value & mask) == v)
			return sb_append(sb, t->fields.v[i].name);
	return int_str(sb, o, t, p, json);
}

static int ptr_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		   const uint8_t *p, bool json)
{
	(void)o, (void)json;
	uint64_t v = 0;
	memcpy(&v, p, t->size < 8 ? t->size : 8);
	return sb_printf(sb, "0x%llx", (unsigned long long)v);
}

static int chars_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		     const uint8_t *p, bool json)
{
	(void)json;
	return out_text(sb, o, (const char *)p, strnlen((const char *)p, t->size));
}

static int timestamp_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
			 const uint8_t *p, bool json)
{
	(void)json;
	uint64_t ns;
	memcpy(&ns, p, 8);
	/* any u64 may arrive (strftime("%H", -1)): add wrapping, and keep usec in 0..999999 */
	int64_t wall = (int64_t)((uint64_t)o->boot_ns + ns);
	int64_t secs = wall / 1000000000LL, rem = wall % 1000000000LL;
	if (rem < 0) {
		rem += 1000000000LL;
		secs--;
	}
	return out_strftime(sb, t->fmt ? t->fmt : "%H:%M:%S", secs, (uint32_t)(rem / 1000));
}

static int ksym_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		    const uint8_t *p, bool json)
{
	(void)o, (void)t, (void)json;
	uint64_t v;
	memcpy(&v, p, 8);
	return rt_ksym_str(sb, v);
}

static int usym_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		    const uint8_t *p, bool json)
{
	(void)o, (void)json;
	uint64_t v, pid = 0;
	memcpy(&v, p, 8);
	if (t->size >= 16)
		memcpy(&pid, p + 8, 8);
	return rt_usym_str(sb, v, (int)pid);
}

/* Stacks as values and in printf are indented by 8; map keys by 4 (out_key_str). */
static int stack_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		     const uint8_t *p, bool json)
{
	(void)json;
	return rt_stack_str(sb, o, t, p, 8);
}

static int fields_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		      const uint8_t *p, bool json)
{
	int err = 0;
	bool rec = t->kind == PD_RECORD;
	const char *sep = rec || !json ? ", " : ",";
	err |= sb_append(sb, rec ? "{ " : json ? "[" : "(");
	for (int i = 0; i < t->fields.len && !err; i++) {
		const struct pd_type *f = &t->fields.v[i];
		if (i)
			err |= sb_append(sb, sep);
		if (rec)
			err |= sb_printf(sb, json ? "\"%s\": " : ".%s = ", f->name ? f->name : "");
		err |= out_value_str(sb, o, f, p + f->offset, json);
	}
	err |= sb_append(sb, rec ? " }" : json ? "]" : ")");
	return err ? -ENOMEM : 0;
}

static int array_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		     const uint8_t *p, bool json)
{
	int err = sb_putc(sb, '[');
	if (t->fields.len < 1)
		return err | sb_putc(sb, ']');
	const struct pd_type *el = &t->fields.v[0];
	for (uint32_t i = 0; i < t->count && !err; i++) {
		if (i)
			err |= sb_putc(sb, ',');
		err |= out_value_str(sb, o, el, p + (size_t)i * el->size, json);
	}
	return err | sb_putc(sb, ']');
}

/* How the runtime renders each value kind: one row per PD_* kind. */
static const struct rt_kind {
	render_fn *render;
	bool json_quoted; /* JSON: a string of its text rendering */
} rt_kinds[PD_KIND__COUNT] = {
	[PD_NONE] = { none_str, false },
	[PD_INT] = { int_str, false },
	[PD_UINT] = { int_str, false },
	[PD_STR] = { chars_str, true },
	[PD_TUPLE] = { fields_str, false },
	[PD_RECORD] = { fields_str, false },
	[PD_ARRAY] = { array_str, false },
	[PD_PTR] = { ptr_str, true }, /* "0x..." as later bpftrace; 0.17 prints a number */
	[PD_TIMESTAMP] = { timestamp_str, true }, /* unquoted in bpftrace 0.17: not JSON */
	[PD_KSYM] = { ksym_str, true },
	[PD_USYM] = { usym_str, true },
	[PD_KSTACK] = { stack_str, true },
	[PD_USTACK] = { stack_str, true },
	[PD_ENUM] = { enum_str, true },
	[PD_ERRNO] = { rt_errno_str, true }, /* format_text.c */
	[PD_MACADDR] = { rt_macaddr_str, true },
	[PD_INET] = { rt_inet_str, true },
	[PD_CGROUP_PATH] = { rt_cgroup_path_str, true },
	[PD_USERNAME] = { rt_username_str, true },
	[PD_BUF] = { rt_buf_str, true },
};

int out_value_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		  const uint8_t *p, bool json)
{
	const struct rt_kind *k = &rt_kinds[t->kind];
	if (!json || !k->json_quoted)
		return k->render(sb, o, t, p, json);
	struct strbuf tmp = { 0 };
	int err = k->render(&tmp, o, t, p, false);
	err |= sb_putc(sb, '"');
	err |= out_json_escape(sb, sb_str(&tmp), tmp.len);
	err |= sb_putc(sb, '"');
	sb_free(&tmp);
	return err ? -ENOMEM : 0;
}

int out_key_str(struct strbuf *sb, const struct out *o, const struct pd_map *m,
		const uint8_t *key, bool json)
{
	int err = 0;
	if (m->is_scalar)
		return 0;
	if (!json)
		err |= sb_putc(sb, '[');
	for (int i = 0; i < m->key.fields.len && !err; i++) {
		const struct pd_type *f = &m->key.fields.v[i];
		if (i)
			err |= sb_append(sb, json ? "," : ", ");
		/* Keys are rendered as text in both layouts; JSON escapes the joined string.
		 * Stacks in keys are indented by 4, not 8, as bpftrace 0.17 does. */
		if (f->kind == PD_KSTACK || f->kind == PD_USTACK)
			err |= rt_stack_str(sb, o, f, key + f->offset, 4);
		else
			err |= out_value_str(sb, o, f, key + f->offset, false);
	}
	if (!json)
		err |= sb_putc(sb, ']');
	return err ? -ENOMEM : 0;
}
