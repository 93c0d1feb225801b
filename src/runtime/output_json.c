/* JSON layout of maps (-f json), one object per line as bpftrace 0.17 writes them:
 * {"type": "map"|"hist"|"stats", "data": {"@name": value-or-{"k1,k2": value, ...}}}. */
#include <errno.h>
#include <string.h>

#include "output.h"
#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/strbuf.h"

static int hist_bucket(struct strbuf *sb, const struct pd_map *m, uint32_t i)
{
	if (m->kind == PD_MAP_HIST) {
		if (i == 0)
			return sb_append(sb, "\"max\": -1, ");
		if (i == 1)
			return sb_append(sb, "\"min\": 0, \"max\": 0, ");
		if (i == 2)
			return sb_append(sb, "\"min\": 1, \"max\": 1, ");
		unsigned long long lo = 1ULL << (i - 2);
		unsigned long long hi = i - 1 >= 64 ? ~0ULL : (1ULL << (i - 1)) - 1;
		return sb_printf(sb, "\"min\": %llu, \"max\": %llu, ", lo, hi);
	}
	uint32_t last = pd_map_buckets(m) - 1;
	if (i == 0)
		return sb_printf(sb, "\"max\": %lld, ", (long long)(m->lhist_min - 1));
	if (i == last)
		return sb_printf(sb, "\"min\": %lld, ", (long long)m->lhist_max);
	long long lo = (long long)(i - 1) * m->lhist_step + m->lhist_min;
	long long hi = (long long)i * m->lhist_step + m->lhist_min - 1;
	return sb_printf(sb, "\"min\": %lld, \"max\": %lld, ", lo, hi);
}

static int hist_json(struct strbuf *sb, const struct pd_map *m, const struct out_entry *e,
		     uint64_t div)
{
	uint32_t first = 0, last = 0;
	if (!out_hist_range(m, e, &first, &last))
		return sb_append(sb, "[]");
	int err = sb_putc(sb, '[');
	for (uint32_t i = first; i <= last && !err; i++) {
		uint64_t count = m->kind == PD_MAP_HIST ? e->buckets[i] / div : e->buckets[i];
		if (i > first)
			err |= sb_append(sb, ", ");
		err |= sb_putc(sb, '{') | hist_bucket(sb, m, i);
		err |= sb_printf(sb, "\"count\": %llu}", (unsigned long long)count);
	}
	err |= sb_putc(sb, ']');
	return err ? -ENOMEM : 0;
}

static int stats_json(struct strbuf *sb, const struct pd_map *m, const struct out_entry *e,
		      uint64_t div)
{
	int64_t avg = out_avg(e);
	if (m->kind == PD_MAP_AVG)
		return sb_printf(sb, "%lld", (long long)out_sdiv(avg, (int64_t)div));
	return sb_printf(sb, "{\"count\": %lld, \"average\": %lld, \"total\": %lld}",
			 (long long)e->count, (long long)avg, (long long)e->total);
}

static const char *json_type(const struct pd_map *m)
{
	switch (m->kind) {
	case PD_MAP_HIST:
	case PD_MAP_LHIST:
		return "hist";
	case PD_MAP_AVG:
	case PD_MAP_STATS:
		return "stats";
	case PD_MAP_VALUE:
	case PD_MAP_COUNT:
	case PD_MAP_SUM:
	case PD_MAP_MIN:
	case PD_MAP_MAX:
		break;
	}
	return "map";
}

static int entry_json(struct strbuf *sb, const struct out *o, const struct pd_map *m,
		      const struct out_entry *e, uint64_t div)
{
	int err = 0;
	if (!m->is_scalar) {
		struct strbuf key = { 0 };
		err |= out_key_str(&key, o, m, e->key, true);
		err |= sb_putc(sb, '"') | out_json_escape(sb, sb_str(&key), key.len);
		err |= sb_append(sb, "\": ");
		sb_free(&key);
	}
	switch (m->kind) {
	case PD_MAP_HIST:
	case PD_MAP_LHIST:
		return err | hist_json(sb, m, e, div);
	case PD_MAP_AVG:
	case PD_MAP_STATS:
		return err | stats_json(sb, m, e, div);
	case PD_MAP_VALUE:
	case PD_MAP_COUNT:
	case PD_MAP_SUM:
	case PD_MAP_MIN:
	case PD_MAP_MAX:
		break;
	}
	return err | rt_scalar_value_str(sb, o, m, e, div, true);
}

int out_json_map(struct strbuf *sb, const struct out *o, const struct pd_map *m,
		 struct out_entry *e, int n, uint64_t div)
{
	if (n == 0)
		return 0;
	int err = sb_printf(sb, "{\"type\": \"%s\", \"data\": {\"", json_type(m));
	err |= out_json_escape(sb, m->name, strlen(m->name));
	err |= sb_append(sb, m->is_scalar ? "\": " : "\": {");
	for (int i = 0; i < n && !err; i++) {
		if (i)
			err |= sb_append(sb, ", ");
		err |= entry_json(sb, o, m, &e[i], div);
	}
	err |= sb_append(sb, m->is_scalar ? "}}\n" : "}}}\n");
	return err ? -ENOMEM : 0;
}
