/* The type system's constructors, predicates and names (src/sema/types.h). Scalars are
 * shared static instances; everything else lives in the caller's arena. */
#include "types.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../util/arena.h"

#define PD1(k) { k, k }
#define AGG(nm, mk, shape) { nm, PD1(PD_NONE), 0, mk, TY_COMPAT_KIND, TY_STORE_NONE, shape, TY_F_AGG }
/* User-space-rendered values: stored as they are, shared only by equal types. */
#define RENDERED(nm, pk, size, fl) \
	{ nm, PD1(pk), size, PD_MAP_VALUE, TY_COMPAT_EQUAL, TY_STORE_AS_IS, TY_SHAPE_KIND, fl }

const struct ty_kind_desc ty_kinds[TY_KIND__COUNT] = {
	[TY_ERROR] = { "error", PD1(PD_NONE), 0, PD_MAP_VALUE, TY_COMPAT_KIND, TY_STORE_NONE,
		       TY_SHAPE_KIND, 0 },
	[TY_NONE] = { "none", PD1(PD_NONE), 0, PD_MAP_VALUE, TY_COMPAT_KIND, TY_STORE_NONE,
		      TY_SHAPE_KIND, 0 },
	[TY_INT] = { NULL, { PD_UINT, PD_INT }, 0, PD_MAP_VALUE, TY_COMPAT_KIND, TY_STORE_WIDEN,
		     TY_SHAPE_SCALAR, 0 },
	[TY_STR] = { NULL, PD1(PD_STR), 0, PD_MAP_VALUE, TY_COMPAT_KIND, TY_STORE_STRLEN,
		     TY_SHAPE_KIND, 0 },
	[TY_PTR] = { NULL, PD1(PD_PTR), 8, PD_MAP_VALUE, TY_COMPAT_KIND, TY_STORE_AS_IS,
		     TY_SHAPE_ELEM, 0 },
	[TY_RECORD] = { NULL, PD1(PD_RECORD), 0, PD_MAP_VALUE, TY_COMPAT_KIND, TY_STORE_AS_IS,
			TY_SHAPE_RECORD, TY_F_MEMORY },
	[TY_ARRAY] = { NULL, PD1(PD_ARRAY), 0, PD_MAP_VALUE, TY_COMPAT_KIND, TY_STORE_AS_IS,
		       TY_SHAPE_ARRAY, TY_F_MEMORY },
	[TY_TUPLE] = { NULL, PD1(PD_TUPLE), 0, PD_MAP_VALUE, TY_COMPAT_ELEMS, TY_STORE_ELEMS,
		       TY_SHAPE_FIELDS, 0 },
	[TY_CTX] = { "ctx", PD1(PD_NONE), 0, PD_MAP_VALUE, TY_COMPAT_KIND, TY_STORE_NONE,
		     TY_SHAPE_KIND, 0 },
	[TY_COUNT] = AGG("count()", PD_MAP_COUNT, TY_SHAPE_KIND),
	[TY_SUM] = AGG("sum()", PD_MAP_SUM, TY_SHAPE_SCALAR),
	[TY_MIN] = AGG("min()", PD_MAP_MIN, TY_SHAPE_SCALAR),
	[TY_MAX] = AGG("max()", PD_MAP_MAX, TY_SHAPE_SCALAR),
	[TY_AVG] = AGG("avg()", PD_MAP_AVG, TY_SHAPE_SCALAR),
	[TY_STATS] = AGG("stats()", PD_MAP_STATS, TY_SHAPE_SCALAR),
	[TY_HIST] = AGG("hist()", PD_MAP_HIST, TY_SHAPE_SCALAR),
	[TY_LHIST] = { "lhist()", PD1(PD_NONE), 0, PD_MAP_LHIST, TY_COMPAT_EQUAL, TY_STORE_NONE,
		       TY_SHAPE_LHIST, TY_F_AGG },
	[TY_TIMESTAMP] = RENDERED("timestamp", PD_TIMESTAMP, 8, TY_F_FMT),
	/* a stack id, and for ustack the pid (16 bytes copied as they are) */
	[TY_KSTACK] = { "kstack", PD1(PD_KSTACK), 8, PD_MAP_VALUE, TY_COMPAT_EQUAL,
			TY_STORE_AS_IS, TY_SHAPE_STACK, 0 },
	[TY_USTACK] = { "ustack", PD1(PD_USTACK), 16, PD_MAP_VALUE, TY_COMPAT_EQUAL,
			TY_STORE_AS_IS, TY_SHAPE_STACK, TY_F_MEMORY },
	[TY_KSYM] = RENDERED("ksym", PD_KSYM, 8, 0),
	[TY_USYM] = RENDERED("usym", PD_USYM, 16, TY_F_MEMORY),
	[TY_ERRNO] = RENDERED("strerror", PD_ERRNO, 8, 0),
	[TY_MACADDR] = RENDERED("macaddr", PD_MACADDR, 8, 0),
	[TY_INET] = RENDERED("inet", PD_INET, 24, TY_F_MEMORY),
	[TY_CGROUP_PATH] = RENDERED("cgroup_path", PD_CGROUP_PATH, 8, TY_F_FMT),
	[TY_USERNAME] = RENDERED("username", PD_USERNAME, 8, 0),
	[TY_BUF] = RENDERED("buffer", PD_BUF, 0, TY_F_MEMORY),
};

const struct ty_kind_desc *ty_desc(const struct type *t)
{
	return &ty_kinds[t ? t->kind : TY_ERROR];
}

enum pd_kind ty_pd_kind(const struct type *t)
{
	return t && t->enumerators.len ? PD_ENUM : ty_desc(t)->pd[t && t->is_signed];
}

static struct type error_type = { .kind = TY_ERROR };
static struct type none_type = { .kind = TY_NONE };

/* ints[log2(size)][is_signed] */
static struct type int_types[4][2] = {
	{ { .kind = TY_INT, .size = 1, .align = 1 },
	  { .kind = TY_INT, .size = 1, .align = 1, .is_signed = true } },
	{ { .kind = TY_INT, .size = 2, .align = 2 },
	  { .kind = TY_INT, .size = 2, .align = 2, .is_signed = true } },
	{ { .kind = TY_INT, .size = 4, .align = 4 },
	  { .kind = TY_INT, .size = 4, .align = 4, .is_signed = true } },
	{ { .kind = TY_INT, .size = 8, .align = 8 },
	  { .kind = TY_INT, .size = 8, .align = 8, .is_signed = true } },
};

struct type *ty_error(void)
{
	return &error_type;
}

struct type *ty_none(void)
{
	return &none_type;
}

struct type *ty_int(int size, bool is_signed)
{
	int i;

	switch (size) {
	case 1:
		i = 0;
		break;
	case 2:
		i = 1;
		break;
	case 4:
		i = 2;
		break;
	default:
		i = 3;
		break;
	}
	return &int_types[i][is_signed ? 1 : 0];
}

struct type *ty_new(struct arena *a, enum ty_kind kind)
{
	struct type *t = arena_alloc(a, sizeof(*t));
	if (!t)
		return NULL;
	t->kind = kind;
	t->align = 1;
	return t;
}

struct type *ty_enum(struct arena *a, const char *name, int size, bool is_signed)
{
	struct type *t = ty_new(a, TY_INT);
	if (!t)
		return NULL;
	*t = *ty_int(size, is_signed);
	t->name = name;
	return t;
}

struct type *ty_int_resize(struct arena *a, const struct type *t, int size)
{
	if (!t->enumerators.len)
		return ty_int(size, t->is_signed);
	struct type *r = ty_new(a, TY_INT);
	if (!r)
		return NULL;
	*r = *t;
	r->size = r->align = size;
	return r;
}

struct type *ty_str(struct arena *a, int size)
{
	struct type *t = ty_new(a, TY_STR);
	if (!t)
		return NULL;
	t->size = size;
	t->align = 1;
	return t;
}

struct type *ty_ptr(struct arena *a, struct type *elem, bool as_user)
{
	struct type *t = ty_new(a, TY_PTR);
	if (!t)
		return NULL;
	t->size = 8;
	t->align = 8;
	t->elem = elem;
	t->as_user = as_user;
	if (elem && elem->kind == TY_RECORD)
		t->btf_id = elem->btf_id;
	return t;
}

struct type *ty_array(struct arena *a, struct type *elem, int nelem)
{
	struct type *t = ty_new(a, TY_ARRAY);
	if (!t)
		return NULL;
	t->elem = elem;
	t->nelem = nelem;
	t->size = elem ? elem->size * nelem : 0;
	t->align = elem && elem->align > 0 ? elem->align : 1;
	return t;
}

static int round_up(int n, int align)
{
	return align > 1 ? (n + align - 1) / align * align : n;
}

struct type *ty_tuple(struct arena *a, struct type **elems, int n)
{
	struct type *t = ty_new(a, TY_TUPLE);
	if (!t)
		return NULL;
	int off = 0, align = 1;
	for (int i = 0; i < n; i++) {
		int al = elems[i]->align > 0 ? elems[i]->align : 1;
		struct ty_field f = { 0 };
		off = round_up(off, al);
		f.name = arena_sprintf(a, "%d", i);
		f.type = elems[i];
		f.offset = off;
		if (!f.name || vec_push(a, &t->fields, f))
			return NULL;
		off += elems[i]->size;
		if (al > align)
			align = al;
	}
	t->align = align;
	t->size = round_up(off, align);
	return t;
}

int ty_add_fields(struct arena *a, struct type *dst, const struct type *src, int offset)
{
	for (int j = 0; j < src->fields.len; j++) {
		struct ty_field f = src->fields.v[j];
		f.offset += offset;
		if (vec_push(a, &dst->fields, f))
			return -ENOMEM;
	}
	return 0;
}

bool ty_is_integer(const struct type *t)
{
	return t && t->kind == TY_INT;
}

bool ty_is_aggregation(const struct type *t)
{
	return t && ty_desc(t)->flags & TY_F_AGG;
}

bool ty_is_error(const struct type *t)
{
	return !t || t->kind == TY_ERROR;
}

bool ty_equal(const struct type *a, const struct type *b)
{
	if (a == b)
		return true;
	if (!a || !b || a->kind != b->kind)
		return false;
	switch (ty_desc(a)->shape) {
	case TY_SHAPE_KIND:
		return true;
	case TY_SHAPE_SCALAR:
		return a->size == b->size && a->is_signed == b->is_signed;
	case TY_SHAPE_LHIST:
		return a->lhist_min == b->lhist_min && a->lhist_max == b->lhist_max &&
		       a->lhist_step == b->lhist_step;
	case TY_SHAPE_ELEM:
		return ty_equal(a->elem, b->elem);
	case TY_SHAPE_ARRAY:
		return a->nelem == b->nelem && ty_equal(a->elem, b->elem);
	case TY_SHAPE_RECORD:
		if (a->btf_id || b->btf_id)
			return a->btf_id == b->btf_id;
		return a->name && b->name && strcmp(a->name, b->name) == 0;
	case TY_SHAPE_STACK:
		return a->stack_mode == b->stack_mode && a->stack_map == b->stack_map;
	case TY_SHAPE_FIELDS:
		if (a->fields.len != b->fields.len)
			return false;
		for (int i = 0; i < a->fields.len; i++)
			if (!ty_equal(a->fields.v[i].type, b->fields.v[i].type))
				return false;
		return true;
	}
	return false;
}

static int name_tuple(const struct type *t, char *buf, int len)
{
	int n = snprintf(buf, (size_t)len, "(");
	for (int i = 0; i < t->fields.len && n < len; i++) {
		if (i)
			n += snprintf(buf + n, (size_t)(len - n), ", ");
		if (n >= len)
			break;
		ty_name(t->fields.v[i].type, buf + n, len - n);
		n += (int)strlen(buf + n);
	}
	if (n < len)
		snprintf(buf + n, (size_t)(len - n), ")");
	return n;
}

static const char *name_elem(const struct type *t, char *buf, int len, const char *suffix)
{
	char inner[256];
	if (!t->elem || t->elem->kind == TY_NONE)
		snprintf(inner, sizeof(inner), "void");
	else
		ty_name(t->elem, inner, sizeof(inner));
	snprintf(buf, (size_t)len, "%s%s%s", inner,
		 inner[strlen(inner) - 1] == '*' || suffix[0] == '[' ? "" : " ", suffix);
	return buf;
}

const char *ty_name(const struct type *t, char *buf, int len)
{
	if (len <= 0)
		return buf;
	buf[0] = '\0';
	if (!t) {
		snprintf(buf, (size_t)len, "none");
	} else if (t->kind == TY_INT) {
		snprintf(buf, (size_t)len, "%sint%d", t->is_signed ? "" : "u", t->size * 8);
	} else if (t->kind == TY_STR) {
		snprintf(buf, (size_t)len, "string[%d]", t->size);
	} else if (t->kind == TY_PTR) {
		name_elem(t, buf, len, "*");
	} else if (t->kind == TY_RECORD) {
		snprintf(buf, (size_t)len, "%s", t->name ? t->name : "struct (anon)");
	} else if (t->kind == TY_ARRAY) {
		char suffix[24];
		snprintf(suffix, sizeof(suffix), "[%d]", t->nelem);
		name_elem(t, buf, len, suffix);
	} else if (t->kind == TY_TUPLE) {
		name_tuple(t, buf, len);
	} else if (ty_desc(t)->name) {
		snprintf(buf, (size_t)len, "%s", ty_desc(t)->name);
	}
	return buf;
}
