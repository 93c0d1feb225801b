/* percpu_kaddr("var" [, cpu]): the variable is a BPF ksym, an extern in section ".ksyms"
 * whose BTF libbpf matches against the kernel's (it compares kinds only: a struct with one
 * char member stands for any struct); bpf_this_cpu_ptr / bpf_per_cpu_ptr give its address
 * on this CPU or on cpu (NULL for a CPU that does not exist). The verifier types that as a
 * (maybe NULL) BTF pointer, on which no arithmetic is allowed before a NULL check: the
 * address is copied through memory with probe_read, which makes it a plain number like
 * every other address a script holds. */
#include "cg.h"

#include <string.h>

#include <linux/bpf.h>

/* The BTF libbpf needs to match the variable's kind: struct, union, integer or pointer. */
static LLVMMetadataRef ksym_type(struct cg *g, const struct type *t)
{
	if (t->kind == TY_INT)
		return cg_di_int(g, t->size, t->is_signed);
	if (t->kind == TY_PTR)
		return LLVMDIBuilderCreatePointerType(g->dib, NULL, 64, 64, 0, "", 0);
	LLVMMetadataRef ch = cg_di_int(g, 1, true);
	LLVMMetadataRef m = LLVMDIBuilderCreateMemberType(g->dib, g->di_file, "c", 1, g->di_file,
							  0, 8, 8, 0, LLVMDIFlagZero, ch);
	if (t->name && strncmp(t->name, "union ", 6) == 0)
		return LLVMDIBuilderCreateUnionType(g->dib, g->di_file, "", 0, g->di_file, 0, 8, 8,
						    LLVMDIFlagZero, &m, 1, 0, "", 0);
	return LLVMDIBuilderCreateStructType(g->dib, g->di_file, "", 0, g->di_file, 0, 8, 8,
					     LLVMDIFlagZero, NULL, &m, 1, 0, NULL, "", 0);
}

LLVMValueRef cg_lower_percpu_kaddr(struct cg *g, struct ast_node *n)
{
	const char *name = n->call.args.v[0]->str.s;
	LLVMValueRef gv = LLVMGetNamedGlobal(g->mod, name);
	if (!gv) {
		gv = LLVMAddGlobal(g->mod, g->i8, name);
		LLVMSetLinkage(gv, LLVMExternalLinkage);
		LLVMSetSection(gv, ".ksyms");
		LLVMSetGlobalConstant(gv, 1);
		cg_di_global(g, gv, name, ksym_type(g, n->ty->elem));
	}
	LLVMValueRef p;
	if (n->call.args.len < 2) {
		p = cg_helper(g, BPF_FUNC_this_cpu_ptr, &gv, 1);
	} else {
		LLVMValueRef args[2] = { gv, LLVMBuildTrunc(g->b, cg_expr(g, n->call.args.v[1]),
							    g->i32, "") };
		p = cg_helper(g, BPF_FUNC_per_cpu_ptr, args, 2);
	}
	LLVMValueRef spill = cg_tmp(g, 8), out = cg_tmp(g, 8);
	cg_store_int(g, spill, p, 8);
	LLVMValueRef args[3] = { out, LLVMConstInt(g->i32, 8, 0), spill };
	cg_helper(g, BPF_FUNC_probe_read_kernel, args, 3);
	return cg_load_int(g, out, 8, false);
}
