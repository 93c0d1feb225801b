/* The compile cache's directory (cache.h): where it is, whether it is safe to trust,
 * reading an entry, writing one atomically, and evicting the least recently used.
 * A root tool must not load a BPF object someone else planted: the directory and every
 * entry must belong to this user and be writable by nobody else. */
#include "cache.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "blob.h"
#include "entry.h"
#include "progdesc.h"

#define TMP_PREFIX ".tmp-"
/* A temporary file older than this was left by a crash. */
#define TMP_STALE_SECONDS 3600

/* The directory's path in buf; false when there is no home to put it in. */
static bool dir_path(char *buf, size_t n)
{
	const char *env = getenv("BPFSCOPE_CACHE_DIR");
	const char *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
	int len;
	if (env && *env)
		len = snprintf(buf, n, "%s", env);
	else if (geteuid() == 0)
		len = snprintf(buf, n, "/var/cache/bpfscope");
	else if (xdg && xdg[0] == '/')
		len = snprintf(buf, n, "%s/bpfscope", xdg);
	else if (home && home[0] == '/')
		len = snprintf(buf, n, "%s/.cache/bpfscope", home);
	else
		return false;
	return len > 0 && (size_t)len < n;
}

/* mkdir -p with mode 0700 for what it creates. */
static void make_dirs(char *path)
{
	for (char *p = path + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		mkdir(path, 0700);
		*p = '/';
	}
	mkdir(path, 0700);
}

/* Whether a file or directory is this user's alone. */
static bool trusted(const struct stat *st)
{
	return st->st_uid == geteuid() && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

bool cache_open(struct cache *ch, const struct cache_key_in *in, bool quiet)
{
	char path[PATH_MAX];
	struct stat st;
	ch->dirfd = -1;
	if (!dir_path(path, sizeof(path)))
		return false;
	int fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		make_dirs(path);
		fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	}
	if (fd < 0 || fstat(fd, &st))
		goto fail;
	if (!trusted(&st)) {
		if (!quiet)
			fprintf(stderr, "warning: not using the compile cache %s: it %s\n", path,
				st.st_uid != geteuid() ? "belongs to another user"
						       : "is writable by other users");
		goto fail;
	}
	ch->dirfd = fd;
	cache_key(in, ch->key);
	for (int i = 0; i < SHA256_SIZE; i++)
		snprintf(ch->name + 2 * i, 3, "%02x", ch->key[i]);
	return true;
fail:
	if (fd >= 0)
		close(fd);
	return false;
}

/* The whole of an open entry file, malloc'd; NULL when it is not a trusted regular file
 * within the size limit. */
static void *read_entry(int fd, size_t *len)
{
	struct stat st;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || !trusted(&st) ||
	    (uint64_t)st.st_size > CACHE_MAX_BYTES)
		return NULL;
	size_t size = (size_t)st.st_size, got = 0;
	char *buf = malloc(size ? size : 1);
	ssize_t n = 1;
	while (buf && got < size && (n = read(fd, buf + got, size - got)) > 0)
		got += (size_t)n;
	if (buf && got != size) {
		free(buf);
		buf = NULL;
	}
	*len = got;
	return buf;
}

int cache_lookup(struct cache *ch, struct cache_hit *hit)
{
	memset(hit, 0, sizeof(*hit));
	if (ch->dirfd < 0)
		return -ENOENT;
	int fd = openat(ch->dirfd, ch->name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -ENOENT;
	size_t len = 0;
	void *buf = read_entry(fd, &len);
	int err = buf ? cache_entry_decode(buf, len, ch->key, hit) : -ENOENT;
	if (!err)
		futimens(fd, NULL); /* most recently used */
	free(buf);
	close(fd);
	return err ? -ENOENT : 0;
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return false;
		p += w;
		n -= (size_t)w;
	}
	return true;
}

void cache_store(struct cache *ch, const struct pd_prog *pd, const void *elf, size_t elf_size,
		 const char *diag, size_t diag_len)
{
	static unsigned seq;
	struct blob_w w = { 0 };
	char tmp[64];
	if (ch->dirfd < 0 || cache_entry_encode(&w, ch->key, pd, elf, elf_size, diag, diag_len))
		goto out;
	snprintf(tmp, sizeof(tmp), TMP_PREFIX "%d-%u", (int)getpid(), seq++);
	int fd = openat(ch->dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		goto out;
	bool ok = write_all(fd, w.buf, w.len);
	ok &= !close(fd);
	if (!ok || renameat(ch->dirfd, tmp, ch->dirfd, ch->name))
		unlinkat(ch->dirfd, tmp, 0);
	cache_evict(ch->dirfd, CACHE_MAX_ENTRIES, CACHE_MAX_BYTES);
out:
	blob_w_free(&w);
}

bool cache_is_open(const struct cache *ch)
{
	return ch->dirfd >= 0;
}

void cache_close(struct cache *ch)
{
	if (ch->dirfd >= 0)
		close(ch->dirfd);
	ch->dirfd = -1;
}

void cache_hit_free(struct cache_hit *hit)
{
	pd_free(hit->pd);
	free(hit->elf);
	free(hit->diag);
	memset(hit, 0, sizeof(*hit));
}

struct slot {
	char name[2 * SHA256_SIZE + 1];
	struct timespec mtime;
	uint64_t size;
};

static int by_mtime(const void *pa, const void *pb)
{
	const struct slot *a = pa, *b = pb;
	if (a->mtime.tv_sec != b->mtime.tv_sec)
		return a->mtime.tv_sec < b->mtime.tv_sec ? -1 : 1;
	if (a->mtime.tv_nsec != b->mtime.tv_nsec)
		return a->mtime.tv_nsec < b->mtime.tv_nsec ? -1 : 1;
	return strcmp(a->name, b->name);
}

static bool is_entry_name(const char *s)
{
	return strlen(s) == 2 * SHA256_SIZE && strspn(s, "0123456789abcdef") == 2 * SHA256_SIZE;
}

/* Lists the entries (removing stale temporary files); returns how many, -1 on ENOMEM. */
static int list_entries(int dirfd, struct slot **out)
{
	int fd = openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
	struct slot *v = NULL;
	int n = 0, cap = 0;
	struct dirent *de;
	struct stat st;
	if (!d) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	while ((de = readdir(d))) {
		if (fstatat(dirfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW))
			continue;
		if (!strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)) &&
		    time(NULL) - st.st_mtime > TMP_STALE_SECONDS)
			unlinkat(dirfd, de->d_name, 0);
		if (!is_entry_name(de->d_name))
			continue;
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			struct slot *nv = realloc(v, (size_t)cap * sizeof(*v));
			if (!nv) {
				n = -1;
				break;
			}
			v = nv;
		}
		snprintf(v[n].name, sizeof(v[n].name), "%s", de->d_name);
		v[n].mtime = st.st_mtim;
		v[n].size = (uint64_t)st.st_size;
		n++;
	}
	closedir(d);
	*out = v;
	return n;
}

void cache_evict(int dirfd, int max_entries, uint64_t max_bytes)
{
	struct slot *v = NULL;
	int n = list_entries(dirfd, &v);
	uint64_t bytes = 0;
	for (int i = 0; i < n; i++)
		bytes += v[i].size;
	if (n > max_entries || bytes > max_bytes) {
		qsort(v, (size_t)n, sizeof(*v), by_mtime);
		for (int i = 0; i < n && (n - i > max_entries || bytes > max_bytes); i++) {
			unlinkat(dirfd, v[i].name, 0);
			bytes -= v[i].size;
		}
	}
	free(v);
}
