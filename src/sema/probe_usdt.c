/* usdt:BINARY:PROVIDER:NAME and usdt:BINARY:NAME (any provider), wildcards on every part;
 * with -p the binary may be left out (every file the process maps) and is looked for in the
 * process's files first. Each probe site is its own point: its arguments' specs differ. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "elf_syms.h"
#include "provider.h"
#include "usdt.h"

/* "/proc/42/root/usr/lib/x.so" is shown as the process sees it: "/usr/lib/x.so". */
static const char *shown_path(const char *file)
{
	const char *root = strncmp(file, "/proc/", 6) == 0 ? strstr(file, "/root/") : NULL;
	return root ? root + 5 : file;
}

/* The files to search: BINARY resolved as uprobes resolve it; with -p, every mapped file
 * whose path or name matches the glob (all of them when BINARY is empty or "*"). */
static int files_of(struct sema_attach *a, const char *bin, sema_name_list *out, int *err)
{
	struct compiler *c = a->c;
	if (c->opts.pid > 0) {
		sema_name_list all = { 0 };
		*err = sema_usdt_pid_files(&c->arena, c->opts.pid, &all);
		for (int i = 0; !*err && i < all.len; i++) {
			const char *path = shown_path(all.v[i]);
			const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
			if (!bin[0] || sema_glob_match(bin, path) || sema_glob_match(bin, base) ||
			    strcmp(sema_bin_resolve(&c->arena, bin, c->opts.pid, err) ?: "", path) == 0)
				*err = vec_push(&c->arena, out, all.v[i]) ? -ENOMEM : 0;
		}
		if (*err || out->len || !bin[0])
			return *err == -ENOMEM ? *err : 0;
	}
	const char *path = bin[0] ? sema_bin_resolve(&c->arena, bin, 0, err) : NULL;
	if (path && vec_push(&c->arena, out, path))
		return -ENOMEM;
	return 0;
}

static int add(struct sema_attach *a, const char *file, const struct usdt_probe *u)
{
	struct compiler *c = a->c;
	const char *shown = shown_path(file);
	struct pd_probe p = { .target = file, .offset = u->pc_off, .ref_ctr_off = u->sem_off };
	p.func = arena_sprintf(&c->arena, "%s:%s", u->provider, u->name);
	p.name = arena_sprintf(&c->arena, "usdt:%s:%s:%s", shown, u->provider, u->name);
	if (!p.func)
		return -ENOMEM;
	return sema_add_point(a, p, u);
}

static int expand(struct sema_attach *a)
{
	struct compiler *c = a->c;
	const char *bin = a->target ? a->target : "";
	const char *prov = a->extra ? a->func : "*", *name = a->extra ? a->extra : a->func;
	int err = 0;
	if (!name || !name[0] || !prov[0]) {
		diag_error(&c->diag, &a->at->loc, "usdt probes need a binary and a probe name: "
			   "usdt:<binary>:[<provider>:]<name>");
		return 0;
	}
	if (!bin[0] && c->opts.pid <= 0) {
		diag_error(&c->diag, &a->at->loc, "usdt probes without a binary need -p PID");
		return 0;
	}
	sema_name_list files = { 0 };
	if (files_of(a, bin, &files, &err))
		return -ENOMEM;
	if (!files.len) {
		diag_error(&c->diag, &a->at->loc, "cannot find the binary '%s': %s", bin,
			   strerror(err ? -err : ENOENT));
		return 0;
	}
	int n = 0;
	for (int i = 0; i < files.len; i++) {
		usdt_probe_list probes = { 0 };
		err = sema_usdt_probes(&c->arena, files.v[i], &probes);
		if (err == -ENOMEM)
			return err;
		for (int j = 0; j < probes.len; j++) {
			const struct usdt_probe *u = &probes.v[j];
			if (!sema_glob_match(prov, u->provider) || !sema_glob_match(name, u->name) ||
			    !u->pc_off)
				continue;
			if ((err = add(a, files.v[i], u)))
				return err;
			n++;
		}
	}
	if (n == 0)
		sema_missing(a, "no usdt probe matches '%s:%s' in %s", prov, name,
			     files.len == 1 ? files.v[0] : "the process's files");
	return 0;
}

/* One line per probe, not per site. */
static bool seen(const usdt_probe_list *probes, int j)
{
	for (int i = 0; i < j; i++)
		if (!strcmp(probes->v[i].provider, probes->v[j].provider) &&
		    !strcmp(probes->v[i].name, probes->v[j].name))
			return true;
	return false;
}

/* -l 'usdt:BINARY:*' (or -p PID with 'usdt:*'): the probes of a binary or a process. */
static int list(struct sema_lister *l)
{
	sema_name_list files = { 0 };
	int err = 0;
	const char *rest = "*"; /* the glob after the binary: [provider:]name */
	if (l->glob && strncmp(l->glob, "usdt:", 5) == 0 && strchr(l->glob + 5, ':'))
		rest = strchr(l->glob + 5, ':') + 1;
	if (!strchr(rest, ':') && strcmp(rest, "*"))
		rest = arena_sprintf(&l->arena, "*:%s", rest);
	if (!rest)
		return -ENOMEM;
	if (l->pid > 0) {
		err = sema_usdt_pid_files(&l->arena, l->pid, &files);
	} else if (l->glob && strncmp(l->glob, "usdt:", 5) == 0) {
		char *bin = arena_strdup(&l->arena, l->glob + 5);
		if (!bin)
			return -ENOMEM;
		bin[strcspn(bin, ":")] = '\0';
		const char *path = sema_has_glob(bin) ? NULL : sema_bin_resolve(&l->arena, bin, 0, &err);
		if (path && vec_push(&l->arena, &files, path))
			return -ENOMEM;
	}
	for (int i = 0; i < files.len; i++) {
		usdt_probe_list probes = { 0 };
		if (sema_usdt_probes(&l->arena, files.v[i], &probes) == -ENOMEM)
			return -ENOMEM;
		const char *shown = shown_path(files.v[i]);
		for (int j = 0; j < probes.len; j++) {
			const struct usdt_probe *u = &probes.v[j];
			char *s = arena_sprintf(&l->arena, "%s:%s", u->provider, u->name);
			if (!s)
				return -ENOMEM;
			if (!sema_glob_match(rest, s) || seen(&probes, j))
				continue;
			fprintf(l->out, "usdt:%s:%s\n", shown, s);
			l->count++;
		}
	}
	return err == -ENOMEM ? err : 0;
}

static int nargs(const struct pd_probe *p, struct sema_probe *sp)
{
	const struct usdt_probe *u = sp->prov_data;
	return u && u->nargs > 0 ? u->nargs : 0;
}

const struct sema_provider sema_prov_usdt = { .expand = expand, .list = list, .nargs = nargs };
