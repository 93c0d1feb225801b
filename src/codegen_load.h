/* Codegen on demand: LLVM and src/codegen live in bpfscope-codegen.so, opened on the first
 * call of one of these, so that a run that compiles nothing (a cache hit, -l, --version)
 * never maps or initialises LLVM. Each wrapper calls the function of codegen/codegen.h
 * of the same name; when the object cannot be loaded they say so once on stderr. */
#ifndef CODEGEN_LOAD_H
#define CODEGEN_LOAD_H

#include <stddef.h>
#include <stdint.h>

struct compiler;

/* cg_emit(); -EINVAL after the load failure was reported. */
int cgl_emit(struct compiler *c);
/* cg_llvm_version(); 0.0.0 when the object cannot be loaded. */
void cgl_llvm_version(unsigned *major, unsigned *minor, unsigned *patch);
/* cg_insn_lengths_ok(); -ENOSYS when the object cannot be loaded. */
int cgl_insn_lengths_ok(const uint8_t *code, size_t len, size_t off);

#endif
