/* Codegen on demand: LLVM and src/codegen live in bpfscope-codegen.so, opened on the first
 * call of one of these, so that a run that compiles nothing (a cache hit, -l, --version)
 * never maps or initialises LLVM. Each wrapper calls the function of codegen/codegen.h
 * of the same name; when the object cannot be loaded they say so once on stderr. */
#ifndef CODEGEN_LOAD_H
#define CODEGEN_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct compiler;
struct stat;

/* cg_emit(); -EINVAL after the load failure was reported. */
int cgl_emit(struct compiler *c);
/* cg_llvm_version(); 0.0.0 when the object cannot be loaded. */
void cgl_llvm_version(unsigned *major, unsigned *minor, unsigned *patch);
/* cg_insn_lengths_ok(); -ENOSYS when the object cannot be loaded. */
int cgl_insn_lengths_ok(const uint8_t *code, size_t len, size_t off);

/* Unloads the object, LLVM with it (nothing when codegen is linked in): a compile's code
 * and memory are not carried into tracing. The next call of a wrapper opens it again.
 * Nothing codegen returned may point into it (its results live in c->pd and c->elf). */
void cgl_unload(void);

/* The object that would be opened, without opening it (the compile cache's key names the
 * code generator by it): 0 and *st, 1 when codegen is linked into this program (its build
 * id stands for it), or a negative errno (-ENOENT: none found). */
int cgl_stat(struct stat *st);

#endif
