/* Reading maps from the kernel: iterate the keys, merge per-CPU values (count and sum add
 * up, min/max keep the set CPUs' extreme, avg/stats add sums and counts, hist buckets are
 * grouped by user key), then hand decoded entries to output.c. Also clear() and zero(). */
#define _GNU_SOURCE /* qsort_r */
#include <bpf/bpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/arena.h"

struct raw {
	uint8_t *key;
	uint8_t *val;
};

static bool is_percpu(const struct pd_map *m)
{
	return m->kind != PD_MAP_VALUE;
}

static size_t slot_size(const struct pd_map *m)
{
	return ((size_t)m->value_size + 7) & ~(size_t)7;
}

static size_t value_bytes(struct rt_trace *t, const struct pd_map *m)
{
	return is_percpu(m) ? slot_size(m) * (size_t)t->ncpus : m->value_size;
}

/* Every key with its value through BPF_MAP_LOOKUP_BATCH: one system call per many entries
 * instead of two per entry. The arrays start small and double up to the map's size, so a
 * big map holding a few keys costs little. Returns the count or -errno. */
static int read_batch(int fd, size_t ks, size_t vs, uint32_t max, struct arena *a,
		      struct raw **out)
{
	uint32_t n = 0, cap = max < 256 ? max : 256;
	uint8_t *keys = arena_alloc(a, (size_t)cap * ks), *vals = arena_alloc(a, (size_t)cap * vs);
	/* the resume token: a bucket number for hash maps, a key for arrays */
	uint8_t *token = arena_alloc(a, ks + 8);
	void *in = NULL;
	for (;;) {
		if (!keys || !vals || !token)
			return -ENOMEM;
		uint32_t count = cap - n;
		int err = bpf_map_lookup_batch(fd, in, token, keys + n * ks, vals + n * vs, &count,
					       NULL);
		n += count;
		in = token;
		if (err == -ENOENT || (!err && n == max))
			break;
		if (err && (err != -ENOSPC || cap == max))
			return err;
		if (n == cap || err) { /* full, or a bucket holds more than the room left */
			uint32_t ncap = cap > max / 2 ? max : cap * 2;
			keys = arena_grow(a, keys, ks, n, ncap);
			vals = arena_grow(a, vals, vs, n, ncap);
			cap = ncap;
		}
	}
	struct raw *v = arena_alloc(a, (size_t)n * sizeof(*v) + 1);
	if (!v)
		return -ENOMEM;
	for (uint32_t i = 0; i < n; i++)
		v[i] = (struct raw){ keys + i * ks, vals + i * vs };
	*out = v;
	return (int)n;
}

/* Every key with its value, one lookup at a time; returns the count or -errno. */
static int read_each(int fd, size_t ks, size_t vs, int limit, struct arena *a, struct raw **out)
{
	int n = 0, cap = 0;
	struct raw *v = NULL;
	uint8_t *prev = NULL;
	for (;;) {
		uint8_t *key = arena_alloc(a, ks);
		if (!key)
			return -ENOMEM;
		if (bpf_map_get_next_key(fd, prev, key))
			break;
		prev = key;
		uint8_t *val = arena_alloc(a, vs);
		if (!val)
			return -ENOMEM;
		if (bpf_map_lookup_elem(fd, key, val))
			continue; /* deleted meanwhile by a probe */
		if (n == cap) {
			v = arena_grow(a, v, sizeof(*v), (size_t)cap, (size_t)(cap ? cap * 2 : 64));
			if (!v)
				return -ENOMEM;
			cap = cap ? cap * 2 : 64;
		}
		v[n++] = (struct raw){ key, val };
		if (n >= limit)
			break;
	}
	*out = v;
	return n;
}

/* Every key with its value; returns the count or -errno. */
static int read_raw(struct rt_trace *t, int id, struct arena *a, struct raw **out)
{
	const struct pd_map *m = &t->pd->maps.v[id];
	uint32_t max = m->max_entries ? m->max_entries : 4096;
	int n = read_batch(t->map_fds[id], m->key_size, value_bytes(t, m), max, a, out);
	if (n >= 0 || n == -ENOMEM)
		return n;
	/* No batch reads (a kernel before 5.6, a map type without them) or a bucket that
	 * outgrew the room left: walk the keys. A key deleted meanwhile restarts the walk:
	 * bound it. */
	return read_each(t->map_fds[id], m->key_size, value_bytes(t, m), (int)max * 2 + 16, a,
			 out);
}

static uint64_t slot_u64(const uint8_t *val, size_t slot, int cpu, size_t off)
{
	uint64_t x;
	memcpy(&x, val + slot * (size_t)cpu + off, 8);
	return x;
}

/* Merges one key's per-CPU values into e. */
static void merge(struct rt_trace *t, const struct pd_map *m, const uint8_t *val,
		  struct out_entry *e)
{
	size_t slot = slot_size(m);
	bool is_unsigned = !(pd_kinds[m->value.kind].flags & PD_KF_SIGNED), any = false;
	for (int c = 0; c < t->ncpus; c++) {
		int64_t v = (int64_t)slot_u64(val, slot, c, 0);
		switch (m->kind) {
		case PD_MAP_COUNT:
		case PD_MAP_SUM:
			e->num += v;
			break;
		case PD_MAP_MIN:
		case PD_MAP_MAX: {
			if (!slot_u64(val, slot, c, 8))
				break;
			bool less = is_unsigned ? (uint64_t)v < (uint64_t)e->num : v < e->num;
			if (!any || (m->kind == PD_MAP_MIN ? less : !less && v != e->num))
				e->num = v;
			any = true;
			break;
		}
		case PD_MAP_AVG:
		case PD_MAP_STATS:
			e->total += v;
			e->count += (int64_t)slot_u64(val, slot, c, 8);
			break;
		case PD_MAP_HIST:
		case PD_MAP_LHIST:
		case PD_MAP_VALUE:
			break;
		}
	}
}

static int prefix_cmp(const void *a, const void *b, void *arg)
{
	const struct raw *x = a, *y = b;
	size_t n = *(const uint32_t *)arg;
	return n ? memcmp(x->key, y->key, n) : 0;
}

/* Groups hist/lhist keys (user key + bucket index) into one entry per user key. */
static int group_hist(struct rt_trace *t, const struct pd_map *m, struct raw *r, int n,
		      struct arena *a, struct out_entry *e)
{
	uint32_t off = m->bucket_off, nb = pd_map_buckets(m);
	size_t slot = slot_size(m);
	qsort_r(r, (size_t)n, sizeof(*r), prefix_cmp, &off);
	int ne = 0;
	for (int i = 0; i < n; i++) {
		if (!ne || (off && memcmp(r[i].key, e[ne - 1].key, off))) {
			uint64_t *b = arena_alloc(a, (size_t)(nb ? nb : 1) * 8);
			if (!b)
				return -ENOMEM;
			e[ne++] = (struct out_entry){ .key = r[i].key, .buckets = b, .nbuckets = nb };
		}
		uint64_t idx;
		memcpy(&idx, r[i].key + off, 8);
		if (idx >= nb)
			continue;
		for (int c = 0; c < t->ncpus; c++)
			e[ne - 1].buckets[idx] += slot_u64(r[i].val, slot, c, 0);
	}
	return ne;
}

/* A hist whose buckets live in the value: the one entry's per-CPU counts added up. It has
 * no entry while every count is zero, unless zero() marked it (the hash layout's zeroed
 * bucket keys would still be there). */
static int value_hist(struct rt_trace *t, const struct pd_map *m, const struct raw *r,
		      struct arena *a, struct out_entry *e)
{
	uint32_t nb = pd_map_buckets(m);
	size_t slot = slot_size(m);
	uint64_t *b = arena_alloc(a, (size_t)nb * 8), any = 0;
	if (!b)
		return -ENOMEM;
	for (int c = 0; c < t->ncpus; c++) {
		for (uint32_t i = 0; i < nb; i++) {
			b[i] += slot_u64(r->val, slot, c, (size_t)i * 8);
			any |= b[i];
		}
		any |= slot_u64(r->val, slot, c, (size_t)nb * 8);
	}
	if (!any)
		return 0;
	*e = (struct out_entry){ .key = r->key, .buckets = b, .nbuckets = nb };
	return 1;
}

int rt_read_map(struct rt_trace *t, int id, struct out_entry **out, struct arena *a)
{
	const struct pd_map *m = &t->pd->maps.v[id];
	struct raw *r = NULL;
	int n = read_raw(t, id, a, &r);
	if (n == 0 && m->is_scalar && m->kind == PD_MAP_COUNT) {
		/* bpftrace 0.17 prints a keyless count() that never fired, or whose entry was
		 * deleted or cleared, as "@x: 0" */
		struct out_entry *e = arena_alloc(a, sizeof(*e));
		uint8_t *key = arena_alloc(a, m->key_size);
		if (!e || !key)
			return -ENOMEM;
		memset(key, 0, m->key_size);
		*e = (struct out_entry){ .key = key };
		*out = e;
		return 1;
	}
	if (n <= 0) {
		*out = NULL;
		return n;
	}
	struct out_entry *e = arena_alloc(a, (size_t)n * sizeof(*e));
	if (!e)
		return -ENOMEM;
	*out = e;
	if (m->buckets_in_value)
		return value_hist(t, m, r, a, e);
	if (m->kind == PD_MAP_HIST || m->kind == PD_MAP_LHIST)
		return group_hist(t, m, r, n, a, e);
	for (int i = 0; i < n; i++) {
		e[i].key = r[i].key;
		if (m->kind == PD_MAP_VALUE)
			e[i].value = r[i].val;
		else
			merge(t, m, r[i].val, &e[i]);
	}
	return n;
}

int rt_print_map(struct rt_trace *t, int id, uint64_t top, uint64_t div)
{
	if (id < 0 || id >= t->pd->maps.len || t->map_fds[id] < 0)
		return -EINVAL;
	struct arena a = { 0 };
	struct out_entry *e;
	int n = rt_read_map(t, id, &e, &a);
	int err = n < 0 ? n : 0;
	if (err)
		fprintf(stderr, "error: failed to read map %s: %s\n", t->pd->maps.v[id].name,
			strerror(-err));
	else
		err = out_print_map(&t->out, &t->pd->maps.v[id], e, n, top, div);
	t->map_full[id] = !t->pd->maps.v[id].is_scalar && n >= (int)t->pd->maps.v[id].max_entries;
	arena_free(&a);
	return err;
}

/* Deletes the n keys in one batch; returns how many it deleted: 0 when the kernel refused
 * (no batch operations, a key deleted meanwhile). Zeroing has no batch: the batch update
 * takes no BPF_EXIST and would bring back a key a probe deleted meanwhile. */
static int delete_batch(int fd, const struct raw *r, int n, size_t ks, struct arena *a)
{
	uint8_t *keys = arena_alloc(a, (size_t)n * ks);
	if (!keys)
		return 0;
	for (int i = 0; i < n; i++)
		memcpy(keys + (size_t)i * ks, r[i].key, ks);
	uint32_t count = (uint32_t)n;
	return bpf_map_delete_batch(fd, keys, &count, NULL) ? 0 : (int)count;
}

/* A hist whose buckets live in the value: clear() zeroes the counts, zero() as well but
 * marks a hist that has an entry, so that it stays (as the hash layout's keys do). */
static int reset_value_hist(struct rt_trace *t, int id, bool zero, struct arena *a)
{
	const struct pd_map *m = &t->pd->maps.v[id];
	struct out_entry *e;
	int n = zero ? rt_read_map(t, id, &e, a) : 0;
	uint8_t *v = n >= 0 ? arena_alloc(a, value_bytes(t, m)) : NULL;
	uint32_t key = 0;
	if (n < 0 || !v)
		return n < 0 ? n : -ENOMEM;
	uint64_t mark = n > 0;
	for (int c = 0; c < t->ncpus; c++)
		memcpy(v + slot_size(m) * (size_t)c + (size_t)pd_map_buckets(m) * 8, &mark, 8);
	return bpf_map_update_elem(t->map_fds[id], &key, v, BPF_ANY) ? -errno : 0;
}

/* Deletes (clear) or zeroes (zero) every entry; what a batch left, one at a time. */
static int each_key(struct rt_trace *t, int id, bool zero, struct arena *a)
{
	const struct pd_map *m = &t->pd->maps.v[id];
	struct raw *r;
	int n = read_raw(t, id, a, &r), err = n < 0 ? n : 0;
	uint8_t *zeros = n > 0 ? arena_alloc(a, value_bytes(t, m)) : NULL;
	if (n > 0 && !zeros)
		err = -ENOMEM;
	int done = err || zero ? 0 : delete_batch(t->map_fds[id], r, n, m->key_size, a);
	for (int i = done; i < n && !err; i++) {
		int rc = zero ? bpf_map_update_elem(t->map_fds[id], r[i].key, zeros, BPF_EXIST) :
				bpf_map_delete_elem(t->map_fds[id], r[i].key);
		if (rc && errno != ENOENT)
			err = -errno;
	}
	return err;
}

static int reset_map(struct rt_trace *t, int id, bool zero)
{
	if (id < 0 || id >= t->pd->maps.len || t->map_fds[id] < 0)
		return -EINVAL;
	const struct pd_map *m = &t->pd->maps.v[id];
	struct arena a = { 0 };
	int err = m->buckets_in_value ? reset_value_hist(t, id, zero, &a) :
					each_key(t, id, zero, &a);
	if (err)
		fprintf(stderr, "error: failed to %s map %s: %s\n", zero ? "zero" : "clear",
			m->name, strerror(-err));
	arena_free(&a);
	return err;
}

int rt_clear_map(struct rt_trace *t, int id)
{
	/* An emptied map prints as an empty line, a keyless count() as "@x: 0" (rt_read_map),
	 * as bpftrace 0.17. */
	return reset_map(t, id, false);
}

int rt_zero_map(struct rt_trace *t, int id)
{
	return reset_map(t, id, true);
}

uint64_t rt_read_lost(struct rt_trace *t, enum pd_lost_slot slot)
{
	if (t->lost_fd < 0 || t->ncpus <= 0)
		return 0;
	uint64_t *v = calloc((size_t)t->ncpus, 8), sum = 0;
	uint32_t key = (uint32_t)slot;
	if (v && !bpf_map_lookup_elem(t->lost_fd, &key, v)) {
		for (int c = 0; c < t->ncpus; c++)
			sum += v[c];
	}
	free(v);
	return sum;
}
