/* #include in the script's preamble, without a preprocessor: "file" is read (next to the
 * script, else in the system directories) and its struct, union and enum definitions and
 * integer #defines become the script's; <file> must exist in the system directories and is
 * not read, since types come from BTF and constants from stdlib/. A missing file is an
 * error at the #include line, as clang reports it for bpftrace. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../cache/deps.h"
#include "tc.h"

#define MAX_INCLUDES 64
#define MAX_HEADER (4 << 20)

static const char *const system_dirs[] = {
	"/usr/local/include",
	"/usr/include/x86_64-linux-gnu",
	"/usr/include",
};

/* The file's path, owned by the arena, or NULL when it is nowhere. */
/* Whether a candidate header is there; noted either way, for the compile cache: a header
 * that appears earlier in the search changes the program. */
static bool readable(const char *path)
{
	cache_dep_file(path);
	return access(path, R_OK) == 0;
}

static const char *find(struct checker *ck, const char *name, bool quoted)
{
	struct arena *a = &ck->c->arena;
	if (name[0] == '/')
		return access(name, R_OK) == 0 ? name : NULL;
	if (quoted) {
		const char *file = ck->c->file;
		char *copy = arena_strdup(a, file && strcmp(file, "stdin") ? file : "./-");
		const char *path = copy ? arena_sprintf(a, "%s/%s", dirname(copy), name) : NULL;
		if (path && readable(path))
			return path;
	}
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++) {
		const char *path = arena_sprintf(a, "%s/%s", system_dirs[i], name);
		if (path && readable(path))
			return path;
	}
	return NULL;
}

/* The file's text (its first MAX_HEADER bytes), owned by the arena; NULL with errno set. */
static char *slurp(struct checker *ck, const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	long size = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
	char *buf = NULL;
	if (size >= 0 && fseek(f, 0, SEEK_SET) == 0) {
		size = size < MAX_HEADER ? size : MAX_HEADER;
		buf = arena_alloc(&ck->c->arena, (size_t)size + 1);
		errno = buf ? 0 : ENOMEM;
	}
	size_t n = buf ? fread(buf, 1, (size_t)size, f) : 0;
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

/* The end of the item at p: a preprocessor line, a definition to its matching brace (and
 * the ';' after it), anything else to the next ';' at brace depth 0. */
static const char *item_end(const char *p)
{
	if (*p == '#') {
		const char *e = strchr(p, '\n');
		return e ? e : p + strlen(p);
	}
	int depth = 0;
	for (; *p; p++) {
		if (*p == '{')
			depth++;
		else if (*p == '}' && --depth == 0)
			return p + 1;
		else if (*p == ';' && depth == 0)
			return p + 1;
	}
	return p;
}

static bool starts_definition(const char *p, const char *end)
{
	static const char *const kws[] = { "struct", "union", "enum" };
	for (size_t i = 0; i < sizeof(kws) / sizeof(kws[0]); i++) {
		size_t n = strlen(kws[i]);
		if (strncmp(p, kws[i], n) == 0 && memchr(p, '{', (size_t)(end - p)))
			return true;
	}
	return false;
}

/* Skips white space and comments; returns the next item's start. */
static const char *skip_blank(const char *p)
{
	for (;;) {
		p += strspn(p, " \t\r\n;");
		if (p[0] == '/' && p[1] == '/')
			p += strcspn(p, "\n");
		else if (p[0] == '/' && p[1] == '*')
			p = strstr(p + 2, "*/") ? strstr(p + 2, "*/") + 2 : p + strlen(p);
		else
			return p;
	}
}

static void read_header(struct checker *ck, const char *path, const struct src_loc *loc)
{
	char *text = slurp(ck, path);
	if (!text) {
		tc_error(ck, loc, "cannot read '%s': %s", path, strerror(errno ? errno : ENOMEM));
		return;
	}
	for (const char *p = skip_blank(text); *p && !ck->nomem; p = skip_blank(p)) {
		const char *end = item_end(p);
		if (*p == '#' || starts_definition(p, end)) {
			char *item = arena_strndup(&ck->c->arena, p, (size_t)(end - p));
			if (!item)
				ck->nomem = true;
			else
				tc_cdef(ck, item, loc, path);
		}
		p = end;
	}
}

void tc_include(struct checker *ck, const char *text, const struct src_loc *loc)
{
	text += strspn(text, " \t");
	char close = text[0] == '"' ? '"' : text[0] == '<' ? '>' : 0;
	const char *end = close ? strchr(text + 1, close) : NULL;
	if (!end || end == text + 1) {
		tc_error(ck, loc, "#include expects \"FILE\" or <FILE>");
		return;
	}
	char *name = arena_strndup(&ck->c->arena, text + 1, (size_t)(end - text - 1));
	if (!name) {
		ck->nomem = true;
		return;
	}
	const char *path = find(ck, name, close == '"');
	if (!path) {
		tc_error(ck, loc, "'%s' file not found", name);
		return;
	}
	if (close == '>')
		return;
	if (++ck->includes > MAX_INCLUDES) {
		tc_error(ck, loc, "more than %d #include files (an include cycle?)", MAX_INCLUDES);
		return;
	}
	read_header(ck, path, loc);
}
