/* USDT probe discovery for sema: reads the SystemTap SDT notes (.note.stapsdt) of an ELF
 * file with libelf, and finds the USDT-carrying files a process maps. Argument specs are
 * decoded in usdt_arg.c; codegen and the runtime attach from the struct usdt_probe. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sema/usdt.h"

#define NT_STAPSDT 3
#define STAPSDT_NOTE_NAME "stapsdt"

/* An open ELF file; close with ef_close() on every path. */
struct ef {
	int fd;
	Elf *e;
};

static int ef_open(const char *path, struct ef *f)
{
	f->e = NULL;
	f->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (f->fd < 0)
		return -errno;
	if (elf_version(EV_CURRENT) == EV_NONE)
		return -EINVAL;
	f->e = elf_begin(f->fd, ELF_C_READ_MMAP, NULL);
	if (!f->e || elf_kind(f->e) != ELF_K_ELF)
		return -ENOEXEC;
	return 0;
}

static void ef_close(struct ef *f)
{
	if (f->e)
		elf_end(f->e);
	if (f->fd >= 0)
		close(f->fd);
}

/* The next section after scn (NULL: the first) called name, or NULL. */
static Elf_Scn *next_section(Elf *e, Elf_Scn *scn, const char *name, GElf_Shdr *sh)
{
	size_t shstrndx;
	if (elf_getshdrstrndx(e, &shstrndx))
		return NULL;
	while ((scn = elf_nextscn(e, scn))) {
		const char *n;
		if (gelf_getshdr(scn, sh) && (n = elf_strptr(e, shstrndx, sh->sh_name)) &&
		    !strcmp(n, name))
			return scn;
	}
	return NULL;
}

/* Turns a virtual address into a file offset through the PT_LOAD headers; false when no
 * segment holds it. memsz counts, so a semaphore in a segment's tail maps too: the kernel
 * only does the arithmetic (ref_ctr_offset is turned back into an address with the vma). */
static bool vaddr_to_off(Elf *e, uint64_t vaddr, uint64_t *off)
{
	size_t n;
	if (elf_getphdrnum(e, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (!gelf_getphdr(e, (int)i, &ph) || ph.p_type != PT_LOAD)
			continue;
		if (vaddr >= ph.p_vaddr && vaddr < ph.p_vaddr + ph.p_memsz) {
			*off = vaddr - ph.p_vaddr + ph.p_offset;
			return true;
		}
	}
	return false;
}

/* Looks name (len bytes) up in .symtab, then .dynsym; defined symbols only. */
static bool lookup_symbol(Elf *e, const char *name, size_t len, uint64_t *addr)
{
	for (int pass = 0; pass < 2; pass++) {
		Elf_Scn *scn = NULL;
		while ((scn = elf_nextscn(e, scn))) {
			GElf_Shdr sh;
			if (!gelf_getshdr(scn, &sh) ||
			    sh.sh_type != (pass ? SHT_DYNSYM : SHT_SYMTAB) || !sh.sh_entsize)
				continue;
			Elf_Data *d = elf_getdata(scn, NULL);
			for (size_t i = 0; d && i < sh.sh_size / sh.sh_entsize; i++) {
				GElf_Sym sym;
				const char *s;
				if (!gelf_getsym(d, (int)i, &sym) || sym.st_shndx == SHN_UNDEF ||
				    !(s = elf_strptr(e, sh.sh_link, sym.st_name)) ||
				    strncmp(s, name, len) || s[len])
					continue;
				*addr = sym.st_value;
				return true;
			}
		}
	}
	return false;
}

/* Gives memory operands named by a symbol ("counter(%rip)") their link-time address. */
static void resolve_symbols(Elf *e, struct usdt_probe *p)
{
	for (int i = 0; i < p->nargs; i++) {
		struct usdt_arg *arg = &p->args[i];
		uint64_t addr;
		if (arg->kind != USDT_ARG_MEM || !arg->sym ||
		    !lookup_symbol(e, arg->sym, (size_t)arg->sym_len, &addr))
			continue;
		arg->val += (int64_t)addr;
		arg->sym_resolved = true;
		if (arg->rip_relative)
			arg->reg_off = -1;
	}
}

/* Reads a native-endian address of size asz at p. */
static uint64_t read_addr(const char *p, size_t asz)
{
	if (asz == 4) {
		uint32_t v;
		memcpy(&v, p, sizeof(v));
		return v;
	}
	uint64_t v;
	memcpy(&v, p, sizeof(v));
	return v;
}

/* Decodes one stapsdt note: pc, base, semaphore, then provider, name and args strings.
 * base_sec is the address of .stapsdt.base (0 when absent). Returns 0, -EINVAL when the
 * note is malformed (skipped by the caller), or -ENOMEM. */
static int read_note(struct arena *a, Elf *e, const char *desc, size_t len, uint64_t base_sec,
		     struct usdt_probe *p)
{
	size_t asz = gelf_getclass(e) == ELFCLASS32 ? 4 : 8;
	if (len < 3 * asz)
		return -EINVAL;
	p->pc = read_addr(desc, asz);
	uint64_t note_base = read_addr(desc + asz, asz);
	p->sem = read_addr(desc + 2 * asz, asz);
	/* Prelink moves sections but not the note's addresses: shift by how far
	 * .stapsdt.base moved, as SystemTap and libbpf do. */
	if (base_sec && note_base) {
		p->pc += base_sec - note_base;
		if (p->sem)
			p->sem += base_sec - note_base;
	}
	const char *strs[3], *s = desc + 3 * asz, *end = desc + len;
	for (int i = 0; i < 3; i++) {
		const char *nul = memchr(s, '\0', (size_t)(end - s));
		if (!nul)
			return -EINVAL;
		strs[i] = s;
		s = nul + 1;
	}
	p->provider = arena_strdup(a, strs[0]);
	p->name = arena_strdup(a, strs[1]);
	p->args_text = arena_strdup(a, strs[2]);
	if (!p->provider || !p->name || !p->args_text)
		return -ENOMEM;
	if (!vaddr_to_off(e, p->pc, &p->pc_off))
		p->pc_off = 0;
	if (!p->sem || !vaddr_to_off(e, p->sem, &p->sem_off))
		p->sem_off = 0;
	p->nargs = sema_usdt_parse_args(p->args_text, p->args, USDT_MAX_ARGS);
	if (p->nargs < 0)
		p->nargs = -1;
	resolve_symbols(e, p);
	return 0;
}

/* Appends the probes of one SHT_NOTE section. */
static int read_notes(struct arena *a, const char *path, Elf *e, Elf_Scn *scn, uint64_t base_sec,
		      usdt_probe_list *out)
{
	Elf_Data *d = elf_getdata(scn, NULL);
	GElf_Nhdr nh;
	size_t off = 0, name_off, desc_off;
	while (d && (off = gelf_getnote(d, off, &nh, &name_off, &desc_off)) > 0) {
		const char *base = d->d_buf;
		if (nh.n_type != NT_STAPSDT || nh.n_namesz != sizeof(STAPSDT_NOTE_NAME) ||
		    memcmp(base + name_off, STAPSDT_NOTE_NAME, sizeof(STAPSDT_NOTE_NAME)))
			continue;
		struct usdt_probe p = { .path = path };
		int err = read_note(a, e, base + desc_off, nh.n_descsz, base_sec, &p);
		if (err == -ENOMEM || (!err && vec_push(a, out, p)))
			return -ENOMEM;
	}
	return 0;
}

int sema_usdt_probes(struct arena *a, const char *path, usdt_probe_list *out)
{
	struct ef f;
	GElf_Shdr sh;
	uint64_t base_sec = 0;
	const char *apath = arena_strdup(a, path);
	int err = apath ? ef_open(path, &f) : -ENOMEM;
	if (!apath)
		return err;
	if (err)
		goto out;
	if (next_section(f.e, NULL, ".stapsdt.base", &sh))
		base_sec = sh.sh_addr;
	Elf_Scn *scn = NULL;
	while (!err && (scn = next_section(f.e, scn, ".note.stapsdt", &sh)))
		if (sh.sh_type == SHT_NOTE)
			err = read_notes(a, apath, f.e, scn, base_sec, out);
out:
	ef_close(&f);
	return err;
}

/* True when path is an ELF file with a .note.stapsdt section. */
static bool has_usdt(const char *path)
{
	struct ef f;
	GElf_Shdr sh;
	bool yes = !ef_open(path, &f) && next_section(f.e, NULL, ".note.stapsdt", &sh);
	ef_close(&f);
	return yes;
}

/* Appends path to list unless it is there already. */
static int add_unique(struct arena *a, sema_name_list *list, const char *path)
{
	for (int i = 0; i < list->len; i++)
		if (!strcmp(list->v[i], path))
			return 0;
	const char *copy = arena_strdup(a, path);
	return copy ? vec_push(a, list, copy) : -ENOMEM;
}

/* The file-backed mappings of pid, in maps order, as /proc/PID/root paths. */
static int mapped_files(struct arena *a, int pid, sema_name_list *out)
{
	char name[64], line[PATH_MAX + 256];
	snprintf(name, sizeof(name), "/proc/%d/maps", pid);
	FILE *fp = fopen(name, "re");
	if (!fp)
		return errno == ENOENT ? -ESRCH : -errno;
	int err = 0;
	while (!err && fgets(line, sizeof(line), fp)) {
		int pos = 0;
		if (sscanf(line, "%*x-%*x %*s %*x %*s %*s %n", &pos) < 0 || !pos)
			continue;
		char *file = line + pos;
		file[strcspn(file, "\n")] = '\0';
		size_t n = strlen(file);
		if (file[0] != '/' || (n > 10 && !strcmp(file + n - 10, " (deleted)")))
			continue;
		char *path = arena_sprintf(a, "/proc/%d/root%s", pid, file);
		err = path ? add_unique(a, out, path) : -ENOMEM;
	}
	fclose(fp);
	return err;
}

int sema_usdt_pid_files(struct arena *a, int pid, sema_name_list *out)
{
	sema_name_list files = { 0 };
	char exe_link[64];
	struct stat exe, st;
	if (pid <= 0)
		return -ESRCH;
	int err = mapped_files(a, pid, &files);
	if (err)
		return err;
	/* The same inode, not the same name: /proc/PID/exe is spelled from our root. */
	snprintf(exe_link, sizeof(exe_link), "/proc/%d/exe", pid);
	bool have_exe = !stat(exe_link, &exe);
	int first = -1;
	for (int i = 0; have_exe && first < 0 && i < files.len; i++)
		if (!stat(files.v[i], &st) && st.st_dev == exe.st_dev && st.st_ino == exe.st_ino)
			first = i;
	if (first >= 0 && has_usdt(files.v[first]))
		err = vec_push(a, out, files.v[first]);
	for (int i = 0; !err && i < files.len; i++)
		if (i != first && has_usdt(files.v[i]))
			err = vec_push(a, out, files.v[i]);
	return err;
}
