/* Function symbols of user-space ELF files for uprobe expansion: .symtab and .dynsym merged,
 * C++ names demangled, virtual addresses turned into the file offsets uprobes attach at, and
 * instruction boundaries checked for "uprobe:bin:func+off". Part of sema (elf_syms.h). */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../codegen_load.h"
#include "../util/arena.h"
#include "../util/demangle.h"
#include "../util/elf_addr.h"
#include "elf_syms.h"
#include "sema_int.h"

/* The demangled name in the arena, or NULL for names that are not mangled C++. */
static const char *demangle(struct arena *a, const char *name, int *err)
{
	char *d = demangle_cxx(name);
	if (!d)
		return NULL;
	const char *copy = arena_strdup(a, d);
	free(d);
	if (!copy)
		*err = -ENOMEM;
	return copy;
}

/* The file offset of a virtual address through the PT_LOAD headers; sections for files
 * without program headers (relocatable objects); else the address itself. */
static uint64_t vaddr_to_offset(Elf *e, const GElf_Sym *sym)
{
	size_t n = 0;
	if (elf_getphdrnum(e, &n) == 0) {
		for (size_t i = 0; i < n; i++) {
			GElf_Phdr ph;
			if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
				continue;
			if (sym->st_value >= ph.p_vaddr && sym->st_value < ph.p_vaddr + ph.p_filesz)
				return sym->st_value - ph.p_vaddr + ph.p_offset;
		}
	}
	GElf_Shdr sh;
	Elf_Scn *scn = sym->st_shndx < SHN_LORESERVE ? elf_getscn(e, sym->st_shndx) : NULL;
	if (scn && gelf_getshdr(scn, &sh) && sym->st_value >= sh.sh_addr)
		return sym->st_value - sh.sh_addr + sh.sh_offset;
	return sym->st_value;
}

static bool is_defined_func(const GElf_Sym *sym)
{
	int type = GELF_ST_TYPE(sym->st_info);
	return (type == STT_FUNC || type == STT_GNU_IFUNC) && sym->st_shndx != SHN_UNDEF &&
	       sym->st_value != 0;
}

/* Appends the defined functions of one symbol table section. */
static int add_section_funcs(struct arena *a, Elf *e, Elf_Scn *scn, const GElf_Shdr *sh,
			     elf_func_list *out)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	size_t n = sh->sh_entsize ? sh->sh_size / sh->sh_entsize : 0;
	int err = 0;

	for (size_t i = 0; d && i < n && !err; i++) {
		GElf_Sym sym;
		if (!gelf_getsym(d, (int)i, &sym) || !is_defined_func(&sym))
			continue;
		const char *name = elf_strptr(e, sh->sh_link, sym.st_name);
		if (!name || !*name)
			continue;
		struct elf_func f = {
			.name = arena_strdup(a, name),
			.addr = sym.st_value,
			.size = sym.st_size,
			.file_off = vaddr_to_offset(e, &sym),
		};
		if (!f.name)
			return -ENOMEM;
		f.demangled = demangle(a, name, &err);
		if (!err)
			err = vec_push(a, out, f);
	}
	return err;
}

static int cmp_func(const void *pa, const void *pb)
{
	const struct elf_func *a = pa, *b = pb;
	int c = strcmp(a->name, b->name);
	if (c)
		return c;
	return a->addr < b->addr ? -1 : a->addr > b->addr;
}

/* Sorts out[from..] by name and address and drops the entries .dynsym repeats. */
static void sort_unique(elf_func_list *out, int from)
{
	struct elf_func *v = out->v + from;
	int n = out->len - from, kept = 0;
	if (n <= 0)
		return;
	qsort(v, (size_t)n, sizeof(*v), cmp_func);
	for (int i = 0; i < n; i++)
		if (!kept || cmp_func(&v[kept - 1], &v[i]))
			v[kept++] = v[i];
	out->len = from + kept;
}

static int read_funcs(struct arena *a, Elf *e, elf_func_list *out)
{
	Elf_Scn *scn = NULL;
	int from = out->len;

	while ((scn = elf_nextscn(e, scn))) {
		GElf_Shdr sh;
		if (!gelf_getshdr(scn, &sh))
			continue;
		if (sh.sh_type != SHT_SYMTAB && sh.sh_type != SHT_DYNSYM)
			continue;
		int err = add_section_funcs(a, e, scn, &sh, out);
		if (err)
			return err;
	}
	sort_unique(out, from);
	return 0;
}

int sema_elf_funcs(struct arena *a, const char *path, elf_func_list *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	int err = e && elf_kind(e) == ELF_K_ELF ? read_funcs(a, e, out) : -ENOEXEC;
	if (e)
		elf_end(e);
	close(fd);
	return err;
}

bool sema_elf_func_matches(const struct elf_func *f, const char *glob)
{
	return sema_glob_match(glob, f->name) ||
	       (f->demangled && sema_glob_match(glob, f->demangled));
}

/* The length of a demangled name without its parameter list and what follows it ("const"):
 * up to the '(' matching the last ')'. */
static size_t without_params(const char *d)
{
	size_t n = strlen(d);
	const char *close = strrchr(d, ')');
	if (!close)
		return n;
	int depth = 0;
	for (const char *p = close; p >= d; p--) {
		depth += *p == ')' ? 1 : *p == '(' ? -1 : 0;
		if (depth == 0)
			return (size_t)(p - d);
	}
	return n;
}

bool sema_elf_func_matches_cpp(const struct elf_func *f, const char *glob)
{
	char buf[1024];
	if (!f->demangled)
		return false;
	size_t n = without_params(f->demangled);
	if (n >= sizeof(buf))
		return false;
	memcpy(buf, f->demangled, n);
	buf[n] = '\0';
	return sema_glob_match(glob, buf);
}

/* Functions larger than this are not decoded (no real function is). */
#define MAX_DECODE_BYTES (16u << 20)

int sema_elf_insn_boundary(const char *path, const struct elf_func *f, uint64_t off)
{
	if (off >= f->size)
		return 0;
	if (off == 0)
		return 1;
	size_t len = f->size < MAX_DECODE_BYTES ? (size_t)f->size : MAX_DECODE_BYTES;
	if (off >= len)
		return 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	uint8_t *code = malloc(len);
	ssize_t got = code ? pread(fd, code, len, (off_t)f->file_off) : -1;
	int ret = !code ? -ENOMEM : got < 0 ? -errno : (size_t)got != len ? -EIO : 0;
	close(fd);
	if (!ret) {
		ret = cgl_insn_lengths_ok(code, len, (size_t)off);
		if (ret == -EILSEQ)
			ret = 0; /* bytes that do not decode: not a known boundary */
	}
	free(code);
	return ret;
}

static int find_symbol(Elf *e, const char *name, struct elf_sym_info *out)
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
			if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF)
				continue;
			const char *s = elf_strptr(e, sh.sh_link, sym.st_name);
			if (s && strcmp(s, name) == 0) {
				out->addr = sym.st_value;
				out->size = sym.st_size;
				return 0;
			}
		}
	}
	return -ENOENT;
}

int sema_elf_symbol(const char *path, const char *name, uint64_t probe_off,
		    struct elf_sym_info *out)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	elf_version(EV_CURRENT);
	Elf *e = elf_begin(fd, ELF_C_READ_MMAP, NULL);
	GElf_Ehdr eh;
	int err = -ENOEXEC;
	if (e && elf_kind(e) == ELF_K_ELF && gelf_getehdr(e, &eh)) {
		out->pie = eh.e_type == ET_DYN;
		if (!elfaddr_vaddr_of(e, probe_off, &out->probe_vaddr))
			out->probe_vaddr = probe_off;
		err = find_symbol(e, name, out);
	}
	if (e)
		elf_end(e);
	close(fd);
	return err;
}
