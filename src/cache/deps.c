/* What a compile read beyond the script (deps.h), recorded as sema reads it. The list is
 * process-wide: one compile runs at a time, and sema's file readers are far from any
 * compiler struct. A stat note keeps dev, ino, size and the mtime and ctime in
 * nanoseconds (a rebuilt binary always moves ctime, even when cp -p keeps its mtime). */
#include "deps.h"

#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blob.h"
#include "sha256.h"

enum dep_kind {
	DEP_STAT, /* identity from stat(); all zero when the file was missing */
	DEP_CONTENT, /* SHA-256 of the first DEP_CONTENT_MAX bytes */
	DEP_CWD, /* the working directory, as the path */
};

#define DEP_CONTENT_MAX (64u << 10)
#define DEP_STAT_WORDS 6

struct dep {
	enum dep_kind kind;
	char *path;
	uint64_t st[DEP_STAT_WORDS];
	uint8_t sum[SHA256_SIZE];
};

static struct {
	struct dep *v;
	int len, cap;
	bool oom; /* a note was lost: the compile must not be stored */
} deps;

static void stat_words(const char *path, uint64_t w[DEP_STAT_WORDS])
{
	struct stat st;
	memset(w, 0, DEP_STAT_WORDS * sizeof(w[0]));
	if (stat(path, &st))
		return;
	w[0] = st.st_dev;
	w[1] = st.st_ino;
	w[2] = (uint64_t)st.st_size;
	w[3] = st.st_mode;
	w[4] = (uint64_t)st.st_mtim.tv_sec * 1000000000u + (uint64_t)st.st_mtim.tv_nsec;
	w[5] = (uint64_t)st.st_ctim.tv_sec * 1000000000u + (uint64_t)st.st_ctim.tv_nsec;
}

static struct dep *add(enum dep_kind kind, const char *path)
{
	for (int i = 0; i < deps.len; i++)
		if (deps.v[i].kind == kind && !strcmp(deps.v[i].path, path))
			return NULL;
	if (deps.len == deps.cap) {
		int cap = deps.cap ? deps.cap * 2 : 16;
		struct dep *v = realloc(deps.v, (size_t)cap * sizeof(*v));
		if (!v) {
			deps.oom = true;
			return NULL;
		}
		deps.v = v;
		deps.cap = cap;
	}
	char *copy = strdup(path);
	if (!copy) {
		deps.oom = true;
		return NULL;
	}
	struct dep *d = &deps.v[deps.len++];
	memset(d, 0, sizeof(*d));
	d->kind = kind;
	d->path = copy;
	return d;
}

void cache_dep_file(const char *path)
{
	struct dep *d = add(DEP_STAT, path);
	if (d)
		stat_words(path, d->st);
}


void cache_deps_reset(void)
{
	for (int i = 0; i < deps.len; i++)
		free(deps.v[i].path);
	free(deps.v);
	memset(&deps, 0, sizeof(deps));
}

void cache_deps_write(struct blob_w *w)
{
	w->oom |= deps.oom;
	blob_put_u64(w, (uint64_t)deps.len);
	for (int i = 0; i < deps.len; i++) {
		const struct dep *d = &deps.v[i];
		blob_put_u64(w, d->kind);
		blob_put_str(w, d->path);
		if (d->kind == DEP_CONTENT)
			blob_put_bytes(w, d->sum, sizeof(d->sum));
		if (d->kind != DEP_STAT)
			continue;
		for (int j = 0; j < DEP_STAT_WORDS; j++)
			blob_put_u64(w, d->st[j]);
	}
}

/* The SHA-256 of path's first DEP_CONTENT_MAX bytes; false when unreadable. */
static bool content_sum(const char *path, uint8_t sum[SHA256_SIZE])
{
	static char buf[DEP_CONTENT_MAX];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	size_t len = 0;
	ssize_t n;
	while (len < sizeof(buf) && (n = read(fd, buf + len, sizeof(buf) - len)) > 0)
		len += (size_t)n;
	close(fd);
	sha256(buf, len, sum);
	return true;
}

void cache_dep_content(const char *path)
{
	struct dep *d = add(DEP_CONTENT, path);
	if (d && !content_sum(path, d->sum))
		memset(d->sum, 0, sizeof(d->sum));
}

void cache_dep_cwd(void)
{
	char cwd[PATH_MAX];
	if (getcwd(cwd, sizeof(cwd)))
		add(DEP_CWD, cwd);
	else
		deps.oom = true; /* unnamed: do not store this compile */
}

static bool check_one(struct blob_r *r)
{
	uint64_t kind = blob_get_max(r, DEP_CWD);
	const char *path;
	char cwd[PATH_MAX];
	size_t n;
	if (!blob_get_str(r, &path, &n) || !path)
		return false;
	if (kind == DEP_CWD)
		return getcwd(cwd, sizeof(cwd)) && !strcmp(cwd, path);
	if (kind == DEP_CONTENT) {
		const uint8_t *want = blob_get_bytes(r, SHA256_SIZE);
		uint8_t sum[SHA256_SIZE] = { 0 };
		content_sum(path, sum);
		return want && !memcmp(sum, want, sizeof(sum));
	}
	uint64_t now[DEP_STAT_WORDS];
	stat_words(path, now);
	bool same = true;
	for (int j = 0; j < DEP_STAT_WORDS; j++)
		same &= blob_get_u64(r) == now[j];
	return same && !r->bad;
}

bool cache_deps_check(struct blob_r *r)
{
	uint64_t n = blob_get_max(r, (uint64_t)(r->end - r->p));
	for (uint64_t i = 0; i < n; i++)
		if (!check_one(r))
			return false;
	return !r->bad;
}
