/* Per-CPU scratch memory for values too big for the 512-byte BPF stack: statement
 * temporaries above CG_STACK_TMP_MAX bytes (strings with a big max_strlen, big map keys,
 * tuples and records) in `pd_scratch`, and locals above CG_STACK_VAR_MAX bytes in
 * `pd_locals`. Both are PERCPU_ARRAY[1] maps whose value is sized, once every probe is
 * lowered, to the largest need of any program. A program runs
 * to completion on its CPU; only a program that interrupts another on the same CPU (a perf
 * event in NMI) could share the bytes, as with bpftrace's scratch maps. */
#include "cg.h"

#include <linux/bpf.h>

#define SCRATCH_SYM "pd_scratch"
#define LOCALS_SYM "pd_locals"

/* The map's value for this CPU; a NULL lookup (never seen: key 0 of a one-entry array)
 * returns from the function. */
static LLVMValueRef lookup(struct cg *g, LLVMValueRef *map, const char *sym)
{
	if (!*map)
		*map = cg_map_global(g, sym, 4, NULL);
	int mark = g->tmps.len;
	LLVMValueRef key = cg_tmp(g, 4);
	cg_store_int(g, key, cg_const(g, 0), 4);
	LLVMValueRef args[2] = { *map, key };
	LLVMValueRef p = cg_helper(g, BPF_FUNC_map_lookup_elem, args, 2);
	cg_tmps_end(g, mark);
	cg_return_if_null(g, p);
	return p;
}

LLVMValueRef cg_scratch_tmp(struct cg *g, int size)
{
	struct cg_tmp t = { NULL, size, g->scratch_off };
	if (vec_push(&g->c->arena, &g->tmps, t))
		g->err = -ENOMEM;
	g->scratch_off += size;
	if (g->scratch_off > g->scratch_max)
		g->scratch_max = g->scratch_off;
	return cg_gep(g, lookup(g, &g->scratch_map, SCRATCH_SYM), t.scratch_off);
}

void cg_scratch_locals(struct cg *g, bool zero)
{
	g->f.locals = NULL;
	if (!g->locals_size)
		return;
	g->f.locals = lookup(g, &g->locals_map, LOCALS_SYM);
	if (zero)
		cg_memset0(g, g->f.locals, g->locals_size);
	if (g->locals_size > g->locals_max)
		g->locals_max = g->locals_size;
}

static void declare(struct cg *g, LLVMValueRef map, const char *sym, int size)
{
	if (!map)
		return;
	LLVMMetadataRef di = cg_di_map_type(g, BPF_MAP_TYPE_PERCPU_ARRAY, 1, cg_di_int(g, 4, false),
					    cg_di_bytes(g, size));
	cg_di_global(g, map, sym, di);
}

void cg_scratch_declare(struct cg *g)
{
	declare(g, g->scratch_map, SCRATCH_SYM, g->scratch_max);
	declare(g, g->locals_map, LOCALS_SYM, g->locals_max);
}
