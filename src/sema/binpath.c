/* Resolving a uprobe/USDT target name to a file, as bpftrace and the dynamic linker do:
 * paths as given, libraries mapped by a process, /etc/ld.so.cache, library directories and
 * $PATH. Part of sema's probe expansion (src/sema/elf_syms.h). */
#include <ctype.h>
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cache/deps.h"
#include "../util/arena.h"
#include "elf_syms.h"
#include "sema_int.h"

/* 0 when path is a regular file starting with the ELF magic, else a negative errno. */
static int check_elf(const char *path)
{
	struct stat st;
	unsigned char magic[SELFMAG];

	if (stat(path, &st))
		return -errno;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	if (!S_ISREG(st.st_mode))
		return -ENOEXEC;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ssize_t n = read(fd, magic, sizeof(magic));
	close(fd);
	return n == SELFMAG && memcmp(magic, ELFMAG, SELFMAG) == 0 ? 0 : -ENOEXEC;
}

/* Does a library file name match what the user wrote? "libc" matches "libc.so.6" and
 * "libc-2.36.so", "libc.so.6" only itself; "libcap.so.2" matches neither. */
static bool lib_base_matches(const char *want, const char *base)
{
	size_t n = strlen(want);
	if (strncmp(base, want, n) != 0)
		return false;
	const char *rest = base + n;
	return !*rest || strncmp(rest, ".so", 3) == 0 || (rest[0] == '-' && isdigit(rest[1]));
}

/* The search state: the first error worth reporting wins over a plain -ENOENT. */
struct search {
	struct arena *a;
	const char *root; /* "" or "/proc/PID/root" */
	const char *found;
	int err;
};

/* Accepts root + path when it is an ELF file; returns true when found. */
static bool try_path(struct search *s, const char *path)
{
	char *full = arena_sprintf(s->a, "%s%s", s->root, path);
	if (!full) {
		s->err = -ENOMEM;
		return true;
	}
	int err = check_elf(full);
	if (!err) {
		cache_dep_file(full);
		s->found = full;
		return true;
	}
	if (err != -ENOENT && s->err == -ENOENT)
		s->err = err;
	return false;
}

/* Libraries the process has mapped, from /proc/PID/maps; the path field starts at the
 * first '/' of the line. */
static bool search_maps(struct search *s, int pid, const char *want)
{
	char name[64], line[PATH_MAX + 128];
	bool done = false;

	snprintf(name, sizeof(name), "/proc/%d/maps", pid);
	FILE *f = fopen(name, "re");
	if (!f)
		return false;
	while (!done && fgets(line, sizeof(line), f)) {
		char *path = strchr(line, '/');
		if (!path)
			continue;
		path[strcspn(path, "\n")] = '\0';
		char *deleted = strstr(path, " (deleted)");
		if (deleted)
			*deleted = '\0';
		const char *base = strrchr(path, '/') + 1;
		if (lib_base_matches(want, base))
			done = try_path(s, path);
	}
	fclose(f);
	return done;
}

/* glibc's ld.so.cache, format "glibc-ld.so.cache1.1" (glibc >= 2.32 writes only this; older
 * files put it after an "ld.so-1.7.0" table). String offsets count from the new header. */
#define CACHE_NEW_MAGIC "glibc-ld.so.cache1.1"
#define CACHE_OLD_MAGIC "ld.so-1.7.0"

struct cache_header {
	char magic[20];
	uint32_t nlibs, len_strings;
	uint8_t flags, pad[3];
	uint32_t extension_offset, unused[3];
};

struct cache_entry {
	int32_t flags;
	uint32_t key, value; /* soname and path */
	uint32_t osversion;
	uint64_t hwcap;
};

#define CACHE_FLAG_TYPE_MASK 0x00ff
#define CACHE_FLAG_ELF_LIBC6 0x0003
#define CACHE_FLAG_ARCH_MASK 0xff00
#if defined(__x86_64__)
#define CACHE_FLAG_ARCH 0x0300 /* FLAG_X8664_LIB64: not the /lib32 entries */
#elif defined(__aarch64__)
#define CACHE_FLAG_ARCH 0x0a00 /* FLAG_AARCH64_LIB64 */
#else
#define CACHE_FLAG_ARCH -1 /* any */
#endif

/* Offset of the new-format header in the cache file, or -1. */
static long cache_new_offset(const char *m, size_t size)
{
	size_t nm = strlen(CACHE_NEW_MAGIC);
	if (size >= sizeof(struct cache_header) && memcmp(m, CACHE_NEW_MAGIC, nm) == 0)
		return 0;
	if (size < 16 || memcmp(m, CACHE_OLD_MAGIC, strlen(CACHE_OLD_MAGIC)) != 0)
		return -1;
	uint32_t nold;
	memcpy(&nold, m + 12, sizeof(nold));
	size_t off = (16 + (size_t)nold * 12 + 7) & ~(size_t)7; /* old entries: 3 x u32 */
	if (off + sizeof(struct cache_header) > size || memcmp(m + off, CACHE_NEW_MAGIC, nm))
		return -1;
	return (long)off;
}

static bool cache_entry_ok(const struct cache_entry *e)
{
	if ((e->flags & CACHE_FLAG_TYPE_MASK) != CACHE_FLAG_ELF_LIBC6)
		return false;
	return CACHE_FLAG_ARCH == -1 || (e->flags & CACHE_FLAG_ARCH_MASK) == CACHE_FLAG_ARCH;
}

static bool search_cache_map(struct search *s, const char *m, size_t size, const char *want)
{
	long off = cache_new_offset(m, size);
	if (off < 0)
		return false;
	const char *base = m + off;
	size_t avail = size - (size_t)off;
	struct cache_header h;
	memcpy(&h, base, sizeof(h));
	if (sizeof(h) + (size_t)h.nlibs * sizeof(struct cache_entry) > avail)
		return false;
	for (uint32_t i = 0; i < h.nlibs; i++) {
		struct cache_entry e;
		memcpy(&e, base + sizeof(h) + i * sizeof(e), sizeof(e));
		if (!cache_entry_ok(&e) || e.key >= avail || e.value >= avail)
			continue;
		/* Strings must end inside the file. */
		if (!memchr(base + e.key, '\0', avail - e.key) ||
		    !memchr(base + e.value, '\0', avail - e.value))
			continue;
		if (lib_base_matches(want, base + e.key) && try_path(s, base + e.value))
			return true;
	}
	return false;
}

/* Looks want up in root/etc/ld.so.cache; true when found or on a fatal error. */
static bool search_ld_cache(struct search *s, const char *want)
{
	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/etc/ld.so.cache", s->root);
	cache_dep_file(path);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	struct stat st;
	bool found = false;
	if (!fstat(fd, &st) && st.st_size > 0) {
		void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
		if (m != MAP_FAILED) {
			found = search_cache_map(s, m, (size_t)st.st_size, want);
			munmap(m, (size_t)st.st_size);
		}
	}
	close(fd);
	return found;
}

const char *sema_ld_cache_lookup(struct arena *a, const char *root, const char *want, int *err)
{
	struct search s = { .a = a, .root = root, .err = -ENOENT };
	if (search_ld_cache(&s, want) && s.found)
		return s.found;
	*err = s.err;
	return NULL;
}

/* Without a cache entry: the directories the dynamic linker searches by default. Within a
 * directory the shortest matching name wins ("libc.so.6" before "libc.so.6.1"), an ELF file
 * only ("libc.so" is a linker script). */
static const char *const lib_dirs[] = {
	"/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib",
	"/usr/lib",
};

static bool search_lib_dir(struct search *s, const char *dir, const char *want)
{
	char path[PATH_MAX], best[NAME_MAX + 1] = "";
	snprintf(path, sizeof(path), "%s%s", s->root, dir);
	cache_dep_file(path); /* a library added or removed changes the directory */
	DIR *d = opendir(path);
	if (!d)
		return false;
	struct dirent *de;
	while ((de = readdir(d))) {
		if (!lib_base_matches(want, de->d_name))
			continue;
		size_t n = strlen(de->d_name), nb = strlen(best);
		if (nb && (n > nb || (n == nb && strcmp(de->d_name, best) > 0)))
			continue;
		snprintf(path, sizeof(path), "%s%s/%s", s->root, dir, de->d_name);
		if (!check_elf(path))
			snprintf(best, sizeof(best), "%s", de->d_name);
	}
	closedir(d);
	if (!best[0])
		return false;
	snprintf(path, sizeof(path), "%s/%s", dir, best);
	return try_path(s, path);
}

static bool search_libs(struct search *s, int pid, const char *want)
{
	if (pid > 0 && search_maps(s, pid, want))
		return true;
	if (search_ld_cache(s, want))
		return true;
	for (size_t i = 0; i < sizeof(lib_dirs) / sizeof(lib_dirs[0]); i++)
		if (search_lib_dir(s, lib_dirs[i], want))
			return true;
	return false;
}

static bool search_path_env(struct search *s, const char *prog)
{
	const char *env = getenv("PATH");
	char dir[PATH_MAX], path[PATH_MAX + NAME_MAX + 2];
	if (!env || !*env)
		env = "/usr/local/bin:/usr/bin:/bin";
	while (*env) {
		size_t n = strcspn(env, ":");
		snprintf(dir, sizeof(dir), "%.*s", (int)n, env);
		env += n + (env[n] == ':');
		if (dir[0] != '/')
			continue; /* "" or "." would depend on our own working directory */
		snprintf(path, sizeof(path), "%s/%s", dir, prog);
		if (try_path(s, path))
			return true;
	}
	return false;
}

/* A path with a '/': absolute below the root, relative to our working directory. */
static bool resolve_given_path(struct search *s, const char *name)
{
	if (name[0] == '/')
		return try_path(s, name);
	char cwd[PATH_MAX];
	cache_dep_cwd();
	if (!getcwd(cwd, sizeof(cwd))) {
		s->err = -errno;
		return true;
	}
	while (strncmp(name, "./", 2) == 0)
		name += 2;
	const char *saved = s->root;
	char *full = arena_sprintf(s->a, "%s/%s", strcmp(cwd, "/") ? cwd : "", name);
	s->root = "";
	bool done = full ? try_path(s, full) : (s->err = -ENOMEM, true);
	s->root = saved;
	return done;
}

const char *sema_bin_resolve(struct arena *a, const char *name, int pid, int *err)
{
	struct search s = { .a = a, .root = "", .err = -ENOENT };
	bool done;

	if (pid > 0 && !(s.root = arena_sprintf(a, "/proc/%d/root", pid))) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!name || !*name)
		done = false;
	else if (strchr(name, '/'))
		done = resolve_given_path(&s, name);
	else
		/* A library by its name, a program in $PATH, then bcc's shorthand "c" for libc. */
		done = search_libs(&s, pid, name) || search_path_env(&s, name) ||
		       (strncmp(name, "lib", 3) &&
			search_libs(&s, pid, arena_sprintf(a, "lib%s", name) ?: name));
	if (done && s.found)
		return s.found;
	*err = s.err;
	return NULL;
}
