/* Layouts in the program description: pd_type trees for map keys and values and for event
 * payloads, the numbering of formats (pd->fmts) and the final map table (pd->maps). Every
 * string is copied into pd->arena, which outlives the compiler's arena. */
#include <errno.h>
#include <string.h>

#include "tc.h"

#define MAX_RECORD_DEPTH 8

static int pd_type_at(struct checker *ck, const struct type *t, struct pd_type *out, int depth);

static int pd_fields(struct checker *ck, const struct type *t, struct pd_type *out, int depth)
{
	struct arena *pa = &ck->c->pd->arena;
	if (t->kind == TY_RECORD && kbtf_complete((struct type *)t))
		return -ENOMEM;
	for (int i = 0; i < t->fields.len; i++) {
		const struct ty_field *f = &t->fields.v[i];
		struct pd_type ft = { 0 };
		int err = pd_type_at(ck, f->type, &ft, depth + 1);
		if (err)
			return err;
		ft.offset = (uint32_t)f->offset;
		if (f->bit_size) { /* the bytes that hold the bits, at most 8 */
			ft.bit_off = (uint8_t)f->bit_offset;
			ft.bit_size = (uint8_t)f->bit_size;
			ft.size = (uint32_t)(f->bit_offset + f->bit_size + 7) / 8;
		}
		if (t->kind == TY_RECORD) {
			ft.name = arena_strdup(pa, f->name);
			if (!ft.name)
				return -ENOMEM;
		}
		if (vec_push(pa, &out->fields, ft))
			return -ENOMEM;
	}
	return 0;
}

static int pd_array(struct checker *ck, const struct type *t, struct pd_type *out, int depth)
{
	struct pd_type elem = { 0 };
	int err = pd_type_at(ck, t->elem, &elem, depth + 1);
	if (err)
		return err;
	out->count = (uint32_t)t->nelem;
	return vec_push(&ck->c->pd->arena, &out->fields, elem);
}

/* An enum's names travel with the value's layout: the runtime prints them. */
static int pd_enumerators(struct checker *ck, const struct type *t, struct pd_type *out)
{
	struct arena *pa = &ck->c->pd->arena;
	for (int i = 0; i < t->enumerators.len; i++) {
		struct pd_type e = { .value = t->enumerators.v[i].value };
		e.name = arena_strdup(pa, t->enumerators.v[i].name);
		if (!e.name || vec_push(pa, &out->fields, e))
			return -ENOMEM;
	}
	return 0;
}

static int pd_type_at(struct checker *ck, const struct type *t, struct pd_type *out, int depth)
{
	const struct ty_kind_desc *d = ty_desc(t);
	const struct pd_prog *pd = ck->c->pd;
	memset(out, 0, sizeof(*out));
	out->kind = ty_pd_kind(t);
	out->size = d->pd_size ? d->pd_size : t->size > 0 ? (uint32_t)t->size : 0;
	if (out->kind == PD_NONE)
		out->size = 0;
	if (d->flags & TY_F_FMT && t->fmt_id >= 0 && t->fmt_id < pd->fmts.len)
		out->fmt = pd->fmts.v[t->fmt_id].fmt;
	if (d->shape == TY_SHAPE_STACK) {
		out->stack_mode = (enum pd_stack_mode)t->stack_mode;
		out->stack_map = t->stack_map;
	}
	if (depth >= MAX_RECORD_DEPTH)
		return 0;
	if (t->enumerators.len)
		return pd_enumerators(ck, t, out);
	if (pd_kinds[out->kind].flags & PD_KF_FIELDS)
		return pd_fields(ck, t, out, depth);
	if (pd_kinds[out->kind].flags & PD_KF_ELEM)
		return pd_array(ck, t, out, depth);
	return 0;
}

int tc_pd_type(struct checker *ck, const struct type *t, struct pd_type *out)
{
	return pd_type_at(ck, t, out, 0);
}

void tc_add_fmt(struct checker *ck, struct ast_node *call, enum pd_fmt_kind kind,
		const char *fmt, struct type **args, int nargs)
{
	struct compiler *c = ck->c;
	struct type *wide[nargs > 0 ? nargs : 1];
	struct pd_fmt f = { .kind = kind };
	call->call.id = -1;
	if (ck->quiet)
		return;
	/* Event payloads carry integers as 8 bytes, signedness kept; the rest as typed. */
	for (int i = 0; i < nargs; i++) {
		wide[i] = args[i]->kind == TY_INT ? ty_int_resize(&c->arena, args[i], 8) : args[i];
		if (!wide[i]) {
			ck->nomem = true;
			return;
		}
	}
	struct type *tuple = ty_tuple(&c->arena, wide, nargs);
	f.fmt = arena_strdup(&c->pd->arena, fmt);
	if (!tuple || !f.fmt || tc_pd_type(ck, tuple, &f.args) ||
	    vec_push(&c->pd->arena, &c->pd->fmts, f)) {
		ck->nomem = true;
		return;
	}
	call->call.id = c->pd->fmts.len - 1;
	call->call.payload = tuple;
}

static uint32_t round8(uint32_t n)
{
	return (n + 7) / 8 * 8;
}

/* Value layout of the aggregation kinds: the per-CPU slot (its size is the aggregation
 * type's), signedness in value.kind; counts are unsigned whatever they count. */
static void agg_value(const struct tc_map *m, struct pd_map *pm)
{
	bool counts = pm->kind == PD_MAP_COUNT || pm->kind == PD_MAP_HIST ||
		      pm->kind == PD_MAP_LHIST;
	memset(&pm->value, 0, sizeof(pm->value));
	pm->value.kind = m->value->is_signed && !counts ? PD_INT : PD_UINT;
	pm->value.size = 8;
	pm->value_size = (uint32_t)m->value->size;
}

/* hist/lhist: the buckets are the last key field (one entry per user key and bucket), or,
 * for a map without keys whose buckets fit and whose entries no probe looks at, the
 * counts of one per-CPU array value (progdesc.h). The only place that decides which. */
static void layout_hist(const struct tc_map *m, struct pd_map *pm)
{
	if (pm->kind == PD_MAP_LHIST) {
		pm->lhist_min = m->value->lhist_min;
		pm->lhist_max = m->value->lhist_max;
		pm->lhist_step = m->value->lhist_step;
	}
	uint32_t nb = pd_map_buckets(pm);
	pm->buckets_in_value = !m->nkeys && !m->entries_seen && nb > 0 &&
			       nb <= PD_VALUE_BUCKETS_MAX;
	if (pm->buckets_in_value) {
		pm->key_size = 4;
		pm->value_size = (nb + 1) * 8; /* the counts, then the zero() mark */
		pm->max_entries = 1;
		return;
	}
	pm->bucket_off = m->nkeys ? pm->key_size : 0;
	pm->key_size = pm->bucket_off + 8;
	if (pm->max_entries < nb) /* at least one entry per bucket */
		pm->max_entries = nb;
}

static int layout_map(struct checker *ck, const struct tc_map *m)
{
	struct compiler *c = ck->c;
	struct pd_map *pm = &c->pd->maps.v[m->id];
	uint32_t user = (uint32_t)m->key->size;
	int err = tc_pd_type(ck, m->key, &pm->key);
	if (err)
		return err;
	pm->kind = ty_desc(m->value)->map;
	pm->is_scalar = m->nkeys == 0;
	pm->key_size = m->nkeys ? round8(user) : 8;
	pm->max_entries = m->nkeys ? (uint32_t)c->opts.map_keys_max : 1;
	if (pm->kind == PD_MAP_VALUE) {
		err = tc_pd_type(ck, m->value, &pm->value);
		pm->value_size = (uint32_t)m->value->size;
		return err;
	}
	agg_value(m, pm);
	if (pm->kind == PD_MAP_HIST || pm->kind == PD_MAP_LHIST)
		layout_hist(m, pm);
	return 0;
}

int tc_layout_maps(struct checker *ck)
{
	for (int i = 0; i < ck->maps.len; i++) {
		int err = layout_map(ck, ck->maps.v[i]);
		if (err)
			return err;
	}
	return 0;
}
