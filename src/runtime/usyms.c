/* User symbol names for usym() and ustack: each process's mappings read once from
 * /proc/PID/maps (so PIE executables and shared libraries resolve at their load address),
 * the files they map named by ufiles.c (each read once, shared between processes by inode
 * and build id). C++ names are demangled. A process that is gone has no symbols: its
 * addresses print as bpftrace prints them then (0x...). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/demangle.h"
#include "util/strbuf.h"

struct umap {
	uint64_t start, end, pgoff;
	char *path; /* as the process maps it */
	struct rt_ufile *file; /* opened on the first address in it */
	bool opened;
};

struct uproc {
	int pid;
	struct umap *maps; /* sorted by start, as /proc/PID/maps lists them */
	int n; /* 0 when the process could not be read (gone) */
};

static struct uproc *procs;
static int nprocs, capprocs;

static int read_maps(struct uproc *p)
{
	char name[64], line[4608];
	snprintf(name, sizeof(name), "/proc/%d/maps", p->pid);
	FILE *f = fopen(name, "r");
	if (!f)
		return -errno;
	int cap = 0;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, pgoff;
		int pos = 0;
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &lo, &hi, &pgoff, &pos) < 3 ||
		    !pos || line[pos] != '/')
			continue;
		line[pos + strcspn(line + pos, "\n")] = '\0';
		if (p->n == cap) {
			cap = cap ? cap * 2 : 32;
			struct umap *v = realloc(p->maps, (size_t)cap * sizeof(*v));
			if (!v)
				break;
			p->maps = v;
		}
		char *path = strdup(line + pos);
		if (!path)
			break;
		p->maps[p->n++] = (struct umap){ lo, hi, pgoff, path, NULL, false };
	}
	fclose(f);
	return 0;
}

static struct uproc *proc_of(int pid)
{
	for (int i = 0; i < nprocs; i++)
		if (procs[i].pid == pid)
			return &procs[i];
	if (nprocs == capprocs) {
		int cap = capprocs ? capprocs * 2 : 16;
		struct uproc *v = realloc(procs, (size_t)cap * sizeof(*v));
		if (!v)
			return NULL;
		procs = v;
		capprocs = cap;
	}
	struct uproc *p = &procs[nprocs++];
	*p = (struct uproc){ .pid = pid };
	read_maps(p);
	return p;
}

/* The mapping holding addr, its file opened (through the process's root: another mount
 * namespace works). */
static struct umap *map_of(struct uproc *p, uint64_t addr)
{
	int lo = 0, hi = p->n;
	while (lo < hi) {
		int mid = (lo + hi) / 2;
		if (p->maps[mid].start <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	struct umap *m = lo ? &p->maps[lo - 1] : NULL;
	if (!m || addr >= m->end)
		return NULL;
	if (!m->opened) {
		char path[4200];
		snprintf(path, sizeof(path), "/proc/%d/root%s", p->pid, m->path);
		m->file = rt_ufile_get(path);
		m->opened = true;
	}
	return m;
}

int rt_usym_lookup(int pid, uint64_t addr, struct rt_usym *out)
{
	struct uproc *p = pid > 0 ? proc_of(pid) : NULL;
	struct umap *m = p ? map_of(p, addr) : NULL;
	if (!m)
		return -ENOENT;
	out->module = m->path;
	const char *name = m->file ? rt_ufile_symbol(m->file, addr - m->start + m->pgoff,
						     &out->off) : NULL;
	if (!name)
		return -ENOENT;
	/* libdwfl names versioned .dynsym entries "clock_nanosleep@GLIBC_2.2.5"; bpftrace
	 * prints the bare name */
	const char *at = strchr(name, '@');
	if (at) {
		snprintf(out->bare, sizeof(out->bare), "%.*s", (int)(at - name), name);
		name = out->bare;
	}
	free(out->demangled);
	out->demangled = demangle_cxx(name);
	out->name = out->demangled ? out->demangled : name;
	return 0;
}

int rt_usym_str(struct strbuf *sb, uint64_t addr, int pid)
{
	struct rt_usym s = { 0 };
	int err = rt_usym_lookup(pid, addr, &s) ? rt_hex_addr(sb, addr) : sb_append(sb, s.name);
	free(s.demangled);
	return err;
}

void rt_usyms_free(void)
{
	for (int i = 0; i < nprocs; i++) {
		for (int j = 0; j < procs[i].n; j++)
			free(procs[i].maps[j].path);
		free(procs[i].maps);
	}
	free(procs);
	procs = NULL;
	nprocs = capprocs = 0;
	rt_ufiles_free();
}

static bool names_user_addresses(const struct pd_type *t)
{
	if (t->kind == PD_USTACK || t->kind == PD_USYM)
		return true;
	for (int i = 0; i < t->fields.len; i++)
		if (names_user_addresses(&t->fields.v[i]))
			return true;
	return false;
}

bool rt_needs_user_symbols(const struct pd_prog *pd)
{
	for (int i = 0; i < pd->stackmaps.len; i++)
		if (pd->stackmaps.v[i].user)
			return true;
	for (int i = 0; i < pd->maps.len; i++)
		if (names_user_addresses(&pd->maps.v[i].key) ||
		    names_user_addresses(&pd->maps.v[i].value))
			return true;
	for (int i = 0; i < pd->fmts.len; i++)
		if (names_user_addresses(&pd->fmts.v[i].args))
			return true;
	return false;
}
