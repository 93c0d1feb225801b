/* Unit tests for src/sema/usdt*.c: x86-64 argument specs, probe discovery in the notes of
 * build/usdt_target (-O2 and -O0) and build/libusdt_target.so (built by `make unit`), and
 * the USDT files a running process maps. */
#define _GNU_SOURCE /* memmem */
#include "sema/usdt.h"

#include <criterion/criterion.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ---- argument specs ---- */

struct arg_case {
	const char *spec;
	enum usdt_arg_kind kind;
	int size;
	bool is_signed;
	int reg_off, idx_reg_off, scale;
	int64_t val;
	bool rip;
	int shift;
	const char *sym;
};

static const struct arg_case good_args[] = {
	{ "-4@%edi", USDT_ARG_REG, 4, true, 112, -1, 1, 0, false, 0, NULL },
	{ "8@%rax", USDT_ARG_REG, 8, false, 80, -1, 1, 0, false, 0, NULL },
	{ "-1@%ah", USDT_ARG_REG, 1, true, 80, -1, 1, 0, false, 8, NULL },
	{ "1@%al", USDT_ARG_REG, 1, false, 80, -1, 1, 0, false, 0, NULL },
	{ "-1@%r10b", USDT_ARG_REG, 1, true, 56, -1, 1, 0, false, 0, NULL },
	{ "-2@%ax", USDT_ARG_REG, 2, true, 80, -1, 1, 0, false, 0, NULL },
	{ "4@%r8d", USDT_ARG_REG, 4, false, 72, -1, 1, 0, false, 0, NULL },
	{ "2@%r15w", USDT_ARG_REG, 2, false, 0, -1, 1, 0, false, 0, NULL },
	{ "1@%sil", USDT_ARG_REG, 1, false, 104, -1, 1, 0, false, 0, NULL },
	{ "-1@%dh", USDT_ARG_REG, 1, true, 96, -1, 1, 0, false, 8, NULL },
	{ "8@%rsp", USDT_ARG_REG, 8, false, 152, -1, 1, 0, false, 0, NULL },
	{ "8@rbx", USDT_ARG_REG, 8, false, 40, -1, 1, 0, false, 0, NULL },
	{ "%ecx", USDT_ARG_REG, 4, false, 88, -1, 1, 0, false, 0, NULL },
	{ "8@-8(%rbp)", USDT_ARG_MEM, 8, false, 32, -1, 1, -8, false, 0, NULL },
	{ "4@-4(%rbp)", USDT_ARG_MEM, 4, false, 32, -1, 1, -4, false, 0, NULL },
	{ "-8@16(%rsp)", USDT_ARG_MEM, 8, true, 152, -1, 1, 16, false, 0, NULL },
	{ "-4@(%r12)", USDT_ARG_MEM, 4, true, 24, -1, 1, 0, false, 0, NULL },
	{ "8@(%rax,%rdx,8)", USDT_ARG_MEM, 8, false, 80, 96, 8, 0, false, 0, NULL },
	{ "2@0x10(%rdi,%rsi)", USDT_ARG_MEM, 2, false, 112, 104, 1, 16, false, 0, NULL },
	{ "4@-12(,%rcx,4)", USDT_ARG_MEM, 4, false, -1, 88, 4, -12, false, 0, NULL },
	{ "4@foo+4(%rip)", USDT_ARG_MEM, 4, false, 128, -1, 1, 4, true, 0, "foo" },
	{ "-8@usdt_hits(%rip)", USDT_ARG_MEM, 8, true, 128, -1, 1, 0, true, 0, "usdt_hits" },
	{ "4@x.1-8(%rip)", USDT_ARG_MEM, 4, false, 128, -1, 1, -8, true, 0, "x.1" },
	{ "8@24(%rip)", USDT_ARG_MEM, 8, false, 128, -1, 1, 24, true, 0, NULL },
	{ "4@$5", USDT_ARG_CONST, 4, false, -1, -1, 1, 5, false, 0, NULL },
	{ "-4@$-42", USDT_ARG_CONST, 4, true, -1, -1, 1, -42, false, 0, NULL },
	{ "8@$18446744073709551615", USDT_ARG_CONST, 8, false, -1, -1, 1, -1, false, 0, NULL },
	{ "-8@$-9223372036854775808", USDT_ARG_CONST, 8, true, -1, -1, 1, INT64_MIN, false, 0,
	  NULL },
	{ "4@5", USDT_ARG_CONST, 4, false, -1, -1, 1, 5, false, 0, NULL },
	{ "-4@-7", USDT_ARG_CONST, 4, true, -1, -1, 1, -7, false, 0, NULL },
	{ "4@$0x20", USDT_ARG_CONST, 4, false, -1, -1, 1, 32, false, 0, NULL },
};

Test(usdt, parses_every_argument_form)
{
	for (size_t i = 0; i < sizeof(good_args) / sizeof(good_args[0]); i++) {
		const struct arg_case *c = &good_args[i];
		struct usdt_arg a;
		cr_assert_eq(sema_usdt_parse_arg(c->spec, &a), 0, "%s", c->spec);
		cr_expect_eq(a.kind, c->kind, "%s: kind %d", c->spec, a.kind);
		cr_expect_eq(a.size, c->size, "%s: size %d", c->spec, a.size);
		cr_expect_eq(a.is_signed, c->is_signed, "%s: signed", c->spec);
		cr_expect_eq(a.reg_off, c->reg_off, "%s: reg_off %d", c->spec, a.reg_off);
		cr_expect_eq(a.idx_reg_off, c->idx_reg_off, "%s: idx %d", c->spec, a.idx_reg_off);
		cr_expect_eq(a.scale, c->scale, "%s: scale %d", c->spec, a.scale);
		cr_expect_eq(a.val, c->val, "%s: val %lld", c->spec, (long long)a.val);
		cr_expect_eq(a.rip_relative, c->rip, "%s: rip", c->spec);
		cr_expect_eq(a.reg_shift, c->shift, "%s: shift %d", c->spec, a.reg_shift);
		cr_expect_not(a.sym_resolved, "%s", c->spec);
		if (c->sym)
			cr_expect(a.sym && a.sym_len == (int)strlen(c->sym) &&
					  !memcmp(a.sym, c->sym, strlen(c->sym)),
				  "%s: sym", c->spec);
		else
			cr_expect_null(a.sym, "%s: sym", c->spec);
	}
}

Test(usdt, rejects_malformed_argument_specs)
{
	static const char *const bad[] = {
		"", "4@", "3@%eax", "4@%xyz", "4@(%rax", "99999999999999999999@$1", "0@%eax",
		"16@%eax", "-@%eax", "4@$", "4@$x", "4@$1x", "4@%eax,", "4@(%eax)", "4@(%rax,%rsp)",
		"4@(%rax,%rdx,3)", "4@()", "4@(,)", "4@8(%rip,%rax)", "4@%rax)", "4@foo+(%rip)",
		"4@%", "4@$99999999999999999999", "4@-(%rax)", "4@(%rax) ", "4@%fs:8",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct usdt_arg a;
		cr_expect_eq(sema_usdt_parse_arg(bad[i], &a), -EINVAL, "'%s' was accepted", bad[i]);
	}
}

Test(usdt, splits_an_argument_string)
{
	struct usdt_arg args[USDT_MAX_ARGS];
	const char *text = "-1@%r10b -2@%ax  4@foo(%rip)\t8@%rsi";
	cr_assert_eq(sema_usdt_parse_args(text, args, USDT_MAX_ARGS), 4);
	cr_expect_eq(args[0].size, 1);
	cr_expect_eq(args[1].reg_off, 80);
	cr_expect_eq(args[2].sym, text + strlen("-1@%r10b -2@%ax  4@"), "sym points into text");
	cr_expect_eq(args[2].sym_len, 3);
	cr_expect_eq(args[3].reg_off, 104);
	cr_expect_eq(sema_usdt_parse_args("", args, USDT_MAX_ARGS), 0);
	cr_expect_eq(sema_usdt_parse_args("  ", args, USDT_MAX_ARGS), 0);
	cr_expect_eq(sema_usdt_parse_args("4@%eax 3@%eax", args, USDT_MAX_ARGS), -EINVAL);
	cr_expect_eq(sema_usdt_parse_args("4@%eax 4@%eax 4@%eax", args, 2), -EINVAL);
}

/* ---- probes of the test programs ---- */

static const char *build_path(const char *name)
{
	static char buf[8][PATH_MAX];
	static int next;
	const char *dir = getenv("BUILD");
	char *p = buf[next++ % 8];
	snprintf(p, PATH_MAX, "%s/%s", dir && *dir ? dir : "build", name);
	cr_assert_eq(access(p, R_OK), 0, "%s is missing: run `make unit`", p);
	return p;
}

static usdt_probe_list probes_of(struct arena *a, const char *path)
{
	usdt_probe_list l = { 0 };
	cr_assert_eq(sema_usdt_probes(a, path, &l), 0, "%s", path);
	return l;
}

/* "provider:name/nargs" for every probe, space separated. */
static const char *probe_names(struct arena *a, const usdt_probe_list *l)
{
	char *s = "";
	for (int i = 0; i < l->len; i++)
		s = arena_sprintf(a, "%s%s%s:%s/%d", s, i ? " " : "", l->v[i].provider,
				  l->v[i].name, l->v[i].nargs);
	return s;
}

static int read_file_at(const char *path, uint64_t off, void *buf, size_t n)
{
	int fd = open(path, O_RDONLY);
	cr_assert_geq(fd, 0, "%s", path);
	ssize_t got = pread(fd, buf, n, (off_t)off);
	close(fd);
	return got == (ssize_t)n ? 0 : -1;
}

/* Every probe's file offset is the nop <sys/sdt.h> put at the probe site. */
static void expect_nops(const usdt_probe_list *l)
{
	for (int i = 0; i < l->len; i++) {
		unsigned char byte = 0;
		cr_assert_neq(l->v[i].pc_off, 0, "%s", l->v[i].name);
		cr_assert_eq(read_file_at(l->v[i].path, l->v[i].pc_off, &byte, 1), 0);
		cr_expect_eq(byte, 0x90, "%s:%s at %#llx: byte %#x", l->v[i].path, l->v[i].name,
			     (unsigned long long)l->v[i].pc_off, byte);
	}
}

static const char target_names[] = "bpfscope:dup/1 bpfscope:dup/1 bpfscope:zero/0 "
				   "bpfscope:one/1 bpfscope:three/3 bpfscope:six/6 "
				   "bpfscope:global/1 bpfscope:sem/2";

static void expect_arg(const struct usdt_arg *a, enum usdt_arg_kind kind, int size, bool sign)
{
	cr_expect_eq(a->kind, kind, "kind %d, want %d", a->kind, kind);
	cr_expect_eq(a->size, size, "size %d, want %d", a->size, size);
	cr_expect_eq(a->is_signed, sign, "size %d: signedness", size);
}

/* char, short, int, long, unsigned, const char *: the sizes and signs <sys/sdt.h> records. */
static void expect_six(const struct usdt_probe *p, enum usdt_arg_kind kind)
{
	static const int sizes[] = { 1, 2, 4, 8, 4, 8 };
	for (int i = 0; i < 6; i++)
		expect_arg(&p->args[i], kind, sizes[i], i < 4);
}

Test(usdt, lists_the_probes_of_an_optimised_program)
{
	struct arena a = { 0 };
	usdt_probe_list l = probes_of(&a, build_path("usdt_target"));
	cr_assert_str_eq(probe_names(&a, &l), target_names);
	expect_nops(&l);
	cr_expect_neq(l.v[0].pc, l.v[1].pc, "the two dup sites differ");
	expect_six(&l.v[5], USDT_ARG_REG);
	const struct usdt_probe *three = &l.v[4];
	expect_arg(&three->args[0], USDT_ARG_REG, 4, false);
	expect_arg(&three->args[1], USDT_ARG_CONST, 4, true);
	cr_expect_eq(three->args[1].val, 42);
	expect_arg(&three->args[2], USDT_ARG_REG, 8, false);
	cr_expect_str_eq(l.v[2].args_text, "");
	arena_free(&a);
}

Test(usdt, lists_frame_pointer_operands_of_an_unoptimised_program)
{
	struct arena a = { 0 };
	usdt_probe_list l = probes_of(&a, build_path("usdt_target_O0"));
	cr_assert_str_eq(probe_names(&a, &l), target_names);
	expect_nops(&l);
	const struct usdt_probe *six = &l.v[5];
	expect_six(six, USDT_ARG_MEM);
	for (int i = 0; i < 6; i++) {
		cr_expect_eq(six->args[i].reg_off, 32, "arg %d based on %%rbp", i);
		cr_expect_lt(six->args[i].val, 0, "arg %d below the frame pointer", i);
	}
	arena_free(&a);
}

/* The symbol's value from nm, independent of our libelf code. */
static uint64_t nm_value(const char *path, const char *sym)
{
	char cmd[PATH_MAX + 64], line[512];
	unsigned long long v = 0;
	char name[256];
	snprintf(cmd, sizeof(cmd), "nm '%s'", path);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	while (fgets(line, sizeof(line), p))
		if (sscanf(line, "%llx %*s %255s", &v, name) == 2 && !strcmp(name, sym))
			break;
		else
			v = 0;
	pclose(p);
	cr_assert_neq(v, 0, "nm found no %s in %s", sym, path);
	return v;
}

Test(usdt, resolves_rip_relative_symbols_to_link_time_addresses)
{
	struct arena a = { 0 };
	const char *path = build_path("usdt_target");
	usdt_probe_list l = probes_of(&a, path);
	const struct usdt_arg *g = &l.v[6].args[0];
	cr_assert_str_eq(l.v[6].args_text, "-8@usdt_hits(%rip)", "gcc chose another operand");
	expect_arg(g, USDT_ARG_MEM, 8, true);
	cr_expect(g->rip_relative);
	cr_expect(g->sym_resolved);
	cr_expect_eq(g->reg_off, -1, "resolved: %%rip no longer counts");
	cr_expect_eq((uint64_t)g->val, nm_value(path, "usdt_hits"));
	arena_free(&a);
}

Test(usdt, finds_the_semaphore_and_its_file_offset)
{
	struct arena a = { 0 };
	const char *names[] = { "usdt_target", "usdt_target_O0" };
	for (int f = 0; f < 2; f++) {
		const char *path = build_path(names[f]);
		usdt_probe_list l = probes_of(&a, path);
		for (int i = 0; i < l.len; i++) {
			const struct usdt_probe *p = &l.v[i];
			bool sem = !strcmp(p->name, "sem");
			cr_expect_eq(p->sem_off != 0, sem, "%s: sem_off %#llx", p->name,
				     (unsigned long long)p->sem_off);
			cr_expect_eq(p->sem != 0, sem, "%s", p->name);
			if (!sem)
				continue;
			cr_expect_eq(p->sem, nm_value(path, "bpfscope_sem_semaphore"));
			unsigned short v = 1;
			cr_assert_eq(read_file_at(path, p->sem_off, &v, 2), 0);
			cr_expect_eq(v, 0, "semaphore bytes in the file: %#x", v);
		}
	}
	arena_free(&a);
}

Test(usdt, lists_the_probe_of_a_shared_library)
{
	struct arena a = { 0 };
	usdt_probe_list l = probes_of(&a, build_path("libusdt_target.so"));
	cr_assert_str_eq(probe_names(&a, &l), "bpfscope_lib:lib_probe/2");
	expect_nops(&l);
	expect_arg(&l.v[0].args[0], USDT_ARG_REG, 4, true);
	expect_arg(&l.v[0].args[1], USDT_ARG_REG, 8, false);
	cr_expect_eq(l.v[0].sem_off, 0);
	arena_free(&a);
}

Test(usdt, reports_files_without_probes_and_bad_files)
{
	struct arena a = { 0 };
	usdt_probe_list l = { 0 };
	cr_expect_eq(sema_usdt_probes(&a, "/proc/self/exe", &l), 0);
	cr_expect_eq(l.len, 0);
	cr_expect_eq(sema_usdt_probes(&a, "Makefile", &l), -ENOEXEC);
	cr_expect_eq(sema_usdt_probes(&a, "/nonexistent/usdt", &l), -ENOENT);
	cr_expect_eq(l.len, 0);
	arena_free(&a);
}

/* A copy of a build file in a temporary file, patched in memory by the caller first. */
struct file_copy {
	char *buf;
	size_t size;
	char path[64];
};

static void copy_load(struct file_copy *c, const char *name)
{
	FILE *f = fopen(build_path(name), "rb");
	cr_assert_not_null(f);
	fseek(f, 0, SEEK_END);
	c->size = (size_t)ftell(f);
	rewind(f);
	c->buf = malloc(c->size);
	cr_assert(c->buf && fread(c->buf, 1, c->size, f) == c->size);
	fclose(f);
}

static void copy_write(struct file_copy *c)
{
	strcpy(c->path, "/tmp/test_usdt.XXXXXX");
	int fd = mkstemp(c->path);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, c->buf, c->size), (ssize_t)c->size);
	close(fd);
}

static void copy_free(struct file_copy *c)
{
	unlink(c->path);
	free(c->buf);
}

/* The section header called name in a 64-bit ELF image, read with <elf.h> only. */
static Elf64_Shdr *raw_section(char *img, const char *name)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)img;
	Elf64_Shdr *sh = (Elf64_Shdr *)(img + eh->e_shoff);
	const char *strs = img + sh[eh->e_shstrndx].sh_offset;
	for (int i = 0; i < eh->e_shnum; i++)
		if (!strcmp(strs + sh[i].sh_name, name))
			return &sh[i];
	cr_assert_fail("no section %s", name);
	return NULL;
}

Test(usdt, adjusts_addresses_by_how_far_stapsdt_base_moved)
{
	struct arena a = { 0 };
	struct file_copy c;
	const uint64_t delta = 0x10000;
	copy_load(&c, "usdt_target");
	/* What prelink does: sections move, the notes' addresses stay. */
	raw_section(c.buf, ".stapsdt.base")->sh_addr += delta;
	copy_write(&c);
	usdt_probe_list orig = probes_of(&a, build_path("usdt_target"));
	usdt_probe_list moved = probes_of(&a, c.path);
	copy_free(&c);
	cr_assert_eq(moved.len, orig.len);
	for (int i = 0; i < orig.len; i++) {
		cr_expect_eq(moved.v[i].pc, orig.v[i].pc + delta, "%s", orig.v[i].name);
		cr_expect_eq(moved.v[i].sem, orig.v[i].sem ? orig.v[i].sem + delta : 0);
	}
	arena_free(&a);
}

Test(usdt, keeps_a_probe_whose_arguments_do_not_parse)
{
	struct arena a = { 0 };
	struct file_copy c;
	static const char good[] = "-8@usdt_hits(%rip)", bad[] = "-8@usdt_hits(%xyz)";
	copy_load(&c, "usdt_target");
	char *at = memmem(c.buf, c.size, good, sizeof(good));
	cr_assert_not_null(at);
	memcpy(at, bad, sizeof(bad));
	copy_write(&c);
	usdt_probe_list l = probes_of(&a, c.path);
	copy_free(&c);
	cr_assert_str_eq(probe_names(&a, &l),
			 "bpfscope:dup/1 bpfscope:dup/1 bpfscope:zero/0 bpfscope:one/1 "
			 "bpfscope:three/3 bpfscope:six/6 bpfscope:global/-1 bpfscope:sem/2");
	cr_expect_str_eq(l.v[6].args_text, bad);
	arena_free(&a);
}

/* ---- files of a process ---- */

static pid_t start_target(void)
{
	const char *path = build_path("usdt_target");
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		execl(path, path, "1", "20000", (char *)NULL);
		_exit(127);
	}
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

Test(usdt, lists_the_usdt_files_a_process_maps)
{
	struct arena a = { 0 };
	pid_t pid = start_target();
	sema_name_list files = { 0 };
	int err = 0;
	/* Until exec and the dynamic loader are done: both files mapped. */
	for (int tries = 0; !err && tries < 300; tries++) {
		files.len = 0;
		err = sema_usdt_pid_files(&a, pid, &files);
		if (files.len == 2)
			break;
		nanosleep(&(struct timespec){ 0, 10 * 1000000 }, NULL);
	}
	stop(pid);
	cr_assert_eq(err, 0, "%s", strerror(-err));
	char *root = arena_sprintf(&a, "/proc/%d/root/", (int)pid);
	cr_assert_eq(files.len, 2, "%d files", files.len);
	cr_expect(!strncmp(files.v[0], root, strlen(root)), "%s", files.v[0]);
	cr_expect(ends_with(files.v[0], "/usdt_target"), "executable first: %s", files.v[0]);
	cr_expect(ends_with(files.v[1], "/libusdt_target.so"), "%s", files.v[1]);
	arena_free(&a);
}

Test(usdt, says_esrch_for_a_missing_process)
{
	struct arena a = { 0 };
	sema_name_list files = { 0 };
	pid_t pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid)
		_exit(0);
	waitpid(pid, NULL, 0);
	cr_expect_eq(sema_usdt_pid_files(&a, pid, &files), -ESRCH);
	cr_expect_eq(sema_usdt_pid_files(&a, INT_MAX, &files), -ESRCH);
	cr_expect_eq(sema_usdt_pid_files(&a, -1, &files), -ESRCH);
	cr_expect_eq(files.len, 0);
	arena_free(&a);
}
