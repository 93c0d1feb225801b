/* tracepoint:CATEGORY:EVENT: expanded against tracefs (wildcards on both parts), `args` is
 * the event's record from its format file. */
#include <errno.h>
#include <string.h>

#include "provider.h"

static void suggest_event(struct compiler *c, const struct ast_node *at, const char *cat,
			  const char *event)
{
	sema_name_list names = { 0 };
	struct sema_suggest s;
	bool cat_exists = sema_tp_match(&c->arena, cat, "*", &names) == 0 && names.len > 0;
	if (!cat_exists) {
		names.len = 0;
		sema_suggest_init(&s, cat);
		if (sema_tp_match(&c->arena, "*", "*", &names) == 0)
			for (int i = 0; i < names.len; i++) {
				char *colon = strchr(names.v[i], ':');
				if (colon)
					*colon = '\0';
				sema_suggest_add(&s, names.v[i]);
			}
		if (sema_suggest_best(&s))
			diag_note(&c->diag, &at->loc, "did you mean 'tracepoint:%s:%s'?",
				  sema_suggest_best(&s), event);
		return;
	}
	sema_suggest_init(&s, event);
	for (int i = 0; i < names.len; i++)
		sema_suggest_add(&s, strchr(names.v[i], ':') + 1);
	if (sema_suggest_best(&s))
		diag_note(&c->diag, &at->loc, "did you mean 'tracepoint:%s:%s'?", cat,
			  sema_suggest_best(&s));
}

static int expand(struct sema_attach *a)
{
	struct compiler *c = a->c;
	const char *cat = a->target, *event = a->func;
	if (!cat || !event || !cat[0] || !event[0] || a->extra) {
		diag_error(&c->diag, &a->at->loc,
			   "tracepoint probes need a category and an event: "
			   "tracepoint:<category>:<event>");
		return 0;
	}
	if (!sema_tracefs_root()) {
		diag_error(&c->diag, &a->at->loc,
			   "cannot read tracepoints: tracefs is not mounted at /sys/kernel/tracing "
			   "and could not be mounted");
		return 0;
	}
	sema_name_list names = { 0 };
	if (sema_has_glob(cat) || sema_has_glob(event)) {
		int err = sema_tp_match(&c->arena, cat, event, &names);
		if (err == -ENOMEM)
			return err;
		if (names.len == 0)
			diag_error(&c->diag, &a->at->loc, "no tracepoint matches 'tracepoint:%s:%s'",
				   cat, event);
	} else if (sema_tp_exists(cat, event)) {
		char *s = arena_sprintf(&c->arena, "%s:%s", cat, event);
		if (!s || vec_push(&c->arena, &names, s))
			return -ENOMEM;
	} else {
		sema_missing(a, "unknown tracepoint 'tracepoint:%s:%s'", cat, event);
		suggest_event(c, a->at, cat, event);
	}
	for (int i = 0; i < names.len; i++) {
		char *colon = strchr(names.v[i], ':');
		struct pd_probe p = { .func = colon + 1 };
		p.name = arena_sprintf(&c->arena, "tracepoint:%s", names.v[i]);
		p.target = arena_strndup(&c->arena, names.v[i], (size_t)(colon - names.v[i]));
		if (!p.target || sema_add_point(a, p, NULL))
			return -ENOMEM;
	}
	return 0;
}

static void print_args(struct sema_lister *l, const char *cat, const char *event)
{
	tp_field_list fields = { 0 };
	if (sema_tp_fields(&l->arena, cat, event, &fields))
		return;
	for (int i = 0; i < fields.len; i++)
		fprintf(l->out, "    %s\n", fields.v[i].decl);
}

/* Narrows the tracefs scan when the glob names the category: "tracepoint:sched:*". */
static int list(struct sema_lister *l)
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
		if (sema_list_name(l, full) && l->verbose) {
			char *colon = strchr(names.v[i], ':');
			*colon = '\0';
			print_args(l, names.v[i], colon + 1);
		}
	}
	return 0;
}

static struct type *args(struct compiler *c, const struct pd_probe *p, struct sema_probe *sp,
			 const char **why)
{
	int err;
	struct type *t = sema_tp_args(&c->arena, p->target, p->func, c->opts.strlen, &err);
	if (!t)
		*why = arena_sprintf(&c->arena, "cannot read the format of %s: %s", p->name,
				     strerror(-err));
	return t;
}

const struct sema_provider sema_prov_tracepoint = {
	.expand = expand,
	.list = list,
	.args = args,
};
