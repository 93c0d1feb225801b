/* The program description's byte form, described once: a table of fields per struct
 * (offset, how it is coded, which table its elements use) drives both the writer and the
 * reader, so the two cannot disagree. The reader checks every length and enumerator and
 * copies strings into the new pd's arena. */
#include "progdesc_blob.h"

#include <stddef.h>
#include <string.h>

#include "blob.h"
#include "progdesc.h"

/* A field added to one of these structs needs its row below: these sizes say so at build
 * time (a field that fits in padding does not change them; the round-trip unit test in
 * tests/unit/test_cache.c compares every field). */
_Static_assert(sizeof(struct pd_type) == 80, "struct pd_type changed: update type_fields");
_Static_assert(sizeof(struct pd_map) == 232, "struct pd_map changed: update map_fields");
_Static_assert(sizeof(struct pd_fmt) == 96, "struct pd_fmt changed: update fmt_fields");
_Static_assert(sizeof(struct pd_probe) == 120, "struct pd_probe changed: update probe_fields");
_Static_assert(sizeof(struct pd_stackmap) == 24, "struct pd_stackmap changed");
_Static_assert(sizeof(struct pd_prog) == 96, "struct pd_prog changed: update prog_fields");

enum fcode {
	F_U8, /* uint8_t */
	F_BOOL, /* bool */
	F_U32, /* uint32_t, or an enum whose last enumerator is max */
	F_INT, /* int */
	F_U64, /* uint64_t */
	F_I64, /* int64_t */
	F_STR, /* const char *, NULL kept */
	F_STRUCT, /* a struct in place, coded by sub */
	F_VEC, /* VEC(T) of sub's struct */
};

struct sdesc;

struct field {
	enum fcode code;
	size_t off;
	uint64_t max; /* F_U32: the largest value read back (an enum's last enumerator) */
	const struct sdesc *sub;
};

struct sdesc {
	size_t size;
	const struct field *fields;
	size_t nfields;
};

/* Every VEC(T) has this layout. */
struct anyvec {
	void *v;
	int len;
	int cap;
};

#define FIELD(code, s, f) { code, offsetof(struct s, f), UINT32_MAX, NULL }
#define ENUM(s, f, last) { F_U32, offsetof(struct s, f), last, NULL }
#define SUB(code, s, f, d) { code, offsetof(struct s, f), 0, &d }
#define DESC(s, rows) { sizeof(struct s), rows, sizeof(rows) / sizeof(rows[0]) }

static const struct field loc_fields[] = {
	FIELD(F_INT, src_loc, first_line),
	FIELD(F_INT, src_loc, first_col),
	FIELD(F_INT, src_loc, last_line),
	FIELD(F_INT, src_loc, last_col),
};
static const struct sdesc loc_desc = DESC(src_loc, loc_fields);

static const struct sdesc type_desc;
static const struct field type_fields[] = {
	ENUM(pd_type, kind, PD_KIND__COUNT - 1),
	FIELD(F_U32, pd_type, size),
	FIELD(F_U32, pd_type, offset),
	FIELD(F_STR, pd_type, name),
	FIELD(F_STR, pd_type, fmt),
	FIELD(F_U32, pd_type, count),
	ENUM(pd_type, stack_mode, PD_STACK_RAW),
	FIELD(F_INT, pd_type, stack_map),
	FIELD(F_I64, pd_type, value),
	FIELD(F_U8, pd_type, bit_off),
	FIELD(F_U8, pd_type, bit_size),
	SUB(F_VEC, pd_type, fields, type_desc),
};
static const struct sdesc type_desc = DESC(pd_type, type_fields);

static const struct field map_fields[] = {
	FIELD(F_STR, pd_map, name),
	FIELD(F_STR, pd_map, sym),
	ENUM(pd_map, kind, PD_MAP_LHIST),
	SUB(F_STRUCT, pd_map, key, type_desc),
	SUB(F_STRUCT, pd_map, value, type_desc),
	FIELD(F_U32, pd_map, key_size),
	FIELD(F_U32, pd_map, value_size),
	FIELD(F_U32, pd_map, bucket_off),
	FIELD(F_I64, pd_map, lhist_min),
	FIELD(F_I64, pd_map, lhist_max),
	FIELD(F_I64, pd_map, lhist_step),
	FIELD(F_U32, pd_map, max_entries),
	FIELD(F_BOOL, pd_map, is_scalar),
};
static const struct sdesc map_desc = DESC(pd_map, map_fields);

static const struct field fmt_fields[] = {
	ENUM(pd_fmt, kind, PD_FMT_VALUE),
	FIELD(F_STR, pd_fmt, fmt),
	SUB(F_STRUCT, pd_fmt, args, type_desc),
};
static const struct sdesc fmt_desc = DESC(pd_fmt, fmt_fields);

static const struct field probe_fields[] = {
	ENUM(pd_probe, kind, PD_PROBE__COUNT - 1),
	FIELD(F_STR, pd_probe, name),
	FIELD(F_STR, pd_probe, prog_name),
	FIELD(F_STR, pd_probe, target),
	FIELD(F_STR, pd_probe, func),
	FIELD(F_U64, pd_probe, offset),
	FIELD(F_U64, pd_probe, ref_ctr_off),
	FIELD(F_U64, pd_probe, addr),
	FIELD(F_U32, pd_probe, len),
	FIELD(F_U32, pd_probe, mode),
	FIELD(F_U64, pd_probe, perf_config),
	FIELD(F_U64, pd_probe, period),
	FIELD(F_U64, pd_probe, freq_hz),
	SUB(F_STRUCT, pd_probe, loc, loc_desc),
	FIELD(F_BOOL, pd_probe, multi),
};
static const struct sdesc probe_desc = DESC(pd_probe, probe_fields);

static const struct field stackmap_fields[] = {
	FIELD(F_STR, pd_stackmap, sym),
	FIELD(F_BOOL, pd_stackmap, user),
	FIELD(F_U32, pd_stackmap, depth),
	FIELD(F_U32, pd_stackmap, max_entries),
};
static const struct sdesc stackmap_desc = DESC(pd_stackmap, stackmap_fields);

static const struct field prog_fields[] = {
	SUB(F_VEC, pd_prog, maps, map_desc),
	SUB(F_VEC, pd_prog, fmts, fmt_desc),
	SUB(F_VEC, pd_prog, probes, probe_desc),
	SUB(F_VEC, pd_prog, stackmaps, stackmap_desc),
	FIELD(F_U32, pd_prog, ringbuf_size),
	FIELD(F_U32, pd_prog, strlen),
	ENUM(pd_prog, missing_probes, PD_MISSING_IGNORE),
	FIELD(F_U32, pd_prog, names_size),
};
static const struct sdesc prog_desc = DESC(pd_prog, prog_fields);

/* Nested types deeper than this are not a program bpfscope wrote. */
#define MAX_DEPTH 1000

static void write_struct(struct blob_w *w, const struct sdesc *d, const void *s);

static void write_field(struct blob_w *w, const struct field *f, const char *p)
{
	switch (f->code) {
	case F_U8:
		blob_put_u64(w, *(const uint8_t *)p);
		break;
	case F_BOOL:
		blob_put_u64(w, *(const bool *)p);
		break;
	case F_U32:
		blob_put_u64(w, *(const uint32_t *)p);
		break;
	case F_INT:
		blob_put_i64(w, *(const int *)p);
		break;
	case F_U64:
		blob_put_u64(w, *(const uint64_t *)p);
		break;
	case F_I64:
		blob_put_i64(w, *(const int64_t *)p);
		break;
	case F_STR:
		blob_put_str(w, *(const char *const *)p);
		break;
	case F_STRUCT:
		write_struct(w, f->sub, p);
		break;
	case F_VEC: {
		const struct anyvec *v = (const void *)p;
		blob_put_u64(w, (uint64_t)v->len);
		for (int i = 0; i < v->len; i++)
			write_struct(w, f->sub, (const char *)v->v + (size_t)i * f->sub->size);
		break;
	}
	}
}

static void write_struct(struct blob_w *w, const struct sdesc *d, const void *s)
{
	for (size_t i = 0; i < d->nfields; i++)
		write_field(w, &d->fields[i], (const char *)s + d->fields[i].off);
}

void cache_pd_write(struct blob_w *w, const struct pd_prog *pd)
{
	write_struct(w, &prog_desc, pd);
}

struct reader {
	struct blob_r *r;
	struct arena *a;
	int depth;
	bool oom;
};

static void read_struct(struct reader *rd, const struct sdesc *d, void *s);

static void read_vec(struct reader *rd, const struct sdesc *d, struct anyvec *v)
{
	/* every element takes at least one byte: a count beyond what is left is corrupt */
	uint64_t n = blob_get_max(rd->r, (uint64_t)(rd->r->end - rd->r->p));
	if (n == 0 || rd->r->bad)
		return;
	if (++rd->depth > MAX_DEPTH) {
		rd->r->bad = true;
		return;
	}
	v->v = arena_alloc(rd->a, (size_t)n * d->size);
	if (!v->v) {
		rd->oom = true;
		return;
	}
	v->len = v->cap = (int)n;
	for (uint64_t i = 0; i < n && !rd->r->bad && !rd->oom; i++)
		read_struct(rd, d, (char *)v->v + i * d->size);
	rd->depth--;
}

static void read_str(struct reader *rd, const char **out)
{
	const char *s;
	size_t n;
	if (!blob_get_str(rd->r, &s, &n) || !s)
		return;
	*out = arena_strndup(rd->a, s, n);
	rd->oom |= !*out;
}

static void read_field(struct reader *rd, const struct field *f, char *p)
{
	struct blob_r *r = rd->r;
	switch (f->code) {
	case F_U8:
		*(uint8_t *)p = (uint8_t)blob_get_max(r, UINT8_MAX);
		break;
	case F_BOOL:
		*(bool *)p = blob_get_max(r, 1);
		break;
	case F_U32:
		*(uint32_t *)p = (uint32_t)blob_get_max(r, f->max);
		break;
	case F_INT: {
		int64_t v = blob_get_i64(r);
		r->bad |= v < INT32_MIN || v > INT32_MAX;
		*(int *)p = (int)v;
		break;
	}
	case F_U64:
		*(uint64_t *)p = blob_get_u64(r);
		break;
	case F_I64:
		*(int64_t *)p = blob_get_i64(r);
		break;
	case F_STR:
		read_str(rd, (const char **)p);
		break;
	case F_STRUCT:
		read_struct(rd, f->sub, p);
		break;
	case F_VEC:
		read_vec(rd, f->sub, (struct anyvec *)p);
		break;
	}
}

static void read_struct(struct reader *rd, const struct sdesc *d, void *s)
{
	for (size_t i = 0; i < d->nfields && !rd->r->bad && !rd->oom; i++)
		read_field(rd, &d->fields[i], (char *)s + d->fields[i].off);
}

struct pd_prog *cache_pd_read(struct blob_r *r)
{
	struct pd_prog *pd = pd_new();
	if (!pd)
		return NULL;
	struct reader rd = { .r = r, .a = &pd->arena };
	read_struct(&rd, &prog_desc, pd);
	if (r->bad || rd.oom) {
		pd_free(pd);
		return NULL;
	}
	return pd;
}
