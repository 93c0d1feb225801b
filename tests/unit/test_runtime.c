/* Kernel-level tests of the runtime (src/runtime/): hand-written BPF objects (the .bpf.c
 * files in tests/unit/bpf/, built here with clang -target bpf) and hand-built program
 * descriptions go through rt_run(): load, BEGIN, attach, -c child, ring buffer, END, maps,
 * verifier errors, --dry-run and --emit-elf. Needs root and clang; skipped otherwise. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "progdesc.h"
#include "runtime/runtime.h"
#include "util/diag.h"

static char tmpdir[] = "/tmp/bpfscope-rt-XXXXXX";

/* The directory of this file, from __FILE__ (relative to where make runs). */
static void src_path(char *buf, size_t len, const char *name)
{
	const char *f = __FILE__;
	const char *slash = strrchr(f, '/');
	snprintf(buf, len, "%.*s/bpf/%s", slash ? (int)(slash - f) : 1, slash ? f : ".", name);
}

static bool can_run(void)
{
	if (geteuid() != 0) {
		cr_skip_test("needs root to load BPF programs");
		return false;
	}
	if (system("command -v clang >/dev/null 2>&1")) {
		cr_skip_test("needs clang to build the test BPF objects");
		return false;
	}
	return true;
}

/* Builds tests/unit/bpf/<name>.bpf.c and reads the object; NULL on failure. */
static void *build_obj(const char *name, size_t *size)
{
	char src[512], obj[512], cmd[2048];
	struct utsname u;
	uname(&u);
	if (!mkdtemp(tmpdir) && tmpdir[0] != '/')
		return NULL;
	src_path(src, sizeof(src), name);
	snprintf(obj, sizeof(obj), "%s/%s.o", tmpdir, name);
	snprintf(cmd, sizeof(cmd),
		 "clang -target bpf -O2 -g -I/usr/include/%s-linux-gnu -c %s -o %s 2>&1",
		 u.machine, src, obj);
	cr_assert_eq(system(cmd), 0, "clang failed: %s", cmd);
	FILE *f = fopen(obj, "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	void *buf = malloc((size_t)n);
	cr_assert_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*size = (size_t)n;
	return buf;
}

static struct pd_type ty(enum pd_kind k, uint32_t size, uint32_t off)
{
	return (struct pd_type){ .kind = k, .size = size, .offset = off };
}

static void add_field(struct pd_prog *pd, struct pd_type *tuple, struct pd_type f)
{
	cr_assert_eq(vec_push(&pd->arena, &tuple->fields, f), 0);
}

static void add_map(struct pd_prog *pd, const char *name, const char *sym, enum pd_map_kind kind)
{
	struct pd_map m = { .name = name, .sym = sym, .kind = kind, .key_size = 8,
			    .value_size = 8, .is_scalar = true, .max_entries = 1 };
	m.key.kind = PD_TUPLE;
	m.value = ty(PD_UINT, 8, 0);
	cr_assert_eq(vec_push(&pd->arena, &pd->maps, m), 0);
}

static void add_probe(struct pd_prog *pd, enum pd_probe_kind kind, const char *name,
		      const char *prog, const char *target, const char *func)
{
	struct pd_probe p = { .kind = kind, .name = name, .prog_name = prog, .target = target,
			      .func = func };
	cr_assert_eq(vec_push(&pd->arena, &pd->probes, p), 0);
}

/* The description matching tests/unit/bpf/rt_test.bpf.c. */
static struct pd_prog *test_pd(void)
{
	struct pd_prog *pd = pd_new();
	pd->ringbuf_size = 4096;
	add_map(pd, "@a", "m0", PD_MAP_COUNT);
	add_map(pd, "@h", "m1", PD_MAP_HIST);
	struct pd_map *h = &pd->maps.v[1];
	h->is_scalar = false;
	h->key_size = 16;
	h->bucket_off = 8;
	h->max_entries = 64;
	h->key.size = 8;
	add_field(pd, &h->key, ty(PD_INT, 8, 0));
	add_map(pd, "@s", "m2", PD_MAP_VALUE);
	struct pd_map *s = &pd->maps.v[2];
	s->is_scalar = false;
	s->key_size = s->value_size = 16;
	s->max_entries = 64;
	add_field(pd, &s->key, ty(PD_STR, 16, 0));
	s->value = ty(PD_STR, 16, 0);
	add_map(pd, "@e", "m3", PD_MAP_COUNT);

	struct pd_fmt f0 = { .kind = PD_FMT_PRINTF, .fmt = "hello %d %s\n" };
	f0.args.kind = PD_TUPLE;
	add_field(pd, &f0.args, ty(PD_INT, 8, 0));
	add_field(pd, &f0.args, ty(PD_STR, 16, 8));
	struct pd_fmt f1 = { .kind = PD_FMT_TIME, .fmt = "T\n" };
	cr_assert_eq(vec_push(&pd->arena, &pd->fmts, f0), 0);
	cr_assert_eq(vec_push(&pd->arena, &pd->fmts, f1), 0);

	add_probe(pd, PD_PROBE_BEGIN, "BEGIN", "begin", NULL, NULL);
	add_probe(pd, PD_PROBE_TRACEPOINT, "tracepoint:syscalls:sys_enter_execve", "execs",
		  "syscalls", "sys_enter_execve");
	add_probe(pd, PD_PROBE_END, "END", "end", NULL, NULL);
	return pd;
}

static char *bar(int n)
{
	static char b[4][64];
	static int i;
	char *s = b[i++ % 4];
	memset(s, ' ', 52);
	memset(s, '@', (size_t)n);
	s[52] = '\0';
	return s;
}

/* BPF objects (programs, maps, links) this process still holds: rt_run must close all;
 * counted per process so tests running in parallel do not see each other's. */
static int bpf_fds_open(void)
{
	int n = 0;
	FILE *p = popen("ls -l /proc/$PPID/fd 2>/dev/null | grep -c 'anon_inode:bpf'", "r");
	if (p && fscanf(p, "%d", &n) != 1)
		n = -1;
	if (p)
		pclose(p);
	return n;
}

static void remove_tmpdir(void)
{
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", tmpdir);
	cr_assert_eq(system(cmd), 0);
}

/* One test's BPF object, program description and captured output. */
struct fixture {
	void *elf;
	size_t size;
	struct pd_prog *pd;
	char *text; /* what rt_run wrote to fixture_out() */
	size_t len;
};

/* Builds tests/unit/bpf/<obj> and the description make_pd() returns. */
static void fixture_init(struct fixture *fx, const char *obj, struct pd_prog *(*make_pd)(void))
{
	memset(fx, 0, sizeof(*fx));
	fx->elf = build_obj(obj, &fx->size);
	fx->pd = make_pd();
}

static FILE *fixture_out(struct fixture *fx)
{
	return open_memstream(&fx->text, &fx->len);
}

static int fixture_run(struct fixture *fx, struct rt_opts *o)
{
	return rt_run(fx->pd, fx->elf, fx->size, o);
}

static void fixture_done(struct fixture *fx)
{
	free(fx->text);
	free(fx->elf);
	pd_free(fx->pd);
	remove_tmpdir();
}

Test(runtime, runs_begin_attach_child_end_and_prints_maps, .init = cr_redirect_stdout)
{
	if (!can_run())
		return;
	struct fixture fx;
	fixture_init(&fx, "rt_test.bpf.c", test_pd);
	char *argv[] = { "/bin/true", NULL };
	struct rt_opts o = { .out = fixture_out(&fx), .child_argv = argv };
	cr_assert_eq(fixture_run(&fx, &o), 0);
	fclose(o.out);
	char want[4096];
	snprintf(want, sizeof(want),
		 "Attaching 3 probes...\nhello 42 abc\nT\n@a: 1\n@e: 1\n"
		 "@h[1]: \n[4, 8)                 2 |%s|\n\n"
		 "@h[2]: \n[0]                    1 |%s|\n[1]                    0 |%s|\n"
		 "[2, 4)                 4 |%s|\n\n"
		 "\n", /* @s, cleared in END: an empty line, as bpftrace 0.17 */
		 bar(52), bar(13), bar(0), bar(52));
	cr_assert_str_eq(fx.text, want);
	fflush(stdout);
	cr_assert_stdout_eq_str("\n\n");
	cr_assert_eq(bpf_fds_open(), 0, "BPF objects left open");
	fixture_done(&fx);
}

Test(runtime, prints_the_json_layout, .init = cr_redirect_stdout)
{
	if (!can_run())
		return;
	struct fixture fx;
	fixture_init(&fx, "rt_test.bpf.c", test_pd);
	char *argv[] = { "/bin/true", NULL };
	struct rt_opts o = { .out = fixture_out(&fx), .child_argv = argv, .json = true };
	cr_assert_eq(fixture_run(&fx, &o), 0);
	fclose(o.out);
	cr_assert_str_eq(fx.text,
			 "{\"type\": \"attached_probes\", \"data\": {\"probes\": 3}}\n"
			 "{\"type\": \"printf\", \"data\": \"hello 42 abc\\n\"}\n"
			 "{\"type\": \"time\", \"data\": \"T\\n\"}\n"
			 "{\"type\": \"map\", \"data\": {\"@a\": 1}}\n"
			 "{\"type\": \"map\", \"data\": {\"@e\": 1}}\n"
			 "{\"type\": \"hist\", \"data\": {\"@h\": {\"1\": [{\"min\": 4, \"max\": 7, "
			 "\"count\": 2}], \"2\": [{\"min\": 0, \"max\": 0, \"count\": 1}, {\"min\": 1, "
			 "\"max\": 1, \"count\": 0}, {\"min\": 2, \"max\": 3, \"count\": 4}]}}}\n");
	fixture_done(&fx);
}

Test(runtime, dry_run_loads_and_leaves_nothing_behind)
{
	if (!can_run())
		return;
	struct fixture fx;
	fixture_init(&fx, "rt_test.bpf.c", test_pd);
	struct rt_opts o = { .out = fixture_out(&fx), .dry_run = true, .quiet = true };
	cr_assert_eq(fixture_run(&fx, &o), 0);
	fclose(o.out);
	cr_assert_str_eq(fx.text, "");
	cr_assert_eq(bpf_fds_open(), 0, "BPF objects left open");
	fixture_done(&fx);
}

/* The description matching tests/unit/bpf/rt_reject.bpf.c. */
static struct pd_prog *reject_pd(void)
{
	struct pd_prog *pd = pd_new();
	pd->ringbuf_size = 4096;
	add_map(pd, "@v", "m0", PD_MAP_VALUE);
	pd->maps.v[0].max_entries = 4;
	add_probe(pd, PD_PROBE_BEGIN, "BEGIN", "begin", NULL, NULL);
	return pd;
}

Test(runtime, names_the_rejected_probe_and_its_source_line, .init = cr_redirect_stderr)
{
	if (!can_run())
		return;
	struct fixture fx;
	fixture_init(&fx, "rt_reject.bpf.c", reject_pd);
	char path[512];
	src_path(path, sizeof(path), "rt_reject.bpf.c");
	FILE *f = fopen(path, "r");
	static char src[8192];
	size_t n = fread(src, 1, sizeof(src) - 1, f);
	src[n] = '\0';
	fclose(f);
	struct diag d;
	diag_init(&d, "rt_reject.bpf.c", src, stderr);
	struct rt_opts o = { .quiet = true, .diag = &d };
	cr_assert_lt(fixture_run(&fx, &o), 0);
	cr_assert_eq(diag_errors(&d), 1);
	fflush(stderr);
	char buf[65536];
	FILE *err = cr_get_redirected_stderr();
	size_t got = fread(buf, 1, sizeof(buf) - 1, err);
	buf[got] = '\0';
	cr_assert(strstr(buf, "error: the BPF verifier rejected probe BEGIN\n"), "%s", buf);
	cr_assert(strstr(buf, "invalid mem access"), "%s", buf);
	cr_assert(strstr(buf, "rt_reject.bpf.c:23:2: error: the BPF verifier rejected this: "),
		  "%s", buf);
	cr_assert(strstr(buf, "\treturn *v; /* no NULL check: rejected */\n\t^~~~~~~~~~"), "%s",
		  buf);
	fixture_done(&fx);
}

Test(runtime, writes_the_object_with_emit_elf_without_loading)
{
	char path[] = "/tmp/bpfscope-elf-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	close(fd);
	static const char bytes[] = "\177ELF-not-really";
	struct pd_prog *pd = pd_new();
	struct rt_opts o = { .emit_elf = path };
	cr_assert_eq(rt_run(pd, bytes, sizeof(bytes), &o), 0);
	FILE *f = fopen(path, "rb");
	char buf[64] = { 0 };
	cr_assert_eq(fread(buf, 1, sizeof(buf), f), sizeof(bytes));
	fclose(f);
	cr_assert_eq(memcmp(buf, bytes, sizeof(bytes)), 0);
	unlink(path);
	pd_free(pd);
}

/* The description matching tests/unit/bpf/rt_timers.bpf.c. */
static struct pd_prog *timers_pd(void)
{
	struct pd_prog *pd = pd_new();
	pd->ringbuf_size = 4096;
	add_map(pd, "@ticks", "m0", PD_MAP_COUNT);
	add_map(pd, "@prof", "m1", PD_MAP_COUNT);
	add_map(pd, "@raw", "m2", PD_MAP_COUNT);
	add_probe(pd, PD_PROBE_INTERVAL, "interval:ms:10", "ticks", NULL, NULL);
	pd->probes.v[0].period = 10 * 1000 * 1000;
	add_probe(pd, PD_PROBE_PROFILE, "profile:hz:997", "prof", NULL, NULL);
	pd->probes.v[1].freq_hz = 997;
	add_probe(pd, PD_PROBE_RAWTP, "rawtracepoint:sys_enter", "raw", NULL, "sys_enter");
	return pd;
}

static long count_of(const char *text, const char *name)
{
	const char *p = strstr(text, name);
	return p ? strtol(p + strlen(name), NULL, 10) : -1;
}

Test(runtime, attaches_interval_profile_and_raw_tracepoint_probes, .init = cr_redirect_stdout)
{
	if (!can_run())
		return;
	struct fixture fx;
	fixture_init(&fx, "rt_timers.bpf.c", timers_pd);
	struct rt_opts o = { .out = fixture_out(&fx) };
	cr_assert_eq(fixture_run(&fx, &o), 0);
	fclose(o.out);
	cr_assert(!strncmp(fx.text, "Attaching 3 probes...\n", 22), "%s", fx.text);
	cr_assert_geq(count_of(fx.text, "@ticks: "), 3, "%s", fx.text);
	cr_assert_geq(count_of(fx.text, "@prof: "), 1, "%s", fx.text);
	cr_assert_geq(count_of(fx.text, "@raw: "), 1, "%s", fx.text);
	cr_assert_lt(strstr(fx.text, "@prof: "), strstr(fx.text, "@raw: "), "maps sorted by name");
	cr_assert_lt(strstr(fx.text, "@raw: "), strstr(fx.text, "@ticks: "), "maps sorted by name");
	fixture_done(&fx);
}

/* Runs rt_run in a child process with output to a file; returns the child's pid. */
static pid_t run_in_child(struct fixture *fx, const char *out, pid_t pid)
{
	pid_t c = fork();
	cr_assert_geq(c, 0);
	if (c == 0) {
		freopen("/dev/null", "w", stdout); /* bpftrace's two closing newlines */
		struct rt_opts o = { .out = fopen(out, "w"), .pid = pid, .quiet = true };
		int err = fixture_run(fx, &o);
		fclose(o.out);
		_exit(err ? 1 : bpf_fds_open() ? 2 : 0);
	}
	return c;
}

static char *slurp(const char *path)
{
	static char buf[8192];
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	buf[fread(buf, 1, sizeof(buf) - 1, f)] = '\0';
	fclose(f);
	return buf;
}

Test(runtime, stops_on_sigint_and_prints_the_maps)
{
	if (!can_run())
		return;
	struct fixture fx;
	fixture_init(&fx, "rt_timers.bpf.c", timers_pd);
	fx.pd->probes.v[0].period = 1000ull * 1000 * 1000 * 1000; /* never reaches exit() */
	char out[600];
	snprintf(out, sizeof(out), "%s/sigint.out", tmpdir);
	pid_t c = run_in_child(&fx, out, 0);
	struct timespec ts = { 0, 500 * 1000 * 1000 };
	nanosleep(&ts, NULL);
	kill(c, SIGINT);
	int status;
	cr_assert_eq(waitpid(c, &status, 0), c);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	char *text = slurp(out);
	cr_assert_geq(count_of(text, "@raw: "), 1, "%s", text);
	/* never fired: a keyless count() prints 0, as in bpftrace */
	cr_assert_eq(count_of(text, "@ticks: "), 0, "%s", text);
	fixture_done(&fx);
}

Test(runtime, stops_when_the_traced_pid_exits)
{
	if (!can_run())
		return;
	struct fixture fx;
	fixture_init(&fx, "rt_timers.bpf.c", timers_pd);
	fx.pd->probes.v[0].period = 1000ull * 1000 * 1000 * 1000;
	pid_t target = fork();
	if (target == 0) {
		struct timespec ts = { 0, 400 * 1000 * 1000 };
		nanosleep(&ts, NULL);
		_exit(0);
	}
	char out[600];
	snprintf(out, sizeof(out), "%s/pid.out", tmpdir);
	pid_t c = run_in_child(&fx, out, target);
	int status;
	/* the target stays a zombie of ours: the runtime must still see it has ended */
	cr_assert_eq(waitpid(c, &status, 0), c);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %d", status);
	waitpid(target, NULL, 0);
	cr_assert_geq(count_of(slurp(out), "@raw: "), 1);
	fixture_done(&fx);
}
