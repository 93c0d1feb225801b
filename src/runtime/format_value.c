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

static int timestamp_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
			 const uint8_t *p)
{
	uint64_t ns;
	memcpy(&ns, p, 8);
	int64_t wall = o->boot_ns + (int64_t)ns;
	return out_strftime(sb, t->fmt ? t->fmt : "%H:%M:%S", wall / 1000000000LL,
			    (uint32_t)(wall % 1000000000LL / 1000));
}

static bool is_quoted(enum pd_kind k)
{
	switch (k) {
	case PD_STR:
	case PD_KSYM:
	case PD_USYM:
	case PD_KSTACK:
	case PD_USTACK:
	case PD_TIMESTAMP: /* unquoted in bpftrace 0.17, which is not valid JSON */
		return true;
	case PD_NONE:
	case PD_INT:
	case PD_UINT:
	case PD_TUPLE:
	case PD_RECORD:
	case PD_ARRAY:
	case PD_PTR:
		return false;
	}
	return false;
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

/* Text rendering of kinds that are plain strings in both layouts. */
static int plain_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		     const uint8_t *p)
{
	uint64_t v = 0;
	switch (t->kind) {
	case PD_STR:
		return sb_appendn(sb, (const char *)p, strnlen((const char *)p, t->size));
	case PD_TIMESTAMP:
		return timestamp_str(sb, o, t, p);
	case PD_KSYM:
		memcpy(&v, p, 8);
		return rt_ksym_str(sb, v);
	case PD_USYM: {
		uint64_t pid = 0;
		memcpy(&v, p, 8);
		if (t->size >= 16)
			memcpy(&pid, p + 8, 8);
		return rt_usym_str(sb, v, (int)pid);
	}
	case PD_KSTACK:
	case PD_USTACK:
		return 0; /* stacks are not collected yet (no codegen emits them) */
	case PD_NONE:
	case PD_INT:
	case PD_UINT:
	case PD_TUPLE:
	case PD_RECORD:
	case PD_ARRAY:
	case PD_PTR:
		break;
	}
	return 0;
}

int out_value_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		  const uint8_t *p, bool json)
{
	switch (t->kind) {
	case PD_NONE:
		return 0;
	case PD_INT:
		return sb_printf(sb, "%lld", (long long)rt_read_int(p, t->size, true));
	case PD_UINT:
		return sb_printf(sb, "%llu", (unsigned long long)rt_read_int(p, t->size, false));
	case PD_PTR: {
		uint64_t v = 0;
		memcpy(&v, p, t->size < 8 ? t->size : 8);
		return sb_printf(sb, "0x%llx", (unsigned long long)v);
	}
	case PD_TUPLE:
	case PD_RECORD:
		return fields_str(sb, o, t, p, json);
	case PD_ARRAY:
		return array_str(sb, o, t, p, json);
	case PD_STR:
	case PD_TIMESTAMP:
	case PD_KSYM:
	case PD_USYM:
	case PD_KSTACK:
	case PD_USTACK:
		break;
	}
	if (!json || !is_quoted(t->kind))
		return plain_str(sb, o, t, p);
	struct strbuf tmp = { 0 };
	int err = plain_str(&tmp, o, t, p);
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
		/* Keys are rendered as text in both layouts; JSON escapes the joined string. */
		err |= out_value_str(sb, o, f, key + f->offset, false);
	}
	if (!json)
		err |= sb_putc(sb, ']');
	return err ? -ENOMEM : 0;
}
