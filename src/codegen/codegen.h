/* Codegen: the typed AST to one LLVM module (a function per probe, maps in ".maps" with
 * BTF from debug info), optimised and emitted as a BPF ELF in memory. */
#ifndef CODEGEN_H
#define CODEGEN_H

struct compiler;

/* Emits c->elf/c->elf_size and sets c->pd->probes[i].prog_name. Prints IR/asm when
 * c->opts.debug asks. Returns 0, -EINVAL after diagnostics, or a negative errno. */
int cg_emit(struct compiler *c);

#endif
