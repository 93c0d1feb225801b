/* Kernel functions that kprobes and fentry can attach to, for sema: tracefs's
 * available_filter_functions when it can be read, else the functions of the kernel's BTF;
 * /proc/kallsyms answers whether one exact name exists (also in a module). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../cache/deps.h"
#include "sema_int.h"

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Reads "name [module]" lines of available_filter_functions; -errno when unreadable. */
static int read_filter_functions(struct arena *a, const char *glob, sema_name_list *out)
{
	const char *root = sema_tracefs_root();
	char path[512], line[512];
	if (!root)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/available_filter_functions", root);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	int start = out->len, err = 0;
	while (!err && fgets(line, sizeof(line), f)) {
		line[strcspn(line, " \t\n")] = '\0';
		if (line[0] && !strchr(line, '.') && sema_glob_match(glob, line)) {
			char *s = arena_strdup(a, line);
			err = !s || vec_push(a, out, s) ? -ENOMEM : 0;
		}
	}
	fclose(f);
	if (out->len > start)
		qsort(out->v + start, (size_t)(out->len - start), sizeof(*out->v), cmp_str);
	/* one name per function: static functions may appear once per file */
	int w = start;
	for (int i = start; i < out->len; i++)
		if (w == start || strcmp(out->v[w - 1], out->v[i]))
			out->v[w++] = out->v[i];
	out->len = w;
	return err;
}

int sema_kfunc_match(struct arena *a, const char *glob, sema_name_list *out)
{
	int err = read_filter_functions(a, glob, out);
	if (err == -ENOMEM || !err)
		return err;
	return kbtf_func_match(a, glob, out);
}

bool sema_kfunc_exists(const char *name, const char *module)
{
	if (!module && kbtf_has_func(name))
		return true;
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return true; /* cannot tell: let attaching say */
	char line[512], sym[256], mod[256];
	bool found = false, any = false;
	char type;
	while (!found && fgets(line, sizeof(line), f)) {
		mod[0] = '\0';
		if (sscanf(line, "%*s %c %255s [%255[^]]]", &type, sym, mod) < 2)
			continue;
		any = true;
		if ((type == 't' || type == 'T') && strcmp(sym, name) == 0)
			found = !module || strcmp(mod, module) == 0;
	}
	fclose(f);
	return found || !any;
}

int sema_kaddr(const char *name, uint64_t *addr)
{
	/* The address moves with every boot (KASLR): a compile that bakes one in is valid for
	 * this boot only. */
	cache_dep_content("/proc/sys/kernel/random/boot_id");
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return -errno;
	char line[512], sym[256];
	unsigned long long a;
	int err = -ENOENT;
	while (err && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %*c %255s", &a, sym) == 2 && strcmp(sym, name) == 0) {
			*addr = a;
			err = a ? 0 : -EPERM; /* kallsyms shows 0 to the unprivileged */
		}
	}
	fclose(f);
	return err;
}
