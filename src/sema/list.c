/* -l [glob]: lists the attach points this machine can attach (BEGIN, END, tracepoints from
 * tracefs, raw tracepoints from kernel BTF), with tracepoint arguments for -lv. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sema.h"
#include "sema_int.h"

struct lister {
	struct arena arena;
	const char *glob; /* with the provider alias expanded; NULL: everything */
	bool verbose;
	FILE *out;
	int count;
};

static bool wanted(const struct lister *l, const char *name)
{
	return !l->glob || sema_glob_match(l->glob, name);
}

/* "t:sched:*" -> "tracepoint:sched:*", "rt:x" -> "rawtracepoint:x". */
static const char *expand_alias(struct arena *a, const char *glob)
{
	static const char *const aliases[][2] = { { "t:", "tracepoint:" },
						  { "rt:", "rawtracepoint:" } };
	if (!glob)
		return NULL;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++) {
		size_t n = strlen(aliases[i][0]);
		if (strncmp(glob, aliases[i][0], n) == 0)
			return arena_sprintf(a, "%s%s", aliases[i][1], glob + n);
	}
	return glob;
}

static void print_tp_args(struct lister *l, const char *cat, const char *event)
{
	tp_field_list fields = { 0 };
	if (sema_tp_fields(&l->arena, cat, event, &fields))
		return;
	for (int i = 0; i < fields.len; i++)
		fprintf(l->out, "    %s\n", fields.v[i].decl);
}

/* Narrows the tracefs scan when the glob names the category: "tracepoint:sched:*". */
static int list_tracepoints(struct lister *l)
{
	const char *cat_glob = "*", *ev_glob = "*";
	char buf[512];
	if (l->glob && strncmp(l->glob, "tracepoint:", 11) == 0) {
		snprintf(buf, sizeof(buf), "%s", l->glob + 11);
		char *colon = strchr(buf, ':');
		if (colon) {
			*colon = '\0';
			cat_glob = buf;
			ev_glob = colon + 1;
		}
	}
	sema_name_list names = { 0 };
	int err = sema_tp_match(&l->arena, cat_glob, ev_glob, &names);
	if (err)
		return err == -ENOMEM ? err : 0;
	for (int i = 0; i < names.len; i++) {
		char *full = arena_sprintf(&l->arena, "tracepoint:%s", names.v[i]);
		if (!full)
			return -ENOMEM;
		if (!wanted(l, full))
			continue;
		fprintf(l->out, "%s\n", full);
		l->count++;
		if (l->verbose) {
			char *colon = strchr(names.v[i], ':');
			*colon = '\0';
			print_tp_args(l, names.v[i], colon + 1);
		}
	}
	return 0;
}

static int list_rawtps(struct lister *l)
{
	sema_name_list names = { 0 };
	int err = kbtf_rawtp_match(&l->arena, "*", &names);
	if (err)
		return err == -ENOMEM ? err : 0;
	for (int i = 0; i < names.len; i++) {
		char *full = arena_sprintf(&l->arena, "rawtracepoint:%s", names.v[i]);
		if (!full)
			return -ENOMEM;
		if (!wanted(l, full))
			continue;
		fprintf(l->out, "%s\n", full);
		l->count++;
	}
	return 0;
}

int sema_list_probes(const char *glob, bool verbose, FILE *out)
{
	struct lister l = { .verbose = verbose, .out = out };
	l.glob = expand_alias(&l.arena, glob && glob[0] ? glob : NULL);
	int err = glob && glob[0] && !l.glob ? -ENOMEM : 0;
	static const char *const specials[] = { "BEGIN", "END" };
	for (size_t i = 0; !err && i < sizeof(specials) / sizeof(specials[0]); i++) {
		if (wanted(&l, specials[i])) {
			fprintf(out, "%s\n", specials[i]);
			l.count++;
		}
	}
	if (!err)
		err = list_tracepoints(&l);
	if (!err)
		err = list_rawtps(&l);
	arena_free(&l.arena);
	return err ? err : l.count;
}
