/* Codegen entry point: builds LLVM modules for the typed AST (maps, a function per probe,
 * the license), verifies and optimises them, and emits a BPF ELF into memory. A big script
 * is several modules of about CG_UNIT_FNS functions, emitted in parallel and linked (link.c):
 * LLVM's BTF emission costs the square of a module's size (BTFStringTable::addString scans
 * every string for each line info and name), so one module for 500 probes took seconds. */
#include "cg.h"
#include "codegen.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* A module takes probes until it holds this many functions (programs, merged bodies,
 * callbacks): the weight that evens out the modules, where a probe count gave a module
 * holding a point's 64 merged bodies the work of 64 others. */
#define CG_UNIT_FNS 16
#define CG_THREADS 4

/* Serialises diagnostics and the work queue of the emitting threads. */
static pthread_mutex_t emit_lock = PTHREAD_MUTEX_INITIALIZER;

static void report(struct cg *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void report(struct cg *g, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	pthread_mutex_lock(&emit_lock);
	diag_report(&g->c->diag, DIAG_ERROR, NULL, fmt, ap);
	pthread_mutex_unlock(&emit_lock);
	va_end(ap);
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
static void llvm_diag(LLVMDiagnosticInfoRef di, struct cg *g)
{
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

static void on_llvm_diag(LLVMDiagnosticInfoRef di, void *ctx)
{
	if (LLVMGetDiagInfoSeverity(di) != LLVMDSError)
		return;
	pthread_mutex_lock(&emit_lock);
	llvm_diag(di, ctx);
	pthread_mutex_unlock(&emit_lock);
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
	/* libbpf's linker wants BTF for every global symbol */
	cg_di_global(g, gv, "LICENSE", cg_di_bytes(g, 4));
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
	if (g->obj)
		LLVMDisposeMemoryBuffer(g->obj);
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

/* The optimisation pipeline, instead of default<O2> which took half of a big script's
 * compile. Probes are straight-line code over helpers, maps and stack temporaries: what pays
 * is promoting the temporaries to registers (sroa), folding repeated loads and address
 * computations (early-cse, gvn), local algebra (instcombine, without its costly fixpoint
 * check), dropping dead stores to the temporaries (dse) and merging blocks (simplifycfg).
 * Measured on a 1,000-line script: 0.6 s of CPU against 1.0 s, with programs 0-3% bigger
 * (the per-event bench scripts: equal) and the same verifier results. Nothing here unrolls,
 * vectorises, speculates or merges range checks, the transforms that default<O2>'s BPF
 * extension points (BPFAdjustOpt and the IR peephole) exist to undo or guard. */
#define CG_PIPELINE \
	"function(sroa,early-cse<memssa>,instcombine<no-verify-fixpoint>,simplifycfg,gvn,dse," \
	"simplifycfg)"

static int optimise(struct cg *g, LLVMTargetMachineRef tm)
{
	LLVMPassBuilderOptionsRef po = LLVMCreatePassBuilderOptions();
	LLVMErrorRef e = LLVMRunPasses(g->mod, CG_PIPELINE, tm, po);
	LLVMDisposePassBuilderOptions(po);
	if (e) {
		char *msg = LLVMGetErrorMessage(e);
		report(g, "internal error: LLVM passes failed: %s", msg);
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
		report(g, "internal error: BPF code generation failed: %s", msg ? msg : "unknown");
		LLVMDisposeMessage(msg);
		return -EINVAL;
	}
	return 0;
}

/* Optimises the module and emits its object into g->obj. Runs on a worker thread for
 * modules after the first: it touches only the module's own LLVM context. */
static int emit_object(struct cg *g)
{
	LLVMTargetRef t;
	char *msg = NULL;
	if (LLVMGetTargetFromTriple("bpf", &t, &msg)) {
		report(g, "internal error: no BPF target in LLVM: %s", msg);
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
		err = emit_file(g, tm, LLVMObjectFile, &g->obj);
	LLVMDisposeTargetMachine(tm);
	return err ? err : g->err;
}

static int take_object(struct compiler *c, struct cg *g)
{
	size_t n = LLVMGetBufferSize(g->obj);
	c->elf = malloc(n);
	if (!c->elf)
		return -ENOMEM;
	memcpy(c->elf, LLVMGetBufferStart(g->obj), n);
	c->elf_size = n;
	return 0;
}

/* Lowers probes from *next into module u until it holds CG_UNIT_FNS functions. The first
 * module declares the license; the scratch sizes and callback numbering carry over from
 * module to module. */
static int lower_unit(struct compiler *c, struct cg *units, int u, int *next)
{
	struct cg *g = &units[u];
	setup(g, c);
	if (u > 0) {
		g->scratch_max = units[u - 1].scratch_max;
		g->locals_max = units[u - 1].locals_max;
		g->ncallbacks = units[u - 1].ncallbacks;
	}
	g->weak_maps = u > 0;
	int err = cg_declare_maps(g, u == 0);
	if (!err && u == 0)
		add_license(g);
	int np = c->ast->program.probes.len;
	while (!err && *next < np && g->nfns < CG_UNIT_FNS)
		err = cg_emit_probe(g, c->ast->program.probes.v[(*next)++]);
	return err ? err : g->err;
}

/* A program whose only records come from BEGIN and END outside loops needs no more ring
 * than those records take (BEGIN runs before anything drains it): the smallest power of
 * two pages that holds them, instead of the default's megabytes (mapped twice by the
 * reader, they were most of a short run's memory). The user's size (-B / config) stays. */
static void size_ring(struct compiler *c, const struct cg *units, int n)
{
	uint64_t need = 0;
	for (int u = 0; u < n; u++) {
		if (units[u].events_unbounded)
			return;
		need += units[u].once_event_bytes;
	}
	long page = sysconf(_SC_PAGESIZE);
	uint32_t size = page > 0 ? (uint32_t)page : 4096;
	while (size < need && size < c->pd->ringbuf_size)
		size <<= 1;
	if (!c->opts.ringbuf_size && size < c->pd->ringbuf_size)
		c->pd->ringbuf_size = size;
}

/* Sizes the scratch maps to the most any module needs, then checks each module. */
static int finish_units(struct cg *units, int n)
{
	int err = 0;
	for (int u = 0; u < n; u++) {
		units[u].scratch_max = units[n - 1].scratch_max;
		units[u].locals_max = units[n - 1].locals_max;
		cg_scratch_declare(&units[u]);
		LLVMDIBuilderFinalize(units[u].dib);
		if (!err)
			err = verify(&units[u]);
	}
	return err;
}

struct emit_work {
	struct cg *units;
	int n;
	int next; /* the next module to emit, taken under emit_lock */
	int err;
};

static void *emit_worker(void *arg)
{
	struct emit_work *w = arg;
	for (;;) {
		pthread_mutex_lock(&emit_lock);
		int u = w->err ? w->n : w->next++;
		pthread_mutex_unlock(&emit_lock);
		if (u >= w->n)
			return NULL;
		int err = emit_object(&w->units[u]);
		pthread_mutex_lock(&emit_lock);
		if (err && !w->err)
			w->err = err;
		pthread_mutex_unlock(&emit_lock);
	}
}

/* Optimising and emitting dominate a big script's compile: the modules are independent
 * LLVM contexts, emitted by as many threads as there are CPUs (up to CG_THREADS). Debug
 * output (-d ir, asm) keeps one thread so modules print whole. */
static int emit_units(struct compiler *c, struct cg *units, int n)
{
	struct emit_work w = { units, n, 0, 0 };
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	int nthreads = cpus > 0 ? (int)cpus : 1;
	if (c->opts.debug & (CC_DEBUG_IR | CC_DEBUG_ASM))
		nthreads = 1;
	if (nthreads > CG_THREADS)
		nthreads = CG_THREADS;
	if (nthreads > n)
		nthreads = n;
	pthread_t th[CG_THREADS];
	int started = 0;
	for (int i = 1; i < nthreads; i++) {
		if (pthread_create(&th[started], NULL, emit_worker, &w) == 0)
			started++;
	}
	emit_worker(&w);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	return w.err;
}

int cg_emit(struct compiler *c)
{
	if (!c->ast || !c->pd)
		return -EINVAL;
	init_llvm();
	free(c->elf);
	c->elf = NULL;
	c->elf_size = 0;
	int np = c->ast->program.probes.len;
	struct cg *units = calloc(np > 0 ? (size_t)np : 1, sizeof(*units));
	if (!units)
		return -ENOMEM;
	int err = 0, n = 0, next = 0;
	do
		err = lower_unit(c, units, n++, &next);
	while (!err && next < np);
	if (!err)
		err = cg_declare_unused_maps(units, n);
	if (!err)
		size_ring(c, units, n);
	if (!err)
		err = finish_units(units, n);
	if (!err)
		err = emit_units(c, units, n);
	if (!err)
		err = n == 1 ? take_object(c, &units[0]) : cg_link(c, units, n);
	for (int u = 0; u < n; u++)
		teardown(&units[u]);
	free(units);
	return err;
}

void cg_llvm_version(unsigned *major, unsigned *minor, unsigned *patch)
{
	LLVMGetVersion(major, minor, patch);
}
