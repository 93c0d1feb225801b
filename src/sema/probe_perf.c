/* Perf-event probes: interval and profile (cpu-clock timers), software:EVENT[:COUNT] and
 * hardware:EVENT[:COUNT] with bpftrace's event names, aliases and default counts. */
#include <errno.h>
#include <linux/perf_event.h>
#include <stdlib.h>
#include <string.h>

#include "provider.h"

/* interval:UNIT:N and profile:UNIT:N (also interval:Nunit, as newer bpftrace writes). */
static int expand_timer(struct sema_attach *a)
{
	struct compiler *c = a->c;
	const char *prov = a->provider, *unit = a->target, *num = a->func;
	char split_unit[16];
	if (unit && !num) {
		size_t digits = strspn(unit, "0123456789");
		if (digits > 0 && strlen(unit + digits) < sizeof(split_unit)) {
			snprintf(split_unit, sizeof(split_unit), "%s", unit + digits);
			num = arena_strndup(&c->arena, unit, digits);
			unit = split_unit;
		}
	}
	if (!unit || !num || !unit[0] || a->extra) {
		diag_error(&c->diag, &a->at->loc, "%s probes need a unit and a count: %s:<unit>:<n>",
			   prov, prov);
		return 0;
	}
	static const struct { const char *unit; uint64_t mult; } units[] = {
		{ "s", 1000000000ull }, { "ms", 1000000ull }, { "us", 1000ull }, { "hz", 0 },
	};
	int u = -1;
	for (int i = 0; i < 4; i++)
		if (strcmp(unit, units[i].unit) == 0)
			u = i;
	if (u < 0) {
		diag_error(&c->diag, &a->at->loc,
			   "unknown %s unit '%s': expected s, ms, us or hz", prov, unit);
		return 0;
	}
	uint64_t n, mult = units[u].mult;
	if (strchr(num, 'x') || !sema_parse_u64(num, &n) || (mult && n > UINT64_MAX / mult) ||
	    (!mult && n > 1000000000ull)) {
		diag_error(&c->diag, &a->at->loc,
			   "invalid %s count '%s': expected a positive integer", prov, num);
		return 0;
	}
	struct pd_probe p = { .target = arena_strdup(&c->arena, unit) };
	p.func = arena_sprintf(&c->arena, "%llu", (unsigned long long)n);
	p.name = arena_sprintf(&c->arena, "%s:%s:%llu", prov, unit, (unsigned long long)n);
	if (mult)
		p.period = n * mult;
	else if (a->kind == PD_PROBE_PROFILE)
		p.freq_hz = n;
	else
		p.period = 1000000000ull / n;
	if (!p.target || !p.func)
		return -ENOMEM;
	return sema_add_point(a, p, NULL);
}

struct perf_event_name {
	const char *name, *alias;
	uint64_t config;
	uint64_t period; /* bpftrace's default count */
};

static const struct perf_event_name sw_events[] = {
	{ "alignment-faults", NULL, PERF_COUNT_SW_ALIGNMENT_FAULTS, 1 },
	{ "bpf-output", NULL, PERF_COUNT_SW_BPF_OUTPUT, 1 },
	{ "context-switches", "cs", PERF_COUNT_SW_CONTEXT_SWITCHES, 1000 },
	{ "cpu-clock", "cpu", PERF_COUNT_SW_CPU_CLOCK, 1000000 },
	{ "cpu-migrations", NULL, PERF_COUNT_SW_CPU_MIGRATIONS, 1 },
	{ "dummy", NULL, PERF_COUNT_SW_DUMMY, 1 },
	{ "emulation-faults", NULL, PERF_COUNT_SW_EMULATION_FAULTS, 1 },
	{ "major-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MAJ, 1 },
	{ "minor-faults", NULL, PERF_COUNT_SW_PAGE_FAULTS_MIN, 100 },
	{ "page-faults", "faults", PERF_COUNT_SW_PAGE_FAULTS, 100 },
	{ "task-clock", NULL, PERF_COUNT_SW_TASK_CLOCK, 1000000 },
	{ NULL, NULL, 0, 0 },
};

static const struct perf_event_name hw_events[] = {
	{ "backend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_BACKEND, 1000000 },
	{ "branch-instructions", "branches", PERF_COUNT_HW_BRANCH_INSTRUCTIONS, 100000 },
	{ "branch-misses", NULL, PERF_COUNT_HW_BRANCH_MISSES, 100000 },
	{ "bus-cycles", NULL, PERF_COUNT_HW_BUS_CYCLES, 100000 },
	{ "cache-misses", NULL, PERF_COUNT_HW_CACHE_MISSES, 1000000 },
	{ "cache-references", NULL, PERF_COUNT_HW_CACHE_REFERENCES, 1000000 },
	{ "cpu-cycles", "cycles", PERF_COUNT_HW_CPU_CYCLES, 1000000 },
	{ "frontend-stalls", NULL, PERF_COUNT_HW_STALLED_CYCLES_FRONTEND, 1000000 },
	{ "instructions", NULL, PERF_COUNT_HW_INSTRUCTIONS, 1000000 },
	{ "ref-cycles", NULL, PERF_COUNT_HW_REF_CPU_CYCLES, 1000000 },
	{ NULL, NULL, 0, 0 },
};

static const struct perf_event_name *events_of(enum pd_probe_kind k)
{
	return k == PD_PROBE_SOFTWARE ? sw_events : hw_events;
}

static void unknown_event(struct sema_attach *a, const struct perf_event_name *ev)
{
	struct sema_suggest s;
	diag_error(&a->c->diag, &a->at->loc, "unknown %s event '%s'", a->provider, a->target);
	sema_suggest_init(&s, a->target);
	for (; ev->name; ev++) {
		sema_suggest_add(&s, ev->name);
		if (ev->alias)
			sema_suggest_add(&s, ev->alias);
	}
	if (sema_suggest_best(&s))
		diag_note(&a->c->diag, &a->at->loc, "did you mean '%s:%s'?", a->provider,
			  sema_suggest_best(&s));
}

/* software:EVENT[:COUNT], hardware:EVENT[:COUNT]: the event by name or alias. */
static int expand_event(struct sema_attach *a)
{
	struct compiler *c = a->c;
	const struct perf_event_name *ev = events_of(a->kind);
	if (!a->target || !a->target[0] || a->extra) {
		diag_error(&c->diag, &a->at->loc, "%s probes need an event: %s:<event>[:<count>]",
			   a->provider, a->provider);
		return 0;
	}
	while (ev->name && strcmp(a->target, ev->name) &&
	       !(ev->alias && strcmp(a->target, ev->alias) == 0))
		ev++;
	if (!ev->name) {
		unknown_event(a, events_of(a->kind));
		return 0;
	}
	struct pd_probe p = { .target = ev->name, .perf_config = ev->config, .period = ev->period };
	if (a->func && a->func[0] && !sema_parse_u64(a->func, &p.period)) {
		diag_error(&c->diag, &a->at->loc,
			   "invalid %s count '%s': expected a positive integer", a->provider,
			   a->func);
		return 0;
	}
	p.func = a->func && a->func[0] ? a->func : NULL;
	p.name = p.func ? arena_sprintf(&c->arena, "%s:%s:%s", a->provider, a->target, p.func)
			: arena_sprintf(&c->arena, "%s:%s", a->provider, a->target);
	return sema_add_point(a, p, NULL);
}

static int list_events(struct sema_lister *l, const char *prov,
		       const struct perf_event_name *ev)
{
	for (; ev->name; ev++) {
		char *s = arena_sprintf(&l->arena, "%s:%s:", prov, ev->name);
		if (!s)
			return -ENOMEM;
		sema_list_name(l, s);
	}
	return 0;
}

static int list_software(struct sema_lister *l)
{
	return list_events(l, "software", sw_events);
}

static int list_hardware(struct sema_lister *l)
{
	return list_events(l, "hardware", hw_events);
}

const struct sema_provider sema_prov_timer = { .expand = expand_timer };
const struct sema_provider sema_prov_software = { .expand = expand_event, .list = list_software };
const struct sema_provider sema_prov_hardware = { .expand = expand_event, .list = list_hardware };
