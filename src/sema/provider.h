/* Sema's row of the probe-kind table: how one kind of probe is expanded from the attach
 * point as written, listed by -l, and what its `args`, `argN` and `retval` are. One file per
 * provider family (probe_*.c) fills rows; providers.c indexes them by enum pd_probe_kind. */
#ifndef SEMA_PROVIDER_H
#define SEMA_PROVIDER_H

#include <stdio.h>

#include "../compiler.h"
#include "../probekind.h"
#include "sema.h"
#include "sema_int.h"

/* One concrete point: its pd entry and the provider's own data for typing and codegen
 * (sema_probe.prov_data: e.g. the usdt argument specs). */
struct sema_point {
	struct pd_probe p;
	const void *data;
};

typedef VEC(struct sema_point) sema_point_list;

/* One attach point as written, with $N parameters substituted. */
struct sema_attach {
	struct compiler *c;
	const struct ast_node *at; /* for diagnostics */
	enum pd_probe_kind kind;
	const char *provider; /* canonical provider name */
	const char *target, *func, *extra; /* the parts after the provider, NULL when absent */
	sema_point_list *out; /* concrete points are appended here (strings in c->arena) */
	bool several; /* the probe as written has other attach points */
	int skipped; /* missing points reported as warnings (sema_missing) */
};

/* -l state: the glob (aliases expanded) and where to print. */
struct sema_lister {
	struct arena arena;
	const char *glob; /* NULL: everything */
	const char *kind_glob; /* the provider part of glob ("*" for '*:*open*'), NULL: any */
	bool verbose;
	int pid; /* -p: list USDT probes of this process */
	FILE *out;
	int count;
};

struct sema_provider {
	/* Appends every concrete point of one attach point; a user error is a diagnostic at
	 * a->at (nothing appended). Returns 0 or -ENOMEM. */
	int (*expand)(struct sema_attach *a);
	/* Prints the attach points matching l's glob (and their arguments with -v);
	 * NULL: not listable. Returns 0 or -ENOMEM. */
	int (*list)(struct sema_lister *l);
	/* The record of `args` for probe p, with field offsets into the context; NULL with
	 * *why (a message) when the probe has none. NULL callback: no `args`. */
	struct type *(*args)(struct compiler *c, const struct pd_probe *p,
			     struct sema_probe *sp, const char **why);
	/* How many argN the probe has; -1: as many as the context holds (six registers). */
	int (*nargs)(const struct pd_probe *p, struct sema_probe *sp);
	/* The type of `retval` (kinds with PK_RETVAL); NULL callback: uint64. */
	struct type *(*retval)(struct compiler *c, const struct pd_probe *p, struct sema_probe *sp);
	/* The type of `ctx`, a pointer to the program's context; NULL callback: the context
	 * as its kind has it (struct pt_regs * for register contexts), else none. */
	struct type *(*ctx)(struct compiler *c, const struct pd_probe *p);
};

/* The provider of kind k. */
const struct sema_provider *sema_provider(enum pd_probe_kind k);

/* Appends point p (its kind set from a) with the provider's data. Returns 0 or -ENOMEM. */
int sema_add_point(struct sema_attach *a, struct pd_probe p, const void *data);
/* Reports an attach point naming nothing that exists (a kernel function, a tracepoint, a
 * function of a binary, a usdt probe): an error, or, as bpftrace 0.17 skips it, a warning
 * when the probe as written has other attach points (the resolver makes it an error when
 * none of them exists). */
void sema_missing(struct sema_attach *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prints name when it matches the lister's glob; returns true when printed. */
bool sema_list_name(struct sema_lister *l, const char *name);
/* Prints "    type name" per field of an args record (-lv). */
void sema_list_record(struct sema_lister *l, const struct type *r);
/* Parses a positive decimal or 0x count; false on anything else. */
bool sema_parse_u64(const char *s, uint64_t *out);

/* The providers, one per family file. */
extern const struct sema_provider sema_prov_special; /* probe_special.c: BEGIN, END */
extern const struct sema_provider sema_prov_tracepoint; /* probe_tracepoint.c */
extern const struct sema_provider sema_prov_rawtp; /* probe_rawtp.c */
extern const struct sema_provider sema_prov_timer; /* probe_perf.c: interval, profile */
extern const struct sema_provider sema_prov_software; /* probe_perf.c */
extern const struct sema_provider sema_prov_hardware; /* probe_perf.c */
extern const struct sema_provider sema_prov_kprobe; /* probe_kprobe.c: kprobe, kretprobe */
extern const struct sema_provider sema_prov_fentry; /* probe_fentry.c: fentry, fexit */
extern const struct sema_provider sema_prov_uprobe; /* probe_uprobe.c: uprobe, uretprobe */
extern const struct sema_provider sema_prov_usdt; /* probe_usdt.c */
extern const struct sema_provider sema_prov_watchpoint; /* probe_watchpoint.c */
extern const struct sema_provider sema_prov_iter; /* probe_iter.c */

#endif
