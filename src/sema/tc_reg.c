/* reg("name"): a register of the probe's struct pt_regs, by the kernel's x86-64 names;
 * kptr()/uptr(): say which address space a pointer or address is in. Sema's checks of
 * these functions; the offset in pt_regs goes to codegen in call.id. */
#include <stdio.h>
#include <string.h>

#include "../probekind.h"
#include "tc.h"

/* struct pt_regs of x86-64 (arch/x86/include/asm/ptrace.h), one 8-byte slot each. */
static const char *const regs[] = {
	"r15", "r14", "r13", "r12", "bp", "bx", "r11", "r10", "r9", "r8", "ax",
	"cx",  "dx",  "si",  "di",  "orig_ax", "ip", "cs", "flags", "sp", "ss",
};

static bool has_regs(enum pd_probe_kind k)
{
	enum pk_ctx ctx = pk_desc(k)->ctx;
	return ctx == PK_CTX_REGS || ctx == PK_CTX_PERF;
}

static void no_such_reg(struct checker *ck, struct ast_node *a)
{
	char names[256] = "";
	size_t len = 0;
	struct sema_suggest s;
	sema_suggest_init(&s, a->str.s);
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		sema_suggest_add(&s, regs[i]);
		len += (size_t)snprintf(names + len, sizeof(names) - len, "%s%s", i ? " " : "",
					regs[i]);
	}
	tc_error(ck, &a->loc, "reg(): unknown register '%s'", a->str.s);
	if (sema_suggest_best(&s))
		tc_note(ck, &a->loc, "did you mean '%s'?", sema_suggest_best(&s));
	else
		tc_note(ck, &a->loc, "the registers are: %s", names);
}

struct type *tc_check_reg(struct checker *ck, struct ast_node *n)
{
	struct ast_node *a = n->call.args.v[0];
	if (!tc_want_literal(ck, n, 0, "register name"))
		return tc_fail(n);
	if (!has_regs(ck->pp->kind)) {
		tc_error(ck, &n->loc, "reg() reads the registers of a probe with a pt_regs context "
			 "(kprobe, uprobe, usdt, profile, ...), not of %s", ck->pp->name);
		return tc_fail(n);
	}
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++) {
		if (strcmp(regs[i], a->str.s) == 0) {
			n->call.id = (int)(8 * i);
			return tc_set(ck, n, ty_int(8, false));
		}
	}
	no_such_reg(ck, a);
	return tc_fail(n);
}

/* kptr(p) / uptr(p): p as a pointer into kernel / user memory (an integer address becomes
 * a byte pointer), so that str() and field reads use the right probe_read. */
struct type *tc_check_addr_space(struct checker *ck, struct ast_node *n)
{
	struct ast_node *a = n->call.args.v[0];
	struct type *t = tc_expr(ck, a);
	if (ty_is_error(t))
		return tc_fail(n);
	if (t->kind != TY_PTR && t->kind != TY_INT) {
		tc_error(ck, &a->loc, "%s() expects a pointer or an integer address, got %s",
			 n->call.name, tc_tyname(t));
		return tc_fail(n);
	}
	bool user = n->call.fn == FN_UPTR;
	struct type *elem = t->kind == TY_PTR ? t->elem : ty_int(1, false);
	return tc_set(ck, n, ty_ptr(&ck->c->arena, elem, user));
}
