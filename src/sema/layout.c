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
		/* bitfields have no byte layout of their own; records print without them */
		if (f->bit_size)
			continue;
		int err = pd_type_at(ck, f->type, &ft, depth + 1);
		if (err)
			return err;
		ft.offset = (uint32_t)f->offset;
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

static int pd_type_at(struct checker *ck, const struct type *t, struct pd_type *out, int depth)
{
	memset(out, 0, sizeof(*out));
	out->size = t->size > 0 ? (uint32_t)t->size : 0;
	switch (t->kind) {
	case TY_INT:
		out->kind = t->is_signed ? PD_INT : PD_UINT;
		return 0;
	case TY_STR:
		out->kind = PD_STR;
		return 0;
	case TY_PTR:
		out->kind = PD_PTR;
		out->size = 8;
		return 0;
	case TY_TUPLE:
		out->kind = PD_TUPLE;
		return pd_fields(ck, t, out, depth);
	case TY_RECORD:
		out->kind = PD_RECORD;
		return depth < MAX_RECORD_DEPTH ? pd_fields(ck, t, out, depth) : 0;
	case TY_ARRAY:
		out->kind = PD_ARRAY;
		return pd_array(ck, t, out, depth);
	case TY_TIMESTAMP:
		out->kind = PD_TIMESTAMP;
		out->size = 8;
		if (t->fmt_id >= 0 && t->fmt_id < ck->c->pd->fmts.len)
			out->fmt = ck->c->pd->fmts.v[t->fmt_id].fmt;
		return 0;
	case TY_KSYM:
		out->kind = PD_KSYM;
		out->size = 8;
		return 0;
	case TY_USYM:
		out->kind = PD_USYM;
		out->size = 16;
		return 0;
	case TY_KSTACK:
	case TY_USTACK:
		out->kind = t->kind == TY_USTACK ? PD_USTACK : PD_KSTACK;
		out->size = (uint32_t)t->size;
		out->stack_mode = (enum pd_stack_mode)t->stack_mode;
		out->stack_map = t->stack_map;
		return 0;
	case TY_ERROR:
	case TY_NONE:
	case TY_CTX:
	case TY_COUNT:
	case TY_SUM:
	case TY_MIN:
	case TY_MAX:
	case TY_AVG:
	case TY_STATS:
	case TY_HIST:
	case TY_LHIST:
		out->kind = PD_NONE;
		out->size = 0;
		return 0;
	}
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
	for (int i = 0; i < nargs; i++)
		wide[i] = args[i]->kind == TY_INT ? ty_int(8, args[i]->is_signed) : args[i];
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

static enum pd_map_kind map_kind(const struct type *v)
{
	switch (v->kind) {
	case TY_COUNT:
		return PD_MAP_COUNT;
	case TY_SUM:
		return PD_MAP_SUM;
	case TY_MIN:
		return PD_MAP_MIN;
	case TY_MAX:
		return PD_MAP_MAX;
	case TY_AVG:
		return PD_MAP_AVG;
	case TY_STATS:
		return PD_MAP_STATS;
	case TY_HIST:
		return PD_MAP_HIST;
	case TY_LHIST:
		return PD_MAP_LHIST;
	case TY_ERROR:
	case TY_NONE:
	case TY_INT:
	case TY_STR:
	case TY_PTR:
	case TY_RECORD:
	case TY_ARRAY:
	case TY_TUPLE:
	case TY_CTX:
	case TY_TIMESTAMP:
	case TY_KSTACK:
	case TY_USTACK:
	case TY_KSYM:
	case TY_USYM:
		break;
	}
	return PD_MAP_VALUE;
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

static int layout_map(struct checker *ck, const struct tc_map *m)
{
	struct compiler *c = ck->c;
	struct pd_map *pm = &c->pd->maps.v[m->id];
	uint32_t user = (uint32_t)m->key->size;
	int err = tc_pd_type(ck, m->key, &pm->key);
	if (err)
		return err;
	pm->kind = map_kind(m->value);
	pm->is_scalar = m->nkeys == 0;
	pm->key_size = m->nkeys ? round8(user) : 8;
	pm->max_entries = m->nkeys ? (uint32_t)c->opts.map_keys_max : 1;
	if (pm->kind == PD_MAP_VALUE) {
		err = tc_pd_type(ck, m->value, &pm->value);
		pm->value_size = (uint32_t)m->value->size;
		return err;
	}
	agg_value(m, pm);
	if (pm->kind == PD_MAP_HIST || pm->kind == PD_MAP_LHIST) {
		pm->bucket_off = m->nkeys ? round8(user) : 0;
		pm->key_size = pm->bucket_off + 8;
		if (pm->kind == PD_MAP_LHIST) {
			pm->lhist_min = m->value->lhist_min;
			pm->lhist_max = m->value->lhist_max;
			pm->lhist_step = m->value->lhist_step;
		}
		if (!m->nkeys) /* one entry per bucket */
			pm->max_entries = pm->kind == PD_MAP_HIST
						  ? PD_HIST_BUCKETS
						  : (uint32_t)((pm->lhist_max - pm->lhist_min) /
								       pm->lhist_step +
							       2);
	}
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
