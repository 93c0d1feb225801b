/* The type system's constructors, predicates and names (src/sema/types.h). Scalars are
 * shared static instances; everything else lives in the caller's arena. */
#include "types.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "../util/arena.h"

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
	return t && t->kind >= TY_COUNT && t->kind <= TY_LHIST;
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
	switch (a->kind) {
	case TY_ERROR:
	case TY_NONE:
	case TY_COUNT:
	case TY_CTX:
	case TY_KSYM:
	case TY_USYM:
	case TY_TIMESTAMP:
		return true;
	case TY_KSTACK:
	case TY_USTACK:
		return a->stack_mode == b->stack_mode && a->stack_map == b->stack_map;
	case TY_STR:
		return true;
	case TY_INT:
	case TY_SUM:
	case TY_MIN:
	case TY_MAX:
	case TY_AVG:
	case TY_STATS:
	case TY_HIST:
		return a->size == b->size && a->is_signed == b->is_signed;
	case TY_LHIST:
		return a->lhist_min == b->lhist_min && a->lhist_max == b->lhist_max &&
		       a->lhist_step == b->lhist_step;
	case TY_PTR:
		return ty_equal(a->elem, b->elem);
	case TY_ARRAY:
		return a->nelem == b->nelem && ty_equal(a->elem, b->elem);
	case TY_RECORD:
		if (a->btf_id || b->btf_id)
			return a->btf_id == b->btf_id;
		return a->name && b->name && strcmp(a->name, b->name) == 0;
	case TY_TUPLE:
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

/* Names of the kinds whose name does not depend on their contents. */
static const char *const kind_names[] = {
	[TY_ERROR] = "error",	    [TY_NONE] = "none",	      [TY_CTX] = "ctx",
	[TY_COUNT] = "count()",	    [TY_SUM] = "sum()",	      [TY_MIN] = "min()",
	[TY_MAX] = "max()",	    [TY_AVG] = "avg()",	      [TY_STATS] = "stats()",
	[TY_HIST] = "hist()",	    [TY_LHIST] = "lhist()",   [TY_TIMESTAMP] = "timestamp",
	[TY_KSTACK] = "kstack",	    [TY_USTACK] = "ustack",   [TY_KSYM] = "ksym",
	[TY_USYM] = "usym",
};

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
	} else if ((size_t)t->kind < sizeof(kind_names) / sizeof(kind_names[0]) &&
		   kind_names[t->kind]) {
		snprintf(buf, (size_t)len, "%s", kind_names[t->kind]);
	}
	return buf;
}
