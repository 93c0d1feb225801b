/* `config = { key = value; ... }`: the script's own settings, one row per key (also
 * written with bpftrace's BPFTRACE_ prefix, any case). Applied before probes resolve; a
 * script's setting wins over the environment's, as it is the more specific. */
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "../compiler.h"
#include "../progdesc.h"
#include "sema.h"
#include "sema_int.h"

enum cfg_kind {
	CFG_INT, /* a number in [min, max] */
	CFG_MISSING, /* error, warn or ignore */
};

struct cfg_key {
	const char *name;
	enum cfg_kind kind;
	int64_t min, max;
};

static const struct cfg_key keys[] = {
	{ "max_strlen", CFG_INT, 1, SEMA_STR_MAX },
	{ "max_map_keys", CFG_INT, 1, 1 << 24 },
	{ "max_probes", CFG_INT, 1, 1 << 20 },
	{ "missing_probes", CFG_MISSING, 0, 0 },
};

static void set(struct compiler *c, const struct cfg_key *k, int64_t v)
{
	if (strcmp(k->name, "max_strlen") == 0) {
		c->opts.strlen = (int)v;
		c->pd->strlen = (uint32_t)v;
	} else if (strcmp(k->name, "max_map_keys") == 0) {
		c->opts.map_keys_max = (int)v;
	} else if (strcmp(k->name, "max_probes") == 0) {
		c->opts.max_probes = (int)v;
	} else {
		c->pd->missing_probes = (enum pd_missing)v;
	}
}

static const struct cfg_key *find_key(const char *name)
{
	if (strncasecmp(name, "BPFTRACE_", 9) == 0)
		name += 9;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcasecmp(name, keys[i].name) == 0)
			return &keys[i];
	return NULL;
}

static void unknown_key(struct compiler *c, const struct ast_config *it)
{
	struct sema_suggest s;
	diag_error(&c->diag, &it->loc, "unknown config key '%s'", it->key);
	sema_suggest_init(&s, it->key);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		sema_suggest_add(&s, keys[i].name);
	if (sema_suggest_best(&s))
		diag_note(&c->diag, &it->loc, "did you mean '%s'?", sema_suggest_best(&s));
}

static void apply(struct compiler *c, const struct ast_config *it)
{
	static const char *const missing[] = { "error", "warn", "ignore" };
	const struct cfg_key *k = find_key(it->key);
	const struct ast_node *v = it->value;
	if (!k) {
		unknown_key(c, it);
		return;
	}
	if (k->kind == CFG_MISSING) {
		for (int i = 0; i < 3; i++)
			if (v->kind == AST_STR && strcmp(v->str.s, missing[i]) == 0) {
				set(c, k, i);
				return;
			}
		diag_error(&c->diag, &v->loc, "%s must be error, warn or ignore", k->name);
		return;
	}
	if (v->kind != AST_INT || v->int_.value < (uint64_t)k->min ||
	    v->int_.value > (uint64_t)k->max) {
		diag_error(&c->diag, &v->loc, "%s must be a number from %lld to %lld", k->name,
			   (long long)k->min, (long long)k->max);
		return;
	}
	set(c, k, (int64_t)v->int_.value);
}

int sema_apply_config(struct compiler *c)
{
	for (int i = 0; i < c->ast->program.config.len; i++)
		apply(c, &c->ast->program.config.v[i]);
	return diag_errors(&c->diag) ? -EINVAL : 0;
}
