/* Probe bodies that differ only in which maps they use, compiled once. The bodies of the
 * probes at one point (probes.c's merged programs) are static functions taking the probe's
 * context and, as arguments, the first CG_SHAPE_MAPS script maps they use; a body whose
 * code, printed without its name and debug locations, equals an earlier one of its module
 * is dropped and the earlier one called with its own maps. 1,000 `@cN = count()` probes on
 * one tracepoint are then one body and 16 programs of calls instead of 1,000 bodies for
 * LLVM's instruction selection and register allocation (about 1.5 ms each). Anything else
 * that differs (a constant, a format or probe number, another global, a loop callback)
 * shows in the code, so such bodies are not shared. The verifier still checks every
 * program whole; a shared body's line info is its first probe's lines. */
#include "cg.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

LLVMValueRef cg_shape_map(struct cg *g, int id)
{
	struct cg_fn *f = &g->f;
	int k = 0;
	while (k < f->nmaps && f->map_ids[k] != id)
		k++;
	if (k == CG_SHAPE_MAPS)
		return NULL;
	if (k == f->nmaps)
		f->map_ids[f->nmaps++] = id;
	return LLVMGetParam(f->fn, 1 + (unsigned)k);
}

/* fn's printed code without its name and its debug locations (" !dbg !N", ", !dbg !N"),
 * owned by c->arena; NULL on -ENOMEM. */
static char *fingerprint(struct cg *g, LLVMValueRef fn)
{
	char *ir = LLVMPrintValueToString(fn);
	size_t len;
	const char *name = LLVMGetValueName2(fn, &len);
	char *out = arena_alloc(&g->c->arena, strlen(ir) + 1);
	if (out) {
		const char *s = ir, *o_name = strchr(ir, '@'), *name_end = NULL;
		char *o = out;
		if (o_name && !strncmp(o_name + 1, name, len))
			name_end = o_name + 1 + len;
		while (*s) {
			if (s == o_name && name_end) {
				s = name_end;
				continue;
			}
			const char *dbg = s[0] == ',' || s[0] == ' ' ? s + (s[0] == ',') : NULL;
			if (dbg && !strncmp(dbg, " !dbg !", 7)) {
				s = dbg + 7;
				while (*s >= '0' && *s <= '9')
					s++;
				continue;
			}
			*o++ = *s++;
		}
		*o = 0;
	}
	LLVMDisposeMessage(ir);
	return out;
}

static uint64_t hash(const char *s)
{
	uint64_t h = 14695981039346656037ull;
	while (*s)
		h = (h ^ (unsigned char)*s++) * 1099511628211ull;
	return h;
}

LLVMValueRef cg_shape_share(struct cg *g, LLVMValueRef fn)
{
	char *ir = fingerprint(g, fn);
	if (!ir)
		return NULL;
	uint64_t h = hash(ir);
	for (int i = 0; i < g->shapes.len; i++) {
		if (g->shapes.v[i].hash == h && !strcmp(g->shapes.v[i].ir, ir)) {
			/* still counted in g->nfns: printing a body walks the debug info of
			 * every map of its module, so the bodies keep spreading the modules
			 * (1,000 probes at one point: 0.22 s instead of 0.29 s) */
			LLVMDeleteFunction(fn);
			return g->shapes.v[i].fn;
		}
	}
	struct cg_shape s = { h, ir, fn };
	return vec_push(&g->c->arena, &g->shapes, s) ? NULL : fn;
}
