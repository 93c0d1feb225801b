/* Probe bodies that differ only in which maps and event numbers they use, compiled once.
 * Every probe body is a static function taking the probe's context and what differs
 * between the probes that may share it: a point's merged bodies (probes.c) take their
 * first CG_SHAPE_MAPS maps as arguments; a program's body takes a pointer to an array, on
 * its program's stack, of up to CG_SHAPE_INST maps and event numbers (printf formats...).
 * A body whose code, printed without its name and debug locations, equals an earlier one
 * of its module is dropped and the earlier one called with its own values: 1,000
 * `@cN = count()` probes on one tracepoint are one body, and the 100 probes of eight
 * statements of bench/scale.sh's 1,000-line script one body and 100 calls, instead of a
 * body each for LLVM's instruction selection and register allocation (1.5-5 ms each).
 * Anything else that differs (a constant, a probe number, another global, a loop
 * callback) shows in the code, so such bodies are not shared. A program body no other
 * probe shares is inlined back into its program (cg_shape_finish): a call per event only
 * where a body repeats. The verifier still checks every program whole; a shared body's
 * line info is its first probe's lines. */
#include "cg.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <llvm-c/Target.h>

/* The index of (is_map, v) among the body's values, added on first use; -1 when the body
 * receives no such value (not shareable, or full). */
static int inst_slot(struct cg *g, bool is_map, uint32_t v)
{
	struct cg_fn *f = &g->f;
	if (f->shape == CG_SHAPE_NONE || (f->shape == CG_SHAPE_ARGS && !is_map))
		return -1;
	for (int k = 0; k < f->ninst; k++)
		if (f->inst[k].is_map == is_map && f->inst[k].v == v)
			return k;
	if (f->ninst == (f->shape == CG_SHAPE_ARRAY ? CG_SHAPE_INST : CG_SHAPE_MAPS))
		return -1;
	f->inst[f->ninst] = (struct cg_inst){ is_map, v };
	return f->ninst++;
}

/* Value k of the body: argument 1 + k, or slot k of the array argument 1 (a load where it
 * is used; the optimiser merges the repeats). */
static LLVMValueRef inst_value(struct cg *g, int k, LLVMTypeRef t)
{
	if (g->f.shape == CG_SHAPE_ARGS)
		return LLVMGetParam(g->f.fn, 1 + (unsigned)k);
	LLVMValueRef l = LLVMBuildLoad2(g->b, t, cg_gep(g, LLVMGetParam(g->f.fn, 1), 8 * k), "");
	LLVMSetAlignment(l, 8);
	return l;
}

LLVMValueRef cg_shape_map(struct cg *g, int id)
{
	int k = inst_slot(g, true, (uint32_t)id);
	return k < 0 ? NULL : inst_value(g, k, g->ptr);
}

LLVMValueRef cg_shape_number(struct cg *g, uint32_t v)
{
	int k = inst_slot(g, false, v);
	return k < 0 ? cg_const(g, v) : inst_value(g, k, g->i64);
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

/* A program body whose stack is big is never shared: a call adds the values' array to the
 * program's frame, and the verifier allows 512 bytes for both frames together. The body's
 * stack is counted before optimisation, every alloca (frame and temporaries) apart, which
 * errs on the big side; the margin is for the backend's spills. */
#define CG_SHAPE_STACK_MAX 384

static bool stack_fits(struct cg *g, LLVMValueRef fn)
{
	LLVMTargetDataRef td = LLVMGetModuleDataLayout(g->mod);
	unsigned long long bytes = 8ull * (unsigned)g->f.ninst;
	LLVMBasicBlockRef entry = LLVMGetEntryBasicBlock(fn);
	for (LLVMValueRef i = LLVMGetFirstInstruction(entry); i; i = LLVMGetNextInstruction(i))
		if (LLVMIsAAllocaInst(i))
			bytes += LLVMABISizeOfType(td, LLVMGetAllocatedType(i));
	return bytes <= CG_SHAPE_STACK_MAX;
}

LLVMValueRef cg_shape_share(struct cg *g, LLVMValueRef fn)
{
	enum cg_shape_mode mode = g->f.shape;
	bool big = mode == CG_SHAPE_ARRAY && !stack_fits(g, fn);
	char *ir = big ? NULL : fingerprint(g, fn);
	if (!big && !ir)
		return NULL;
	uint64_t h = ir ? hash(ir) : 0;
	for (int i = 0; ir && i < g->shapes.len; i++) {
		struct cg_shape *sh = &g->shapes.v[i];
		if (sh->ir && sh->hash == h && !strcmp(sh->ir, ir)) {
			/* still counted in g->nfns: printing a body walks the debug info of
			 * every map of its module, so the bodies keep spreading the modules
			 * (1,000 probes at one point: 0.22 s instead of 0.29 s) */
			LLVMDeleteFunction(fn);
			sh->uses++;
			return sh->fn;
		}
	}
	struct cg_shape sh = { h, ir, fn, mode, 1 };
	return vec_push(&g->c->arena, &g->shapes, sh) ? NULL : fn;
}

LLVMValueRef cg_shape_call(struct cg *g, LLVMValueRef fn, const struct cg_fn *body,
			   LLVMValueRef ctx)
{
	LLVMValueRef args[1 + CG_SHAPE_MAPS] = { ctx };
	unsigned nargs = 2;
	if (body->shape == CG_SHAPE_ARGS) {
		for (int k = 0; k < CG_SHAPE_MAPS; k++)
			args[1 + k] = k < body->ninst ? g->maps[body->inst[k].v] :
							LLVMConstPointerNull(g->ptr);
		nargs = 1 + CG_SHAPE_MAPS;
	} else {
		LLVMTypeRef at = LLVMArrayType2(g->i64, body->ninst ? (uint64_t)body->ninst : 1);
		args[1] = LLVMBuildAlloca(g->b, at, "inst");
		for (int k = 0; k < body->ninst; k++) {
			const struct cg_inst *in = &body->inst[k];
			LLVMValueRef v = in->is_map ? g->maps[in->v] : cg_const(g, in->v);
			LLVMValueRef st = LLVMBuildStore(g->b, v, cg_gep(g, args[1], 8 * k));
			LLVMSetAlignment(st, 8);
		}
	}
	return LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fn), fn, args, nargs, "");
}

/* A program body only one probe calls is inlined into its program (the optimiser's
 * always-inline pass, emit.c's CG_PIPELINE), where its values become constants again:
 * the code is the body's own, without a call per event. */
void cg_shape_finish(struct cg *g)
{
	unsigned noinline = LLVMGetEnumAttributeKindForName("noinline", 8);
	unsigned always = LLVMGetEnumAttributeKindForName("alwaysinline", 12);
	for (int i = 0; i < g->shapes.len; i++) {
		const struct cg_shape *sh = &g->shapes.v[i];
		if (sh->mode != CG_SHAPE_ARRAY || sh->uses > 1)
			continue;
		LLVMRemoveEnumAttributeAtIndex(sh->fn, LLVMAttributeFunctionIndex, noinline);
		LLVMAddAttributeAtIndex(sh->fn, LLVMAttributeFunctionIndex,
					LLVMCreateEnumAttribute(g->ctx, always, 0));
	}
}
