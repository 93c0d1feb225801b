/* Symbol names for ksym()/usym() values: kernel addresses from /proc/kallsyms, user
 * addresses through /proc/PID/maps and the mapped file's ELF symbol tables (libelf).
 * Unknown addresses print as bpftrace prints them: 0x... (or 0 for a null address). */
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/rt_internal.h"
#include "util/strbuf.h"

struct sym {
	uint64_t addr;
	uint64_t size; /* 0 when unknown (kallsyms): the symbol runs to the next one */
	char *name;
};

struct symtab {
	struct sym *v;
	size_t n, cap;
	char *path; /* user symbols: the file they came from */
};

static struct symtab ksyms;
static bool ksyms_loaded;
static struct symtab usyms; /* the last user file looked at */

static int sym_cmp(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int symtab_add(struct symtab *st, uint64_t addr, uint64_t size, const char *name)
{
	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 1024;
		struct sym *v = realloc(st->v, cap * sizeof(*v));
		if (!v)
			return -1;
		st->v = v;
		st->cap = cap;
	}
	char *s = strdup(name);
	if (!s)
		return -1;
	st->v[st->n++] = (struct sym){ addr, size, s };
	return 0;
}

static void symtab_free(struct symtab *st)
{
	for (size_t i = 0; i < st->n; i++)
		free(st->v[i].name);
	free(st->v);
	free(st->path);
	memset(st, 0, sizeof(*st));
}

/* The last symbol starting at or before addr (and covering it, when sizes are known). */
static const struct sym *symtab_find(const struct symtab *st, uint64_t addr)
{
	size_t lo = 0, hi = st->n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	const struct sym *s = &st->v[lo - 1];
	if (s->size && addr >= s->addr + s->size)
		return NULL;
	return s;
}

static void load_kallsyms(void)
{
	ksyms_loaded = true;
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return;
	char line[512], name[256], type;
	unsigned long long addr;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) != 3 || !addr)
			continue;
		if (symtab_add(&ksyms, addr, 0, name))
			break;
	}
	fclose(f);
	qsort(ksyms.v, ksyms.n, sizeof(*ksyms.v), sym_cmp);
}

static int hex_addr(struct strbuf *sb, uint64_t addr)
{
	if (!addr)
		return sb_append(sb, "0");
	return sb_printf(sb, "0x%llx", (unsigned long long)addr);
}

int rt_ksym_str(struct strbuf *sb, uint64_t addr)
{
	if (!ksyms_loaded)
		load_kallsyms();
	const struct sym *s = symtab_find(&ksyms, addr);
	return s ? sb_append(sb, s->name) : hex_addr(sb, addr);
}

static void read_elf_syms(Elf *e, struct symtab *st)
{
	Elf_Scn *scn = NULL;
	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh) || (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM))
			continue;
		Elf_Data *d = elf_getdata(scn, NULL);
		size_t n = sh.sh_entsize ? sh.sh_size / sh.sh_entsize : 0;
		for (size_t i = 0; d && i < n; i++) {
			GElf_Sym sym;
			if (!gelf_getsym(d, (int)i, &sym) || GELF_ST_TYPE(sym.st_info) != STT_FUNC ||
			    !sym.st_value)
				continue;
			const char *name = elf_strptr(e, sh.sh_link, sym.st_name);
			if (name && *name && symtab_add(st, sym.st_value, sym.st_size, name))
				return;
		}
	}
}

/* Turns a file offset into the ELF's virtual address through its PT_LOAD headers. */
static bool offset_to_vaddr(Elf *e, uint64_t off, uint64_t *vaddr)
{
	size_t n;
	if (elf_getphdrnum(e, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (off >= ph.p_offset && off < ph.p_offset + ph.p_filesz) {
			*vaddr = off - ph.p_offset + ph.p_vaddr;
			return true;
		}
	}
	return false;
}

/* Loads the symbols of path into usyms (kept while the same file is asked for again) and
 * converts the file offset; returns false when the file cannot be read. */
static bool load_user_file(const char *path, uint64_t off, uint64_t *vaddr)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ, NULL);
	bool ok = e && offset_to_vaddr(e, off, vaddr);
	if (ok && (!usyms.path || strcmp(usyms.path, path))) {
		symtab_free(&usyms);
		usyms.path = strdup(path);
		read_elf_syms(e, &usyms);
		qsort(usyms.v, usyms.n, sizeof(*usyms.v), sym_cmp);
	}
	if (e)
		elf_end(e);
	close(fd);
	return ok;
}

/* Finds the file mapping addr in pid; fills path (through /proc/PID/root) and the offset. */
static bool find_mapping(int pid, uint64_t addr, char *path, size_t len, uint64_t *off)
{
	char name[64], line[4096];
	snprintf(name, sizeof(name), "/proc/%d/maps", pid);
	FILE *f = fopen(name, "r");
	if (!f)
		return false;
	bool found = false;
	while (!found && fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, pgoff;
		int pos = 0;
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %n", &lo, &hi, &pgoff, &pos) < 3 ||
		    addr < lo || addr >= hi)
			continue;
		char *file = line + pos;
		file[strcspn(file, "\n")] = '\0';
		if (file[0] != '/')
			break;
		snprintf(path, len, "/proc/%d/root%s", pid, file);
		*off = addr - lo + pgoff;
		found = true;
	}
	fclose(f);
	return found;
}

int rt_usym_str(struct strbuf *sb, uint64_t addr, int pid)
{
	char path[4200];
	uint64_t off, vaddr;
	if (pid > 0 && find_mapping(pid, addr, path, sizeof(path), &off) &&
	    load_user_file(path, off, &vaddr)) {
		const struct sym *s = symtab_find(&usyms, vaddr);
		if (s)
			return sb_append(sb, s->name);
	}
	return hex_addr(sb, addr);
}
