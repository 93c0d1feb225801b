/* Codegen internals shared by the files of src/codegen: the per-module state (LLVM
 * context, builder, DIBuilder, map globals) and the per-function state (frame, loops). */
#ifndef CG_H
#define CG_H

#include <stdbool.h>
#include <stdint.h>

#include <llvm-c/Core.h>
#include <llvm-c/DebugInfo.h>

#include "../compiler.h"
#include "../parser/ast.h"
#include "../probekind.h"
#include "../progdesc.h"
#include "../sema/sema.h"
#include "../sema/types.h"

/* The maps of every program besides the script's own (src/codegen/maps.c). */
enum cg_sys {
	CG_SYS_EVENTS, /* pd_events: the ring buffer */
	CG_SYS_LOST, /* pd_lost: records and stacks that could not be captured */
	CG_SYS_GLOBALS, /* pd_globals: filled by the runtime after load */
	CG_SYS_NAMES, /* pd_names: probe and func names by attach cookie, when needed */
	CG_SYS_CTL, /* pd_ctl: control events when pd_events is full; declared by its first user */
	CG_SYS_SYSNR, /* pd_sysnr: the probe of each syscall number (syscall dispatch) */
	CG_SYS__COUNT
};

/* A loop the body of which is being lowered: native loops branch, callback loops return. */
struct cg_loop {
	bool callback; /* bpf_loop / bpf_for_each_map_elem body: break = ret 1, continue = ret 0 */
	LLVMBasicBlockRef brk, cont;
};

/* A stack temporary alive until the end of the current statement. */
struct cg_tmp {
	LLVMValueRef ptr; /* the alloca; NULL in scratch memory */
	int size;
	int scratch_off; /* offset in pd_scratch, -1 on the stack */
};

/* Statement temporaries above CG_STACK_TMP_MAX bytes and locals above CG_STACK_VAR_MAX
 * live in per-CPU scratch memory (src/codegen/scratch.c): the stack has 512 bytes. Small
 * locals stay in the frame, where the verifier tracks their values (loop bounds). */
#define CG_STACK_TMP_MAX 128
#define CG_STACK_VAR_MAX 64
/* A var_off with this bit is an offset in pd_locals rather than in the frame. */
#define CG_OFF_LOCALS (1 << 24)

/* One (node, frame offset) pair for hidden per-loop slots. */
struct cg_slot {
	const struct ast_node *n;
	int off;
};

struct cg_fn {
	LLVMValueRef fn;
	LLVMValueRef ctx; /* the probe's context argument (the main function's) */
	LLVMValueRef frame; /* i8* to locals: an alloca, or the callback ctx */
	LLVMValueRef locals; /* the big locals in pd_locals, NULL without any */
	LLVMBasicBlockRef entry;
	LLVMMetadataRef sp; /* DISubprogram */
	bool is_callback;
};

struct cg {
	struct compiler *c;
	struct pd_prog *pd;
	LLVMContextRef ctx;
	LLVMModuleRef mod;
	LLVMBuilderRef b;
	LLVMDIBuilderRef dib;
	LLVMMetadataRef di_file, di_cu;
	LLVMTypeRef i1, i8, i16, i32, i64, ptr, vd;

	/* The map globals of this module, declared on first use (cg_map, cg_sys_map, ...). */
	LLVMValueRef *maps; /* per pd->maps entry */
	LLVMValueRef sys_maps[CG_SYS__COUNT];
	LLVMValueRef *stack_maps; /* per pd->stackmaps entry */
	bool weak_maps; /* a module after the first: its maps merge into the first's at link */
	LLVMMemoryBufferRef obj; /* the module's BPF object, once emitted */
	LLVMValueRef len_cb; /* the shared counting callback of len(), made on first use */
	int ncallbacks;
	int nfns; /* functions lowered into the module: its weight (emit.c) */

	/* the probe being lowered */
	const struct ast_node *probe;
	struct sema_probe *sp;
	struct pd_probe *pdp;
	const struct pk_desc *pk; /* the probe kind's row (src/probekind.c) */
	struct cg_fn f; /* the function being emitted (a probe or a loop callback) */
	LLVMValueRef main_ctx; /* the probe function's ctx, valid only in the probe function */
	int *var_off; /* frame offset per sema_var id */
	int frame_size; /* bytes so far; the frame alloca is resized when the probe ends */
	VEC(struct cg_slot) slots;
	VEC(struct cg_loop) loops;
	VEC(struct cg_tmp) tmps;
	LLVMValueRef frame_placeholder; /* replaced by the sized frame alloca at the end */
	int locals_size; /* bytes of the probe's big locals, in pd_locals */
	LLVMValueRef scratch_map, locals_map; /* declared on first use */
	int scratch_off; /* bytes of pd_scratch in use by the statements being lowered */
	int scratch_max, locals_max; /* the most any program uses: the maps' value sizes */
	/* The ring buffer's need: bytes of records the once-run probes (BEGIN, END) reserve
	 * outside loops, and whether any other reservation exists (unbounded: the default
	 * size or the user's). */
	uint64_t once_event_bytes;
	bool events_unbounded;
	int err; /* first negative errno while lowering */
	VEC(int) llvm_errs; /* probes (pd index, -1 for others) LLVM already reported errors for */
};

/* Bytes the kernel's ring buffer puts before each record (BPF_RINGBUF_HDR_SZ). */
#define CG_RINGBUF_HDR 8

/* Offset of the "a return statement ran inside a loop callback" flag in the frame. */
#define CG_FRAME_RET_OFF 0

/* emit.c */
void cg_fail(struct cg *g, const struct src_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* link.c: links the modules' objects into c->elf */
int cg_link(struct compiler *c, struct cg *units, int n);

/* sysdispatch.c: the prologue of a program dispatched by syscall number, and the pd index
 * of the point a shared program runs for (multi link cookie or syscall dispatch) */
void cg_sys_dispatch(struct cg *g);
LLVMValueRef cg_point_index(struct cg *g);

/* probes.c */
int cg_emit_probe(struct cg *g, struct ast_node *probe);
/* Makes a callback function (for bpf_loop / for_each_map_elem) with nparams pointer or i64
 * parameters; switches g->f to it. The caller restores the saved state. */
LLVMValueRef cg_begin_callback(struct cg *g, const char *what, LLVMTypeRef *params, int nparams,
			       const struct src_loc *loc);

/* maps.c: a map global in ".maps"; di NULL: its BTF is attached later (cg_di_global). */
LLVMValueRef cg_map_global(struct cg *g, const char *sym, int nptrs, LLVMMetadataRef di);

/* scratch.c */
/* size bytes of per-CPU scratch memory until the statement's cg_tmps_end. */
LLVMValueRef cg_scratch_tmp(struct cg *g, int size);
/* Sets g->f.locals at the start of a probe (zeroed) or a loop callback (as they are). */
void cg_scratch_locals(struct cg *g, bool zero);
/* Sizes the scratch maps (after every probe is lowered). */
void cg_scratch_declare(struct cg *g);

/* debuginfo.c */
void cg_di_init(struct cg *g);
LLVMMetadataRef cg_di_map_type(struct cg *g, int map_type, uint32_t max_entries,
			       LLVMMetadataRef key, LLVMMetadataRef value);
LLVMMetadataRef cg_di_int(struct cg *g, int size, bool is_signed);
LLVMMetadataRef cg_di_bytes(struct cg *g, int size);
LLVMMetadataRef cg_di_pd_type(struct cg *g, const struct pd_type *t);
LLVMMetadataRef cg_di_struct(struct cg *g, int size, const char **names, LLVMMetadataRef *types,
			     const int *offsets, int n);
LLVMMetadataRef cg_di_function(struct cg *g, const char *name, int line, int nparams,
			       bool local);
void cg_di_global(struct cg *g, LLVMValueRef gv, const char *name, LLVMMetadataRef ty);
void cg_set_loc(struct cg *g, const struct src_loc *loc);

/* maps.c: readies g for the accessors to declare maps on first use; the first module also
 * declares the ring buffer, lost counter and globals. cg_declare_unused_maps declares in
 * units[0], once every module is lowered, the maps no module used. 0 or -ENOMEM. */
int cg_declare_maps(struct cg *g, bool first);
int cg_declare_unused_maps(struct cg *units, int n);
LLVMValueRef cg_map(struct cg *g, int id);
LLVMValueRef cg_stack_map(struct cg *g, int i);
LLVMValueRef cg_sys_map(struct cg *g, enum cg_sys which);

/* util.c: LLVM helpers */
LLVMValueRef cg_const(struct cg *g, uint64_t v);
LLVMValueRef cg_helper(struct cg *g, int id, LLVMValueRef *args, int nargs);
LLVMValueRef cg_gep(struct cg *g, LLVMValueRef base, int64_t off);
LLVMValueRef cg_gep_dyn(struct cg *g, LLVMValueRef base, LLVMValueRef off);
LLVMValueRef cg_tmp(struct cg *g, int size);
/* Returns 0 from the function when v (a pointer or an integer) is 0; else carries on in a
 * new block. */
void cg_return_if_null(struct cg *g, LLVMValueRef v);
void cg_tmps_end(struct cg *g, int mark);
void cg_memset0(struct cg *g, LLVMValueRef dst, int size);
void cg_memcpy(struct cg *g, LLVMValueRef dst, LLVMValueRef src, int size);
/* Writes s[0..len) into dst[size], NUL-padded, cut to size - 1 bytes: string literals. */
void cg_store_cstr(struct cg *g, LLVMValueRef dst, const char *s, int len, int size);
LLVMValueRef cg_load_int(struct cg *g, LLVMValueRef p, int size, bool is_signed);
void cg_store_int(struct cg *g, LLVMValueRef p, LLVMValueRef v, int size);
LLVMValueRef cg_ext(struct cg *g, LLVMValueRef v, bool is_signed);
LLVMValueRef cg_is_zero(struct cg *g, LLVMValueRef v);
LLVMBasicBlockRef cg_block(struct cg *g, const char *name);
bool cg_terminated(struct cg *g);
LLVMValueRef cg_frame_ptr(struct cg *g, int off);
int cg_slot(struct cg *g, const struct ast_node *n, int size);
void cg_ret(struct cg *g, LLVMValueRef v);
LLVMValueRef cg_load_or_zero(struct cg *g, LLVMValueRef p, int off, int size, bool sign,
			     int (*read)(struct cg *, LLVMValueRef, LLVMValueRef *));

/* lower_expr.c */
/* Integers (and pointers, kernel addresses of records) give an i64; strings and tuples
 * give a pointer to BPF memory; TY_CTX gives the context pointer. */
LLVMValueRef cg_expr(struct cg *g, struct ast_node *n);
LLVMValueRef cg_cond(struct cg *g, struct ast_node *n); /* i1 */
/* a op b on i64 values typed ty (signedness picks division and shifts). */
LLVMValueRef cg_arith(struct cg *g, enum ast_op op, LLVMValueRef a, LLVMValueRef b,
		      const struct type *ty);
bool cg_is_mem_type(const struct type *t);
/* i1: strings l and r are equal over their first `limit` bytes, stopping at a NUL. */
LLVMValueRef cg_str_equal(struct cg *g, struct ast_node *l, struct ast_node *r, int limit);

/* store.c: storage normalisation */
void cg_store(struct cg *g, LLVMValueRef dst, const struct type *dst_ty, struct ast_node *src);
void cg_store_val(struct cg *g, LLVMValueRef dst, const struct type *dst_ty, LLVMValueRef v,
		  const struct type *src_ty);
void cg_copy_str(struct cg *g, LLVMValueRef dst, int dst_size, LLVMValueRef src, int src_size);

/* lower_field.c */
/* The field of record rec named name, or NULL. */
const struct ty_field *cg_find_field(const struct type *rec, const char *name);
LLVMValueRef cg_field(struct cg *g, struct ast_node *n);
/* An 8-byte slot of the context at off, narrowed to integer type t. */
LLVMValueRef cg_ctx_slot(struct cg *g, int off, const struct type *t);
/* usdt_args.c: usdt argument i of the probe, decoded from its note's spec. */
LLVMValueRef cg_usdt_arg(struct cg *g, struct ast_node *n, int i);
LLVMValueRef cg_index(struct cg *g, struct ast_node *n);
LLVMValueRef cg_deref(struct cg *g, struct ast_node *n);
LLVMValueRef cg_read_mem(struct cg *g, LLVMValueRef addr, const struct type *t, bool user);

/* lower_map.c */
LLVMValueRef cg_map_key(struct cg *g, struct ast_node *map, LLVMValueRef bucket);
LLVMValueRef cg_map_read(struct cg *g, struct ast_node *map);
void cg_map_assign(struct cg *g, struct ast_node *assign);
LLVMValueRef cg_map_incdec(struct cg *g, struct ast_node *n);
LLVMValueRef cg_map_lookup_or_init(struct cg *g, int map_id, LLVMValueRef key,
				   LLVMBasicBlockRef *after);
LLVMValueRef cg_map_key_arg(struct cg *g, struct ast_node *map, struct ast_node *k);
LLVMValueRef cg_map_len(struct cg *g, int map_id);

/* lower_agg.c */
void cg_aggregate(struct cg *g, struct ast_node *map, struct ast_node *call);

/* lower_stmt.c */
void cg_stmt(struct cg *g, struct ast_node *n);
void cg_block_stmts(struct cg *g, struct ast_node *block);
void cg_return(struct cg *g);

/* builtins_vars.c */
LLVMValueRef cg_builtin(struct cg *g, struct ast_node *n);
void cg_builtin_into(struct cg *g, struct ast_node *n, LLVMValueRef dst, int size);
LLVMValueRef cg_globals_field(struct cg *g, int off);
/* The probe context pointer, also inside loop callbacks (read back from the frame). */
LLVMValueRef cg_probe_ctx(struct cg *g);

/* builtins_calls.c */
LLVMValueRef cg_call(struct cg *g, struct ast_node *n);
/* Whether an address argument points into user memory (its pointer type, else the probe). */
bool cg_str_is_user(struct cg *g, struct ast_node *a);
bool cg_str_into(struct cg *g, struct ast_node *n, LLVMValueRef dst, int size);
LLVMValueRef cg_event_reserve(struct cg *g, int size, uint32_t kind, uint32_t index,
			      LLVMBasicBlockRef *done);
LLVMValueRef cg_event_reserve_raw(struct cg *g, int size, uint32_t kind, uint32_t index,
				  LLVMBasicBlockRef *done);
void cg_event_submit(struct cg *g, LLVMValueRef rec, LLVMBasicBlockRef done);
/* Adds one to pd_lost[slot] (enum pd_lost_slot), then continues at done. */
void cg_count_lost(struct cg *g, int slot, LLVMBasicBlockRef done);

/* builtins_stack.c: kstack/ustack (an id into the stack map; ustack also the pid), and
 * ksym/usym values (the address; usym also the pid). */
LLVMValueRef cg_stack(struct cg *g, struct ast_node *n);
LLVMValueRef cg_sym_value(struct cg *g, struct ast_node *n);

/* builtins_fns.c: lowerers[] rows of the functions whose work is new code. */
LLVMValueRef cg_lower_join(struct cg *g, struct ast_node *n);
LLVMValueRef cg_lower_debugf(struct cg *g, struct ast_node *n);
LLVMValueRef cg_lower_strncmp(struct cg *g, struct ast_node *n);
LLVMValueRef cg_lower_strcontains(struct cg *g, struct ast_node *n);
LLVMValueRef cg_lower_bswap(struct cg *g, struct ast_node *n);
LLVMValueRef cg_lower_signal(struct cg *g, struct ast_node *n);
LLVMValueRef cg_lower_override(struct cg *g, struct ast_node *n);
LLVMValueRef cg_lower_path(struct cg *g, struct ast_node *n);
LLVMValueRef cg_lower_unwatch(struct cg *g, struct ast_node *n);
LLVMValueRef cg_lower_pton(struct cg *g, struct ast_node *n);
LLVMValueRef cg_lower_rendered_int(struct cg *g, struct ast_node *n);
LLVMValueRef cg_lower_macaddr(struct cg *g, struct ast_node *n);
LLVMValueRef cg_lower_ntop(struct cg *g, struct ast_node *n);

/* lower_buf.c: buf(p [, n]) as a stack value (u32 length, then the bytes). */
LLVMValueRef cg_lower_buf(struct cg *g, struct ast_node *n);

/* lower_percpu.c: percpu_kaddr("var" [, cpu]) through a .ksyms extern. */
LLVMValueRef cg_lower_percpu_kaddr(struct cg *g, struct ast_node *n);

#endif
