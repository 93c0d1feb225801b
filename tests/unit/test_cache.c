/* Compile cache tests: SHA-256 against FIPS vectors, the byte buffers, the program
 * description's round trip (every script of the runtime suite compiled, written, read
 * back and compared field by field), corrupt and truncated entries, the key's inputs,
 * dependencies, the directory's trust rules, eviction and the diagnostics tee. */
#define _GNU_SOURCE /* memmem */
#include "cache/cache.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/blob.h"
#include "cache/deps.h"
#include "cache/diag_tee.h"
#include "cache/entry.h"
#include "cache/progdesc_blob.h"
#include "cache/sha256.h"
#include "compiler.h"
#include "progdesc.h"

static void hex(const uint8_t *d, char *out)
{
	for (int i = 0; i < SHA256_SIZE; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

Test(cache, sha256_matches_fips_vectors)
{
	static const char *const in[] = {
		"", "abc", "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq" };
	static const char *const want[] = {
		"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
		"248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
	};
	uint8_t d[SHA256_SIZE];
	char h[2 * SHA256_SIZE + 1];
	for (int i = 0; i < 3; i++) {
		sha256(in[i], strlen(in[i]), d);
		hex(d, h);
		cr_expect_str_eq(h, want[i], "sha256(\"%s\")", in[i]);
	}
	/* a million 'a' fed in uneven pieces */
	static char a[1000000];
	struct sha256 s;
	memset(a, 'a', sizeof(a));
	sha256_init(&s);
	for (size_t off = 0, step = 1; off < sizeof(a); off += step, step = step * 3 % 1000 + 1)
		sha256_update(&s, a + off, off + step > sizeof(a) ? sizeof(a) - off : step);
	sha256_final(&s, d);
	hex(d, h);
	cr_expect_str_eq(h, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

Test(cache, blob_integers_and_strings_round_trip)
{
	static const int64_t v[] = { 0, 1, -1, 63, -64, 127, 128, INT64_MAX, INT64_MIN };
	struct blob_w w = { 0 };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		blob_put_i64(&w, v[i]);
		blob_put_u64(&w, (uint64_t)v[i]);
	}
	blob_put_str(&w, NULL);
	blob_put_str(&w, "");
	blob_put_str(&w, "abc");
	struct blob_r r = { w.buf, w.buf + w.len, false };
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cr_expect_eq(blob_get_i64(&r), v[i]);
		cr_expect_eq(blob_get_u64(&r), (uint64_t)v[i]);
	}
	const char *s;
	size_t n;
	cr_expect(blob_get_str(&r, &s, &n) && !s);
	cr_expect(blob_get_str(&r, &s, &n) && s && n == 0);
	cr_expect(blob_get_str(&r, &s, &n) && s && !strcmp(s, "abc"));
	cr_expect(!r.bad && r.p == r.end);
	cr_expect_eq(blob_get_u64(&r), 0);
	cr_expect(r.bad, "reading past the end fails");
	blob_w_free(&w);
}

Test(cache, blob_rejects_overlong_varints_and_lengths)
{
	static const uint8_t overlong[] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f };
	struct blob_r r = { overlong, overlong + sizeof(overlong), false };
	blob_get_u64(&r);
	cr_expect(r.bad);
	static const uint8_t len[] = { 10, 'a', 'b' }; /* a 9-byte string with 2 bytes left */
	struct blob_r r2 = { len, len + sizeof(len), false };
	const char *s;
	size_t n;
	cr_expect(!blob_get_str(&r2, &s, &n) && r2.bad);
}

/* ---- the program description's round trip, field by field (not through the codec's
 * own table, so a field the table forgets shows here) ---- */

static bool same_str(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static void expect_type(const struct pd_type *a, const struct pd_type *b, const char *where)
{
	cr_expect(a->kind == b->kind && a->size == b->size && a->offset == b->offset &&
			  same_str(a->name, b->name) && same_str(a->fmt, b->fmt) &&
			  a->count == b->count && a->stack_mode == b->stack_mode &&
			  a->stack_map == b->stack_map && a->value == b->value &&
			  a->bit_off == b->bit_off && a->bit_size == b->bit_size &&
			  a->fields.len == b->fields.len,
		  "%s: a pd_type differs", where);
	for (int i = 0; i < a->fields.len && i < b->fields.len; i++)
		expect_type(&a->fields.v[i], &b->fields.v[i], where);
}

static void expect_map(const struct pd_map *a, const struct pd_map *b, const char *where)
{
	cr_expect(same_str(a->name, b->name) && same_str(a->sym, b->sym) && a->kind == b->kind &&
			  a->key_size == b->key_size && a->value_size == b->value_size &&
			  a->bucket_off == b->bucket_off && a->lhist_min == b->lhist_min &&
			  a->lhist_max == b->lhist_max && a->lhist_step == b->lhist_step &&
			  a->max_entries == b->max_entries && a->is_scalar == b->is_scalar &&
			  a->buckets_in_value == b->buckets_in_value,
		  "%s: map %s differs", where, a->name);
	expect_type(&a->key, &b->key, where);
	expect_type(&a->value, &b->value, where);
}

static void expect_probe(const struct pd_probe *a, const struct pd_probe *b, const char *where)
{
	cr_expect(a->kind == b->kind && same_str(a->name, b->name) &&
			  same_str(a->prog_name, b->prog_name) && same_str(a->target, b->target) &&
			  same_str(a->func, b->func) && a->offset == b->offset &&
			  a->ref_ctr_off == b->ref_ctr_off && a->addr == b->addr && a->len == b->len &&
			  a->mode == b->mode && a->perf_config == b->perf_config &&
			  a->period == b->period && a->freq_hz == b->freq_hz &&
			  !memcmp(&a->loc, &b->loc, sizeof(a->loc)) && a->host == b->host &&
			  a->multi == b->multi,
		  "%s: probe %s differs", where, a->name);
}

static void expect_pd(const struct pd_prog *a, const struct pd_prog *b, const char *where)
{
	cr_assert(a->maps.len == b->maps.len && a->fmts.len == b->fmts.len &&
			  a->probes.len == b->probes.len && a->stackmaps.len == b->stackmaps.len,
		  "%s: counts differ", where);
	cr_expect(a->ringbuf_size == b->ringbuf_size && a->strlen == b->strlen &&
			  a->missing_probes == b->missing_probes && a->names_size == b->names_size,
		  "%s: pd_prog's scalars differ", where);
	for (int i = 0; i < a->maps.len; i++)
		expect_map(&a->maps.v[i], &b->maps.v[i], where);
	for (int i = 0; i < a->fmts.len; i++) {
		cr_expect(a->fmts.v[i].kind == b->fmts.v[i].kind &&
				  same_str(a->fmts.v[i].fmt, b->fmts.v[i].fmt),
			  "%s: fmt %d differs", where, i);
		expect_type(&a->fmts.v[i].args, &b->fmts.v[i].args, where);
	}
	for (int i = 0; i < a->probes.len; i++)
		expect_probe(&a->probes.v[i], &b->probes.v[i], where);
	for (int i = 0; i < a->stackmaps.len; i++) {
		const struct pd_stackmap *x = &a->stackmaps.v[i], *y = &b->stackmaps.v[i];
		cr_expect(same_str(x->sym, y->sym) && x->user == y->user && x->depth == y->depth &&
				  x->max_entries == y->max_entries,
			  "%s: stack map %d differs", where, i);
	}
}

/* The program of a runtime case (its "### script" or "### e" section), malloc'd; NULL
 * for a case whose program needs parameters or a file from its setup. */
static char *case_program(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	size_t cap = 1 << 16, len = 0;
	char *prog = calloc(1, cap);
	bool in = false, skip = false, found = false;
	while (f && prog && fgets(line, sizeof(line), f)) {
		if (!strncmp(line, "### ", 4)) {
			in = !strcmp(line, "### script\n") || !strcmp(line, "### e\n");
			found |= in;
			skip |= !strcmp(line, "### params\n") || !strcmp(line, "### setup\n") ||
				!strcmp(line, "### stdin\n");
			continue;
		}
		size_t n = strlen(line);
		if (in && len + n < cap) {
			memcpy(prog + len, line, n + 1);
			len += n;
		}
	}
	if (f)
		fclose(f);
	if (!found || skip) {
		free(prog);
		return NULL;
	}
	return prog;
}

static struct pd_prog *round_trip(const struct pd_prog *pd)
{
	struct blob_w w = { 0 };
	cache_pd_write(&w, pd);
	cr_assert(!w.oom);
	struct blob_r r = { w.buf, w.buf + w.len, false };
	struct pd_prog *back = cache_pd_read(&r);
	cr_assert_not_null(back, "the blob just written does not read back");
	cr_expect(r.p == r.end, "the reader stopped early");
	blob_w_free(&w);
	return back;
}

Test(cache, every_runtime_case_program_round_trips, .timeout = 600)
{
	if (geteuid() != 0)
		cr_skip_test("compiling against kernel BTF and tracefs needs root");
	glob_t g;
	cr_assert_eq(glob("tests/runtime/cases/*.case", 0, NULL, &g), 0);
	FILE *quiet = fopen("/dev/null", "w");
	int compared = 0, maps = 0, probes = 0;
	for (size_t i = 0; i < g.gl_pathc; i++) {
		char *src = case_program(g.gl_pathv[i]);
		if (!src)
			continue;
		struct compiler c;
		struct cc_opts o = { .has_cpid = true };
		cr_assert_eq(cc_init(&c, "case.bt", src, &o, quiet), 0);
		if (!cc_run(&c, NULL)) {
			struct pd_prog *back = round_trip(c.pd);
			expect_pd(c.pd, back, g.gl_pathv[i]);
			compared++;
			maps += c.pd->maps.len;
			probes += c.pd->probes.len;
			pd_free(back);
		}
		cc_fini(&c);
		free(src);
	}
	fclose(quiet);
	globfree(&g);
	cr_expect_gt(compared, 100, "only %d case programs compiled", compared);
	cr_expect_gt(maps, 100);
	cr_expect_gt(probes, 100);
}

/* A description with every kind of part, built by hand (no kernel needed). */
static struct pd_prog *sample_pd(void)
{
	struct pd_prog *pd = pd_new();
	struct arena *a = &pd->arena;
	struct pd_type field = { .kind = PD_STR, .size = 16, .name = "comm" };
	struct pd_type rec = { .kind = PD_RECORD, .size = 24, .stack_map = -1, .value = -5 };
	vec_push(a, &rec.fields, field);
	field.kind = PD_ENUM;
	field.value = INT64_MIN;
	field.bit_off = 3;
	field.bit_size = 5;
	vec_push(a, &rec.fields, field);
	struct pd_map m = { .name = "@x", .sym = "m0", .kind = PD_MAP_LHIST, .key = rec,
			    .value = { .kind = PD_INT, .size = 8 }, .lhist_min = -10,
			    .lhist_max = 100, .lhist_step = 5, .max_entries = 4096,
			    .buckets_in_value = true };
	vec_push(a, &pd->maps, m);
	struct pd_fmt f = { .kind = PD_FMT_PRINTF, .fmt = "%s %d\n", .args = rec };
	vec_push(a, &pd->fmts, f);
	struct pd_probe p = { .kind = PD_PROBE_USDT, .name = "usdt:/bin/x:p:n", .prog_name = "p0",
			      .target = "/bin/x", .func = "p:n", .offset = 1 << 20,
			      .ref_ctr_off = 77, .loc = { 1, 2, 3, 4 }, .host = 3, .multi = true };
	vec_push(a, &pd->probes, p);
	struct pd_stackmap s = { .sym = "st0", .user = true, .depth = 127, .max_entries = 4096 };
	vec_push(a, &pd->stackmaps, s);
	pd->ringbuf_size = 1 << 22;
	pd->strlen = 64;
	pd->missing_probes = PD_MISSING_WARN;
	pd->names_size = 32;
	return pd;
}

Test(cache, hand_built_description_round_trips)
{
	struct pd_prog *pd = sample_pd();
	struct pd_prog *back = round_trip(pd);
	expect_pd(pd, back, "sample");
	pd_free(back);
	pd_free(pd);
}

Test(cache, truncated_or_flipped_descriptions_fail_or_read_without_crashing)
{
	struct pd_prog *pd = sample_pd();
	struct blob_w w = { 0 };
	cache_pd_write(&w, pd);
	for (size_t n = 0; n < w.len; n++) {
		struct blob_r r = { w.buf, w.buf + n, false };
		cr_expect_null(cache_pd_read(&r), "a blob cut at %zu of %zu reads", n, w.len);
	}
	/* flipped bits: no checksum at this level, so only "no crash, no overrun" */
	for (size_t i = 0; i < w.len * 8; i++) {
		w.buf[i / 8] ^= (uint8_t)(1 << i % 8);
		struct blob_r r = { w.buf, w.buf + w.len, false };
		pd_free(cache_pd_read(&r));
		cr_expect(r.p <= r.end);
		w.buf[i / 8] ^= (uint8_t)(1 << i % 8);
	}
	blob_w_free(&w);
	pd_free(pd);
}

static const uint8_t key1[SHA256_SIZE] = { 1, 2, 3 };

static struct blob_w sample_entry(void)
{
	struct pd_prog *pd = sample_pd();
	struct blob_w w = { 0 };
	cache_deps_reset();
	cr_assert_eq(cache_entry_encode(&w, key1, pd, "\177ELF-object", 11, "warning: x\n", 11), 0);
	pd_free(pd);
	return w;
}

Test(cache, entry_round_trips_and_every_cut_or_flip_is_a_miss)
{
	struct blob_w w = sample_entry();
	struct cache_hit hit;
	cr_assert_eq(cache_entry_decode(w.buf, w.len, key1, &hit), 0);
	cr_expect_eq(hit.elf_size, 11);
	cr_expect(!memcmp(hit.elf, "\177ELF-object", 11));
	cr_expect_str_eq(hit.diag, "warning: x\n");
	cr_expect_eq(hit.pd->probes.len, 1);
	cache_hit_free(&hit);
	uint8_t other[SHA256_SIZE] = { 9 };
	cr_expect_eq(cache_entry_decode(w.buf, w.len, other, &hit), -ESTALE);
	for (size_t n = 0; n < w.len; n++)
		cr_expect_eq(cache_entry_decode(w.buf, n, key1, &hit), -EINVAL, "cut at %zu", n);
	for (size_t i = 0; i < w.len * 8; i++) {
		w.buf[i / 8] ^= (uint8_t)(1 << i % 8);
		cr_expect_eq(cache_entry_decode(w.buf, w.len, key1, &hit), -EINVAL, "bit %zu", i);
		w.buf[i / 8] ^= (uint8_t)(1 << i % 8);
	}
	blob_w_free(&w);
}

/* ---- dependencies ---- */

static char *scratch_dir(void)
{
	static char dir[64];
	snprintf(dir, sizeof(dir), "/tmp/bpfscope-cache-test.XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	return dir;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");
	cr_assert_not_null(f, "%s", path);
	fputs(text, f);
	fclose(f);
}

static bool deps_hold(void)
{
	struct blob_w w = { 0 };
	cache_deps_write(&w);
	struct blob_r r = { w.buf, w.buf + w.len, false };
	bool ok = cache_deps_check(&r);
	blob_w_free(&w);
	return ok;
}

Test(cache, a_changed_or_new_file_breaks_its_dependency)
{
	char *dir = scratch_dir(), path[128], absent[128];
	snprintf(path, sizeof(path), "%s/bin", dir);
	snprintf(absent, sizeof(absent), "%s/later", dir);
	write_file(path, "one");
	cache_deps_reset();
	cache_dep_file(path);
	cache_dep_file(absent);
	cr_expect(deps_hold());
	write_file(path, "two"); /* same size, new content: ctime moves */
	cr_expect(!deps_hold(), "a rewritten file still matches");
	cache_deps_reset();
	cache_dep_file(absent);
	write_file(absent, "");
	cr_expect(!deps_hold(), "a file that appeared still matches its absence");
	cache_deps_reset();
	unlink(path);
	unlink(absent);
	rmdir(dir);
}

Test(cache, content_and_working_directory_dependencies)
{
	char *dir = scratch_dir(), path[128], cwd[4096];
	snprintf(path, sizeof(path), "%s/sysctl", dir);
	write_file(path, "127\n");
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	cache_deps_reset();
	cache_dep_content(path);
	cache_dep_cwd();
	cr_expect(deps_hold());
	cr_assert_eq(chdir(dir), 0);
	cr_expect(!deps_hold(), "another working directory still matches");
	cr_assert_eq(chdir(cwd), 0);
	write_file(path, "128\n");
	cr_expect(!deps_hold(), "new content still matches");
	cache_deps_reset();
	unlink(path);
	rmdir(dir);
}

/* ---- the key ---- */

static void key_of(const char *name, const char *src, const struct cc_opts *o, bool nw,
		   uint8_t k[SHA256_SIZE])
{
	struct cache_key_in in = { name, src, strlen(src), o, nw };
	cache_key(&in, k);
}

Test(cache, the_key_changes_with_every_input)
{
	const char *params[] = { "1", "2" };
	struct cc_opts base = { .params = params, .nparams = 2, .strlen = 64, .map_keys_max = 4096,
				.max_probes = 512, .ringbuf_size = 1 << 22 };
	uint8_t k0[SHA256_SIZE], k[SHA256_SIZE];
	key_of("a.bt", "BEGIN { exit(); }", &base, false, k0);
	key_of("a.bt", "BEGIN { exit(); }", &base, false, k);
	cr_expect(!memcmp(k0, k, sizeof(k)), "the same inputs give another key");
	struct cc_opts o[9];
	for (int i = 0; i < 9; i++)
		o[i] = base;
	const char *other[] = { "1", "3" };
	o[0].params = other;
	o[1].nparams = 1;
	o[2].strlen = 32;
	o[3].map_keys_max = 10;
	o[4].max_probes = 5;
	o[5].ringbuf_size = 1 << 23;
	o[6].unsafe = true;
	o[7].has_cpid = true;
	o[8].pid = 1;
	for (int i = 0; i < 9; i++) {
		key_of("a.bt", "BEGIN { exit(); }", &o[i], false, k);
		cr_expect(memcmp(k0, k, sizeof(k)), "option change %d keeps the key", i);
	}
	key_of("b.bt", "BEGIN { exit(); }", &base, false, k);
	cr_expect(memcmp(k0, k, sizeof(k)), "the script's name");
	key_of("a.bt", "BEGIN { exit(1); }", &base, false, k);
	cr_expect(memcmp(k0, k, sizeof(k)), "the script's text");
	key_of("a.bt", "BEGIN { exit(); }", &base, true, k);
	cr_expect(memcmp(k0, k, sizeof(k)), "--no-warnings");
	setenv("BPFTRACE_SOMETHING", "1", 1);
	key_of("a.bt", "BEGIN { exit(); }", &base, false, k);
	unsetenv("BPFTRACE_SOMETHING");
	cr_expect(memcmp(k0, k, sizeof(k)), "a BPFTRACE_ variable");
	const char *path = getenv("PATH");
	char *saved = strdup(path ? path : "");
	setenv("PATH", "/nowhere", 1);
	key_of("a.bt", "BEGIN { exit(); }", &base, false, k);
	setenv("PATH", saved, 1);
	free(saved);
	cr_expect(memcmp(k0, k, sizeof(k)), "PATH");
}

/* ---- the directory ---- */

static int count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	int n = 0;
	struct dirent *de;
	while (d && (de = readdir(d)))
		n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
	if (d)
		closedir(d);
	return n;
}

static void remove_dir(const char *dir)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

static struct cache open_in(const char *dir, bool *ok)
{
	struct cc_opts o = { .strlen = 64 };
	struct cache_key_in in = { "t.bt", "BEGIN {}", 8, &o, false };
	struct cache ch;
	setenv("BPFSCOPE_CACHE_DIR", dir, 1);
	*ok = cache_open(&ch, &in, true);
	unsetenv("BPFSCOPE_CACHE_DIR");
	return ch;
}

Test(cache, store_then_lookup_in_a_private_directory)
{
	char *dir = scratch_dir(), sub[128], path[256];
	snprintf(sub, sizeof(sub), "%s/a/b", dir);
	bool ok;
	struct cache ch = open_in(sub, &ok);
	cr_assert(ok, "the directory is not created");
	struct stat st;
	cr_assert_eq(stat(sub, &st), 0);
	cr_expect_eq(st.st_mode & 0777, 0700);
	struct cache_hit hit;
	cr_expect_eq(cache_lookup(&ch, &hit), -ENOENT);
	struct pd_prog *pd = sample_pd();
	cache_deps_reset();
	cache_store(&ch, pd, "ELF", 3, "", 0);
	snprintf(path, sizeof(path), "%s/%s", sub, ch.name);
	cr_assert_eq(stat(path, &st), 0, "no entry %s", path);
	cr_expect_eq(st.st_mode & 0777, 0600);
	cr_expect_eq(count_entries(sub), 1, "a temporary file is left");
	cr_assert_eq(cache_lookup(&ch, &hit), 0);
	cr_expect(hit.elf_size == 3 && !memcmp(hit.elf, "ELF", 3));
	cache_hit_free(&hit);
	/* another user's entry in our directory is not ours to load */
	if (geteuid() == 0 && !chown(path, 1, 1))
		cr_expect_eq(cache_lookup(&ch, &hit), -ENOENT, "another user's entry was used");
	cache_close(&ch);
	pd_free(pd);
	remove_dir(dir);
}

Test(cache, a_world_writable_or_foreign_directory_is_refused)
{
	char *dir = scratch_dir();
	bool ok;
	cr_assert_eq(chmod(dir, 0777), 0);
	struct cache ch = open_in(dir, &ok);
	cr_expect(!ok, "a world-writable directory is used");
	cr_expect_eq(ch.dirfd, -1);
	cr_assert_eq(chmod(dir, 0700), 0);
	if (geteuid() == 0 && !chown(dir, 1, 1)) {
		ch = open_in(dir, &ok);
		cr_expect(!ok, "another user's directory is used");
	}
	remove_dir(dir);
}

Test(cache, eviction_removes_the_least_recently_used)
{
	char *dir = scratch_dir(), path[256];
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	for (int i = 0; i < 10; i++) {
		snprintf(path, sizeof(path), "%s/%064d", dir, i);
		write_file(path, "0123456789");
		struct timespec t[2] = { { 1000 + i, 0 }, { 1000 + i, 0 } };
		cr_assert_eq(utimensat(AT_FDCWD, path, t, 0), 0);
	}
	snprintf(path, sizeof(path), "%s/.tmp-1-1", dir);
	write_file(path, "torn");
	struct timespec old[2] = { { 1000, 0 }, { 1000, 0 } };
	cr_assert_eq(utimensat(AT_FDCWD, path, old, 0), 0);
	cache_evict(fd, 6, 1 << 20);
	cr_expect_eq(count_entries(dir), 6);
	snprintf(path, sizeof(path), "%s/%064d", dir, 3);
	cr_expect_neq(access(path, F_OK), 0, "an old entry stays");
	snprintf(path, sizeof(path), "%s/%064d", dir, 4);
	cr_expect_eq(access(path, F_OK), 0, "a newer entry went");
	cache_evict(fd, 100, 35); /* bytes: 3 entries of 10 fit */
	cr_expect_eq(count_entries(dir), 3);
	snprintf(path, sizeof(path), "%s/%064d", dir, 9);
	cr_expect_eq(access(path, F_OK), 0, "the newest entry went");
	close(fd);
	remove_dir(dir);
}

Test(cache, the_diagnostics_tee_passes_everything_on_and_keeps_a_copy)
{
	FILE *to = tmpfile();
	struct cache_tee t = { .to = to };
	FILE *f = cache_tee_open(&t);
	cr_assert_not_null(f);
	fprintf(f, "a.bt:1:2: warning: %s\n", "x");
	fputs("line\n", f);
	fclose(f);
	cr_expect(!t.oom);
	cr_expect_str_eq(t.buf, "a.bt:1:2: warning: x\nline\n");
	char got[64] = "";
	rewind(to);
	cr_expect_eq(fread(got, 1, sizeof(got) - 1, to), strlen(t.buf));
	cr_expect_str_eq(got, t.buf);
	fclose(to);
	free(t.buf);
}

/* kaddr() bakes in an address that moves with every boot (KASLR): its compile depends on
 * the boot id, so a cached program is not reused after a reboot. */
Test(cache, a_kernel_address_ties_the_compile_to_this_boot)
{
	if (geteuid() != 0)
		cr_skip_test("kallsyms shows addresses to root");
	const char *srcs[2] = { "BEGIN { printf(\"%d\\n\", 1); }",
				"BEGIN { printf(\"%p\\n\", kaddr(\"do_sys_openat2\")); }" };
	for (int i = 0; i < 2; i++) {
		struct compiler c;
		FILE *quiet = fopen("/dev/null", "w");
		cr_assert_eq(cc_init(&c, "test.bt", srcs[i], NULL, quiet), 0);
		cr_assert_eq(cc_run(&c, "typecheck"), 0, "%s", srcs[i]);
		struct blob_w w = { 0 };
		cache_deps_write(&w);
		bool boot = w.len && memmem(w.buf, w.len, "boot_id", 7);
		cr_expect_eq(boot, i == 1, "%s: boot id noted: %d", srcs[i], boot);
		blob_w_free(&w);
		cc_fini(&c);
		fclose(quiet);
	}
}
