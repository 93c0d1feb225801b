/* Output common to text and JSON: the one-line messages (attached probes, printf, print,
 * time, lost events) and map printing's sorting and `top` selection, which follow
 * bpftrace 0.17 so listings come out in the same order. */
#define _GNU_SOURCE /* qsort_r */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "output.h"
#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/radix.h"
#include "util/strbuf.h"

void out_write(const struct out *o, const char *s, size_t n)
{
	if (!n)
		return;
	if (!o->batch || sb_appendn(o->batch, s, n))
		fwrite(s, 1, n, o->f); /* no batch, or no memory to grow it */
}

/* One control character as C writes it, or \xNN; C1 controls (U+0080..U+009F, UTF-8
 * C2 80..C2 9F: CSI is U+009B) as \u00NN. */
static int escape_ctl(struct strbuf *sb, unsigned cp)
{
	static const char named[] = { [7] = 'a', [8] = 'b', [9] = 't', [10] = 'n', [11] = 'v',
				      [12] = 'f', [13] = 'r', [27] = 'e' };
	if (cp < sizeof(named) && named[cp])
		return sb_printf(sb, "\\%c", named[cp]);
	return sb_printf(sb, cp < 0x80 ? "\\x%02x" : "\\u%04x", cp);
}

int out_text(struct strbuf *sb, const struct out *o, const char *s, size_t n)
{
	if (!o->escape_ctl)
		return sb_appendn(sb, s, n);
	size_t run = 0; /* start of the bytes not yet appended */
	int err = 0;
	for (size_t i = 0; i < n && !err; i++) {
		unsigned char c = (unsigned char)s[i];
		bool c1 = c == 0xc2 && i + 1 < n && (unsigned char)s[i + 1] >= 0x80 &&
			  (unsigned char)s[i + 1] <= 0x9f;
		if (c >= 0x20 && c != 0x7f && !c1)
			continue;
		err = sb_appendn(sb, s + run, i - run);
		if (!err)
			err = escape_ctl(sb, c1 ? (unsigned char)s[i + 1] : c);
		i += c1;
		run = i + 1;
	}
	return err ? err : sb_appendn(sb, s + run, n - run);
}

void out_flush(const struct out *o)
{
	if (!o->batch || !o->batch->len)
		return;
	fwrite(o->batch->s, 1, o->batch->len, o->f);
	sb_reset(o->batch);
}

static void emit(const struct out *o, const struct strbuf *sb)
{
	out_write(o, sb->s, sb->len);
}

int64_t out_sdiv(int64_t v, int64_t d)
{
	if (d == -1)
		return (int64_t)(0 - (uint64_t)v);
	return d ? v / d : 0;
}

int64_t out_avg(const struct out_entry *e)
{
	return out_sdiv(e->total, e->count);
}

void out_attached(const struct out *o, int nprobes)
{
	struct strbuf sb = { 0 };
	int err;
	if (o->json)
		err = sb_printf(&sb, "{\"type\": \"attached_probes\", \"data\": "
				     "{\"probes\": %d}}\n", nprobes);
	else
		err = sb_printf(&sb, "Attaching %d probe%s...\n", nprobes, nprobes == 1 ? "" : "s");
	if (!err)
		emit(o, &sb);
	sb_free(&sb);
}

/* Writes text as is, or as a JSON message {"type": type, "data": "text"}. */
void out_message(const struct out *o, const char *type, const struct strbuf *text)
{
	if (!o->json) {
		emit(o, text);
		return;
	}
	struct strbuf sb = { 0 };
	if (!sb_printf(&sb, "{\"type\": \"%s\", \"data\": \"", type) &&
	    !out_json_escape(&sb, sb_str(text), text->len) && !sb_append(&sb, "\"}\n"))
		emit(o, &sb);
	sb_free(&sb);
}

void out_printf(const struct out *o, const struct pd_fmt *fmt, const uint8_t *payload,
		size_t size)
{
	struct strbuf sb = { 0 };
	if (!out_format_printf(&sb, o, fmt->fmt ? fmt->fmt : "", &fmt->args, payload, size))
		out_message(o, "printf", &sb);
	sb_free(&sb);
}

void out_printf_compiled(const struct out *o, const struct out_pfmt *f, const uint8_t *payload,
			 size_t size)
{
	if (!o->json && o->batch) {
		/* the hot path: straight into the batch, no copy */
		size_t mark = o->batch->len;
		if (out_pfmt_format(o->batch, o, f, payload, size)) {
			o->batch->len = mark;
			if (o->batch->s)
				o->batch->s[mark] = '\0';
		}
		return;
	}
	struct strbuf sb = { 0 };
	if (!out_pfmt_format(&sb, o, f, payload, size))
		out_message(o, "printf", &sb);
	sb_free(&sb);
}

void out_print_value(const struct out *o, const struct pd_type *t, const uint8_t *p)
{
	struct strbuf sb = { 0 };
	int err = sb_append(&sb, o->json ? "{\"type\": \"value\", \"data\": " : "");
	err |= out_value_str(&sb, o, t, p, o->json);
	err |= sb_append(&sb, o->json ? "}\n" : "\n");
	if (!err)
		emit(o, &sb);
	sb_free(&sb);
}

void out_time(const struct out *o, const char *fmt)
{
	struct strbuf sb = { 0 };
	struct timespec now = { .tv_sec = (time_t)o->fixed_now };
	if (!o->fixed_now)
		clock_gettime(CLOCK_REALTIME, &now);
	if (!out_strftime(&sb, fmt ? fmt : "%H:%M:%S\n", (int64_t)now.tv_sec,
			  (uint32_t)(now.tv_nsec / 1000)))
		out_message(o, "time", &sb);
	sb_free(&sb);
}

void out_lost(const struct out *o, uint64_t lost)
{
	struct strbuf sb = { 0 };
	int err;
	if (o->json)
		err = sb_printf(&sb, "{\"type\": \"lost_events\", \"data\": {\"events\": %llu}}\n",
				(unsigned long long)lost);
	else
		err = sb_printf(&sb, "Lost %llu events\n", (unsigned long long)lost);
	if (!err)
		emit(o, &sb);
	sb_free(&sb);
}

/* Key order as bpftrace's sort_by_key: field by field, integers as unsigned, strings
 * with strncmp, other kinds unordered; then the raw bytes so the order is total. */
static int key_cmp(const void *a, const void *b, void *arg)
{
	const struct pd_map *m = arg;
	const struct out_entry *x = a, *y = b;
	for (int i = 0; i < m->key.fields.len; i++) {
		const struct pd_type *f = &m->key.fields.v[i];
		const uint8_t *px = x->key + f->offset, *py = y->key + f->offset;
		if (pd_kinds[f->kind].flags & PD_KF_NUMBER) {
			uint64_t vx = (uint64_t)rt_read_int(px, f->size, false);
			uint64_t vy = (uint64_t)rt_read_int(py, f->size, false);
			if (vx != vy)
				return vx < vy ? -1 : 1;
		} else if (f->kind == PD_STR) {
			int c = strncmp((const char *)px, (const char *)py, f->size);
			if (c)
				return c;
		}
	}
	uint32_t ks = m->kind == PD_MAP_HIST || m->kind == PD_MAP_LHIST ? m->bucket_off :
									  m->key.size;
	return ks ? memcmp(x->key, y->key, ks) : 0;
}

/* Raw key bytes: the order of bpftrace's std::map for hist and stats maps. */
static int key_bytes_cmp(const void *a, const void *b, void *arg)
{
	const struct pd_map *m = arg;
	const struct out_entry *x = a, *y = b;
	uint32_t ks = m->kind == PD_MAP_HIST || m->kind == PD_MAP_LHIST ? m->bucket_off :
									  m->key.size;
	return ks ? memcmp(x->key, y->key, ks) : 0;
}

struct rank_order {
	const struct pd_map *m;
	const struct out_entry *e;
	int (*key_cmp)(const void *a, const void *b, void *m);
};

/* Records whose value and first key field are equal: by the whole key. */
static int tie_cmp(const void *a, const void *b, void *arg)
{
	const struct radix_rec *x = a, *y = b;
	const struct rank_order *r = arg;
	return r->key_cmp(&r->e[x->tag], &r->e[y->tag], (void *)r->m);
}

/* The value an entry is sorted by, or false when the map sorts by key. */
static bool sort_value(const struct pd_map *m, const struct out_entry *e, int64_t *v,
		       bool *is_unsigned)
{
	*is_unsigned = !(pd_kinds[m->value.kind].flags & PD_KF_SIGNED);
	switch (m->kind) {
	case PD_MAP_COUNT:
		*is_unsigned = true;
		/* fallthrough */
	case PD_MAP_SUM:
	case PD_MAP_MIN:
	case PD_MAP_MAX:
		*v = e->num;
		return true;
	case PD_MAP_AVG:
	case PD_MAP_STATS:
		*is_unsigned = false;
		*v = out_avg(e);
		return true;
	case PD_MAP_HIST:
	case PD_MAP_LHIST: {
		*is_unsigned = true;
		uint64_t total = 0; /* u64 counts: wrapping, not signed overflow */
		for (uint32_t i = 0; i < e->nbuckets; i++)
			total += e->buckets[i];
		*v = (int64_t)total;
		return true;
	}
	case PD_MAP_VALUE:
		if (!(pd_kinds[m->value.kind].flags & PD_KF_NUMBER))
			return false;
		*v = rt_read_int(e->value, m->value.size, !*is_unsigned);
		return true;
	}
	return false;
}

/* bpftrace's order: by key (hist, lhist, avg and stats maps by the raw key bytes, others
 * field by field), then stably by value where the map has one. One sort does both: a radix
 * sort by the value and the first key field, then the runs equal in both by the key. */
void out_sort_entries(const struct pd_map *m, struct out_entry *e, int n)
{
	if (n < 2)
		return;
	bool by_bytes = m->kind == PD_MAP_HIST || m->kind == PD_MAP_LHIST ||
			m->kind == PD_MAP_AVG || m->kind == PD_MAP_STATS;
	struct rank_order order = { m, e, by_bytes ? key_bytes_cmp : key_cmp };
	const struct pd_type *k0 = m->key.fields.len ? &m->key.fields.v[0] : NULL;
	bool by_k0 = !by_bytes && k0 && pd_kinds[k0->kind].flags & PD_KF_NUMBER;
	struct radix_rec *r = malloc((size_t)n * 2 * sizeof(*r));
	struct out_entry *copy = malloc((size_t)n * sizeof(*copy));
	if (!r || !copy) {
		free(r);
		free(copy);
		qsort_r(e, (size_t)n, sizeof(*e), order.key_cmp, (void *)m);
		return; /* key order is still a sensible listing */
	}
	/* by the value (its sign bit flipped when signed, so that the unsigned order is the
	 * signed one), the first key field when it is a number, then the whole key */
	for (int i = 0; i < n; i++) {
		int64_t v = 0;
		bool is_unsigned = true;
		if (!sort_value(m, &e[i], &v, &is_unsigned))
			v = 0;
		r[i].hi = (uint64_t)v ^ (is_unsigned ? 0 : UINT64_C(1) << 63);
		r[i].lo = by_k0 ? (uint64_t)rt_read_int(e[i].key + k0->offset, k0->size, false) : 0;
		r[i].tag = (uint64_t)i;
	}
	radix_sort(r, r + n, (size_t)n);
	for (int i = 0, j; i < n; i = j) {
		for (j = i + 1; j < n && r[j].hi == r[i].hi && r[j].lo == r[i].lo; j++)
			;
		if (j - i > 1)
			qsort_r(r + i, (size_t)(j - i), sizeof(*r), tie_cmp, &order);
	}
	memcpy(copy, e, (size_t)n * sizeof(*copy));
	for (int i = 0; i < n; i++)
		e[i] = copy[r[i].tag];
	free(copy);
	free(r);
}

int out_print_map(const struct out *o, const struct pd_map *m, struct out_entry *e, int n,
		  uint64_t top, uint64_t div)
{
	out_sort_entries(m, e, n);
	/* bpftrace 0.17 prints every entry of a stats() map whatever the top */
	if (top && (uint64_t)n > top && m->kind != PD_MAP_STATS) {
		e += n - (int)top;
		n = (int)top;
	}
	if (!div)
		div = 1;
	struct strbuf sb = { 0 };
	int err = o->json ? out_json_map(&sb, o, m, e, n, div) : out_text_map(&sb, o, m, e, n, div);
	if (!err)
		emit(o, &sb);
	sb_free(&sb);
	return err;
}

bool out_hist_range(const struct pd_map *m, const struct out_entry *e, uint32_t *first,
		    uint32_t *last)
{
	bool any = false;
	for (uint32_t i = 0; i < e->nbuckets; i++) {
		if (!e->buckets[i])
			continue;
		if (!any)
			*first = i;
		*last = i;
		any = true;
	}
	return any;
}
