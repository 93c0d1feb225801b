/* Tracepoints from tracefs: mounting it when needed, reading events/<cat>/<name>/format
 * into an args record, globbing categories and events, and parsing C type names. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../cache/deps.h"
#include "sema_int.h"

static const char *const tracefs_roots[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

static bool has_events(const char *root)
{
	char path[256];
	struct stat st;
	snprintf(path, sizeof(path), "%s/events", root);
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *sema_tracefs_root(void)
{
	static const char *root;
	static bool tried;

	if (root || tried)
		return root;
	tried = true;
	for (size_t i = 0; i < sizeof(tracefs_roots) / sizeof(tracefs_roots[0]); i++) {
		if (has_events(tracefs_roots[i])) {
			root = tracefs_roots[i];
			return root;
		}
	}
	/* A fresh machine may not have tracefs mounted; root can mount it. */
	if (mount("tracefs", tracefs_roots[0], "tracefs", 0, NULL) == 0 &&
	    has_events(tracefs_roots[0]))
		root = tracefs_roots[0];
	return root;
}

/* Tracepoints come with the kernel and its modules, both in the compile cache's key;
 * dynamic events (kprobe_events, uprobe_events, synthetic ones) are what else can appear
 * or change: a compile that read tracefs depends on them. */
static void note_dynamic_events(const char *root)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/dynamic_events", root);
	cache_dep_content(path);
}

bool sema_tp_exists(const char *cat, const char *event)
{
	const char *root = sema_tracefs_root();
	char path[512];
	struct stat st;
	if (!root || strchr(cat, '/') || strchr(event, '/') || strcmp(cat, "ftrace") == 0)
		return false;
	note_dynamic_events(root);
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, cat, event);
	return stat(path, &st) == 0;
}

/* Reads an integer after "key:" in line; returns false when absent. */
static bool read_key(const char *line, const char *key, int *out)
{
	const char *p = strstr(line, key);
	if (!p)
		return false;
	*out = atoi(p + strlen(key));
	return true;
}

/* The identifier a declaration declares: the last word, before any "[N]". */
static const char *decl_name(struct arena *a, const char *decl)
{
	const char *end = decl + strlen(decl);
	const char *br = strchr(decl, '[');
	const char *e = end;
	/* "char comm[16]": name before '['; "__data_loc char[] name": name after "[]" */
	if (br && br[1] != ']')
		e = br;
	while (e > decl && isspace((unsigned char)e[-1]))
		e--;
	const char *s = e;
	while (s > decl && (isalnum((unsigned char)s[-1]) || s[-1] == '_'))
		s--;
	return arena_strndup(a, s, (size_t)(e - s));
}

static int parse_field_line(struct arena *a, const char *line, tp_field_list *out)
{
	const char *p = strstr(line, "field:");
	if (!p)
		return 0;
	p += 6;
	const char *semi = strchr(p, ';');
	if (!semi)
		return 0;
	struct tp_field f = { 0 };
	int sgn = 0;
	f.decl = arena_strndup(a, p, (size_t)(semi - p));
	if (!f.decl)
		return -ENOMEM;
	f.name = decl_name(a, f.decl);
	if (!f.name)
		return -ENOMEM;
	if (!read_key(semi, "offset:", &f.offset) || !read_key(semi, "size:", &f.size))
		return 0;
	read_key(semi, "signed:", &sgn);
	f.is_signed = sgn != 0;
	if (strncmp(f.name, "common_", 7) == 0)
		return 0;
	return vec_push(a, out, f);
}

int sema_tp_fields(struct arena *a, const char *cat, const char *event, tp_field_list *out)
{
	const char *root = sema_tracefs_root();
	char path[512], line[1024];
	if (!root)
		return -ENOENT;
	if (strchr(cat, '/') || strchr(event, '/'))
		return -ENOENT;
	note_dynamic_events(root);
	snprintf(path, sizeof(path), "%s/events/%s/%s/format", root, cat, event);
	FILE *f = fopen(path, "r");
	if (!f)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -errno;
	int err = 0;
	while (!err && fgets(line, sizeof(line), f))
		err = parse_field_line(a, line, out);
	fclose(f);
	return err;
}

/* Strips qualifiers that do not change a type's layout, in place. */
static void strip_words(char *s)
{
	static const char *const words[] = { "const", "volatile", "__user", "__rcu", "__percpu",
					     "__iomem", "__force", "signed" };
	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		size_t n = strlen(words[i]);
		char *p = s;
		while ((p = strstr(p, words[i]))) {
			bool start = p == s || !(isalnum((unsigned char)p[-1]) || p[-1] == '_');
			bool end = !(isalnum((unsigned char)p[n]) || p[n] == '_');
			/* "signed" alone means int; keep it in "unsigned". */
			if (start && end && !(i == 7 && p > s + 1 && strncmp(p - 2, "un", 2) == 0)) {
				memset(p, ' ', n);
			}
			p += n;
		}
	}
}

/* Collapses runs of spaces into one and trims; in place. */
static void squeeze(char *s)
{
	char *w = s;
	bool space = false;
	for (char *r = s; *r; r++) {
		if (isspace((unsigned char)*r)) {
			space = w != s;
			continue;
		}
		if (space)
			*w++ = ' ';
		space = false;
		*w++ = *r;
	}
	*w = '\0';
}

struct base_name {
	const char *name;
	int size;
	bool is_signed;
};

static const struct base_name base_names[] = {
	{ "char", 1, true },	       { "unsigned char", 1, false }, { "short", 2, true },
	{ "short int", 2, true },      { "unsigned short", 2, false },
	{ "unsigned short int", 2, false },
	{ "int", 4, true },	       { "unsigned int", 4, false },  { "unsigned", 4, false },
	{ "long", 8, true },	       { "long int", 8, true },	      { "unsigned long", 8, false },
	{ "unsigned long int", 8, false },
	{ "long long", 8, true },      { "long long int", 8, true },
	{ "unsigned long long", 8, false },
	{ "unsigned long long int", 8, false },
	{ "bool", 1, false },	       { "_Bool", 1, false },	      { "u8", 1, false },
	{ "u16", 2, false },	       { "u32", 4, false },	      { "u64", 8, false },
	{ "s8", 1, true },	       { "s16", 2, true },	      { "s32", 4, true },
	{ "s64", 8, true },	       { "__u8", 1, false },	      { "__u16", 2, false },
	{ "__u32", 4, false },	       { "__u64", 8, false },	      { "__s8", 1, true },
	{ "__s16", 2, true },	       { "__s32", 4, true },	      { "__s64", 8, true },
	{ "uint8_t", 1, false },       { "uint16_t", 2, false },      { "uint32_t", 4, false },
	{ "uint64_t", 8, false },      { "int8_t", 1, true },	      { "int16_t", 2, true },
	{ "int32_t", 4, true },	       { "int64_t", 8, true },	      { "uint8", 1, false },
	{ "uint16", 2, false },	       { "uint32", 4, false },	      { "uint64", 8, false },
	{ "int8", 1, true },	       { "int16", 2, true },	      { "int32", 4, true },
	{ "int64", 8, true },	       { "size_t", 8, false },	      { "ssize_t", 8, true },
	{ "pid_t", 4, true },	       { "uid_t", 4, false },	      { "gid_t", 4, false },
	{ "umode_t", 2, false },       { "loff_t", 8, true },	      { "off_t", 8, true },
	{ "dev_t", 4, false },	       { "gfp_t", 4, false },	      { "sector_t", 8, false },
	{ "ino_t", 8, false },	       { "clockid_t", 4, true },      { "time64_t", 8, true },
	{ "uintptr_t", 8, false },
};

static struct type *parse_base(const char *name)
{
	if (strcmp(name, "void") == 0)
		return ty_none();
	for (size_t i = 0; i < sizeof(base_names) / sizeof(base_names[0]); i++)
		if (strcmp(name, base_names[i].name) == 0)
			return ty_int(base_names[i].size, base_names[i].is_signed);
	return kbtf_lookup(name);
}

struct type *sema_parse_ctype(struct arena *a, const char *text)
{
	char buf[256];
	int nelem = 0, ptrs = 0;
	snprintf(buf, sizeof(buf), "%s", text);
	char *br = strchr(buf, '[');
	if (br) {
		nelem = atoi(br + 1);
		*br = '\0';
	}
	strip_words(buf);
	for (char *p; (p = strrchr(buf, '*'));) {
		*p = ' ';
		ptrs++;
	}
	squeeze(buf);
	if (!buf[0])
		return NULL;
	struct type *t = parse_base(buf);
	if (!t)
		return NULL;
	for (int i = 0; i < ptrs && t; i++)
		t = ty_ptr(a, t, false);
	if (t && br) {
		if (t->kind == TY_INT && t->size == 1 && t->is_signed && !ptrs)
			return ty_str(a, nelem);
		t = ty_array(a, t, nelem);
	}
	return t;
}

/* The type part of a field declaration: decl without its name and array suffix. */
static char *decl_type_text(struct arena *a, const struct tp_field *f)
{
	const char *decl = f->decl;
	const char *name = strstr(decl, f->name);
	/* the name is the last occurrence */
	for (const char *p = name; p; p = strstr(p + 1, f->name))
		name = p;
	char *t = arena_strndup(a, decl, name ? (size_t)(name - decl) : strlen(decl));
	return t;
}

static struct type *field_type(struct arena *a, const struct tp_field *f, bool user, int strlen_)
{
	if (strncmp(f->decl, "__data_loc", 10) == 0)
		return ty_str(a, strlen_);
	char *text = decl_type_text(a, f);
	if (!text)
		return NULL;
	const char *br = strchr(f->decl, '[');
	if (br) {
		/* An array: the element type from the name, the count from the size. */
		struct type *elem = sema_parse_ctype(a, text);
		if (!elem || elem->size <= 0)
			elem = ty_int(1, false);
		if (elem->kind == TY_INT && elem->size == 1 && elem->is_signed)
			return ty_str(a, f->size);
		return ty_array(a, elem, f->size / elem->size);
	}
	if (strchr(text, '*')) {
		struct type *t = sema_parse_ctype(a, text);
		if (!t || t->kind != TY_PTR)
			t = ty_ptr(a, ty_none(), user);
		t->as_user = user;
		return t;
	}
	/* The format's size and signedness are authoritative: syscall fields declared "int"
	 * occupy 8 bytes. */
	if (f->size == 1 || f->size == 2 || f->size == 4 || f->size == 8) {
		struct type *t = sema_parse_ctype(a, text);
		if (t && (t->kind == TY_RECORD || t->enumerators.len) && t->size == f->size)
			return t; /* a struct, or an enum: %s prints its names */
		return ty_int(f->size, f->is_signed);
	}
	struct type *t = sema_parse_ctype(a, text);
	if (t && t->size == f->size)
		return t;
	return ty_array(a, ty_int(1, false), f->size);
}

struct type *sema_tp_args(struct arena *a, const char *cat, const char *event, int strlen_,
			  int *err)
{
	tp_field_list fields = { 0 };
	*err = sema_tp_fields(a, cat, event, &fields);
	if (*err)
		return NULL;
	*err = -ENOMEM;
	struct type *rec = ty_new(a, TY_RECORD);
	if (!rec)
		return NULL;
	rec->name = arena_sprintf(a, "struct _tracepoint_%s_%s", cat, event);
	rec->align = 8;
	bool user = strcmp(cat, "syscalls") == 0;
	int end = 0;
	for (int i = 0; i < fields.len; i++) {
		const struct tp_field *f = &fields.v[i];
		struct ty_field tf = { 0 };
		tf.name = f->name;
		tf.offset = f->offset;
		tf.type = field_type(a, f, user, strlen_);
		tf.data_loc = strncmp(f->decl, "__data_loc", 10) == 0;
		if (!tf.type || vec_push(a, &rec->fields, tf))
			return NULL;
		if (f->offset + f->size > end)
			end = f->offset + f->size;
	}
	rec->size = (end + 7) / 8 * 8;
	*err = 0;
	return rec;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* available_events lists "cat:event" for every tracepoint that can be enabled; the ftrace
 * category's internal events have directories but are not tracepoints. Sorted as whole
 * strings, as bpftrace lists them. */
int sema_tp_match(struct arena *a, const char *cat_glob, const char *event_glob,
		  sema_name_list *out)
{
	const char *root = sema_tracefs_root();
	char path[512], line[512];
	if (!root)
		return -ENOENT;
	note_dynamic_events(root);
	snprintf(path, sizeof(path), "%s/available_events", root);
	FILE *f = fopen(path, "r");
	if (!f)
		return -errno;
	int start = out->len, err = 0;
	while (!err && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		char *colon = strchr(line, ':');
		if (!colon)
			continue;
		*colon = '\0';
		if (!sema_glob_match(cat_glob, line) || !sema_glob_match(event_glob, colon + 1))
			continue;
		*colon = ':';
		char *s = arena_strdup(a, line);
		err = s ? vec_push(a, out, s) : -ENOMEM;
	}
	fclose(f);
	if (out->len > start)
		qsort(out->v + start, (size_t)(out->len - start), sizeof(*out->v), cmp_str);
	return err;
}
