/* usdt arguments: each argN is decoded from its note's spec (src/sema/usdt.h): a constant,
 * a register of the probe's pt_regs, or user memory at base + index * scale + disp. A
 * "sym(%rip)" operand is the symbol's link-time address moved by the file's load bias,
 * which is the probe's run-time ip minus its link-time address. */
#include "cg.h"

#include <linux/bpf.h>

#include "../sema/usdt.h"

#define REG_IP 128

static LLVMValueRef reg(struct cg *g, int off)
{
	return cg_load_int(g, cg_gep(g, cg_probe_ctx(g), off), 8, false);
}

/* The low `size` bytes of v, sign- or zero-extended to 64 bits. */
static LLVMValueRef narrow(struct cg *g, LLVMValueRef v, int size, bool is_signed)
{
	if (size >= 8)
		return v;
	LLVMValueRef sh = cg_const(g, (uint64_t)(64 - 8 * size));
	v = LLVMBuildShl(g->b, v, sh, "");
	return is_signed ? LLVMBuildAShr(g->b, v, sh, "") : LLVMBuildLShr(g->b, v, sh, "");
}

static LLVMValueRef mem_addr(struct cg *g, const struct usdt_probe *u, const struct usdt_arg *a)
{
	LLVMValueRef addr = cg_const(g, (uint64_t)a->val);
	if (a->sym_resolved) {
		LLVMValueRef bias = LLVMBuildSub(g->b, reg(g, REG_IP), cg_const(g, u->pc), "");
		return LLVMBuildAdd(g->b, addr, bias, "");
	}
	if (a->reg_off >= 0)
		addr = LLVMBuildAdd(g->b, addr, reg(g, a->reg_off), "");
	if (a->idx_reg_off >= 0) {
		LLVMValueRef idx = LLVMBuildMul(g->b, reg(g, a->idx_reg_off),
						cg_const(g, (uint64_t)a->scale), "");
		addr = LLVMBuildAdd(g->b, addr, idx, "");
	}
	return addr;
}

LLVMValueRef cg_usdt_arg(struct cg *g, struct ast_node *n, int i)
{
	const struct usdt_probe *u = g->sp->prov_data;
	if (!u || i < 0 || i >= u->nargs) {
		cg_fail(g, &n->loc, "%s has no argument %d", g->pdp->name, i);
		return cg_const(g, 0);
	}
	const struct usdt_arg *a = &u->args[i];
	switch (a->kind) {
	case USDT_ARG_CONST:
		return narrow(g, cg_const(g, (uint64_t)a->val), a->size, a->is_signed);
	case USDT_ARG_REG: {
		LLVMValueRef v = reg(g, a->reg_off);
		if (a->reg_shift)
			v = LLVMBuildLShr(g->b, v, cg_const(g, (uint64_t)a->reg_shift), "");
		return narrow(g, v, a->size, a->is_signed);
	}
	case USDT_ARG_MEM:
		break;
	}
	if (a->rip_relative && !a->sym_resolved) {
		cg_fail(g, &n->loc, "argument %d of %s is at '%s', which is not a symbol of %s", i,
			g->pdp->name, u->args_text, u->path);
		return cg_const(g, 0);
	}
	const struct type *t = ty_int(a->size, a->is_signed);
	return cg_read_mem(g, mem_addr(g, u, a), t, true);
}
