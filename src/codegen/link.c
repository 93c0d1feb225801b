/* Links the objects of a script compiled as several modules (src/codegen/emit.c) into the
 * one BPF ELF the runtime loads, with libbpf's BPF static linker: sections, BTF and line
 * info are merged, and the maps declared weak in later modules merge into the first's.
 * The one codegen file that includes libbpf: the linker works on files, so the objects
 * pass through memfds. */
#include "cg.h"

#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w < 0)
			return errno == EINTR ? 0 : -errno;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A memfd holding buf, or a negative errno. */
static int memfd_with(LLVMMemoryBufferRef buf)
{
	int fd = memfd_create("bpfscope-unit", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int err = write_all(fd, LLVMGetBufferStart(buf), LLVMGetBufferSize(buf));
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

static int read_back(struct compiler *c, int fd)
{
	struct stat st;
	if (fstat(fd, &st))
		return -errno;
	c->elf = malloc((size_t)st.st_size);
	if (!c->elf)
		return -ENOMEM;
	if (pread(fd, c->elf, (size_t)st.st_size, 0) != st.st_size) {
		free(c->elf);
		c->elf = NULL;
		return -EIO;
	}
	c->elf_size = (size_t)st.st_size;
	return 0;
}

static int add_units(struct bpf_linker *l, struct cg *units, int n)
{
	for (int u = 0; u < n; u++) {
		int fd = memfd_with(units[u].obj);
		if (fd < 0)
			return fd;
		char path[64];
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		int err = bpf_linker__add_file(l, path, NULL);
		close(fd);
		if (err)
			return err;
	}
	return 0;
}

int cg_link(struct compiler *c, struct cg *units, int n)
{
	int out = memfd_create("bpfscope-linked", MFD_CLOEXEC);
	if (out < 0)
		return -errno;
	char path[64];
	snprintf(path, sizeof(path), "/proc/self/fd/%d", out);
	struct bpf_linker *l = bpf_linker__new(path, NULL);
	int err = l ? add_units(l, units, n) : -errno;
	if (!err)
		err = bpf_linker__finalize(l);
	bpf_linker__free(l);
	if (!err)
		err = read_back(c, out);
	close(out);
	if (err)
		diag_error(&c->diag, NULL, "internal error: linking the BPF objects failed: %s",
			   strerror(-err));
	return err;
}
