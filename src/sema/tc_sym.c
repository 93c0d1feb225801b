/* Symbol functions for sema_typecheck: ksym(addr) and usym(addr) are values user space
 * names at print time; kaddr("sym") and uaddr("sym") are resolved here, at compile time,
 * from /proc/kallsyms and from the probed binary's symbol tables. */
#include <string.h>

#include "../probekind.h"
#include "elf_syms.h"
#include "tc.h"

static bool want_addr(struct checker *ck, struct ast_node *n)
{
	struct ast_node *a = n->call.args.v[0];
	struct type *t = tc_expr(ck, a);
	if (ty_is_error(t))
		return false;
	if (t->kind != TY_INT && t->kind != TY_PTR) {
		tc_error(ck, &a->loc, "%s() expects an integer address, got %s", n->call.name,
			 tc_tyname(t));
		return false;
	}
	return true;
}

/* ksym(addr): 8 bytes; usym(addr): the address, then the pid whose memory it names. */
struct type *tc_sym_value(struct checker *ck, struct ast_node *n)
{
	if (!want_addr(ck, n))
		return tc_fail(n);
	bool user = n->call.fn == FN_USYM;
	struct type *t = ty_new(&ck->c->arena, user ? TY_USYM : TY_KSYM);
	if (t) {
		t->size = user ? 16 : 8;
		t->align = 8;
	}
	return tc_set(ck, n, t);
}

static const char *want_name(struct checker *ck, struct ast_node *n)
{
	struct ast_node *a = n->call.args.v[0];
	if (a->kind != AST_STR || !a->str.len || memchr(a->str.s, 0, (size_t)a->str.len)) {
		tc_error(ck, &a->loc, "%s() expects a symbol name as a string literal",
			 n->call.name);
		if (a->kind != AST_STR)
			tc_expr(ck, a);
		return NULL;
	}
	return a->str.s;
}

/* The call becomes the address, an unsigned literal. */
static struct type *address(struct checker *ck, struct ast_node *n, uint64_t addr)
{
	n->kind = AST_INT;
	n->int_.value = addr;
	n->int_.is_unsigned = true;
	return tc_set(ck, n, ty_int(8, false));
}

struct type *tc_kaddr(struct checker *ck, struct ast_node *n)
{
	const char *name = want_name(ck, n);
	uint64_t addr;
	if (!name)
		return tc_fail(n);
	int err = sema_kaddr(name, &addr);
	if (err) {
		tc_error(ck, &n->call.args.v[0]->loc, "kaddr(): %s '%s'", err == -ENOENT ?
			 "/proc/kallsyms has no kernel symbol" :
			 "/proc/kallsyms does not show the address of", name);
		return tc_fail(n);
	}
	return address(ck, n, addr);
}

/* off + ctx->ip, as a tree. */
static struct ast_node *loaded_at(struct checker *ck, struct ast_node *off)
{
	struct arena *a = &ck->c->arena;
	struct ast_node *ctx = ast_new(a, AST_BUILTIN, &off->loc);
	struct ast_node *ip = ast_new(a, AST_FIELD, &off->loc);
	struct ast_node *sum = ast_new(a, AST_BINOP, &off->loc);
	if (!ctx || !ip || !sum)
		return NULL;
	ctx->builtin.name = "ctx";
	ip->field.expr = ctx;
	ip->field.name = "ip";
	ip->field.arrow = true;
	sum->binop.op = OP_ADD;
	sum->binop.lhs = off;
	sum->binop.rhs = ip;
	return sum;
}

/* uaddr("sym"): a pointer to the symbol's bytes in the probed binary, typed by its size
 * as bpftrace does (uint8/16/32/64 *). */
struct type *tc_uaddr(struct checker *ck, struct ast_node *n)
{
	const char *name = want_name(ck, n);
	struct elf_sym_info s;
	if (!name)
		return tc_fail(n);
	int err = sema_elf_symbol(ck->pp->target, name, ck->pp->offset, &s);
	if (err) {
		tc_error(ck, &n->call.args.v[0]->loc, "uaddr(): no symbol '%s' in %s", name,
			 ck->pp->target);
		return tc_fail(n);
	}
	if (s.pie && pk_has(ck->pp->kind, PK_RETVAL)) {
		tc_error(ck, &n->loc, "uaddr(): %s is position independent and a return probe "
			 "cannot tell where it is loaded; use a uprobe", ck->pp->target);
		return tc_fail(n);
	}
	/* Folded into `(uintN *)addr`, which a later pass types again as the same pointer;
	 * in a position-independent file `(uintN *)(addr - probe + ctx->ip)`: the probe fires
	 * at its link-time address moved by the load bias. */
	static const char *const names[] = { [1] = "uint8", [2] = "uint16", [4] = "uint32",
					      [8] = "uint64" };
	int size = s.size == 1 || s.size == 2 || s.size == 4 ? (int)s.size : 8;
	struct ast_node *tn = ast_new(&ck->c->arena, AST_TYPENAME, &n->loc);
	struct ast_node *lit = ast_new(&ck->c->arena, AST_INT, &n->loc);
	if (!tn || !lit)
		return tc_set(ck, n, NULL);
	tn->typename_.name = names[size];
	tn->typename_.ptr_depth = 1;
	lit->int_.value = s.addr;
	lit->int_.is_unsigned = true;
	if (s.pie) {
		ck->sp->point_specific = true;
		lit->int_.value = s.addr - s.probe_vaddr;
		lit = loaded_at(ck, lit);
		if (!lit)
			return tc_set(ck, n, NULL);
	}
	n->kind = AST_CAST;
	n->cast.type = tn;
	n->cast.expr = lit;
	return tc_expr(ck, n);
}
