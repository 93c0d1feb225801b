/* The program description's byte form. An entry is only ever read by the very build
 * that wrote it (bpfscope's build id is in the key), so each struct is stored as its own
 * bytes, scalars and all; what cannot travel as bytes are its pointers, and one table per
 * struct lists those (strings, vectors, structs in place that hold some). One walker
 * writes and one reads from the same tables; the reader checks every length and copies
 * strings and vectors into the new pd's arena. A scalar field added to a struct needs
 * nothing here. */
#include "progdesc_blob.h"

#include <stddef.h>
#include <string.h>

#include "blob.h"
#include "progdesc.h"

/* A pointer added to one of these structs needs its row below, or it would be written as
 * an address: these sizes fail the build as a reminder (a new scalar only needs the size
 * updated). */
_Static_assert(sizeof(struct pd_type) == 80, "struct pd_type changed: see type_ptrs");
_Static_assert(sizeof(struct pd_map) == 232, "struct pd_map changed: see map_ptrs");
_Static_assert(sizeof(struct pd_fmt) == 96, "struct pd_fmt changed: see fmt_ptrs");
_Static_assert(sizeof(struct pd_probe) == 128, "struct pd_probe changed: see probe_ptrs");
_Static_assert(sizeof(struct pd_stackmap) == 24, "struct pd_stackmap changed: see stackmap_ptrs");
_Static_assert(sizeof(struct pd_prog) == 104, "struct pd_prog changed: see prog_ptrs");

enum pcode {
	P_STR, /* const char *, NULL kept */
	P_STRUCT, /* a struct in place whose own pointers sub lists */
	P_VEC, /* VEC(T) of sub's struct */
};

struct sdesc;

struct ptr_field {
	enum pcode code;
	size_t off;
	const struct sdesc *sub;
};

struct sdesc {
	size_t size;
	const struct ptr_field *ptrs;
	size_t nptrs;
};

/* Every VEC(T) has this layout. */
struct anyvec {
	void *v;
	int len;
	int cap;
};

#define STR(s, f) { P_STR, offsetof(struct s, f), NULL }
#define SUB(code, s, f, d) { code, offsetof(struct s, f), &d }
#define DESC(s, rows) { sizeof(struct s), rows, sizeof(rows) / sizeof(rows[0]) }

static const struct sdesc type_desc;
static const struct ptr_field type_ptrs[] = {
	STR(pd_type, name),
	STR(pd_type, fmt),
	SUB(P_VEC, pd_type, fields, type_desc),
};
static const struct sdesc type_desc = DESC(pd_type, type_ptrs);

static const struct ptr_field map_ptrs[] = {
	STR(pd_map, name),
	STR(pd_map, sym),
	SUB(P_STRUCT, pd_map, key, type_desc),
	SUB(P_STRUCT, pd_map, value, type_desc),
};
static const struct sdesc map_desc = DESC(pd_map, map_ptrs);

static const struct ptr_field fmt_ptrs[] = {
	STR(pd_fmt, fmt),
	SUB(P_STRUCT, pd_fmt, args, type_desc),
};
static const struct sdesc fmt_desc = DESC(pd_fmt, fmt_ptrs);

static const struct ptr_field probe_ptrs[] = {
	STR(pd_probe, name),
	STR(pd_probe, prog_name),
	STR(pd_probe, target),
	STR(pd_probe, func),
};
static const struct sdesc probe_desc = DESC(pd_probe, probe_ptrs);

static const struct ptr_field stackmap_ptrs[] = {
	STR(pd_stackmap, sym),
};
static const struct sdesc stackmap_desc = DESC(pd_stackmap, stackmap_ptrs);

/* pd_prog's bytes include its arena's head: replaced by the new pd's own on reading. */
static const struct ptr_field prog_ptrs[] = {
	SUB(P_VEC, pd_prog, maps, map_desc),
	SUB(P_VEC, pd_prog, fmts, fmt_desc),
	SUB(P_VEC, pd_prog, probes, probe_desc),
	SUB(P_VEC, pd_prog, stackmaps, stackmap_desc),
};
static const struct sdesc prog_desc = DESC(pd_prog, prog_ptrs);

/* Nested types deeper than this are not a program bpfscope wrote. */
#define MAX_DEPTH 1000

static void write_ptrs(struct blob_w *w, const struct sdesc *d, const char *s)
{
	for (size_t i = 0; i < d->nptrs; i++) {
		const struct ptr_field *f = &d->ptrs[i];
		const char *p = s + f->off;
		switch (f->code) {
		case P_STR:
			blob_put_str(w, *(const char *const *)p);
			break;
		case P_STRUCT:
			write_ptrs(w, f->sub, p);
			break;
		case P_VEC: {
			const struct anyvec *v = (const void *)p;
			const char *e = v->v;
			blob_put_u64(w, (uint64_t)v->len);
			for (int j = 0; j < v->len; j++, e += f->sub->size) {
				blob_put_bytes(w, e, f->sub->size);
				write_ptrs(w, f->sub, e);
			}
			break;
		}
		}
	}
}

void cache_pd_write(struct blob_w *w, const struct pd_prog *pd)
{
	blob_put_bytes(w, pd, sizeof(*pd));
	write_ptrs(w, &prog_desc, (const char *)pd);
}

struct reader {
	struct blob_r *r;
	struct arena *a;
	int depth;
	bool oom;
};

static void read_ptrs(struct reader *rd, const struct sdesc *d, char *s);

static void read_vec(struct reader *rd, const struct sdesc *d, struct anyvec *v)
{
	/* every element takes its size in bytes: a count beyond what is left is corrupt */
	uint64_t n = blob_get_max(rd->r, (uint64_t)(rd->r->end - rd->r->p) / d->size);
	memset(v, 0, sizeof(*v));
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
	char *e = v->v;
	for (uint64_t i = 0; i < n && !rd->r->bad && !rd->oom; i++, e += d->size) {
		const void *raw = blob_get_bytes(rd->r, d->size);
		if (raw) {
			memcpy(e, raw, d->size);
			read_ptrs(rd, d, e);
		}
	}
	rd->depth--;
}

static void read_str(struct reader *rd, const char **out)
{
	const char *s;
	size_t n;
	*out = NULL;
	if (!blob_get_str(rd->r, &s, &n) || !s)
		return;
	*out = arena_strndup(rd->a, s, n);
	rd->oom |= !*out;
}

/* Replaces the pointers in s (copied as bytes) with what follows in the blob. */
static void read_ptrs(struct reader *rd, const struct sdesc *d, char *s)
{
	/* on failure the whole pd is dropped (pd_free follows no pointer): stop there */
	for (size_t i = 0; i < d->nptrs && !rd->r->bad && !rd->oom; i++) {
		const struct ptr_field *f = &d->ptrs[i];
		char *p = s + f->off;
		switch (f->code) {
		case P_STR:
			read_str(rd, (const char **)p);
			break;
		case P_STRUCT:
			read_ptrs(rd, f->sub, p);
			break;
		case P_VEC:
			read_vec(rd, f->sub, (struct anyvec *)p);
			break;
		}
	}
}

struct pd_prog *cache_pd_read(struct blob_r *r)
{
	const void *raw = blob_get_bytes(r, sizeof(struct pd_prog));
	struct pd_prog *pd = raw ? pd_new() : NULL;
	if (!pd)
		return NULL;
	memcpy(pd, raw, sizeof(*pd));
	memset(&pd->arena, 0, sizeof(pd->arena));
	struct reader rd = { .r = r, .a = &pd->arena };
	read_ptrs(&rd, &prog_desc, (char *)pd);
	if (r->bad || rd.oom) {
		pd_free(pd);
		return NULL;
	}
	return pd;
}
