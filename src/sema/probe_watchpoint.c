/* watchpoint:ADDR:LEN:MODE: a hardware breakpoint on LEN (1, 2, 4 or 8) bytes at ADDR, for
 * reads (r), writes (w) and/or execution (x). A user address is watched in the traced
 * process (-p or -c); a kernel address on every CPU. */
#include <string.h>

#include "provider.h"

/* Kernel addresses are in the upper half of the x86-64 address space. */
#define KERNEL_START 0xffff800000000000ull

static bool parse_mode(const char *s, uint32_t *mode)
{
	*mode = 0;
	for (; s && *s; s++) {
		uint32_t bit = *s == 'r' ? PD_WATCH_R : *s == 'w' ? PD_WATCH_W :
			       *s == 'x' ? PD_WATCH_X : 0;
		if (!bit || (*mode & bit))
			return false;
		*mode |= bit;
	}
	/* the hardware watches execution alone, or data accesses */
	return *mode && (!(*mode & PD_WATCH_X) || *mode == PD_WATCH_X);
}

static int expand(struct sema_attach *a)
{
	struct compiler *c = a->c;
	uint64_t addr, len;
	uint32_t mode;
	if (!a->target || !a->func || !a->extra) {
		diag_error(&c->diag, &a->at->loc, "watchpoint probes need an address, a length and "
			   "a mode: watchpoint:<address>:<length>:<r|w|x|rw>");
		return 0;
	}
	if (!sema_parse_u64(a->target, &addr)) {
		diag_error(&c->diag, &a->at->loc, "invalid watchpoint address '%s': watching a "
			   "function's argument (func+argN) is not supported; give an address",
			   a->target);
		return 0;
	}
	if (!sema_parse_u64(a->func, &len) || (len != 1 && len != 2 && len != 4 && len != 8)) {
		diag_error(&c->diag, &a->at->loc, "invalid watchpoint length '%s': expected 1, 2, "
			   "4 or 8", a->func);
		return 0;
	}
	if (!parse_mode(a->extra, &mode)) {
		diag_error(&c->diag, &a->at->loc, "invalid watchpoint mode '%s': expected r, w, "
			   "rw or x", a->extra);
		return 0;
	}
	if (addr < KERNEL_START && c->opts.pid <= 0 && !c->opts.has_cpid) {
		diag_error(&c->diag, &a->at->loc, "a watchpoint on a user address needs a process: "
			   "-p PID or -c CMD");
		return 0;
	}
	struct pd_probe p = { .addr = addr, .len = (uint32_t)len, .mode = mode };
	p.name = arena_sprintf(&c->arena, "watchpoint:%s:%s:%s", a->target, a->func, a->extra);
	return sema_add_point(a, p, NULL);
}

const struct sema_provider sema_prov_watchpoint = { .expand = expand };
