/* Kernel BTF queries for sema: /sys/kernel/btf/vmlinux is loaded once and its types are
 * converted to struct type lazily (a record gets its fields on first need). The one file
 * outside src/runtime that includes <bpf/btf.h>. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>

#include "sema_int.h"

static struct {
	bool tried;
	struct btf *btf;
	struct arena arena; /* converted types: they live as long as the process */
	struct type **cache; /* by BTF id */
	unsigned int ntypes;
	sema_name_list rawtps; /* sorted raw tracepoint names, filled on first need */
	bool rawtps_done;
	sema_name_list funcs; /* sorted kernel function names (BTF_KIND_FUNC) */
	bool funcs_done;
	struct kenum {
		const char *name;
		int64_t value;
		size_t order; /* position in BTF id order: the first of equal names wins */
	} *enums; /* every enumerator, sorted by name, filled on first need */
	size_t nenums;
	bool enums_done;
} kb;

bool kbtf_available(void)
{
	if (!kb.tried) {
		kb.tried = true;
		struct btf *b = btf__load_vmlinux_btf();
		if (b) { /* libbpf 1.x returns NULL (errno set) on failure */
			kb.ntypes = btf__type_cnt(b);
			kb.cache = calloc(kb.ntypes, sizeof(*kb.cache));
			if (kb.cache)
				kb.btf = b;
			else
				btf__free(b);
		}
	}
	return kb.btf != NULL;
}

/* Follows typedefs and qualifiers to the type that gives the layout. */
static __u32 skip_mods(__u32 id)
{
	for (int depth = 0; id && depth < 32; depth++) {
		const struct btf_type *t = btf__type_by_id(kb.btf, id);
		if (!t)
			return 0;
		if (!btf_is_mod(t) && !btf_is_typedef(t) && !btf_is_decl_tag(t))
			return id;
		id = t->type;
	}
	return id;
}

static bool is_char(__u32 id)
{
	const struct btf_type *t = btf__type_by_id(kb.btf, skip_mods(id));
	if (!t || !btf_is_int(t) || t->size != 1)
		return false;
	const char *n = btf__name_by_offset(kb.btf, t->name_off);
	return n && strcmp(n, "char") == 0;
}

static int record_align(int size)
{
	int a = 8;
	while (a > 1 && size % a)
		a /= 2;
	return a;
}

static struct type *conv(__u32 id);

static struct type *conv_record(const struct btf_type *t, __u32 id)
{
	struct type *r = ty_new(&kb.arena, TY_RECORD);
	if (!r)
		return NULL;
	const char *n = btf__name_by_offset(kb.btf, t->name_off);
	const char *kw = btf_is_union(t) ? "union" : "struct";
	r->name = n && n[0] ? arena_sprintf(&kb.arena, "%s %s", kw, n)
			    : arena_sprintf(&kb.arena, "%s (anon)", kw);
	r->size = (int)t->size;
	r->align = record_align(r->size);
	r->btf_id = (int)id;
	return r;
}

/* A forward declaration stands for the full struct of the same name when there is one. */
static struct type *conv_fwd(const struct btf_type *t)
{
	const char *n = btf__name_by_offset(kb.btf, t->name_off);
	int kind = btf_kflag(t) ? BTF_KIND_UNION : BTF_KIND_STRUCT;
	__s32 full = n && n[0] ? btf__find_by_name_kind(kb.btf, n, kind) : -1;
	if (full > 0)
		return conv((__u32)full);
	struct type *r = ty_new(&kb.arena, TY_RECORD);
	if (r)
		r->name = arena_sprintf(&kb.arena, "%s %s", kind == BTF_KIND_UNION ? "union" : "struct",
					n ? n : "(anon)");
	return r;
}

static struct type *conv_array(const struct btf_type *t)
{
	const struct btf_array *arr = btf_array(t);
	if (is_char(arr->type))
		return ty_str(&kb.arena, (int)arr->nelems);
	struct type *elem = conv(arr->type);
	return elem ? ty_array(&kb.arena, elem, (int)arr->nelems) : NULL;
}

/* Enumerator i of an enum or enum64 (kflag: signed values). */
static struct ty_enumerator enumerator_at(const struct btf_type *t, int i)
{
	struct ty_enumerator r;
	if (btf_is_enum(t)) {
		const struct btf_enum *e = btf_enum(t) + i;
		r.name = btf__name_by_offset(kb.btf, e->name_off);
		r.value = btf_kflag(t) ? (int64_t)e->val : (int64_t)(uint32_t)e->val;
	} else {
		const struct btf_enum64 *e = btf_enum64(t) + i;
		r.name = btf__name_by_offset(kb.btf, e->name_off);
		r.value = (int64_t)btf_enum64_value(e);
	}
	return r;
}

/* An enum is its integer, carrying its enumerators so that %s prints their names. */
static struct type *conv_enum(const struct btf_type *t)
{
	struct type *e = ty_enum(&kb.arena, NULL, t->size ? (int)t->size : 4, btf_kflag(t));
	for (int i = 0; e && i < btf_vlen(t); i++)
		if (vec_push(&kb.arena, &e->enumerators, enumerator_at(t, i)))
			return NULL;
	return e;
}

static struct type *conv_kind(const struct btf_type *t, __u32 id)
{
	switch (btf_kind(t)) {
	case BTF_KIND_INT:
		if (t->size != 1 && t->size != 2 && t->size != 4 && t->size != 8)
			return ty_array(&kb.arena, ty_int(1, false), (int)t->size);
		if (is_char(id))
			return ty_int(1, true);
		return ty_int((int)t->size, (btf_int_encoding(t) & BTF_INT_SIGNED) != 0);
	case BTF_KIND_PTR: {
		struct type *elem = t->type ? conv(t->type) : ty_none();
		return elem ? ty_ptr(&kb.arena, elem, false) : NULL;
	}
	case BTF_KIND_ARRAY:
		return conv_array(t);
	case BTF_KIND_STRUCT:
	case BTF_KIND_UNION:
		return conv_record(t, id);
	case BTF_KIND_ENUM:
	case BTF_KIND_ENUM64:
		return conv_enum(t);
	case BTF_KIND_FWD:
		return conv_fwd(t);
	case BTF_KIND_FLOAT:
		return ty_array(&kb.arena, ty_int(1, false), (int)t->size);
	default:
		return ty_none(); /* functions, variables, sections */
	}
}

static struct type *conv(__u32 id)
{
	id = skip_mods(id);
	if (id == 0)
		return ty_none();
	if (id >= kb.ntypes)
		return NULL;
	if (kb.cache[id])
		return kb.cache[id];
	const struct btf_type *t = btf__type_by_id(kb.btf, id);
	if (!t)
		return NULL;
	struct type *ty = conv_kind(t, id);
	kb.cache[id] = ty;
	return ty;
}

static int add_member(struct type *r, const struct btf_type *t, int i)
{
	const struct btf_member *m = btf_members(t) + i;
	const char *n = btf__name_by_offset(kb.btf, m->name_off);
	__u32 bitoff = btf_member_bit_offset(t, (__u32)i);
	struct type *mt = conv(m->type);
	if (!mt)
		return -ENOMEM;
	/* Members of anonymous structs and unions are reachable by name from the parent:
	 * flatten them with their offsets adjusted. */
	if ((!n || !n[0]) && mt->kind == TY_RECORD) {
		int err = kbtf_complete(mt);
		return err ? err : ty_add_fields(&kb.arena, r, mt, (int)(bitoff / 8));
	}
	struct ty_field f = { 0 };
	f.name = n ? n : "";
	f.type = mt;
	f.offset = (int)(bitoff / 8);
	f.bit_size = (int)btf_member_bitfield_size(t, (__u32)i);
	if (f.bit_size)
		f.bit_offset = (int)(bitoff % 8);
	return vec_push(&kb.arena, &r->fields, f);
}

int kbtf_complete(struct type *r)
{
	if (!r || r->kind != TY_RECORD || !r->btf_id || r->fields.len || !kbtf_available())
		return 0;
	const struct btf_type *t = btf__type_by_id(kb.btf, (__u32)r->btf_id);
	if (!t || !btf_is_composite(t))
		return 0;
	for (int i = 0; i < btf_vlen(t); i++) {
		int err = add_member(r, t, i);
		if (err)
			return err;
	}
	return 0;
}

static __s32 find(const char *name, int kind)
{
	return btf__find_by_name_kind(kb.btf, name, (__u32)kind);
}

struct type *kbtf_lookup(const char *name)
{
	if (!name || !kbtf_available())
		return NULL;
	__s32 id = -1;
	if (strncmp(name, "struct ", 7) == 0)
		id = find(name + 7, BTF_KIND_STRUCT);
	else if (strncmp(name, "union ", 6) == 0)
		id = find(name + 6, BTF_KIND_UNION);
	else if (strncmp(name, "enum ", 5) == 0) {
		id = find(name + 5, BTF_KIND_ENUM);
		if (id < 0)
			id = find(name + 5, BTF_KIND_ENUM64);
	} else {
		id = find(name, BTF_KIND_TYPEDEF);
		if (id < 0)
			id = find(name, BTF_KIND_INT);
	}
	return id > 0 ? conv((__u32)id) : NULL;
}

struct type *kbtf_percpu_var(const char *name)
{
	if (!kbtf_available())
		return NULL;
	__s32 var = find(name, BTF_KIND_VAR), sec = find(".data..percpu", BTF_KIND_DATASEC);
	const struct btf_type *s = sec > 0 ? btf__type_by_id(kb.btf, (__u32)sec) : NULL;
	if (var <= 0 || !s)
		return NULL;
	const struct btf_var_secinfo *vi = btf_var_secinfos(s);
	for (int i = 0; i < btf_vlen(s); i++, vi++)
		if (vi->type == (__u32)var)
			return conv(btf__type_by_id(kb.btf, (__u32)var)->type);
	return NULL;
}

/* The function prototype behind raw tracepoint `name` (typedef btf_trace_<name>: a pointer
 * to a prototype whose first parameter is the tracepoint's private data). */
static const struct btf_type *rawtp_proto(const char *name)
{
	char buf[256];
	if (!kbtf_available())
		return NULL;
	snprintf(buf, sizeof(buf), "btf_trace_%s", name);
	__s32 id = find(buf, BTF_KIND_TYPEDEF);
	if (id < 0)
		return NULL;
	const struct btf_type *t = btf__type_by_id(kb.btf, (__u32)id);
	t = t ? btf__type_by_id(kb.btf, t->type) : NULL; /* the pointer */
	t = t && btf_is_ptr(t) ? btf__type_by_id(kb.btf, t->type) : NULL;
	return t && btf_is_func_proto(t) ? t : NULL;
}

/* The prototype of kernel function `name` (BTF_KIND_FUNC). */
static const struct btf_type *func_proto(const char *name)
{
	if (!kbtf_available())
		return NULL;
	__s32 id = find(name, BTF_KIND_FUNC);
	const struct btf_type *t = id > 0 ? btf__type_by_id(kb.btf, (__u32)id) : NULL;
	t = t ? btf__type_by_id(kb.btf, t->type) : NULL;
	return t && btf_is_func_proto(t) ? t : NULL;
}

int kbtf_rawtp_nargs(const char *name)
{
	const struct btf_type *t = rawtp_proto(name);
	if (!t)
		return -ENOENT;
	return btf_vlen(t) > 0 ? btf_vlen(t) - 1 : 0;
}

/* Parameters first.. of proto as a record of 8-byte slots (the u64 context of raw
 * tracepoints and fentry programs): field i at offset 8 * i, typed from BTF. */
static struct type *proto_args(struct arena *a, const struct btf_type *proto, int first,
			       const char *name)
{
	struct type *r = ty_new(a, TY_RECORD);
	if (!r)
		return NULL;
	r->name = arena_sprintf(a, "struct %s_args", name);
	r->align = 8;
	const struct btf_param *p = btf_params(proto);
	for (int i = first; i < btf_vlen(proto); i++) {
		struct ty_field f = { 0 };
		const char *n = btf__name_by_offset(kb.btf, p[i].name_off);
		f.name = n && n[0] ? n : arena_sprintf(a, "arg%d", i - first);
		f.type = conv(p[i].type);
		f.offset = 8 * (i - first);
		if (!f.name || !f.type || vec_push(a, &r->fields, f))
			return NULL;
	}
	r->size = 8 * (btf_vlen(proto) - first);
	return r;
}

struct type *kbtf_rawtp_args(struct arena *a, const char *name, int *err)
{
	const struct btf_type *t = rawtp_proto(name);
	*err = t ? -ENOMEM : -ENOENT;
	return t ? proto_args(a, t, 1, name) : NULL;
}

struct type *kbtf_func_args(struct arena *a, const char *name, struct type **ret, int *err)
{
	const struct btf_type *t = func_proto(name);
	*err = t ? -ENOMEM : -ENOENT;
	if (!t)
		return NULL;
	if (ret && !(*ret = conv(t->type)))
		return NULL;
	return proto_args(a, t, 0, name);
}

bool kbtf_has_func(const char *name)
{
	return func_proto(name) != NULL;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every name of BTF kind `kind` starting with prefix (which is dropped), sorted. */
static int collect(sema_name_list *out, int kind, const char *prefix)
{
	size_t plen = strlen(prefix);
	for (__u32 id = 1; id < kb.ntypes; id++) {
		const struct btf_type *t = btf__type_by_id(kb.btf, id);
		if (!t || (int)btf_kind(t) != kind)
			continue;
		const char *n = btf__name_by_offset(kb.btf, t->name_off);
		if (!n || strncmp(n, prefix, plen) != 0)
			continue;
		if (vec_push(&kb.arena, out, n + plen))
			return -ENOMEM;
	}
	if (out->len)
		qsort(out->v, (size_t)out->len, sizeof(*out->v), cmp_str);
	return 0;
}

static int match(struct arena *a, const sema_name_list *all, const char *glob,
		 sema_name_list *out)
{
	for (int i = 0; i < all->len; i++) {
		if (i > 0 && strcmp(all->v[i], all->v[i - 1]) == 0)
			continue;
		if (sema_glob_match(glob, all->v[i]) && vec_push(a, out, all->v[i]))
			return -ENOMEM;
	}
	return 0;
}

int kbtf_rawtp_match(struct arena *a, const char *glob, sema_name_list *out)
{
	if (!kbtf_available())
		return -ENOENT;
	if (!kb.rawtps_done) {
		int err = collect(&kb.rawtps, BTF_KIND_TYPEDEF, "btf_trace_");
		if (err)
			return err;
		kb.rawtps_done = true;
	}
	return match(a, &kb.rawtps, glob, out);
}

int kbtf_func_match(struct arena *a, const char *glob, sema_name_list *out)
{
	if (!kbtf_available())
		return -ENOENT;
	if (!kb.funcs_done) {
		int err = collect(&kb.funcs, BTF_KIND_FUNC, "");
		if (err)
			return err;
		kb.funcs_done = true;
	}
	return match(a, &kb.funcs, glob, out);
}

/* By name; among equal names the one of the lower BTF id first, as a scan finds it. */
static int enum_cmp(const void *a, const void *b)
{
	const struct kenum *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

/* Every enumerator of the kernel's BTF, sorted once: a script names unknown identifiers
 * in every clone of a wildcard probe, and scanning all types each time cost seconds. */
static void index_enums(void)
{
	kb.enums_done = true;
	size_t n = 0;
	for (__u32 id = 1; id < kb.ntypes; id++) {
		const struct btf_type *t = btf__type_by_id(kb.btf, id);
		if (t && btf_is_any_enum(t))
			n += btf_vlen(t);
	}
	kb.enums = n ? malloc(n * sizeof(*kb.enums)) : NULL;
	if (!kb.enums)
		return;
	for (__u32 id = 1; id < kb.ntypes; id++) {
		const struct btf_type *t = btf__type_by_id(kb.btf, id);
		for (int i = 0; t && btf_is_any_enum(t) && i < btf_vlen(t); i++) {
			struct ty_enumerator e = enumerator_at(t, i);
			if (e.name && e.name[0]) {
				kb.enums[kb.nenums] = (struct kenum){ e.name, e.value, kb.nenums };
				kb.nenums++;
			}
		}
	}
	qsort(kb.enums, kb.nenums, sizeof(*kb.enums), enum_cmp);
}

bool kbtf_enum_value(const char *name, int64_t *out)
{
	if (!kbtf_available())
		return false;
	if (!kb.enums_done)
		index_enums();
	size_t lo = 0, hi = kb.nenums; /* the first entry not below name */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(kb.enums[mid].name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == kb.nenums || strcmp(kb.enums[lo].name, name) != 0)
		return false;
	*out = kb.enums[lo].value;
	return true;
}
