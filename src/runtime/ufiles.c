/* The user-space files symbols come from, for usyms.c: each ELF file opened once with
 * libdwfl and kept, found again by its inode and by its build id (the same library in
 * many processes, or under another path in a container, is read once). libdwfl finds the
 * symbols in .symtab and .dynsym, in separate debug files (build id, .gnu_debuglink) and
 * in MiniDebugInfo (.gnu_debugdata) when it was built with lzma. */
#include <elfutils/libdwfl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "runtime/rt_internal.h"
#include "util/elf_addr.h"

struct rt_ufile {
	Dwfl *dwfl;
	Dwfl_Module *mod;
	Elf *elf; /* the file itself (program headers), owned by dwfl */
	GElf_Addr bias; /* module address = ELF virtual address + bias */
	char *build_id; /* hex, NULL when the file has none */
	int refs; /* index entries pointing here */
};

struct index_entry {
	dev_t dev;
	ino_t ino;
	struct rt_ufile *f; /* NULL: the file could not be read */
};

static struct index_entry *index_v;
static size_t index_n, index_cap;

static char *debuginfo_path;
static const Dwfl_Callbacks callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
	.debuginfo_path = &debuginfo_path,
};

static char *hex_build_id(Dwfl_Module *mod)
{
	const unsigned char *bits;
	GElf_Addr vaddr;
	int n = dwfl_module_build_id(mod, &bits, &vaddr);
	if (n <= 0)
		return NULL;
	char *s = malloc((size_t)n * 2 + 1);
	for (int i = 0; s && i < n; i++)
		snprintf(s + i * 2, 3, "%02x", bits[i]);
	return s;
}

static void file_free(struct rt_ufile *f)
{
	dwfl_end(f->dwfl);
	free(f->build_id);
	free(f);
}

static struct rt_ufile *same_build(const char *build_id)
{
	for (size_t i = 0; build_id && i < index_n; i++)
		if (index_v[i].f && index_v[i].f->build_id &&
		    strcmp(index_v[i].f->build_id, build_id) == 0)
			return index_v[i].f;
	return NULL;
}

static struct rt_ufile *open_file(const char *path)
{
	struct rt_ufile *f = calloc(1, sizeof(*f));
	if (!f || !(f->dwfl = dwfl_begin(&callbacks))) {
		free(f);
		return NULL;
	}
	dwfl_report_begin(f->dwfl);
	f->mod = dwfl_report_offline(f->dwfl, "", path, -1);
	dwfl_report_end(f->dwfl, NULL, NULL);
	f->elf = f->mod ? dwfl_module_getelf(f->mod, &f->bias) : NULL;
	if (!f->elf) {
		file_free(f);
		return NULL;
	}
	f->build_id = hex_build_id(f->mod);
	struct rt_ufile *twin = same_build(f->build_id);
	if (twin) {
		file_free(f);
		return twin;
	}
	return f;
}

struct rt_ufile *rt_ufile_get(const char *path)
{
	struct stat st;
	if (stat(path, &st))
		return NULL;
	for (size_t i = 0; i < index_n; i++)
		if (index_v[i].dev == st.st_dev && index_v[i].ino == st.st_ino)
			return index_v[i].f;
	if (index_n == index_cap) {
		size_t cap = index_cap ? index_cap * 2 : 64;
		struct index_entry *v = realloc(index_v, cap * sizeof(*v));
		if (!v)
			return NULL;
		index_v = v;
		index_cap = cap;
	}
	struct rt_ufile *f = open_file(path);
	if (f)
		f->refs++;
	index_v[index_n++] = (struct index_entry){ st.st_dev, st.st_ino, f };
	return f;
}

const char *rt_ufile_symbol(struct rt_ufile *f, uint64_t file_off, uint64_t *off)
{
	uint64_t vaddr;
	if (!elfaddr_vaddr_of(f->elf, file_off, &vaddr))
		return NULL;
	GElf_Off o = 0;
	GElf_Sym sym;
	const char *name = dwfl_module_addrinfo(f->mod, vaddr + f->bias, &o, &sym, NULL, NULL,
						NULL);
	*off = o;
	return name;
}

void rt_ufiles_free(void)
{
	for (size_t i = 0; i < index_n; i++) {
		struct rt_ufile *f = index_v[i].f;
		if (f && --f->refs == 0)
			file_free(f);
	}
	free(index_v);
	index_v = NULL;
	index_n = index_cap = 0;
}
