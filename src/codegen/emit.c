/* Codegen entry point: builds one LLVM module for the typed AST (maps, a function per
 * probe, the license), verifies and optimises it, and emits a BPF ELF into memory. */
#include "cg.h"
#include "codegen.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <llvm-c/Analysis.h>
#include <llvm-c/Target.h>
#include <llvm-c/TargetMachine.h>
#include <llvm-c/Transforms/PassBuilder.h>

void cg_fail(struct cg *g, const struct src_loc *loc, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	diag_report(&g->c->diag, DIAG_ERROR, loc, fmt, ap);
	va_end(ap);
	if (!g->err)
		g->err = -EINVAL;
}

static const struct ast_node *probe_by_index(struct cg *g, int idx)
{
	for (int i = 0; i < g->c->ast->program.probes.len; i++) {
		const struct ast_node *p = g->c->ast->program.probes.v[i];
		if (p->probe.sp && p->probe.sp->pd_index == idx)
			return p;
	}
	return NULL;
}

/* LLVM reports backend errors (the BPF stack limit above all) through the context; turn
 * them into diagnostics at the probe they concern. */
static void on_llvm_diag(LLVMDiagnosticInfoRef di, void *ctx)
{
	struct cg *g = ctx;
	if (LLVMGetDiagInfoSeverity(di) != LLVMDSError)
		return;
	char *msg = LLVMGetDiagInfoDescription(di);
	const char *fn = msg ? strstr(msg, "in function p") : NULL;
	const struct ast_node *p = fn ? probe_by_index(g, atoi(fn + 13)) : NULL;
	/* The backend complains once per offending instruction: say it once per function. */
	int idx = p ? p->probe.sp->pd_index : -1;
	for (int i = 0; i < g->llvm_errs.len; i++) {
		if (g->llvm_errs.v[i] == idx) {
			LLVMDisposeMessage(msg);
			return;
		}
	}
	if (vec_push(&g->c->arena, &g->llvm_errs, idx))
		g->err = -ENOMEM;
	const struct src_loc *loc = p ? &p->loc : NULL;
	const char *name = p ? g->pd->probes.v[p->probe.sp->pd_index].name : "a probe";
	if (msg && strstr(msg, "stack limit"))
		diag_error(&g->c->diag, loc,
			   "%s needs more than 512 bytes of BPF stack, the verifier's limit; use "
			   "fewer string variables or shorter strings (BPFTRACE_MAX_STRLEN is %d)",
			   name, g->c->opts.strlen);
	else
		diag_error(&g->c->diag, loc, "BPF code generation failed: %s", msg ? msg : "?");
	LLVMDisposeMessage(msg);
	if (!g->err)
		g->err = -EINVAL;
}

static void init_llvm(void)
{
	static bool done;
	if (done)
		return;
	LLVMInitializeBPFTargetInfo();
	LLVMInitializeBPFTarget();
	LLVMInitializeBPFTargetMC();
	LLVMInitializeBPFAsmPrinter();
	done = true;
}

static void add_license(struct cg *g)
{
	LLVMValueRef s = LLVMConstStringInContext(g->ctx, "GPL", 3, 0);
	LLVMValueRef gv = LLVMAddGlobal(g->mod, LLVMTypeOf(s), "LICENSE");
	LLVMSetInitializer(gv, s);
	LLVMSetSection(gv, "license");
	LLVMSetAlignment(gv, 1);
}

static void setup(struct cg *g, struct compiler *c)
{
	memset(g, 0, sizeof(*g));
	g->c = c;
	g->pd = c->pd;
	g->ctx = LLVMContextCreate();
	g->mod = LLVMModuleCreateWithNameInContext("bpfscope", g->ctx);
	LLVMSetTarget(g->mod, "bpf");
	LLVMSetDataLayout(g->mod, "e-m:e-p:64:64-i64:64-i128:128-n32:64-S128");
	LLVMContextSetDiagnosticHandler(g->ctx, on_llvm_diag, g);
	g->b = LLVMCreateBuilderInContext(g->ctx);
	g->i1 = LLVMInt1TypeInContext(g->ctx);
	g->i8 = LLVMInt8TypeInContext(g->ctx);
	g->i16 = LLVMInt16TypeInContext(g->ctx);
	g->i32 = LLVMInt32TypeInContext(g->ctx);
	g->i64 = LLVMInt64TypeInContext(g->ctx);
	g->ptr = LLVMPointerTypeInContext(g->ctx, 0);
	g->vd = LLVMVoidTypeInContext(g->ctx);
	cg_di_init(g);
}

static void teardown(struct cg *g)
{
	if (g->dib)
		LLVMDisposeDIBuilder(g->dib);
	if (g->b)
		LLVMDisposeBuilder(g->b);
	if (g->mod)
		LLVMDisposeModule(g->mod);
	if (g->ctx)
		LLVMContextDispose(g->ctx);
}

static FILE *debug_out(struct cg *g)
{
	return g->c->opts.debug_out ? g->c->opts.debug_out : stderr;
}

static int verify(struct cg *g)
{
	char *msg = NULL;
	if (LLVMVerifyModule(g->mod, LLVMReturnStatusAction, &msg)) {
		diag_error(&g->c->diag, NULL, "internal error: invalid LLVM IR: %s", msg);
		if (g->c->opts.debug & CC_DEBUG_IR) {
			char *ir = LLVMPrintModuleToString(g->mod);
			fputs(ir, debug_out(g));
			LLVMDisposeMessage(ir);
		}
		LLVMDisposeMessage(msg);
		return -EINVAL;
	}
	LLVMDisposeMessage(msg);
	return 0;
}

static int optimise(struct cg *g, LLVMTargetMachineRef tm)
{
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMErrorRef e = LLVMRunPasses(g->mod, "default<O2>", tm, po);
	LLVMDisposePassBuilderOptions(po);
	if (e) {
		char *msg = LLVMGetErrorMessage(e);
		diag_error(&g->c->diag, NULL, "internal error: LLVM passes failed: %s", msg);
		LLVMDisposeErrorMessage(msg);
		return -EINVAL;
	}
	if (g->c->opts.debug & CC_DEBUG_IR) {
		char *ir = LLVMPrintModuleToString(g->mod);
		fputs(ir, debug_out(g));
		LLVMDisposeMessage(ir);
	}
	return 0;
}

static int emit_file(struct cg *g, LLVMTargetMachineRef tm, LLVMCodeGenFileType kind,
		     LLVMMemoryBufferRef *out)
{
	char *msg = NULL;
	if (LLVMTargetMachineEmitToMemoryBuffer(tm, g->mod, kind, &msg, out)) {
		diag_error(&g->c->diag, NULL, "internal error: BPF code generation failed: %s",
			   msg ? msg : "unknown");
		LLVMDisposeMessage(msg);
		return -EINVAL;
	}
	return 0;
}

static int emit_object(struct cg *g)
{
	LLVMTargetRef t;
	char *msg = NULL;
	if (LLVMGetTargetFromTriple("bpf", &t, &msg)) {
		diag_error(&g->c->diag, NULL, "internal error: no BPF target in LLVM: %s", msg);
		LLVMDisposeMessage(msg);
		return -ENOENT;
	}
	LLVMTargetMachineRef tm = LLVMCreateTargetMachine(t, "bpf", "v3", "",
							  LLVMCodeGenLevelDefault, LLVMRelocDefault,
							  LLVMCodeModelDefault);
	int err = optimise(g, tm);
	LLVMMemoryBufferRef buf = NULL;
	if (!err && (g->c->opts.debug & CC_DEBUG_ASM)) {
		err = emit_file(g, tm, LLVMAssemblyFile, &buf);
		if (!err) {
			fwrite(LLVMGetBufferStart(buf), 1, LLVMGetBufferSize(buf), debug_out(g));
			LLVMDisposeMemoryBuffer(buf);
		}
	}
	if (!err)
		err = emit_file(g, tm, LLVMObjectFile, &buf);
	if (!err && g->err) {
		LLVMDisposeMemoryBuffer(buf);
		err = g->err;
	}
	if (!err) {
		size_t n = LLVMGetBufferSize(buf);
		g->c->elf = malloc(n);
		if (g->c->elf) {
			memcpy(g->c->elf, LLVMGetBufferStart(buf), n);
			g->c->elf_size = n;
		} else {
			err = -ENOMEM;
		}
		LLVMDisposeMemoryBuffer(buf);
	}
	LLVMDisposeTargetMachine(tm);
	return err;
}

int cg_emit(struct compiler *c)
{
	struct cg g;
	int err;
	if (!c->ast || !c->pd)
		return -EINVAL;
	init_llvm();
	setup(&g, c);
	free(c->elf);
	c->elf = NULL;
	c->elf_size = 0;
	err = cg_declare_maps(&g);
	if (!err)
		add_license(&g);
	for (int i = 0; !err && i < c->ast->program.probes.len; i++)
		err = cg_emit_probe(&g, c->ast->program.probes.v[i]);
	if (!err && g.err)
		err = g.err;
	if (!err)
		cg_scratch_declare(&g);
	LLVMDIBuilderFinalize(g.dib);
	if (!err)
		err = verify(&g);
	if (!err)
		err = emit_object(&g);
	teardown(&g);
	return err;
}

void cg_llvm_version(unsigned *major, unsigned *minor, unsigned *patch)
{
	LLVMGetVersion(major, minor, patch);
}
