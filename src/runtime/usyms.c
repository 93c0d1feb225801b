/* User symbol names for usym() and ustack: one libdwfl session per process, reported from
 * /proc/PID/maps, so PIE executables and shared libraries resolve at their load address;
 * libdwfl finds symbols in .symtab, .dynsym, separate debug files (build id,
 * .gnu_debuglink) and MiniDebugInfo (.gnu_debugdata) when built with lzma. C++ names are
 * demangled. A process that is gone has no symbols: its addresses print as bpftrace
 * prints them then (0x...). */
#include <elfutils/libdwfl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/strbuf.h"

/* From libstdc++; returns a malloc'd string or NULL. */
char *__cxa_demangle(const char *mangled, char *buf, size_t *len, int *status);

/* Sessions kept; the oldest is dropped past this many processes. */
#define MAX_PROCS 64

struct proc {
	int pid;
	Dwfl *dwfl; /* NULL: the process could not be read (gone) */
};

static struct proc procs[MAX_PROCS];
static int nprocs, next_victim;

static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_linux_proc_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.debuginfo_path = &debuginfo_path,
};

static Dwfl *open_proc(int pid)
{
	Dwfl *d = dwfl_begin(&callbacks);
	if (!d)
		return NULL;
	dwfl_report_begin(d);
	if (dwfl_linux_proc_report(d, pid) != 0 || dwfl_report_end(d, NULL, NULL) != 0) {
		dwfl_end(d);
		return NULL;
	}
	return d;
}

static Dwfl *proc_dwfl(int pid)
{
	for (int i = 0; i < nprocs; i++)
		if (procs[i].pid == pid)
			return procs[i].dwfl;
	int slot = nprocs < MAX_PROCS ? nprocs++ : next_victim++ % MAX_PROCS;
	if (procs[slot].dwfl)
		dwfl_end(procs[slot].dwfl);
	procs[slot] = (struct proc){ pid, open_proc(pid) };
	return procs[slot].dwfl;
}

int rt_usym_lookup(int pid, uint64_t addr, struct rt_usym *out)
{
	Dwfl *d = pid > 0 ? proc_dwfl(pid) : NULL;
	Dwfl_Module *m = d ? dwfl_addrmodule(d, addr) : NULL;
	if (!m)
		return -ENOENT;
	GElf_Off off = 0;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(m, addr, &off, &sym, NULL, NULL, NULL);
	out->module = dwfl_module_info(m, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
	if (!name)
		return -ENOENT;
	/* libdwfl names versioned .dynsym entries "clock_nanosleep@GLIBC_2.2.5"; bpftrace
	 * prints the bare name */
	const char *at = strchr(name, '@');
	if (at) {
		snprintf(out->bare, sizeof(out->bare), "%.*s", (int)(at - name), name);
		name = out->bare;
	}
	int status = 0;
	char *dem = strncmp(name, "_Z", 2) == 0 ? __cxa_demangle(name, NULL, NULL, &status) : NULL;
	free(out->demangled);
	out->demangled = dem && !status ? dem : NULL;
	if (!out->demangled)
		free(dem);
	out->name = out->demangled ? out->demangled : name;
	out->off = off;
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
	for (int i = 0; i < nprocs; i++)
		if (procs[i].dwfl)
			dwfl_end(procs[i].dwfl);
	nprocs = next_victim = 0;
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
