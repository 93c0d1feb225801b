/* The compile cache's key (key.h). Everything is hashed as tagged, length-prefixed
 * fields so that no two inputs run together. Cheap by design: the kernel is named by its
 * build id note and uname (not its 6 MB of BTF), bpfscope by the build id the linker put
 * in its own program headers (read from memory, no file). */
#define _GNU_SOURCE
#include "key.h"

#include <elf.h>
#include <fcntl.h>
#include <stdio.h>
#include <link.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "codegen_load.h"
#include "compiler.h"

/* Bumped whenever an entry's layout or the meaning of a key input changes. */
#define KEY_VERSION "bpfscope-cache-1"

extern char **environ;

static void put(struct sha256 *s, const char *tag, const void *data, size_t n)
{
	uint64_t len = n;
	sha256_update(s, tag, strlen(tag) + 1);
	sha256_update(s, &len, sizeof(len));
	sha256_update(s, data, n);
}

static void put_str(struct sha256 *s, const char *tag, const char *str)
{
	put(s, tag, str ? str : "", str ? strlen(str) + 1 : 0);
}

static void put_int(struct sha256 *s, const char *tag, int64_t v)
{
	put(s, tag, &v, sizeof(v));
}

/* The main program's NT_GNU_BUILD_ID note, from its loaded PT_NOTE segments. */
static int find_build_id(struct dl_phdr_info *info, size_t size, void *arg)
{
	struct sha256 *s = arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_NOTE)
			continue;
		const char *p = (const char *)(info->dlpi_addr + ph->p_vaddr);
		const char *end = p + ph->p_memsz;
		while ((size_t)(end - p) >= sizeof(ElfW(Nhdr))) {
			const ElfW(Nhdr) *nh = (const void *)p;
			size_t name = (nh->n_namesz + 3) & ~3u, desc = (nh->n_descsz + 3) & ~3u;
			const char *d = p + sizeof(*nh) + name;
			if (d + desc > end)
				break;
			if (nh->n_type == NT_GNU_BUILD_ID && nh->n_namesz == 4 &&
			    !memcmp(p + sizeof(*nh), "GNU", 4)) {
				put(s, "build-id", d, nh->n_descsz);
				return 1;
			}
			p = d + desc;
		}
	}
	return 1; /* the first object is the main program: stop there */
}

/* bpfscope itself: its build id, or without one its file's identity; and the code
 * generator's object, which is not loaded on a hit: the file's identity, so a rebuilt or
 * reinstalled object never reuses what the old one compiled. */
static void put_self(struct sha256 *s)
{
	struct stat cg;
	if (!cgl_stat(&cg)) {
		int64_t id[5] = { (int64_t)cg.st_dev, (int64_t)cg.st_ino, cg.st_size,
				  cg.st_mtim.tv_sec, cg.st_mtim.tv_nsec };
		put(s, "codegen", id, sizeof(id));
	}
	struct sha256 probe = *s;
	dl_iterate_phdr(find_build_id, s);
	if (memcmp(&probe, s, sizeof(probe)))
		return;
	struct stat st;
	if (!stat("/proc/self/exe", &st)) {
		int64_t id[4] = { (int64_t)st.st_ino, st.st_size, st.st_mtim.tv_sec,
				  st.st_mtim.tv_nsec };
		put(s, "exe", id, sizeof(id));
	}
}

/* A small kernel file's content (absent files hash as empty). */
static void put_file(struct sha256 *s, const char *tag, const char *path)
{
	char buf[8192];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = 0;
	sha256_update(s, tag, strlen(tag) + 1);
	while (fd >= 0 && (n = read(fd, buf, sizeof(buf))) > 0)
		sha256_update(s, buf, (size_t)n);
	if (fd >= 0)
		close(fd);
}

/* The loaded modules' names: they bring tracepoints, BTF and functions that wildcards
 * expand to (not the rest of /proc/modules' lines: use counts change all the time). */
static void put_modules(struct sha256 *s)
{
	char line[512];
	FILE *f = fopen("/proc/modules", "re");
	while (f && fgets(line, sizeof(line), f)) {
		size_t n = strcspn(line, " \n");
		put(s, "module", line, n);
		while (!strchr(line, '\n') && fgets(line, sizeof(line), f))
			; /* the rest of a long line */
	}
	if (f)
		fclose(f);
}

static void put_kernel(struct sha256 *s)
{
	struct utsname u;
	if (!uname(&u)) {
		put_str(s, "release", u.release);
		put_str(s, "version", u.version);
		put_str(s, "machine", u.machine);
	}
	put_file(s, "notes", "/sys/kernel/notes");
	put_modules(s);
}

static void put_env(struct sha256 *s)
{
	for (char **e = environ; *e; e++)
		if (!strncmp(*e, "BPFTRACE_", 9) || !strncmp(*e, "PATH=", 5))
			put_str(s, "env", *e);
}

/* A new option in struct cc_opts changes this size: hash it below if it changes the code. */
_Static_assert(sizeof(struct cc_opts) == 48, "struct cc_opts changed: update cache_key");

void cache_key(const struct cache_key_in *in, uint8_t key[SHA256_SIZE])
{
	struct sha256 s;
	const struct cc_opts *o = in->cc;
	sha256_init(&s);
	put_str(&s, "format", KEY_VERSION);
	put_self(&s);
	put_kernel(&s);
	put_str(&s, "name", in->name);
	put(&s, "src", in->src, in->src_len);
	put_int(&s, "nparams", o->nparams);
	for (int i = 0; i < o->nparams; i++)
		put_str(&s, "param", o->params[i]);
	put_int(&s, "strlen", o->strlen);
	put_int(&s, "map_keys_max", o->map_keys_max);
	put_int(&s, "max_probes", o->max_probes);
	put_int(&s, "ringbuf_size", o->ringbuf_size);
	put_int(&s, "unsafe", o->unsafe);
	put_int(&s, "has_cpid", o->has_cpid);
	put_int(&s, "pid", o->pid);
	put_int(&s, "no_warnings", in->no_warnings);
	put_env(&s);
	sha256_final(&s, key);
}
