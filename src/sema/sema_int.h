/* Internals shared by the files of src/sema: tracefs formats, C type names, kernel BTF
 * (kbtf.c), globbing and "did you mean" suggestions. Not for other stages. */
#ifndef SEMA_INT_H
#define SEMA_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "../util/arena.h"
#include "../util/vec.h"
#include "types.h"

/* The longest string bpfscope keeps, with its NUL: max_strlen's limit and a string
 * literal's (tc_expr.c). */
#define SEMA_STR_MAX 1024

/* ---- tracefs.c ---- */

/* One field line of a tracepoint format file. */
struct tp_field {
	const char *decl; /* declaration as written: "const char * filename" */
	const char *name; /* "filename" */
	int offset, size;
	bool is_signed;
};

typedef VEC(struct tp_field) tp_field_list;
typedef VEC(const char *) sema_name_list;

/* Returns the tracefs root, mounting tracefs at /sys/kernel/tracing when it is not mounted;
 * NULL when unavailable. */
const char *sema_tracefs_root(void);
/* Reads events/<cat>/<event>/format. Fields starting with "common_" are skipped.
 * Returns 0, -ENOENT when there is no such tracepoint, or another negative errno. */
int sema_tp_fields(struct arena *a, const char *cat, const char *event, tp_field_list *out);
/* The args record ("struct _tracepoint_<cat>_<event>") of a tracepoint, or NULL with *err set
 * (-ENOENT: no such tracepoint). Pointers of the syscalls category point to user memory. */
struct type *sema_tp_args(struct arena *a, const char *cat, const char *event, int strlen,
			  int *err);
/* Appends "cat:event" for every tracepoint matching the two globs, sorted. Returns 0 or a
 * negative errno (-ENOENT without tracefs). */
int sema_tp_match(struct arena *a, const char *cat_glob, const char *event_glob,
		  sema_name_list *out);
/* True when the tracepoint directory events/<cat>/<event> exists. */
bool sema_tp_exists(const char *cat, const char *event);

/* Parses a C type name ("unsigned int", "struct task_struct *", "u64", "int64", "char[16]");
 * structs, unions and typedefs come from kernel BTF. NULL when unknown. */
struct type *sema_parse_ctype(struct arena *a, const char *text);

/* ---- kbtf.c: kernel BTF. Types returned live as long as the process. ---- */

/* True when /sys/kernel/btf/vmlinux could be loaded (loads it on first call). */
bool kbtf_available(void);
/* x86-64 syscall numbers by name, sorted by name, ending with a NULL name (generated at
 * build time from the uapi header: build/gen/sysnr.c). */
struct sema_sysnr {
	const char *name;
	int nr;
};
extern const struct sema_sysnr sema_sysnrs[];
/* A named type: "struct task_struct", "union x", "enum y", a typedef or a base type name.
 * Typedefs, const and volatile are stripped. NULL when absent. */
struct type *kbtf_lookup(const char *name);
/* Makes sure a TY_RECORD from BTF has its fields (they are converted on first need).
 * Returns 0 or a negative errno. */
int kbtf_complete(struct type *t);
/* The value of an enumerator named `name` in any kernel enum; false when there is none. */
bool kbtf_enum_value(const char *name, int64_t *out);
/* Number of arguments of raw tracepoint `name` (from btf_trace_<name>), or -ENOENT. */
int kbtf_rawtp_nargs(const char *name);
/* Appends the name of every raw tracepoint (btf_trace_* typedefs) matching glob, sorted. */
int kbtf_rawtp_match(struct arena *a, const char *glob, sema_name_list *out);
/* Appends every kernel function with BTF (BTF_KIND_FUNC) matching glob, sorted. */
int kbtf_func_match(struct arena *a, const char *glob, sema_name_list *out);
bool kbtf_has_func(const char *name);
/* The type of per-CPU kernel variable `name` (a VAR of the .data..percpu section), NULL
 * when the kernel's BTF has no such variable. */
struct type *kbtf_percpu_var(const char *name);
/* The arguments of raw tracepoint `name` / kernel function `name` as a record of 8-byte
 * slots (field i at offset 8 * i: the u64 context of raw_tracepoint and fentry programs),
 * typed from BTF; *ret gets the function's return type. NULL with *err (-ENOENT: no BTF). */
struct type *kbtf_rawtp_args(struct arena *a, const char *name, int *err);
struct type *kbtf_func_args(struct arena *a, const char *name, struct type **ret, int *err);

/* ---- ksyms.c: kernel functions for kprobes and fentry ---- */

/* Appends every traceable kernel function matching glob, sorted: available_filter_functions
 * when readable, else the kernel's BTF functions. Returns 0 or a negative errno. */
int sema_kfunc_match(struct arena *a, const char *glob, sema_name_list *out);
/* True when kernel function `name` exists (in `module` when not NULL), or when it cannot be
 * told (no /proc/kallsyms, or addresses hidden). */
bool sema_kfunc_exists(const char *name, const char *module);
/* kaddr("name"): the address of a kernel symbol from /proc/kallsyms. Returns 0, -ENOENT
 * when there is none, -EPERM when kallsyms hides addresses, or -errno. */
int sema_kaddr(const char *name, uint64_t *addr);

/* ---- binpath.c (the rest is in elf_syms.h) ---- */

/* The file root/etc/ld.so.cache gives for library want ("libc", "libc.so.6"), entries of this
 * machine's architecture only, as root + path when it is an ELF file. NULL with *err set
 * (-ENOENT: no such entry). */
const char *sema_ld_cache_lookup(struct arena *a, const char *root, const char *want, int *err);

/* ---- cdef.c and the generated stdlib.c ---- */

/* The .bt files of stdlib/, concatenated and embedded at build time. */
extern const char sema_stdlib_text[];
/* The value of a "#define NAME value" of the standard library; false when there is none. */
bool sema_stdlib_const(const char *name, int64_t *out);

/* ---- suggest.c ---- */

bool sema_has_glob(const char *s);
bool sema_glob_match(const char *glob, const char *s);
int sema_edit_distance(const char *a, const char *b);

/* Picks the closest candidate to `want` for a "did you mean" note. */
struct sema_suggest {
	const char *want;
	const char *best;
	int dist;
};
void sema_suggest_init(struct sema_suggest *s, const char *want);
void sema_suggest_add(struct sema_suggest *s, const char *cand);
/* The best candidate when close enough to be a likely typo, else NULL. */
const char *sema_suggest_best(const struct sema_suggest *s);

#endif
