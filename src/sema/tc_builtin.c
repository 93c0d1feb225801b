/* Builtin variables for sema_typecheck: sema's table of them, indexed by enum
 * sema_builtin (name and type rule); argN/sargN by their prefix, and identifiers that name
 * constants (the script's, the kernel's enumerators, the standard library's). */
#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "provider.h"
#include "tc.h"

static bool arg_index(const char *name, const char *prefix, int *out)
{
	size_t n = strlen(prefix);
	if (strncmp(name, prefix, n) != 0 || !name[n])
		return false;
	/* Saturates instead of overflowing: arg4294967296 must not wrap around to arg0. */
	long idx = 0;
	for (const char *p = name + n; *p; p++) {
		if (!isdigit((unsigned char)*p))
			return false;
		idx = idx > INT_MAX / 10 ? INT_MAX : idx * 10 + (*p - '0');
	}
	*out = idx > INT_MAX ? INT_MAX : (int)idx;
	return true;
}

static bool has_args(const struct sema_provider *p)
{
	return p->args != NULL;
}

static bool has_nargs(const struct sema_provider *p)
{
	return p->nargs != NULL;
}

/* "the args builtin is not available in BEGIN; it is for tracepoint, ... probes": the kinds
 * whose provider `has` it. */
static void not_here(struct checker *ck, struct ast_node *n,
		     bool (*has)(const struct sema_provider *))
{
	char kinds[256] = "";
	size_t len = 0;
	for (int k = 0; k < PD_PROBE__COUNT; k++) {
		const struct sema_provider *p = sema_provider((enum pd_probe_kind)k);
		if (!has(p))
			continue;
		len += (size_t)snprintf(kinds + len, sizeof(kinds) - len, "%s%s", len ? ", " : "",
					pk_desc((enum pd_probe_kind)k)->name);
		if (len >= sizeof(kinds))
			break;
	}
	tc_error(ck, &n->loc, "the %s builtin is not available in %s; it is for %s probes",
		 n->builtin.name, ck->pp->name, kinds);
}

/* `args`: the provider's record of the probe's arguments, at context offsets. */
static struct type *builtin_args(struct checker *ck, struct ast_node *n)
{
	struct compiler *c = ck->c;
	const struct sema_provider *prov = sema_provider(ck->pp->kind);
	if (!prov->args) {
		not_here(ck, n, has_args);
		return tc_fail(n);
	}
	if (!ck->sp->args) {
		const char *why = NULL;
		ck->sp->args = prov->args(c, ck->pp, ck->sp, &why);
		if (!ck->sp->args) {
			if (!why)
				ck->nomem = true;
			else
				tc_error(ck, &n->loc, "%s", why);
			return tc_fail(n);
		}
	}
	struct type *t = ty_new(&c->arena, TY_CTX);
	if (t) {
		t->size = 8;
		t->align = 8;
		t->elem = ck->sp->args;
	}
	return tc_set(ck, n, t);
}

static struct type *builtin_arg(struct checker *ck, struct ast_node *n, int idx)
{
	n->builtin.id = BI_ARG;
	const struct sema_provider *prov = sema_provider(ck->pp->kind);
	if (!prov->nargs) {
		not_here(ck, n, has_nargs);
		return tc_fail(n);
	}
	int nargs = prov->nargs(ck->pp, ck->sp);
	if (nargs < 0)
		nargs = 6;
	if (idx >= nargs) {
		if (nargs == 0)
			tc_error(ck, &n->loc, "%s has no arguments", ck->pp->name);
		else
			tc_error(ck, &n->loc, "%s has %d argument%s (arg0..arg%d)", ck->pp->name,
				 nargs, nargs == 1 ? "" : "s", nargs - 1);
		return tc_fail(n);
	}
	return tc_set(ck, n, ty_int(8, false));
}

/* sargN: the Nth 8-byte slot above the return address on the stack, for arguments that
 * did not fit in registers; probes on a function entry in pt_regs context only. */
static struct type *builtin_sarg(struct checker *ck, struct ast_node *n, int idx)
{
	n->builtin.id = BI_SARG;
	enum pd_probe_kind k = ck->pp->kind;
	if (pk_desc(k)->ctx != PK_CTX_REGS || pk_has(k, PK_RETVAL) || k == PD_PROBE_USDT) {
		tc_error(ck, &n->loc, "the %s builtin is only available in kprobe and uprobe "
			 "probes, not in %s", n->builtin.name, ck->pp->name);
		return tc_fail(n);
	}
	if (idx > 1000) {
		tc_error(ck, &n->loc, "%s is too far up the stack", n->builtin.name);
		return tc_fail(n);
	}
	return tc_set(ck, n, ty_int(8, false));
}

/* ctx: the program's context as a pointer: the provider's type, else struct pt_regs for
 * register contexts. */
static struct type *builtin_ctx(struct checker *ck, struct ast_node *n)
{
	const struct sema_provider *prov = sema_provider(ck->pp->kind);
	struct type *t = NULL;
	if (prov->ctx)
		t = prov->ctx(ck->c, ck->pp);
	else if (pk_desc(ck->pp->kind)->ctx == PK_CTX_REGS)
		t = kbtf_lookup("struct pt_regs");
	if (t && !prov->ctx)
		t = ty_ptr(&ck->c->arena, t, false);
	if (!t) {
		tc_error(ck, &n->loc, "the ctx builtin is not available in %s", ck->pp->name);
		return tc_fail(n);
	}
	return tc_set(ck, n, t);
}

static struct type *builtin_retval(struct checker *ck, struct ast_node *n)
{
	const struct sema_provider *prov = sema_provider(ck->pp->kind);
	if (!pk_has(ck->pp->kind, PK_RETVAL)) {
		tc_error(ck, &n->loc, "the retval builtin is only available in return probes "
			 "(kretprobe, uretprobe, fexit), not in %s", ck->pp->name);
		return tc_fail(n);
	}
	if (!prov->retval)
		return tc_set(ck, n, ty_int(8, false));
	struct type *t = prov->retval(ck->c, ck->pp, ck->sp);
	if (!t) {
		tc_error(ck, &n->loc, "cannot find the return type of %s", ck->pp->name);
		return tc_fail(n);
	}
	return tc_set(ck, n, t);
}

/* `probe` and `func` are typed by the longest name of the program, so that every probe's
 * value fits one map key (a wildcard's points have names of many lengths). */
static int longest_name(struct compiler *c, bool func)
{
	int max = 0;
	for (int i = 0; i < c->pd->probes.len; i++) {
		const struct pd_probe *p = &c->pd->probes.v[i];
		const char *s = func ? p->func : p->name;
		if (s && (!func || pk_has(p->kind, PK_FUNC)) && (int)strlen(s) > max)
			max = (int)strlen(s);
	}
	return max;
}

static struct type *type_u32(struct checker *ck, struct ast_node *n)
{
	return tc_set(ck, n, ty_int(4, false));
}

static struct type *type_u64(struct checker *ck, struct ast_node *n)
{
	return tc_set(ck, n, ty_int(8, false));
}

static struct type *builtin_comm(struct checker *ck, struct ast_node *n)
{
	return tc_set(ck, n, ty_str(&ck->c->arena, 16));
}

static struct type *builtin_probe(struct checker *ck, struct ast_node *n)
{
	return tc_set(ck, n, ty_str(&ck->c->arena, longest_name(ck->c, false) + 1));
}

static struct type *builtin_func(struct checker *ck, struct ast_node *n)
{
	if (!pk_has(ck->pp->kind, PK_FUNC)) {
		tc_error(ck, &n->loc, "the func builtin is only available in probes on a function "
			 "(kprobe, fentry, uprobe and their return probes), not in %s",
			 ck->pp->name);
		return tc_fail(n);
	}
	return tc_set(ck, n, ty_str(&ck->c->arena, longest_name(ck->c, true) + 1));
}

static struct type *builtin_cpid(struct checker *ck, struct ast_node *n)
{
	if (!ck->c->opts.has_cpid) {
		tc_error(ck, &n->loc, "cpid cannot be used without a child command (-c)");
		return tc_fail(n);
	}
	return tc_set(ck, n, ty_int(4, false));
}

static struct type *builtin_curtask(struct checker *ck, struct ast_node *n)
{
	struct type *task = kbtf_lookup("struct task_struct");
	if (!task) {
		tc_error(ck, &n->loc, "curtask needs kernel BTF (/sys/kernel/btf/vmlinux)");
		return tc_fail(n);
	}
	return tc_set(ck, n, ty_ptr(&ck->c->arena, task, false));
}

/* username: the uid, which user space names when it prints it. */
static struct type *builtin_username(struct checker *ck, struct ast_node *n)
{
	struct type *t = ty_new(&ck->c->arena, TY_USERNAME);
	if (t) {
		t->size = 8;
		t->align = 8;
	}
	return tc_set(ck, n, t);
}

/* Sema's row of each builtin variable, indexed by enum sema_builtin: its name (NULL for
 * argN and sargN, recognised by prefix) and its type rule. */
struct builtin_desc {
	const char *name;
	struct type *(*check)(struct checker *ck, struct ast_node *n);
};

static const struct builtin_desc builtins[BI__COUNT] = {
	[BI_PID] = { "pid", type_u32 },		[BI_TID] = { "tid", type_u32 },
	[BI_UID] = { "uid", type_u32 },		[BI_GID] = { "gid", type_u32 },
	[BI_NSECS] = { "nsecs", type_u64 },	[BI_ELAPSED] = { "elapsed", type_u64 },
	[BI_CPU] = { "cpu", type_u32 },		[BI_COMM] = { "comm", builtin_comm },
	[BI_PROBE] = { "probe", builtin_probe },	[BI_CPID] = { "cpid", builtin_cpid },
	[BI_ARGS] = { "args", builtin_args },	[BI_RETVAL] = { "retval", builtin_retval },
	[BI_CURTASK] = { "curtask", builtin_curtask }, [BI_FUNC] = { "func", builtin_func },
	[BI_CTX] = { "ctx", builtin_ctx },	[BI_RAND] = { "rand", type_u32 },
	[BI_CGROUP] = { "cgroup", type_u64 },	[BI_NUMAID] = { "numaid", type_u32 },
	[BI_JIFFIES] = { "jiffies", type_u64 }, [BI_NCPUS] = { "ncpus", type_u64 },
	[BI_USERNAME] = { "username", builtin_username },
	[BI_KSTACK] = { "kstack", tc_stack_builtin }, [BI_USTACK] = { "ustack", tc_stack_builtin },
};

struct type *tc_builtin(struct checker *ck, struct ast_node *n)
{
	const char *name = n->builtin.name;
	int idx;
	for (int b = BI_UNKNOWN + 1; b < BI__COUNT; b++) {
		if (builtins[b].name && strcmp(name, builtins[b].name) == 0) {
			n->builtin.id = b;
			return builtins[b].check(ck, n);
		}
	}
	if (arg_index(name, "arg", &idx))
		return builtin_arg(ck, n, idx);
	if (arg_index(name, "sarg", &idx))
		return builtin_sarg(ck, n, idx);
	/* constants become literals: the script's own (#define, enum), kernel enumerators
	 * (SKB_DROP_REASON_NOT_SPECIFIED), then the standard library's (TASK_RUNNING) */
	int64_t v;
	if (tc_script_const(ck, name, &v) || kbtf_enum_value(name, &v) ||
	    sema_stdlib_const(name, &v))
		return tc_make_literal(ck, n, v);
	tc_error(ck, &n->loc, "unknown identifier '%s'", name);
	if (!tc_noting(ck))
		return tc_fail(n);
	struct sema_suggest s;
	sema_suggest_init(&s, name);
	for (int b = BI_UNKNOWN + 1; b < BI__COUNT; b++)
		if (builtins[b].name)
			sema_suggest_add(&s, builtins[b].name);
	if (sema_suggest_best(&s))
		tc_note(ck, &n->loc, "did you mean '%s'?", sema_suggest_best(&s));
	return tc_fail(n);
}

