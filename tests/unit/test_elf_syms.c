/* Unit tests for the uprobe binary layer (src/sema/elf_syms.h): target resolution, function
 * symbols and file offsets, C++ names, instruction boundaries and DWARF arguments, checked
 * against build/uprobe/ (tests/workload/uprobe_target*.c*) with values read once by readelf. */
#include "sema/elf_syms.h"

#include <criterion/criterion.h>
#include <dlfcn.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sema/sema_int.h"
#include "sema/types.h"
#include "util/arena.h"

/* build/uprobe/NAME next to this binary's build/tests/. */
static const char *target(const char *name)
{
	static char buf[4][PATH_MAX];
	static int next;
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	cr_assert_gt(n, 0);
	exe[n] = '\0';
	char *p = buf[next++ % 4];
	snprintf(p, PATH_MAX, "%s/../uprobe/%s", dirname(exe), name);
	cr_assert_eq(access(p, R_OK), 0, "%s is missing: run make unit", p);
	return p;
}

static struct arena a;

static void teardown(void)
{
	arena_free(&a);
}

TestSuite(elf_syms, .fini = teardown);

static const struct elf_func *find(const elf_func_list *l, const char *name)
{
	for (int i = 0; i < l->len; i++)
		if (strcmp(l->v[i].name, name) == 0)
			return &l->v[i];
	return NULL;
}

static void assert_func(const elf_func_list *l, const char *name, uint64_t addr, uint64_t size,
			uint64_t off)
{
	const struct elf_func *f = find(l, name);
	cr_assert_not_null(f, "no function %s", name);
	cr_assert_eq(f->addr, addr, "%s addr %#lx", name, (unsigned long)f->addr);
	cr_assert_eq(f->size, size, "%s size %lu", name, (unsigned long)f->size);
	cr_assert_eq(f->file_off, off, "%s file_off %#lx", name, (unsigned long)f->file_off);
	cr_assert_null(f->demangled);
}

/* ---- symbols ---- */

Test(elf_syms, lists_every_function_of_an_executable_once_in_name_order)
{
	static const char *const names[] = {
		"__do_global_dtors_aux", "_dl_relocate_static_pie", "_fini", "_init", "_start",
		"add", "by_value", "classify", "deregister_tm_clones", "describe", "frame_dummy",
		"main", "register_tm_clones",
	};
	elf_func_list l = { 0 };
	cr_assert_eq(sema_elf_funcs(&a, target("uprobe_target"), &l), 0);
	cr_assert_eq(l.len, 13);
	for (int i = 0; i < l.len; i++)
		cr_assert_str_eq(l.v[i].name, names[i]);
	/* Non-PIE: text is mapped at 0x401000 from file offset 0x1000. */
	assert_func(&l, "add", 0x401136, 20, 0x1136);
	assert_func(&l, "describe", 0x40114a, 69, 0x114a);
	assert_func(&l, "main", 0x4011e6, 335, 0x11e6);
}

Test(elf_syms, lists_dynsym_functions_of_a_stripped_binary)
{
	static const char *const names[] = { "_start",	 "add",	 "by_value",
					     "classify", "describe", "main" };
	elf_func_list l = { 0 };
	cr_assert_eq(sema_elf_funcs(&a, target("uprobe_target_stripped"), &l), 0);
	cr_assert_eq(l.len, 6);
	for (int i = 0; i < l.len; i++)
		cr_assert_str_eq(l.v[i].name, names[i]);
	assert_func(&l, "describe", 0x40114a, 69, 0x114a);
}

Test(elf_syms, lists_functions_of_a_pie_and_a_shared_object)
{
	elf_func_list pie = { 0 }, so = { 0 };
	cr_assert_eq(sema_elf_funcs(&a, target("uprobe_target_pie"), &pie), 0);
	assert_func(&pie, "add", 0x1149, 20, 0x1149);
	assert_func(&pie, "main", 0x11f9, 335, 0x11f9);
	cr_assert_eq(sema_elf_funcs(&a, target("libuprobe_target.so"), &so), 0);
	cr_assert_eq(so.len, 10);
	assert_func(&so, "describe", 0x110d, 69, 0x110d);
	cr_assert_null(find(&so, "main"));
}

Test(elf_syms, lists_libc_functions_including_ifuncs)
{
	elf_func_list l = { 0 };
	cr_assert_eq(sema_elf_funcs(&a, "/lib/x86_64-linux-gnu/libc.so.6", &l), 0);
	cr_assert_gt(l.len, 1000);
	cr_assert_not_null(find(&l, "malloc"));
	cr_assert_not_null(find(&l, "strlen")); /* STT_GNU_IFUNC */
	for (int i = 1; i < l.len; i++)
		cr_assert_leq(strcmp(l.v[i - 1].name, l.v[i].name), 0);
}

Test(elf_syms, rejects_missing_and_non_elf_files)
{
	elf_func_list l = { 0 };
	cr_assert_eq(sema_elf_funcs(&a, "/no/such/file", &l), -ENOENT);
	cr_assert_eq(sema_elf_funcs(&a, "/etc/passwd", &l), -ENOEXEC);
	cr_assert_eq(l.len, 0);
}

/* ---- C++ ---- */

Test(elf_syms, demangles_cpp_names_and_matches_globs_on_them)
{
	elf_func_list l = { 0 };
	cr_assert_eq(sema_elf_funcs(&a, target("uprobe_target_cpp"), &l), 0);
	const struct elf_func *bar = find(&l, "_ZN2ns3Foo3barEi");
	cr_assert_not_null(bar);
	cr_assert_str_eq(bar->demangled, "ns::Foo::bar(int)");
	cr_assert_eq(bar->size, 0x18);
	cr_assert(sema_elf_func_matches(bar, "ns::Foo::bar*"));
	cr_assert(sema_elf_func_matches(bar, "*Foo::bar*"));
	cr_assert(sema_elf_func_matches(bar, "_ZN2ns3Foo*"));
	cr_assert(sema_elf_func_matches(bar, "ns::Foo::bar(int)"));
	cr_assert_not(sema_elf_func_matches(bar, "ns::Foo::bar"));
	cr_assert_not(sema_elf_func_matches(bar, "ns::Foo::baz*"));
	cr_assert(sema_elf_func_matches_cpp(bar, "ns::Foo::bar"));
	const struct elf_func *over = find(&l, "_ZN2ns4overEPKcl");
	cr_assert_str_eq(over->demangled, "ns::over(char const*, long)");
	cr_assert_null(find(&l, "main")->demangled);
	cr_assert_not(sema_elf_func_matches_cpp(find(&l, "main"), "main"));
	int globbed = 0, cpp = 0;
	for (int i = 0; i < l.len; i++) {
		globbed += sema_elf_func_matches(&l.v[i], "ns::over*");
		cpp += sema_elf_func_matches_cpp(&l.v[i], "ns::over");
	}
	cr_assert_eq(globbed, 2);
	cr_assert_eq(cpp, 2);
}

/* ---- resolution ---- */

Test(elf_syms, resolves_library_names_through_ld_so_cache)
{
	int err = 0;
	/* The cache also lists /lib32 copies: only the x86-64 ones may be chosen. */
	cr_assert_str_eq(sema_bin_resolve(&a, "libc", 0, &err), "/lib/x86_64-linux-gnu/libc.so.6");
	cr_assert_str_eq(sema_bin_resolve(&a, "libc.so.6", 0, &err),
			 "/lib/x86_64-linux-gnu/libc.so.6");
	cr_assert_str_eq(sema_bin_resolve(&a, "libpthread", 0, &err),
			 "/lib/x86_64-linux-gnu/libpthread.so.0");
	cr_assert_str_eq(sema_bin_resolve(&a, "c", 0, &err), "/lib/x86_64-linux-gnu/libc.so.6");
	/* "libcap.so.2" must not pass for "libc" and "libc.so" is a linker script. */
	cr_assert_null(sema_bin_resolve(&a, "libc.so", 0, &err));
	cr_assert_eq(err, -ENOENT);
}

#define X86_64_LIBC_COPY "cp /lib/x86_64-linux-gnu/libc.so.6 lib/x86_64-linux-gnu/;"

/* A root whose ld.so.cache ldconfig writes in the given format from the libraries copied
 * into it; skips the test without ldconfig or root. */
static const char *make_root(const char *format, bool with_x86_64)
{
	static char root[] = "/tmp/elf_syms_root.XXXXXX";
	char cmd[1024];
	if (!mkdtemp(root))
		cr_skip_test("mkdtemp: %s", strerror(errno));
	snprintf(cmd, sizeof(cmd),
		 "set -e; cd %s; mkdir -p etc lib32 lib/x86_64-linux-gnu;"
		 "echo /lib32 > etc/ld.so.conf; cp /lib32/libc.so.6 lib32/; %s"
		 "/sbin/ldconfig -X -c %s -r %s 2>/dev/null",
		 root, with_x86_64 ? X86_64_LIBC_COPY : "", format, root);
	if (access("/lib32/libc.so.6", R_OK) || system(cmd) != 0)
		cr_skip_test("cannot build an ld.so.cache (needs root, ldconfig, libc6-i386)");
	return root;
}

static void remove_root(const char *root)
{
	char cmd[256];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	cr_assert_eq(system(cmd), 0);
}

Test(elf_syms, skips_ld_so_cache_entries_of_other_architectures)
{
	int err = 0;
	const char *root = make_root("new", false);
	cr_assert_null(sema_ld_cache_lookup(&a, root, "libc", &err));
	cr_assert_eq(err, -ENOENT);
	remove_root(root);
}

Test(elf_syms, reads_the_new_format_after_an_old_one)
{
	int err = 0;
	char want[PATH_MAX];
	char head[12] = "";
	const char *root = make_root("compat", true);
	snprintf(want, sizeof(want), "%s/etc/ld.so.cache", root);
	FILE *f = fopen(want, "r");
	cr_assert_not_null(f);
	cr_assert_eq(fread(head, 1, 11, f), 11);
	fclose(f);
	/* The old table comes first (ldconfig keeps its entry count even: no padding). */
	cr_assert_str_eq(head, "ld.so-1.7.0");
	snprintf(want, sizeof(want), "%s/lib/x86_64-linux-gnu/libc.so.6", root);
	cr_assert_str_eq(sema_ld_cache_lookup(&a, root, "libc", &err), want);
	cr_assert_str_eq(sema_ld_cache_lookup(&a, root, "libc.so.6", &err), want);
	cr_assert_null(sema_ld_cache_lookup(&a, root, "libpthread", &err));
	remove_root(root);
}

Test(elf_syms, resolves_programs_through_path)
{
	int err = 0;
	setenv("PATH", "/nonexistent:relative:/usr/bin", 1);
	cr_assert_str_eq(sema_bin_resolve(&a, "ls", 0, &err), "/usr/bin/ls");
	cr_assert_null(sema_bin_resolve(&a, "no_such_program_or_lib", 0, &err));
	cr_assert_eq(err, -ENOENT);
}

Test(elf_syms, resolves_paths_and_reports_what_is_wrong_with_them)
{
	int err = 0;
	char cwd[PATH_MAX], dir[PATH_MAX], want[PATH_MAX + 32];
	const char *exe = target("uprobe_target");
	cr_assert_str_eq(sema_bin_resolve(&a, exe, 0, &err), exe);
	snprintf(dir, sizeof(dir), "%s", exe);
	cr_assert_eq(chdir(dirname(dir)), 0);
	cr_assert_not_null(getcwd(cwd, sizeof(cwd)));
	snprintf(want, sizeof(want), "%s/uprobe_target", cwd);
	cr_assert_str_eq(sema_bin_resolve(&a, "./uprobe_target", 0, &err), want);
	cr_assert_null(sema_bin_resolve(&a, "/no/such/file", 0, &err));
	cr_assert_eq(err, -ENOENT);
	cr_assert_null(sema_bin_resolve(&a, "/etc/passwd", 0, &err));
	cr_assert_eq(err, -ENOEXEC);
	cr_assert_null(sema_bin_resolve(&a, "/tmp/", 0, &err));
	cr_assert_eq(err, -EISDIR);
}

Test(elf_syms, resolves_through_a_process_maps_and_root)
{
	int err = 0, pid = getpid();
	char want[PATH_MAX + 64];
	/* Not in ld.so.cache nor in a library directory: only the process's mappings know it. */
	const char *lib = target("libuprobe_target.so");
	cr_assert_null(sema_bin_resolve(&a, "libuprobe_target", 0, &err));
	cr_assert_eq(err, -ENOENT);
	cr_assert_not_null(dlopen(lib, RTLD_NOW));
	char *real = realpath(lib, NULL);
	snprintf(want, sizeof(want), "/proc/%d/root%s", pid, real);
	cr_assert_str_eq(sema_bin_resolve(&a, "libuprobe_target", pid, &err), want);
	cr_assert_str_eq(sema_bin_resolve(&a, "libuprobe_target.so", pid, &err), want);
	/* The kernel names libc by its real path below the usr merge. */
	snprintf(want, sizeof(want), "/proc/%d/root/usr/lib/x86_64-linux-gnu/libc.so.6", pid);
	cr_assert_str_eq(sema_bin_resolve(&a, "libc", pid, &err), want);
	snprintf(want, sizeof(want), "/proc/%d/root/usr/bin/ls", pid);
	cr_assert_str_eq(sema_bin_resolve(&a, "/usr/bin/ls", pid, &err), want);
	free(real);
}

/* ---- instruction boundaries ---- */

Test(elf_syms, finds_instruction_boundaries_by_decoding)
{
	elf_func_list l = { 0 };
	const char *path = target("uprobe_target");
	cr_assert_eq(sema_elf_funcs(&a, path, &l), 0);
	const struct elf_func *f = find(&l, "describe");
	/* 55 | 48 89 e5 | 48 89 7d f8 | 48 89 75 f0 | 48 8b 45 f8 | 8b 00 | 48 63 d0 | ... */
	static const struct {
		uint64_t off;
		int want;
	} cases[] = {
		{ 0, 1 },  { 1, 1 },  { 2, 0 },	   { 3, 0 },	 { 4, 1 },    { 5, 0 },
		{ 8, 1 },  { 0x10, 1 }, { 0x11, 0 }, { 0x12, 1 }, { 0x14, 0 }, { 0x15, 1 },
		{ 0x45, 0 }, { 1000, 0 },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		cr_assert_eq(sema_elf_insn_boundary(path, f, cases[i].off), cases[i].want,
			     "offset %#lx", (unsigned long)cases[i].off);
	cr_assert_eq(sema_elf_insn_boundary("/no/such/file", f, 4), -ENOENT);
}

/* ---- DWARF ---- */

static elf_param_list params(const char *file, const char *func, int want_n)
{
	elf_param_list l = { 0 };
	int err = sema_dwarf_params(&a, target(file), func, &l);
	cr_assert_eq(err, 0, "%s: %s", func, strerror(-err));
	cr_assert_eq(l.len, want_n);
	return l;
}

static void assert_int(const struct type *t, int size, bool is_signed)
{
	cr_assert_eq(t->kind, TY_INT);
	cr_assert_eq(t->size, size);
	cr_assert_eq(t->is_signed, is_signed);
}

static void assert_field(const struct type *r, int i, const char *name, int off, int bit_off,
			 int bits)
{
	cr_assert_str_eq(r->fields.v[i].name, name);
	cr_assert_eq(r->fields.v[i].offset, off, "%s offset", name);
	cr_assert_eq(r->fields.v[i].bit_offset, bit_off, "%s bit_offset", name);
	cr_assert_eq(r->fields.v[i].bit_size, bits, "%s bit_size", name);
}

Test(elf_syms, types_integer_parameters_from_dwarf)
{
	elf_param_list l = params("uprobe_target", "add", 2);
	cr_assert_str_eq(l.v[0].name, "a");
	cr_assert_str_eq(l.v[1].name, "b");
	assert_int(l.v[0].type, 4, true);
	cr_assert_str_eq(l.v[0].decl, "int a");
	l = params("uprobe_target", "classify", 5);
	assert_int(l.v[0].type, 1, true);	   /* char */
	assert_int(l.v[1].type, 8, false);  /* typedef unsigned long long u64_t */
	assert_int(l.v[2].type, 2, true);	   /* short */
	assert_int(l.v[3].type, 4, false);  /* enum color: unsigned int in DWARF 5 */
	const struct type *argv = l.v[4].type;
	cr_assert_eq(argv->kind, TY_PTR);
	cr_assert(argv->as_user);
	cr_assert_eq(argv->elem->kind, TY_PTR);
	assert_int(argv->elem->elem, 1, true);
}

Test(elf_syms, types_a_struct_pointer_with_bitfields_strings_and_anonymous_unions)
{
	elf_param_list l = params("uprobe_target", "describe", 2);
	const struct type *p = l.v[0].type;
	cr_assert_eq(p->kind, TY_PTR);
	cr_assert(p->as_user);
	const struct type *r = p->elem;
	cr_assert_eq(r->kind, TY_RECORD);
	cr_assert_str_eq(r->name, "struct point");
	cr_assert_eq(r->size, 48);
	cr_assert_eq(r->align, 8);
	cr_assert_eq(r->fields.len, 8);
	assert_field(r, 0, "x", 0, 0, 0);
	assert_field(r, 1, "y", 8, 0, 0);
	assert_field(r, 2, "flags", 16, 0, 3);
	assert_field(r, 3, "mode", 16, 3, 5);
	assert_field(r, 4, "tag", 17, 0, 0);
	assert_field(r, 5, "next", 32, 0, 0);
	assert_field(r, 6, "i", 40, 0, 0);
	assert_field(r, 7, "f", 40, 0, 0);
	assert_int(r->fields.v[0].type, 4, true);
	assert_int(r->fields.v[1].type, 8, true);
	assert_int(r->fields.v[2].type, 4, false);
	cr_assert_eq(r->fields.v[4].type->kind, TY_STR);
	cr_assert_eq(r->fields.v[4].type->size, 8);
	cr_assert_eq(r->fields.v[5].type->kind, TY_PTR);
	cr_assert_eq(r->fields.v[5].type->elem, r, "a self-pointer is the same record");
	cr_assert_eq(r->fields.v[7].type->kind, TY_ARRAY); /* float: opaque bytes as in kbtf */
	cr_assert_eq(r->fields.v[7].type->size, 4);
	const struct type *label = l.v[1].type;
	cr_assert_eq(label->kind, TY_PTR);
	assert_int(label->elem, 1, true);
}

Test(elf_syms, types_records_by_value_and_pointers_to_arrays)
{
	elf_param_list l = params("libuprobe_target.so", "by_value", 2);
	cr_assert_eq(l.v[0].type->kind, TY_RECORD);
	cr_assert_eq(l.v[0].type->size, 48);
	const struct type *grid = l.v[1].type; /* int grid[2][3] decays to int (*)[3] */
	cr_assert_eq(grid->kind, TY_PTR);
	cr_assert_eq(grid->elem->kind, TY_ARRAY);
	cr_assert_eq(grid->elem->nelem, 3);
	cr_assert_eq(grid->elem->size, 12);
	assert_int(grid->elem->elem, 4, true);
}

/* Exactly what bpftrace 0.17 -lv prints for these functions on this machine. */
Test(elf_syms, writes_declarations_as_bpftrace_lists_them)
{
	elf_param_list l = params("uprobe_target", "describe", 2);
	cr_assert_str_eq(l.v[0].decl, "const struct point* p");
	cr_assert_str_eq(l.v[1].decl, "const char* label");
	l = params("uprobe_target", "classify", 5);
	static const char *const want[] = { "char c", "u64_t big", "short int s",
					    "enum color col", "char** argv" };
	for (int i = 0; i < 5; i++)
		cr_assert_str_eq(l.v[i].decl, want[i]);
	l = params("uprobe_target_pie", "by_value", 2);
	cr_assert_str_eq(l.v[0].decl, "struct point p");
	cr_assert_str_eq(l.v[1].decl, "<unknown type>* grid");
}

Test(elf_syms, finds_cpp_methods_by_their_mangled_name)
{
	elf_param_list l = params("uprobe_target_cpp", "_ZN2ns3Foo3barEi", 2);
	cr_assert_str_eq(l.v[0].name, "this");
	cr_assert_eq(l.v[0].type->kind, TY_PTR);
	cr_assert_str_eq(l.v[0].type->elem->name, "struct Foo");
	cr_assert_eq(l.v[0].type->elem->fields.len, 1);
	cr_assert_str_eq(l.v[1].decl, "int x");
	l = params("uprobe_target_cpp", "_ZN2ns4overEPKcl", 2);
	cr_assert_str_eq(l.v[0].name, "s");
	cr_assert_str_eq(l.v[1].name, "n");
}

Test(elf_syms, finds_debug_info_through_debuglink_and_build_id)
{
	elf_param_list l = params("uprobe_target_split", "describe", 2);
	cr_assert_str_eq(l.v[1].decl, "const char* label");
	cr_assert_eq(l.v[0].type->elem->fields.len, 8);
	/* libc6-dbg installs libc's DWARF under /usr/lib/debug/.build-id. */
	l = (elf_param_list){ 0 };
	int err = sema_dwarf_params(&a, "/lib/x86_64-linux-gnu/libc.so.6", "malloc", &l);
	if (err == -ENOENT)
		cr_skip_test("no libc debug info (libc6-dbg)");
	cr_assert_eq(err, 0);
	cr_assert_eq(l.len, 1);
	cr_assert_str_eq(l.v[0].name, "bytes");
	assert_int(l.v[0].type, 8, false);
	cr_assert_str_eq(l.v[0].decl, "size_t bytes");
}

Test(elf_syms, reports_missing_debug_info_as_enoent)
{
	elf_param_list l = { 0 };
	cr_assert_eq(sema_dwarf_params(&a, target("uprobe_target_stripped"), "add", &l), -ENOENT);
	cr_assert_eq(sema_dwarf_params(&a, target("uprobe_target"), "no_such_func", &l), -ENOENT);
	cr_assert_eq(sema_dwarf_params(&a, "/no/such/file", "add", &l), -ENOENT);
	cr_assert_eq(l.len, 0);
}
