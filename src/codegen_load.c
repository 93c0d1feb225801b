/* Finds and opens bpfscope-codegen.so (codegen with LLVM linked in) on first use; see
 * codegen_load.h. The object is looked for relative to the executable, so a build tree,
 * a copy and an install under any PREFIX (or DESTDIR) each find their own. */
#include "codegen_load.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "codegen/codegen.h"
#include "compiler.h"

#define CGL_NAME "bpfscope-codegen.so"

/* Where the object is, relative to the executable's directory: beside it (the sanitizer
 * build in build/san), in build/ (./bpfscope in the source tree), or where `make install`
 * puts it (PREFIX/bin/bpfscope and PREFIX/lib/bpfscope/). */
static const char *const cgl_dirs[] = { "", "build/", "../lib/bpfscope/" };

/* A program that links codegen itself (the unit tests, the fuzzer) defines the table: it
 * is used as it is, and no object is opened. In bpfscope the weak reference stays NULL. */
extern const struct cg_entry cg_entry_table __attribute__((weak));

static bool usable(const struct cg_entry *e)
{
	return e->entry_size == sizeof(struct cg_entry) &&
	       e->compiler_size == sizeof(struct compiler);
}

/* The executable's directory (with its '/') in dir; -errno. */
static int exe_dir(char *dir, size_t size)
{
	ssize_t n = readlink("/proc/self/exe", dir, size - 1);
	if (n <= 0)
		return n < 0 ? -errno : -ENOENT;
	dir[n] = '\0';
	strrchr(dir, '/')[1] = '\0';
	return 0;
}

/* The first candidate that exists, in path; -ENOENT when none does. */
static int find_object(const char *dir, char *path, size_t size)
{
	for (size_t i = 0; i < sizeof(cgl_dirs) / sizeof(cgl_dirs[0]); i++) {
		snprintf(path, size, "%s%s" CGL_NAME, dir, cgl_dirs[i]);
		if (!access(path, F_OK))
			return 0;
	}
	return -ENOENT;
}

/* The opened object; NULL when none is (or codegen is linked in). */
static void *cgl_handle;

/* Opens the first candidate that exists; reports what went wrong. */
static const struct cg_entry *open_object(void)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	int err = exe_dir(dir, sizeof(dir));
	if (err) {
		fprintf(stderr, "error: cannot load the code generator: cannot read "
				"/proc/self/exe: %s\n", strerror(-err));
		return NULL;
	}
	if (find_object(dir, path, sizeof(path))) {
		size_t ndirs = sizeof(cgl_dirs) / sizeof(cgl_dirs[0]);
		fprintf(stderr, "error: cannot load the code generator: no " CGL_NAME " in");
		for (size_t i = 0; i < ndirs; i++)
			fprintf(stderr, "%s %s%s", i == 0 ? "" : i + 1 < ndirs ? "," : " or", dir,
				cgl_dirs[i]);
		fprintf(stderr, " (is bpfscope fully installed?)\n");
		return NULL;
	}
	cgl_handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	const struct cg_entry *e = cgl_handle ? dlsym(cgl_handle, "cg_entry_table") : NULL;
	if (!e)
		fprintf(stderr, "error: cannot load the code generator %s: %s\n", path, dlerror());
	else if (!usable(e))
		fprintf(stderr, "error: cannot load the code generator %s: it was built for "
				"another version of bpfscope\n", path);
	else
		return e;
	if (cgl_handle)
		dlclose(cgl_handle);
	cgl_handle = NULL;
	return NULL;
}

int cgl_stat(struct stat *st)
{
	char dir[PATH_MAX], path[PATH_MAX + 64];
	if (&cg_entry_table)
		return 1;
	int err = exe_dir(dir, sizeof(dir));
	if (!err)
		err = find_object(dir, path, sizeof(path));
	if (!err && stat(path, st))
		err = -errno;
	return err;
}

/* The table, opened once (again after cgl_unload); NULL (reported once) when there is
 * none. */
static const struct cg_entry *cgl_entry;
static bool cgl_tried;

static const struct cg_entry *entry(void)
{
	if (!cgl_tried) {
		cgl_tried = true;
		cgl_entry = &cg_entry_table ? &cg_entry_table : open_object();
	}
	return cgl_entry;
}

void cgl_unload(void)
{
	if (cgl_handle)
		dlclose(cgl_handle);
	cgl_handle = NULL;
	cgl_entry = NULL;
	cgl_tried = false;
}

int cgl_emit(struct compiler *c)
{
	const struct cg_entry *e = entry();
	return e ? e->emit(c) : -EINVAL;
}

void cgl_llvm_version(unsigned *major, unsigned *minor, unsigned *patch)
{
	const struct cg_entry *e = entry();
	*major = *minor = *patch = 0;
	if (e)
		e->llvm_version(major, minor, patch);
}

int cgl_insn_lengths_ok(const uint8_t *code, size_t len, size_t off)
{
	const struct cg_entry *e = entry();
	return e ? e->insn_lengths_ok(code, len, off) : -ENOSYS;
}
