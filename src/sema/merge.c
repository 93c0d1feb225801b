/* Merging probes at one point: every probe written for the same tracepoint (or raw
 * tracepoint: the PK_MERGE kinds) runs in one program that calls their bodies in script
 * order, each with its own predicate, `return` and `probe`. The kernel then attaches and
 * detaches one program there rather than N: detaching a perf-event tracepoint program
 * waits for an RCU grace period (~10 ms), so 1,000 probes on one point took seconds to
 * exit. Runs after sema_share_programs, on the probes that kept a program of their own. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../probekind.h"
#include "tc.h"
#include "types.h"

static const struct pd_prog *sort_pd;

static int by_point(const void *a, const void *b)
{
	const struct pd_probe *x = &sort_pd->probes.v[*(const int *)a];
	const struct pd_probe *y = &sort_pd->probes.v[*(const int *)b];
	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	int c = strcmp(x->name, y->name);
	return c ? c : *(const int *)a - *(const int *)b;
}

/* Whether probe i runs a program of its own at its point alone: not shared with other
 * points (either way) and not attached through a multi link. */
static bool alone(const struct pd_prog *pd, const int *share, const bool *lends, int i)
{
	return pk_has(pd->probes.v[i].kind, PK_MERGE) && share[i] == 0 && !lends[i] &&
	       !pd->probes.v[i].multi;
}

/* At most this many bodies run in one program; the rest of a point's probes go to the next
 * program there (attached after it, so the order stays the script's). Each program's
 * module holds its bodies (src/codegen/emit.c), whose BTF grows with their square. */
#define MERGE_MAX_BODIES 64
/* The kernel allows a program 64 maps (MAX_USED_MAPS); the runtime's own take up to 8. */
#define MERGE_MAX_MAPS 56

/* The script maps and stack maps a program uses: a flag per map, then per stack map. */
struct uses {
	const struct pd_prog *pd;
	unsigned char *seen;
	int n;
};

static int use_map(struct ast_node *n, void *ctx)
{
	struct uses *u = ctx;
	int id = -1;
	if (n->kind == AST_MAP)
		id = n->map.map_id;
	else if (n->ty && (n->ty->kind == TY_KSTACK || n->ty->kind == TY_USTACK))
		id = u->pd->maps.len + n->ty->stack_map;
	if (id >= 0 && id < u->pd->maps.len + u->pd->stackmaps.len && !u->seen[id]) {
		u->seen[id] = 1;
		u->n++;
	}
	return 0;
}

struct merge {
	struct pd_prog *pd;
	struct ast_node **node; /* per pd index */
	const int *share;
	const bool *lends;
	unsigned char *seen, *trial; /* maps of the program being filled; with one more body */
};

/* Gives idx[0..n) (one point, script order) programs of up to MERGE_MAX_BODIES bodies and
 * MERGE_MAX_MAPS maps; a program of one body stays as it is. */
static void fill_programs(struct merge *m, const int *idx, int n)
{
	size_t nmaps = (size_t)(m->pd->maps.len + m->pd->stackmaps.len);
	struct uses u = { m->pd, m->seen, 0 };
	int first = 0;
	for (int i = 0; i <= n; i++) {
		if (i < n) {
			struct uses t = { m->pd, m->trial, u.n };
			memcpy(m->trial, m->seen, nmaps);
			ast_walk(m->node[idx[i]], NULL, use_map, &t);
			if (i == first || (i - first < MERGE_MAX_BODIES && t.n <= MERGE_MAX_MAPS)) {
				memcpy(m->seen, m->trial, nmaps);
				u.n = t.n;
				continue;
			}
		}
		for (int j = first; i - first > 1 && j < i; j++)
			m->pd->probes.v[idx[j]].host = idx[first] + 1;
		first = i;
		memset(m->seen, 0, nmaps);
		u.n = 0;
		i -= i < n; /* the body that did not fit starts the next program */
	}
}

/* A run of probes at one point merges when each of them runs alone there: a point that a
 * shared program also serves keeps one program per probe, so the order stays the script's. */
static void merge_run(struct merge *m, const int *idx, int n)
{
	for (int i = 0; i < n; i++)
		if (!alone(m->pd, m->share, m->lends, idx[i]) || !m->node[idx[i]])
			return;
	fill_programs(m, idx, n);
}

int sema_merge_points(struct compiler *c)
{
	struct pd_prog *pd = c->pd;
	int n = pd->probes.len;
	size_t nmaps = (size_t)(pd->maps.len + pd->stackmaps.len) + 1;
	int *idx = calloc((size_t)n + 1, sizeof(int));
	int *share = calloc((size_t)n + 1, sizeof(int));
	bool *lends = calloc((size_t)n + 1, sizeof(bool));
	struct ast_node **node = calloc((size_t)n + 1, sizeof(*node));
	unsigned char *seen = calloc(nmaps, 1), *trial = calloc(nmaps, 1);
	int err = idx && share && lends && node && seen && trial ? 0 : -ENOMEM;
	ast_list *probes = &c->ast->program.probes;
	for (int i = 0; !err && i < probes->len; i++) {
		const struct sema_probe *sp = probes->v[i]->probe.sp;
		if (!sp || sp->pd_index < 0 || sp->pd_index >= n)
			continue;
		node[sp->pd_index] = probes->v[i];
		share[sp->pd_index] = sp->share;
		if (sp->share > 0 && sp->share <= n)
			lends[sp->share - 1] = true;
	}
	for (int i = 0; !err && i < n; i++)
		idx[i] = i;
	sort_pd = pd;
	if (!err)
		qsort(idx, (size_t)n, sizeof(int), by_point);
	struct merge m = { pd, node, share, lends, seen, trial };
	for (int start = 0, end; !err && start < n; start = end) {
		const struct pd_probe *p = &pd->probes.v[idx[start]];
		for (end = start + 1; end < n; end++) {
			const struct pd_probe *q = &pd->probes.v[idx[end]];
			if (q->kind != p->kind || strcmp(q->name, p->name))
				break;
		}
		if (end - start > 1)
			merge_run(&m, idx + start, end - start);
	}
	free(idx);
	free(share);
	free(lends);
	free(node);
	free(seen);
	free(trial);
	return err;
}
