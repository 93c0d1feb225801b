/* percpu_kaddr("name" [, cpu]): the address of a per-CPU kernel variable on this CPU (or on
 * cpu), typed as a pointer to the variable's BTF type. The program names the variable as a
 * BPF ksym (an extern in .ksyms) and asks bpf_this_cpu_ptr / bpf_per_cpu_ptr; the kernel
 * resolves a ksym's address through kallsyms, which lists variables only with
 * CONFIG_KALLSYMS_ALL: without it this is a located error naming that. */
#include <errno.h>

#include "tc.h"

static bool describable(const struct type *t)
{
	return t->kind == TY_RECORD || t->kind == TY_INT || t->kind == TY_PTR;
}

struct type *tc_check_percpu_kaddr(struct checker *ck, struct ast_node *n)
{
	struct ast_node *a = n->call.args.v[0];
	if (!tc_want_literal(ck, n, 0, "variable name") ||
	    (n->call.args.len > 1 && !tc_want_int(ck, n, 1, "cpu")))
		return tc_fail(n);
	struct type *t = kbtf_percpu_var(a->str.s);
	if (!t) {
		tc_error(ck, &a->loc, "percpu_kaddr(): the kernel's BTF has no per-CPU variable "
			 "'%s'", a->str.s);
		return tc_fail(n);
	}
	if (!describable(t)) {
		tc_error(ck, &a->loc, "percpu_kaddr(): '%s' is %s: only struct, union, integer "
			 "and pointer variables are supported", a->str.s, tc_tyname(t));
		return tc_fail(n);
	}
	uint64_t addr;
	if (sema_kaddr(a->str.s, &addr) == -ENOENT) {
		tc_error(ck, &n->loc, "percpu_kaddr(): this kernel cannot give BPF programs the "
			 "address of '%s': /proc/kallsyms lists no kernel variables (the kernel "
			 "was built without CONFIG_KALLSYMS_ALL)", a->str.s);
		return tc_fail(n);
	}
	return tc_set(ck, n, ty_ptr(&ck->c->arena, t, false));
}
