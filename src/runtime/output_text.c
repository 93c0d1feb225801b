/* Text layout of maps, byte for byte as bpftrace 0.17: "@x[k1, k2]: v" lines, histogram
 * blocks with 52-column bars, "count N, average N, total N" for stats. */
#include <errno.h>
#include <string.h>

#include "output.h"
#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/strbuf.h"

#define BAR_WIDTH 52

/* 1, 2, 4 ... with K M G T P E suffixes every 10 powers of two. */
static int pow2_label(struct strbuf *sb, uint32_t power)
{
	static const char suffix[] = " KMGTPE";
	uint32_t s = power / 10;
	if (s > 6)
		s = 6;
	unsigned long long v = 1ULL << (power - s * 10);
	if (!s)
		return sb_printf(sb, "%llu", v);
	return sb_printf(sb, "%llu%c", v, suffix[s]);
}

static int lin_label(struct strbuf *sb, int64_t n)
{
	if (n != 0 && n % (1024 * 1024) == 0)
		return sb_printf(sb, "%lldM", (long long)(n / (1024 * 1024)));
	if (n != 0 && n % 1024 == 0)
		return sb_printf(sb, "%lldK", (long long)(n / 1024));
	return sb_printf(sb, "%lld", (long long)n);
}

static int hist_label(struct strbuf *sb, const struct pd_map *m, uint32_t i)
{
	int err = 0;
	if (m->kind == PD_MAP_HIST) {
		if (i == 0)
			return sb_append(sb, "(..., 0)");
		if (i == 1)
			return sb_append(sb, "[0]");
		if (i == 2)
			return sb_append(sb, "[1]");
		err |= sb_putc(sb, '[') | pow2_label(sb, i - 2) | sb_append(sb, ", ");
		return err | pow2_label(sb, i - 1) | sb_putc(sb, ')');
	}
	uint32_t last = pd_map_buckets(m) - 1;
	if (i == 0)
		return sb_append(sb, "(..., ") | lin_label(sb, m->lhist_min) | sb_putc(sb, ')');
	if (i == last)
		return sb_putc(sb, '[') | lin_label(sb, m->lhist_max) | sb_append(sb, ", ...)");
	err |= sb_putc(sb, '[') | lin_label(sb, (int64_t)(i - 1) * m->lhist_step + m->lhist_min);
	err |= sb_append(sb, ", ") | lin_label(sb, (int64_t)i * m->lhist_step + m->lhist_min);
	return err | sb_putc(sb, ')');
}

/* One histogram's lines; nothing when every bucket is zero. Counts of hist (not lhist)
 * are divided by div, the bars are not. */
static int hist_lines(struct strbuf *sb, const struct pd_map *m, const struct out_entry *e,
		      uint64_t div)
{
	uint32_t first = 0, last = 0;
	if (!out_hist_range(m, e, &first, &last))
		return 0;
	uint64_t max = 0;
	for (uint32_t i = 0; i < e->nbuckets; i++)
		max = e->buckets[i] > max ? e->buckets[i] : max;
	char bar[BAR_WIDTH + 1];
	int err = 0;
	for (uint32_t i = first; i <= last && !err; i++) {
		struct strbuf label = { 0 };
		err |= hist_label(&label, m, i);
		/* float arithmetic as bpftrace, so the bars round the same way */
		int w = (int)((float)e->buckets[i] / (float)max * BAR_WIDTH);
		memset(bar, '@', (size_t)w);
		bar[w] = '\0';
		uint64_t count = m->kind == PD_MAP_HIST ? e->buckets[i] / div : e->buckets[i];
		err |= sb_printf(sb, "%-16s%8llu |%-52s|\n", sb_str(&label),
				 (unsigned long long)count, bar);
		sb_free(&label);
	}
	return err ? -ENOMEM : 0;
}

static int stats_value(struct strbuf *sb, const struct pd_map *m, const struct out_entry *e,
		       uint64_t div)
{
	int64_t avg = out_avg(e);
	if (m->kind == PD_MAP_AVG)
		return sb_printf(sb, "%lld", (long long)out_sdiv(avg, (int64_t)div));
	return sb_printf(sb, "count %lld, average %lld, total %lld", (long long)e->count,
			 (long long)avg, (long long)e->total);
}

/* The value of a count/sum/min/max/plain map entry, as text. */
int rt_scalar_value_str(struct strbuf *sb, const struct out *o, const struct pd_map *m,
			const struct out_entry *e, uint64_t div, bool json)
{
	bool is_unsigned =
		m->kind == PD_MAP_COUNT || !(pd_kinds[m->value.kind].flags & PD_KF_SIGNED);
	switch (m->kind) {
	case PD_MAP_COUNT:
	case PD_MAP_SUM:
	case PD_MAP_MIN:
	case PD_MAP_MAX:
		if (is_unsigned)
			return sb_putu(sb, (uint64_t)e->num / div);
		return sb_puti(sb, out_sdiv(e->num, (int64_t)div));
	case PD_MAP_VALUE:
		if (div > 1 && pd_kinds[m->value.kind].flags & PD_KF_NUMBER) {
			int64_t v = rt_read_int(e->value, m->value.size, !is_unsigned);
			if (is_unsigned)
				return sb_printf(sb, "%llu", (unsigned long long)((uint64_t)v / div));
			return sb_printf(sb, "%lld", (long long)out_sdiv(v, (int64_t)div));
		}
		return out_value_str(sb, o, &m->value, e->value, json);
	case PD_MAP_AVG:
	case PD_MAP_STATS:
	case PD_MAP_HIST:
	case PD_MAP_LHIST:
		break;
	}
	return 0;
}

int out_text_map(struct strbuf *sb, const struct out *o, const struct pd_map *m,
		 struct out_entry *e, int n, uint64_t div)
{
	int err = 0;
	bool hist = m->kind == PD_MAP_HIST || m->kind == PD_MAP_LHIST;
	bool stats = m->kind == PD_MAP_AVG || m->kind == PD_MAP_STATS;
	for (int i = 0; i < n && !err; i++) {
		if (i)
			err |= sb_putc(sb, '\n');
		err |= sb_append(sb, m->name);
		err |= out_key_str(sb, o, m, e[i].key, false);
		err |= sb_append(sb, hist ? ": \n" : ": ");
		if (hist)
			err |= hist_lines(sb, m, &e[i], div);
		else if (stats)
			err |= stats_value(sb, m, &e[i], div);
		else
			err |= rt_scalar_value_str(sb, o, m, &e[i], div, false);
	}
	err |= sb_append(sb, stats ? "\n\n" : "\n");
	return err ? -ENOMEM : 0;
}
