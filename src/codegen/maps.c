/* Map declarations: every pd->maps entry plus the ring buffer, the lost-event counter and
 * the globals array, as BTF-defined maps (zeroed globals in ".maps" whose debug type is
 * the struct of type/max_entries/key/value pointers libbpf reads). A module declares the
 * script's maps its programs use, on first use (the modules after the first weak, merged at
 * link), so each module's BTF stays the size of its own programs: the first module used to
 * declare them all, and with 1,000 maps its BTF strings made it the straggler every other
 * module's thread waited for. The maps no program uses go to the first module at the end. */
#include "cg.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <linux/bpf.h>

LLVMValueRef cg_map_global(struct cg *g, const char *sym, int nptrs, LLVMMetadataRef di)
{
	LLVMTypeRef fields[4] = { g->ptr, g->ptr, g->ptr, g->ptr };
	LLVMTypeRef st = LLVMStructTypeInContext(g->ctx, fields, (unsigned)nptrs, 0);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, st, sym);
	LLVMSetInitializer(gv, LLVMConstNull(st));
	LLVMSetSection(gv, ".maps");
	LLVMSetAlignment(gv, 8);
	LLVMSetLinkage(gv, g->weak_maps ? LLVMWeakAnyLinkage : LLVMExternalLinkage);
	if (di)
		cg_di_global(g, gv, sym, di);
	return gv;
}

/* Wraps t in a struct of exactly size bytes when its own size differs: the kernel checks
 * that the BTF key/value size equals the map's. */
static LLVMMetadataRef sized(struct cg *g, LLVMMetadataRef t, int size)
{
	if (LLVMDITypeGetSizeInBits(t) == (uint64_t)size * 8)
		return t;
	if (LLVMDITypeGetSizeInBits(t) > (uint64_t)size * 8)
		return cg_di_bytes(g, size);
	const char *name = "v";
	int off = 0;
	return cg_di_struct(g, size, &name, &t, &off, 1);
}

static LLVMMetadataRef pair(struct cg *g, const char *a, const char *b)
{
	const char *names[2] = { a, b };
	LLVMMetadataRef types[2] = { cg_di_int(g, 8, true), cg_di_int(g, 8, false) };
	int offs[2] = { 0, 8 };
	return cg_di_struct(g, 16, names, types, offs, 2);
}

static LLVMMetadataRef key_type(struct cg *g, const struct pd_map *m)
{
	bool hist = m->kind == PD_MAP_HIST || m->kind == PD_MAP_LHIST;
	if (m->buckets_in_value)
		return cg_di_int(g, 4, false);
	if (m->key.fields.len == 0 && !hist)
		return cg_di_int(g, 8, false);
	const char *names[65];
	LLVMMetadataRef types[65];
	int offs[65];
	int n = 0;
	for (int i = 0; i < m->key.fields.len && n < 64; i++) {
		const struct pd_type *f = &m->key.fields.v[i];
		names[n] = arena_sprintf(&g->c->arena, "k%d", i);
		if (!names[n])
			names[n] = "k";
		types[n] = cg_di_pd_type(g, f);
		offs[n++] = (int)f->offset;
	}
	if (hist) {
		names[n] = "bucket";
		types[n] = cg_di_int(g, 8, false);
		offs[n++] = (int)m->bucket_off;
	}
	return cg_di_struct(g, (int)m->key_size, names, types, offs, n);
}

static LLVMMetadataRef value_type(struct cg *g, const struct pd_map *m)
{
	switch (m->kind) {
	case PD_MAP_VALUE:
		return cg_di_pd_type(g, &m->value);
	case PD_MAP_HIST:
	case PD_MAP_LHIST:
		if (m->buckets_in_value)
			return cg_di_bytes(g, (int)m->value_size);
		return cg_di_int(g, 8, false);
	case PD_MAP_COUNT:
		return cg_di_int(g, 8, false);
	case PD_MAP_SUM:
		return cg_di_int(g, 8, pd_kinds[m->value.kind].flags & PD_KF_SIGNED);
	case PD_MAP_MIN:
	case PD_MAP_MAX:
		return pair(g, "value", "set");
	case PD_MAP_AVG:
	case PD_MAP_STATS:
		return pair(g, "sum", "count");
	}
	return cg_di_bytes(g, (int)m->value_size);
}

static uint32_t map_entries(struct cg *g, struct pd_map *m)
{
	uint32_t n = m->max_entries;
	if (n == 0)
		n = m->is_scalar ? 1 : (uint32_t)g->c->opts.map_keys_max;
	m->max_entries = n; /* the runtime sizes maps from pd: keep both in agreement */
	return n;
}

static int declare_user_map(struct cg *g, int i)
{
	struct pd_map *m = &g->pd->maps.v[i];
	int type = m->kind == PD_MAP_VALUE  ? BPF_MAP_TYPE_HASH :
		   m->buckets_in_value	    ? BPF_MAP_TYPE_PERCPU_ARRAY :
					      BPF_MAP_TYPE_PERCPU_HASH;
	if (!m->sym)
		m->sym = arena_sprintf(&g->pd->arena, "m%d", i);
	if (!m->sym)
		return -ENOMEM;
	LLVMMetadataRef key = sized(g, key_type(g, m), (int)m->key_size);
	LLVMMetadataRef val = sized(g, value_type(g, m), (int)m->value_size);
	LLVMMetadataRef di = cg_di_map_type(g, type, map_entries(g, m), key, val);
	g->maps[i] = cg_map_global(g, m->sym, 4, di);
	return 0;
}

static LLVMMetadataRef events_type(struct cg *g)
{
	return cg_di_map_type(g, BPF_MAP_TYPE_RINGBUF, g->pd->ringbuf_size, NULL, NULL);
}

static LLVMMetadataRef lost_type(struct cg *g)
{
	return cg_di_map_type(g, BPF_MAP_TYPE_PERCPU_ARRAY, PD_LOST__COUNT, cg_di_int(g, 4, false),
			      cg_di_int(g, 8, false));
}

static LLVMMetadataRef globals_type(struct cg *g)
{
	const char *names[3] = { "cpid", "start_ns", "ncpus" };
	LLVMMetadataRef u64 = cg_di_int(g, 8, false);
	LLVMMetadataRef types[3] = { u64, u64, u64 };
	int offs[3] = { offsetof(struct pd_globals, cpid), offsetof(struct pd_globals, start_ns),
			offsetof(struct pd_globals, ncpus) };
	LLVMMetadataRef gl = cg_di_struct(g, sizeof(struct pd_globals), names, types, offs, 3);
	return cg_di_map_type(g, BPF_MAP_TYPE_ARRAY, 1, cg_di_int(g, 4, false), gl);
}

static LLVMMetadataRef names_type(struct cg *g)
{
	return cg_di_map_type(g, BPF_MAP_TYPE_ARRAY, 2 * (uint32_t)g->pd->probes.len,
			      cg_di_int(g, 4, false), cg_di_bytes(g, (int)g->pd->names_size));
}

static LLVMMetadataRef ctl_type(struct cg *g)
{
	return cg_di_map_type(g, BPF_MAP_TYPE_RINGBUF, PD_CTLBUF_SIZE, NULL, NULL);
}

static LLVMMetadataRef sysnr_type(struct cg *g)
{
	return cg_di_map_type(g, BPF_MAP_TYPE_ARRAY, 2 * PD_SYSNR_MAX, cg_di_int(g, 4, false),
			      cg_di_int(g, 4, false));
}

static bool always(struct cg *g)
{
	(void)g;
	return true;
}

static bool by_first_user(struct cg *g)
{
	(void)g;
	return false;
}

static bool has_names(struct cg *g)
{
	return g->pd->names_size > 0;
}

static bool has_sysdispatch(struct cg *g)
{
	for (int i = 0; i < g->pd->probes.len; i++)
		if (g->pd->probes.v[i].sysdispatch)
			return true;
	return false;
}

/* The maps every program may use besides the script's: symbol, pointer members, BTF, and
 * whether the first module declares it (the others declare a map when they use it, weak,
 * and the link merges them; a map no module uses is not created). */
static const struct {
	const char *sym;
	int nptrs;
	LLVMMetadataRef (*type)(struct cg *g);
	bool (*declared_first)(struct cg *g);
} sys_maps[CG_SYS__COUNT] = {
	[CG_SYS_EVENTS] = { PD_RINGBUF_SYM, 2, events_type, always },
	[CG_SYS_LOST] = { PD_LOST_SYM, 4, lost_type, always },
	[CG_SYS_GLOBALS] = { PD_GLOBALS_SYM, 4, globals_type, always },
	[CG_SYS_NAMES] = { PD_NAMES_SYM, 4, names_type, has_names },
	[CG_SYS_CTL] = { PD_CTLBUF_SYM, 2, ctl_type, by_first_user },
	[CG_SYS_SYSNR] = { PD_SYSNR_SYM, 4, sysnr_type, has_sysdispatch },
};

LLVMValueRef cg_sys_map(struct cg *g, enum cg_sys which)
{
	if (!g->sys_maps[which])
		g->sys_maps[which] = cg_map_global(g, sys_maps[which].sym, sys_maps[which].nptrs,
						   sys_maps[which].type(g));
	return g->sys_maps[which];
}

LLVMValueRef cg_map(struct cg *g, int id)
{
	if (!g->maps[id] && declare_user_map(g, id))
		g->err = -ENOMEM;
	return g->maps[id];
}

/* Stack trace maps: u32 id -> u64 ips[depth]. */
LLVMValueRef cg_stack_map(struct cg *g, int i)
{
	if (!g->stack_maps[i]) {
		const struct pd_stackmap *s = &g->pd->stackmaps.v[i];
		LLVMMetadataRef di = cg_di_map_type(g, BPF_MAP_TYPE_STACK_TRACE, s->max_entries,
						    cg_di_int(g, 4, false),
						    cg_di_bytes(g, (int)s->depth * 8));
		g->stack_maps[i] = cg_map_global(g, s->sym, 4, di);
	}
	return g->stack_maps[i];
}

int cg_declare_maps(struct cg *g, bool first)
{
	int n = g->pd->maps.len, ns = g->pd->stackmaps.len;
	g->maps = arena_alloc(&g->c->arena, sizeof(LLVMValueRef) * (size_t)(n ? n : 1));
	g->stack_maps = arena_alloc(&g->c->arena, sizeof(LLVMValueRef) * (size_t)(ns ? ns : 1));
	if (!g->maps || !g->stack_maps)
		return -ENOMEM;
	for (int i = 0; first && i < CG_SYS__COUNT; i++) {
		if (sys_maps[i].declared_first(g))
			cg_sys_map(g, (enum cg_sys)i);
	}
	return 0;
}

/* Declares in units[0] the maps no module's programs use (the runtime finds every map of
 * pd->maps and pd->stackmaps in the object: it sizes them and reads them at exit). */
int cg_declare_unused_maps(struct cg *units, int n)
{
	struct cg *g = &units[0];
	for (int i = 0; i < g->pd->maps.len; i++) {
		int u = 0;
		while (u < n && !units[u].maps[i])
			u++;
		if (u == n && declare_user_map(g, i))
			return -ENOMEM;
	}
	for (int i = 0; i < g->pd->stackmaps.len; i++) {
		int u = 0;
		while (u < n && !units[u].stack_maps[i])
			u++;
		if (u == n)
			cg_stack_map(g, i);
	}
	return g->err;
}
