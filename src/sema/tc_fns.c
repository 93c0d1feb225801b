/* Type rules of the functions added to bpftrace's core set: strings compared in BPF
 * (strncmp, strcontains), bswap, join's event, signal names, path(), pton() of a literal,
 * cgroupid() of a path, the values user space renders (strerror, macaddr, ntop,
 * cgroup_path), debugf()'s kernel-side format and the one-integer calls (exit(code),
 * override, unwatch). Rows of fn_table in tc_call.c point here. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "../cache/deps.h"
#include "printfmt.h"
#include "tc.h"

static struct ast_node *arg(struct ast_node *n, int i)
{
	return n->call.args.v[i];
}

/* f([int]): no value (exit(code), override(rc), unwatch(addr)). */
struct type *tc_check_int_void(struct checker *ck, struct ast_node *n)
{
	if (n->call.args.len && !tc_want_int(ck, n, 0, "argument"))
		return tc_fail(n);
	return tc_set(ck, n, ty_none());
}

/* An address argument: an integer or a pointer. */
static bool want_addr(struct checker *ck, struct ast_node *n, int i)
{
	struct type *t = tc_expr(ck, arg(n, i));
	if (ty_is_error(t))
		return false;
	if (t->kind != TY_INT && t->kind != TY_PTR) {
		tc_error(ck, &arg(n, i)->loc, "%s() expects a pointer or an integer address, got %s",
			 n->call.name, tc_tyname(t));
		return false;
	}
	return true;
}

static bool want_str(struct checker *ck, struct ast_node *n, int i)
{
	struct type *t = tc_expr(ck, arg(n, i));
	if (ty_is_error(t))
		return false;
	if (t->kind != TY_STR) {
		tc_error(ck, &arg(n, i)->loc, "%s() expects a string, got %s", n->call.name,
			 tc_tyname(t));
		return false;
	}
	return true;
}

/* join(argv [, sep]): PD_JOIN_MAX strings of strlen bytes in the event; the separator is
 * the format's text. */
struct type *tc_check_join(struct checker *ck, struct ast_node *n)
{
	bool ok = want_addr(ck, n, 0);
	const char *sep = " ";
	if (n->call.args.len > 1 && (ok &= tc_want_literal(ck, n, 1, "separator")))
		sep = arg(n, 1)->str.s;
	if (!ok)
		return tc_fail(n);
	struct type *s = ty_str(&ck->c->arena, ck->c->opts.strlen);
	struct type *args[PD_JOIN_MAX];
	for (int i = 0; i < PD_JOIN_MAX; i++)
		args[i] = s;
	if (!s)
		return tc_set(ck, n, NULL);
	tc_add_fmt(ck, n, PD_FMT_JOIN, sep, args, PD_JOIN_MAX);
	return tc_set(ck, n, ty_none());
}

/* strncmp(a, b, n): 0 when the first n bytes (up to a NUL) are equal, as bpftrace. */
struct type *tc_check_strncmp(struct checker *ck, struct ast_node *n)
{
	bool ok = want_str(ck, n, 0) & want_str(ck, n, 1);
	int64_t len;
	if (!tc_want_int(ck, n, 2, "length"))
		return tc_fail(n);
	if (!tc_const_int(arg(n, 2), &len) || len < 0) {
		tc_error(ck, &arg(n, 2)->loc, "strncmp() expects a non-negative integer literal "
			 "as its length");
		return tc_fail(n);
	}
	return ok ? tc_set(ck, n, ty_int(8, false)) : tc_fail(n);
}

struct type *tc_check_strcontains(struct checker *ck, struct ast_node *n)
{
	bool ok = want_str(ck, n, 0) & want_str(ck, n, 1);
	return ok ? tc_set(ck, n, ty_int(8, false)) : tc_fail(n);
}

/* bswap(x): unsigned, as wide as x's type. */
struct type *tc_check_bswap(struct checker *ck, struct ast_node *n)
{
	if (!tc_want_int(ck, n, 0, "value"))
		return tc_fail(n);
	return tc_set(ck, n, ty_int(arg(n, 0)->ty->size, false));
}

/* "SIGKILL", "KILL" or "kill": the signal's number, 0 when there is none. */
static int signal_number(const char *name)
{
	if (strncasecmp(name, "SIG", 3) == 0)
		name += 3;
	for (int sig = 1; sig < NSIG; sig++) {
		const char *abbrev = sigabbrev_np(sig);
		if (abbrev && strcasecmp(abbrev, name) == 0)
			return sig;
	}
	return 0;
}

/* signal("SIGKILL" | "KILL" | n): a name becomes its number in place. */
struct type *tc_check_signal(struct checker *ck, struct ast_node *n)
{
	struct ast_node *a = arg(n, 0);
	int64_t sig;
	if (a->kind == AST_STR) {
		int num = signal_number(a->str.s);
		if (!num) {
			tc_error(ck, &a->loc, "signal(): unknown signal '%s'", a->str.s);
			return tc_fail(n);
		}
		tc_make_literal(ck, a, num);
	}
	if (!tc_want_int(ck, n, 0, "signal"))
		return tc_fail(n);
	if (tc_const_int(a, &sig) && (sig < 1 || sig >= NSIG)) {
		tc_error(ck, &a->loc, "signal(): %lld is not a signal number (1 to %d)",
			 (long long)sig, NSIG - 1);
		return tc_fail(n);
	}
	return tc_set(ck, n, ty_none());
}

/* path(p): the kernel's d_path of a struct path (or a pointer to one), as a string. */
struct type *tc_check_path(struct checker *ck, struct ast_node *n)
{
	struct type *t = tc_expr(ck, arg(n, 0));
	if (ty_is_error(t))
		return tc_fail(n);
	if (t->kind != TY_RECORD && !want_addr(ck, n, 0))
		return tc_fail(n);
	return tc_set(ck, n, ty_str(&ck->c->arena, ck->c->opts.strlen));
}

/* pton("1.2.3.4" | "::1"): uint8[4] or uint8[16], as bpftrace. */
struct type *tc_check_pton(struct checker *ck, struct ast_node *n)
{
	if (!tc_want_literal(ck, n, 0, "address"))
		return tc_fail(n);
	int len = sema_pton(arg(n, 0)->str.s, NULL);
	if (!len) {
		tc_error(ck, &arg(n, 0)->loc, "pton(): '%s' is not an IPv4 or IPv6 address",
			 arg(n, 0)->str.s);
		return tc_fail(n);
	}
	return tc_set(ck, n, ty_array(&ck->c->arena, ty_int(1, false), len));
}

int sema_pton(const char *s, uint8_t out[16])
{
	uint8_t buf[16];
	if (inet_pton(AF_INET, s, out ? out : buf) == 1)
		return 4;
	return inet_pton(AF_INET6, s, out ? out : buf) == 1 ? 16 : 0;
}

/* A value of a kind user space renders, size bytes in BPF. */
static struct type *rendered(struct checker *ck, struct ast_node *n, enum ty_kind kind, int size)
{
	struct type *t = ty_new(&ck->c->arena, kind);
	if (t) {
		t->size = size;
		t->align = 8;
	}
	return tc_set(ck, n, t);
}

struct type *tc_check_strerror(struct checker *ck, struct ast_node *n)
{
	if (!tc_want_int(ck, n, 0, "error number"))
		return tc_fail(n);
	return rendered(ck, n, TY_ERRNO, 8);
}

/* Bytes an address-like argument holds in BPF memory: strings and arrays (their size),
 * 0 for pointers and integers (an address to read from); -1 after a diagnostic. */
static int addr_bytes(struct checker *ck, struct ast_node *n, int i)
{
	struct type *t = tc_expr(ck, arg(n, i));
	if (ty_is_error(t))
		return -1;
	if (t->kind == TY_STR || t->kind == TY_ARRAY)
		return t->size;
	if (t->kind == TY_INT || t->kind == TY_PTR)
		return 0;
	tc_error(ck, &arg(n, i)->loc, "%s() expects an address, an integer or a byte array, got %s",
		 n->call.name, tc_tyname(t));
	return -1;
}

/* macaddr(p): six bytes read at an address, or a 6-byte array. */
struct type *tc_check_macaddr(struct checker *ck, struct ast_node *n)
{
	int size = addr_bytes(ck, n, 0);
	if (size < 0)
		return tc_fail(n);
	if (size && size != 6) {
		tc_error(ck, &arg(n, 0)->loc, "macaddr() expects 6 bytes, got %s",
			 tc_tyname(arg(n, 0)->ty));
		return tc_fail(n);
	}
	return rendered(ck, n, TY_MACADDR, 8);
}

/* ntop([af,] addr): a 4-byte integer or array is IPv4, a 16-byte array IPv6; af, when
 * given, says which at run time. */
struct type *tc_check_ntop(struct checker *ck, struct ast_node *n)
{
	int last = n->call.args.len - 1;
	bool ok = !last || tc_want_int(ck, n, 0, "address family");
	int size = addr_bytes(ck, n, last);
	if (!ok || size < 0)
		return tc_fail(n);
	if (arg(n, last)->ty->kind == TY_PTR || (size && size != 4 && size != 16)) {
		tc_error(ck, &arg(n, last)->loc, "ntop() expects an integer or a 4 or 16-byte "
			 "array, got %s", tc_tyname(arg(n, last)->ty));
		return tc_fail(n);
	}
	return rendered(ck, n, TY_INET, (int)sizeof(struct pd_inet));
}

/* cgroup_path(id [, filter]): the filter (a glob on hierarchy names) is a format. */
struct type *tc_check_cgroup_path(struct checker *ck, struct ast_node *n)
{
	bool ok = tc_want_int(ck, n, 0, "cgroup id");
	if (n->call.args.len > 1)
		ok &= tc_want_literal(ck, n, 1, "filter");
	if (!ok)
		return tc_fail(n);
	tc_add_fmt(ck, n, PD_FMT_VALUE, n->call.args.len > 1 ? arg(n, 1)->str.s : "", NULL, 0);
	struct type *t = rendered(ck, n, TY_CGROUP_PATH, 8);
	if (!ty_is_error(t))
		t->fmt_id = n->call.id;
	return t;
}

/* cgroupid("/sys/fs/cgroup/..."): the cgroup's id, its directory's inode (kernfs gives file
 * handles and inodes the same 64-bit id), read at compile time into a literal. */
struct type *tc_check_cgroupid(struct checker *ck, struct ast_node *n)
{
	struct stat st;
	struct ast_node *a = arg(n, 0);
	/* str($1) is the parameter's text once typed */
	if (a->kind == AST_CALL && !ty_is_error(tc_expr(ck, a)) && a->call.fn == FN_STR &&
	    a->call.args.v[0]->kind == AST_STR)
		a = a->call.args.v[0];
	if (a->kind != AST_STR) {
		tc_error(ck, &a->loc, "cgroupid() expects a string literal or str($N) as its path");
		return tc_fail(n);
	}
	cache_dep_file(a->str.s);
	if (stat(a->str.s, &st)) {
		tc_error(ck, &a->loc, "cgroupid(): cannot read '%s': %s", a->str.s, strerror(errno));
		return tc_fail(n);
	}
	return tc_make_literal(ck, n, (int64_t)st.st_ino);
}

/* nsecs(clock), as later bpftrace: the clock is a bare word; call.id gets the number of
 * the BPF helper that reads it (sw_tai, bpftrace's TAI from the boot clock plus an
 * offset taken at start, is not offered: tai reads the kernel's own TAI clock). */
struct type *tc_check_nsecs(struct checker *ck, struct ast_node *n)
{
	static const struct {
		const char *name;
		int helper;
	} clocks[] = { { "monotonic", BPF_FUNC_ktime_get_ns },
		       { "boot", BPF_FUNC_ktime_get_boot_ns },
		       { "tai", BPF_FUNC_ktime_get_tai_ns } };
	n->call.id = BPF_FUNC_ktime_get_ns;
	if (n->call.args.len == 0)
		return tc_set(ck, n, ty_int(8, false));
	struct ast_node *a = arg(n, 0);
	const char *name = a->kind == AST_BUILTIN ? a->builtin.name : NULL; /* a bare word */
	for (size_t i = 0; name && i < sizeof(clocks) / sizeof(clocks[0]); i++) {
		if (strcmp(name, clocks[i].name) == 0) {
			n->call.id = clocks[i].helper;
			return tc_set(ck, n, ty_int(8, false));
		}
	}
	tc_error(ck, &a->loc, "nsecs() takes a clock: monotonic, boot or tai");
	return tc_fail(n);
}

/* The conversions the kernel's bpf_trace_printk formats (bpf_bprintf_prepare): flags
 * "0 +-", a width, then p, s, c, or [l[l]] d i u x X. Anything else makes the helper fail
 * at run time, silently: say so here. */
static bool kernel_conv(const struct pf_conv *cv)
{
	if ((cv->flags & PF_HASH) || cv->width == PF_STAR || cv->prec != -1)
		return false;
	if (strchr("psc", cv->conv))
		return true;
	return strchr("diuxX", cv->conv) && cv->bits >= 32;
}

/* debugf(fmt, ...): printf's checks, then the kernel's narrower conversions. */
struct type *tc_check_debugf(struct checker *ck, struct ast_node *n)
{
	struct ast_node *f = arg(n, 0);
	if (!tc_want_literal(ck, n, 0, "format") | !tc_type_args(ck, n, 1))
		return tc_fail(n);
	if (!tc_check_printf(ck, n))
		return tc_fail(n);
	size_t pos = 0;
	struct pf_piece p;
	for (pf_next(f->str.s, (size_t)f->str.len, &pos, &p); p.kind != PF_END;
	     pf_next(f->str.s, (size_t)f->str.len, &pos, &p)) {
		/* the kernel reads l and ll only: z, j and t (64-bit here too) it refuses */
		const char *c = f->str.s + p.off;
		if (p.kind != PF_CONV || (kernel_conv(&p.conv) && !memchr(c, 'z', p.len) &&
					   !memchr(c, 'j', p.len) && !memchr(c, 't', p.len)))
			continue;
		tc_error(ck, &f->loc, "debugf(): the kernel's bpf_trace_printk cannot format "
			 "'%.*s' (it takes flags 0 + - space, a width, and %%d %%i %%u %%x %%X "
			 "with l or ll, %%s, %%c, %%p)", (int)p.len, f->str.s + p.off);
		return tc_fail(n);
	}
	return tc_set(ck, n, ty_none());
}
