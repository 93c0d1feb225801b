/* The program description (src/progdesc.h): the value kinds' table, and its allocation
 * (it owns its own arena, so it outlives the compiler's). */
#include "progdesc.h"

#include <stdlib.h>

const struct pd_kind_desc pd_kinds[PD_KIND__COUNT] = {
	[PD_NONE] = { 0, 0 },
	[PD_INT] = { PD_CONV_INT, PD_KF_NUMBER | PD_KF_SIGNED },
	[PD_UINT] = { PD_CONV_INT, PD_KF_NUMBER },
	[PD_STR] = { PD_CONV_TEXT, 0 },
	[PD_TUPLE] = { 0, PD_KF_FIELDS },
	[PD_RECORD] = { 0, PD_KF_FIELDS },
	[PD_ARRAY] = { 0, PD_KF_ELEM },
	[PD_PTR] = { PD_CONV_INT, 0 },
	[PD_TIMESTAMP] = { PD_CONV_TEXT, 0 },
	[PD_KSYM] = { PD_CONV_TEXT, 0 },
	[PD_USYM] = { PD_CONV_TEXT, 0 },
	[PD_KSTACK] = { PD_CONV_TEXT, 0 },
	[PD_USTACK] = { PD_CONV_TEXT, 0 },
	[PD_ENUM] = { PD_CONV_INT | PD_CONV_TEXT, PD_KF_NUMBER | PD_KF_SIGNED },
	[PD_ERRNO] = { PD_CONV_TEXT, 0 },
	[PD_MACADDR] = { PD_CONV_TEXT, 0 },
	[PD_INET] = { PD_CONV_TEXT, 0 },
	[PD_CGROUP_PATH] = { PD_CONV_TEXT, 0 },
	[PD_USERNAME] = { PD_CONV_TEXT, 0 },
	[PD_BUF] = { PD_CONV_BUF, 0 }, /* not %s, as bpftrace 0.17 */
};

uint32_t pd_map_buckets(const struct pd_map *m)
{
	if (m->kind == PD_MAP_HIST)
		return PD_HIST_BUCKETS;
	if (m->kind != PD_MAP_LHIST || m->lhist_step <= 0 || m->lhist_max <= m->lhist_min)
		return 0;
	return (uint32_t)((m->lhist_max - m->lhist_min) / m->lhist_step + 2);
}

struct pd_prog *pd_new(void)
{
	return calloc(1, sizeof(struct pd_prog));
}

void pd_free(struct pd_prog *pd)
{
	if (!pd)
		return;
	arena_free(&pd->arena);
	free(pd);
}
