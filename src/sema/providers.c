/* Sema's probe-kind table (see provider.h) and the helpers providers share. */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"

static const struct sema_provider *const providers[PD_PROBE__COUNT] = {
	[PD_PROBE_BEGIN] = &sema_prov_special,
	[PD_PROBE_END] = &sema_prov_special,
	[PD_PROBE_TRACEPOINT] = &sema_prov_tracepoint,
	[PD_PROBE_RAWTP] = &sema_prov_rawtp,
	[PD_PROBE_INTERVAL] = &sema_prov_timer,
	[PD_PROBE_PROFILE] = &sema_prov_timer,
	[PD_PROBE_SOFTWARE] = &sema_prov_software,
	[PD_PROBE_HARDWARE] = &sema_prov_hardware,
	[PD_PROBE_KPROBE] = &sema_prov_kprobe,
	[PD_PROBE_KRETPROBE] = &sema_prov_kprobe,
	[PD_PROBE_FENTRY] = &sema_prov_fentry,
	[PD_PROBE_FEXIT] = &sema_prov_fentry,
	[PD_PROBE_UPROBE] = &sema_prov_uprobe,
	[PD_PROBE_URETPROBE] = &sema_prov_uprobe,
	[PD_PROBE_USDT] = &sema_prov_usdt,
	[PD_PROBE_WATCHPOINT] = &sema_prov_watchpoint,
	[PD_PROBE_ITER] = &sema_prov_iter,
};

const struct sema_provider *sema_provider(enum pd_probe_kind k)
{
	return providers[k];
}

int sema_add_point(struct sema_attach *a, struct pd_probe p, const void *data)
{
	struct sema_point sp = { p, data };
	sp.p.kind = a->kind;
	if (!sp.p.name)
		return -ENOMEM;
	return vec_push(&a->c->arena, a->out, sp);
}

void sema_missing(struct sema_attach *a, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (!a->several) {
		diag_error(&a->c->diag, &a->at->loc, "%s", msg);
		return;
	}
	a->skipped++;
	diag_warn(&a->c->diag, &a->at->loc, "%s: attach point skipped", msg);
}

bool sema_list_name(struct sema_lister *l, const char *name)
{
	if (l->glob && !sema_glob_match(l->glob, name))
		return false;
	fprintf(l->out, "%s\n", name);
	l->count++;
	return true;
}

bool sema_parse_u64(const char *s, uint64_t *out)
{
	if (!s || !isdigit((unsigned char)s[0]))
		return false;
	char *end;
	errno = 0;
	bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
	unsigned long long v = strtoull(s, &end, hex ? 16 : 10);
	if (errno || *end || v == 0)
		return false;
	*out = v;
	return true;
}
