/* The user-space binary layer behind uprobes and USDT: resolving a target name to a file
 * (binpath.c), listing its function symbols (elf_syms.c) and typing a function's arguments
 * from DWARF (dwarf_args.c). Used by sema when it expands and types uprobe attach points. */
#ifndef ELF_SYMS_H
#define ELF_SYMS_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/vec.h"

struct arena;
struct type;

/* ---- binpath.c ---- */

/* Resolves a uprobe/usdt target as bpftrace and the dynamic linker would: a path with a '/'
 * as is (made absolute), a bare library name ("libc", "libc.so.6", "libpthread") through
 * /etc/ld.so.cache (then the standard library directories), a bare program name through
 * $PATH. With pid > 0 the libraries mapped by that process come first, and every path is
 * taken below /proc/PID/root (another mount namespace works). Returns an absolute path owned
 * by the arena, or NULL with *err = -ENOENT (not found), -ENOEXEC (not an ELF file), -EISDIR,
 * -EACCES, -ENOMEM. */
const char *sema_bin_resolve(struct arena *a, const char *name, int pid, int *err);

/* ---- elf_syms.c ---- */

struct elf_func {
	const char *name; /* symbol name as in the table (mangled for C++) */
	const char *demangled; /* demangled C++ name (full, with parameter list), or NULL */
	uint64_t addr; /* st_value: virtual address */
	uint64_t size; /* st_size */
	uint64_t file_off; /* file offset of addr (from the PT_LOAD program headers): what a
			    * uprobe attaches at */
};
typedef VEC(struct elf_func) elf_func_list;

/* Appends every defined function symbol (STT_FUNC and STT_GNU_IFUNC, defined, value != 0) of
 * the ELF at path, from .symtab and .dynsym merged without duplicates (same name and addr),
 * sorted by name then address. Returns 0 or a negative errno (-ENOEXEC: not an ELF file). */
int sema_elf_funcs(struct arena *a, const char *path, elf_func_list *out);

/* True when glob matches the symbol name or the full demangled name ("ns::Foo::bar(int)"),
 * so both "_ZN2ns3Foo3barEi" and "ns::Foo::bar*" select it. */
bool sema_elf_func_matches(const struct elf_func *f, const char *glob);
/* For bpftrace's "cpp:" language prefix: true when glob matches the demangled name without
 * its parameter list ("ns::Foo::bar" selects every overload). False for C symbols. */
bool sema_elf_func_matches_cpp(const struct elf_func *f, const char *glob);

/* 1 when off bytes into f starts an x86-64 instruction (decoded from the function's first
 * byte), 0 when not, when off >= f->size or when the bytes do not decode; a negative errno
 * when the file cannot be read or the decoder cannot be created. */
int sema_elf_insn_boundary(const char *path, const struct elf_func *f, uint64_t off);

/* uaddr("name"): a defined symbol (function or object) of the ELF at path, from .symtab
 * or .dynsym. Returns 0 with its address, size, whether the file is position independent
 * (ET_DYN: the address moves by the load bias) and the link-time address of the file
 * offset probe_off (where the probe fires), -ENOENT, or -errno. */
struct elf_sym_info {
	uint64_t addr, size;
	bool pie;
	uint64_t probe_vaddr;
};
int sema_elf_symbol(const char *path, const char *name, uint64_t probe_off,
		    struct elf_sym_info *out);

/* ---- dwarf_args.c ---- */

struct elf_param {
	const char *name; /* "" for an unnamed parameter */
	struct type *type; /* pointers are user pointers (as_user) */
	const char *decl; /* for -lv, as bpftrace prints it: "int n", "const char * s" */
};
typedef VEC(struct elf_param) elf_param_list;

/* Appends the formal parameters of function func (its name, or its mangled linkage name
 * for C++) in path, typed from DWARF: typedefs, const and volatile dropped, enums as their
 * integer type, char[N] as string[N], records with their fields. Everything lives in the
 * arena. Returns 0, -ENOENT when the file has no debug info for func, or a negative errno. */
int sema_dwarf_params(struct arena *a, const char *path, const char *func, elf_param_list *out);

#endif
