/* -l [glob]: lists the attach points this machine can attach, each provider its own
 * (src/sema/probe_*.c); the glob's probe type may be an alias or a wildcard ('*:*open*'). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "provider.h"

/* "t:sched:*" -> "tracepoint:sched:*"; the provider part of a glob without one is "*". */
static const char *expand_alias(struct arena *a, const char *glob, const char **kind_glob)
{
	const char *colon = strchr(glob, ':');
	enum pd_probe_kind k;
	if (!colon) {
		*kind_glob = "*";
		return arena_sprintf(a, "*:%s", glob);
	}
	char *prov = arena_strndup(a, glob, (size_t)(colon - glob));
	if (!prov)
		return NULL;
	*kind_glob = prov;
	if (!sema_has_glob(prov) && pk_find(prov, &k)) {
		*kind_glob = pk_desc(k)->name;
		return arena_sprintf(a, "%s%s", pk_desc(k)->name, colon);
	}
	return glob;
}

static bool kind_wanted(const struct sema_lister *l, enum pd_probe_kind k)
{
	if (!l->kind_glob)
		return true;
	if (sema_glob_match(l->kind_glob, pk_desc(k)->name))
		return true;
	/* kretprobe and fexit are listed by the kprobe and fentry providers */
	return (k == PD_PROBE_KPROBE && sema_glob_match(l->kind_glob, "kretprobe")) ||
	       (k == PD_PROBE_FENTRY && sema_glob_match(l->kind_glob, "fexit"));
}

int sema_list_probes(const struct sema_list_opts *o)
{
	const char *glob = o->glob;
	struct sema_lister l = { .verbose = o->verbose, .pid = o->pid, .out = o->out };
	int err = 0;
	if (glob && glob[0] && !(l.glob = expand_alias(&l.arena, glob, &l.kind_glob)))
		err = -ENOMEM;
	const struct sema_provider *done[PD_PROBE__COUNT];
	int ndone = 0;
	for (int k = 0; !err && k < PD_PROBE__COUNT; k++) {
		const struct sema_provider *p = sema_provider((enum pd_probe_kind)k);
		bool seen = false;
		for (int i = 0; i < ndone; i++)
			seen |= done[i] == p;
		if (seen || !p->list || !kind_wanted(&l, (enum pd_probe_kind)k) ||
		    (o->can_attach && !o->can_attach((enum pd_probe_kind)k)))
			continue;
		done[ndone++] = p;
		err = p->list(&l);
	}
	arena_free(&l.arena);
	return err ? err : l.count;
}
