/* Probe functions: one BPF program per AST_PROBE in its kind's libbpf section (the row of
 * src/probekind.c), with its locals frame and predicate, and loop callbacks. */
#include "cg.h"

#include <errno.h>
#include <string.h>

static const char *section_name(struct cg *g, const struct pk_desc *k, const struct pd_probe *p)
{
	if (p->multi && k->multi_section)
		return k->multi_section;
	const char *t = p->target ? p->target : "";
	const char *f = p->func ? p->func : "";
	switch (k->section_args) {
	case 1:
		return arena_sprintf(&g->c->arena, k->section, f);
	case 2:
		return arena_sprintf(&g->c->arena, k->section, t, f);
	default:
		return k->section;
	}
}

static void add_fn_attrs(struct cg *g, LLVMValueRef fn)
{
	unsigned k = LLVMGetEnumAttributeKindForName("nounwind", 8);
	LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
				LLVMCreateEnumAttribute(g->ctx, k, 0));
}

/* Frame layout: the return flag, the context pointer (so loop callbacks reach it), then
 * one 8-aligned slot per local; hidden loop slots are added while lowering. Locals above
 * CG_STACK_VAR_MAX bytes go to pd_locals instead (offsets flagged CG_OFF_LOCALS). */
static int layout_frame(struct cg *g)
{
	int n = g->sp ? g->sp->vars.len : 0;
	g->var_off = arena_alloc(&g->c->arena, sizeof(int) * (size_t)(n ? n : 1));
	if (!g->var_off)
		return -ENOMEM;
	g->frame_size = 16;
	g->locals_size = 0;
	for (int i = 0; i < n; i++) {
		struct sema_var *v = g->sp->vars.v[i];
		int size = ((v->ty && v->ty->size > 0 ? v->ty->size : 8) + 7) & ~7;
		int *at = size > CG_STACK_VAR_MAX ? &g->locals_size : &g->frame_size;
		if (v->id >= 0 && v->id < n)
			g->var_off[v->id] = *at | (size > CG_STACK_VAR_MAX ? CG_OFF_LOCALS : 0);
		*at += size;
	}
	g->slots.len = 0;
	return 0;
}

/* Replaces the placeholder frame by a zeroed alloca of the final size at the top of the
 * entry block: locals start at zero, and loop callbacks may read any of them. */
static void finish_frame(struct cg *g)
{
	LLVMValueRef first = LLVMGetFirstInstruction(g->f.entry);
	LLVMPositionBuilderBefore(g->b, first);
	LLVMTypeRef at = LLVMArrayType2(g->i64, (uint64_t)(g->frame_size + 7) / 8);
	LLVMValueRef frame = LLVMBuildAlloca(g->b, at, "frame");
	LLVMSetAlignment(frame, 8);
	cg_memset0(g, frame, (g->frame_size + 7) & ~7);
	LLVMReplaceAllUsesWith(g->frame_placeholder, frame);
	LLVMInstructionEraseFromParent(g->frame_placeholder);
	g->frame_placeholder = NULL;
}

static LLVMValueRef make_fn(struct cg *g, const char *name, LLVMTypeRef *params, int n,
			    int line, bool local)
{
	LLVMTypeRef fty = LLVMFunctionType(g->i64, params, (unsigned)n, 0);
	LLVMValueRef fn = LLVMAddFunction(g->mod, name, fty);
	g->nfns++;
	add_fn_attrs(g, fn);
	g->f.fn = fn;
	g->f.sp = cg_di_function(g, name, line, n, local);
	LLVMSetSubprogram(fn, g->f.sp);
	g->f.entry = LLVMAppendBasicBlockInContext(g->ctx, fn, "entry");
	LLVMPositionBuilderAtEnd(g->b, g->f.entry);
	return fn;
}

/* An iterator's program runs once more after the last object, with the object NULL (the
 * pointer after bpf_iter_meta in every struct bpf_iter__NAME): skip that call. */
static void skip_iter_end(struct cg *g)
{
	cg_return_if_null(g, cg_load_int(g, cg_gep(g, g->f.ctx, 8), 8, false));
}

static void emit_body(struct cg *g, struct ast_node *probe)
{
	if (g->pdp->kind == PD_PROBE_ITER)
		skip_iter_end(g);
	if (g->pdp->sysdispatch)
		cg_sys_dispatch(g);
	if (probe->probe.pred) {
		cg_set_loc(g, &probe->probe.pred->loc);
		int mark = g->tmps.len;
		LLVMValueRef c = cg_cond(g, probe->probe.pred);
		LLVMBasicBlockRef yes = cg_block(g, "body");
		LLVMBasicBlockRef no = cg_block(g, "skip");
		cg_tmps_end(g, mark);
		LLVMBuildCondBr(g->b, c, yes, no);
		LLVMPositionBuilderAtEnd(g->b, no);
		LLVMBuildRet(g->b, cg_const(g, 0));
		LLVMPositionBuilderAtEnd(g->b, yes);
	}
	if (probe->probe.body)
		cg_block_stmts(g, probe->probe.body);
	cg_set_loc(g, &probe->loc);
	cg_ret(g, cg_const(g, 0));
}

/* Emits probe's body as the function `name`: a program in section sec, or with sec NULL a
 * static function of the program that runs every body at the probe's point (merged.c's
 * hosts); kept out of line so each body keeps its own 512-byte stack frame. */
static LLVMValueRef emit_body_fn(struct cg *g, struct ast_node *probe, const char *name,
				 const char *sec)
{
	struct sema_probe *sp = probe->probe.sp;
	g->probe = probe;
	g->sp = sp;
	g->pdp = &g->pd->probes.v[sp->pd_index];
	g->pk = pk_desc(g->pdp->kind);
	if (layout_frame(g))
		return NULL;
	memset(&g->f, 0, sizeof(g->f));
	LLVMTypeRef pt = g->ptr;
	LLVMValueRef fn = make_fn(g, name, &pt, 1, probe->loc.first_line, !sec);
	if (sec) {
		LLVMSetSection(fn, sec);
	} else {
		LLVMSetLinkage(fn, LLVMInternalLinkage);
		LLVMSetSection(fn, ".text");
		unsigned k = LLVMGetEnumAttributeKindForName("noinline", 8);
		LLVMAddAttributeAtIndex(fn, LLVMAttributeFunctionIndex,
					LLVMCreateEnumAttribute(g->ctx, k, 0));
	}
	g->f.ctx = LLVMGetParam(fn, 0);
	g->main_ctx = g->f.ctx;
	g->loops.len = 0;
	g->tmps.len = 0;
	cg_set_loc(g, &probe->loc);
	g->scratch_off = 0;
	g->frame_placeholder = LLVMBuildAlloca(g->b, g->i64, "frame.tmp");
	g->f.frame = g->frame_placeholder;
	cg_scratch_locals(g, true);
	LLVMValueRef s = LLVMBuildStore(g->b, g->f.ctx, cg_frame_ptr(g, 8));
	LLVMSetAlignment(s, 8);
	emit_body(g, probe);
	finish_frame(g);
	return fn;
}

/* The program of the probes at host's point (pd_probe.host): their bodies, each a static
 * function p<index>, called in script order; none can stop the next (`return`, exit()). */
static int emit_merged(struct cg *g, struct ast_node *host)
{
	int h = host->probe.sp->pd_index;
	ast_list *probes = &g->c->ast->program.probes;
	LLVMValueRef *fns = arena_alloc(&g->c->arena, sizeof(LLVMValueRef) * (size_t)probes->len);
	char *name = arena_sprintf(&g->pd->arena, "at%d", h);
	if (!fns || !name)
		return -ENOMEM;
	int n = 0;
	for (int i = 0; i < probes->len; i++) {
		struct ast_node *p = probes->v[i];
		const struct sema_probe *sp = p->probe.sp;
		if (!sp || g->pd->probes.v[sp->pd_index].host != h + 1)
			continue;
		char *body = arena_sprintf(&g->c->arena, "p%d", sp->pd_index);
		fns[n] = body ? emit_body_fn(g, p, body, NULL) : NULL;
		if (!fns[n++])
			return -ENOMEM;
		g->pd->probes.v[sp->pd_index].prog_name = name;
	}
	struct pd_probe *hp = &g->pd->probes.v[h];
	const char *sec = section_name(g, pk_desc(hp->kind), hp);
	if (!sec)
		return -ENOMEM;
	memset(&g->f, 0, sizeof(g->f));
	LLVMTypeRef pt = g->ptr;
	LLVMValueRef fn = make_fn(g, name, &pt, 1, host->loc.first_line, false);
	LLVMSetSection(fn, sec);
	cg_set_loc(g, &host->loc);
	LLVMValueRef ctx = LLVMGetParam(fn, 0);
	for (int i = 0; i < n; i++)
		LLVMBuildCall2(g->b, LLVMGlobalGetValueType(fns[i]), fns[i], &ctx, 1, "");
	LLVMBuildRet(g->b, cg_const(g, 0));
	return g->err;
}

int cg_emit_probe(struct cg *g, struct ast_node *probe)
{
	struct sema_probe *sp = probe->probe.sp;
	if (!sp || sp->pd_index < 0 || sp->pd_index >= g->pd->probes.len) {
		diag_error(&g->c->diag, &probe->loc, "internal error: probe was not resolved");
		return -EINVAL;
	}
	struct pd_probe *pdp = &g->pd->probes.v[sp->pd_index];
	int leader = sp->share - 1;
	if (leader >= 0 && leader < sp->pd_index && g->pd->probes.v[leader].prog_name) {
		/* the same body at another point of the same kind: one program attached twice */
		pdp->prog_name = g->pd->probes.v[leader].prog_name;
		return 0;
	}
	/* probes at one point: emitted with the first of them (the host) */
	if (pdp->host && !pdp->sysdispatch)
		return pdp->host - 1 == sp->pd_index ? emit_merged(g, probe) : 0;
	char *name = arena_sprintf(&g->pd->arena, "p%d", sp->pd_index);
	const char *sec = section_name(g, pk_desc(pdp->kind), pdp);
	if (!name || !sec)
		return -ENOMEM;
	pdp->prog_name = name;
	return emit_body_fn(g, probe, name, sec) ? g->err : -ENOMEM;
}

LLVMValueRef cg_begin_callback(struct cg *g, const char *what, LLVMTypeRef *params, int nparams,
			       const struct src_loc *loc)
{
	char *name = arena_sprintf(&g->c->arena, "%s%d", what, g->ncallbacks++);
	if (!name) {
		g->err = -ENOMEM;
		name = (char *)what;
	}
	memset(&g->f, 0, sizeof(g->f));
	LLVMValueRef fn = make_fn(g, name, params, nparams, loc ? loc->first_line : 0, true);
	LLVMSetLinkage(fn, LLVMInternalLinkage);
	LLVMSetSection(fn, ".text");
	g->f.is_callback = true;
	cg_set_loc(g, loc);
	cg_scratch_locals(g, false);
	return fn;
}
