/* Codegen: the typed AST to one LLVM module (a function per probe, maps in ".maps" with
 * BTF from debug info), optimised and emitted as a BPF ELF in memory. Codegen and LLVM
 * live in a shared object of their own (bpfscope-codegen.so) that src/codegen_load.c opens
 * on first use; cg_entry_table is all it exports, and everything crossing into it goes
 * through that table. The rest of bpfscope calls the cgl_* wrappers (codegen_load.h). */
#ifndef CODEGEN_H
#define CODEGEN_H

#include <stddef.h>
#include <stdint.h>

struct compiler;

/* Emits c->elf/c->elf_size and sets c->pd->probes[i].prog_name. Prints IR/asm when
 * c->opts.debug asks. Returns 0, -EINVAL after diagnostics, or a negative errno. */
int cg_emit(struct compiler *c);

/* The version of the LLVM bpfscope compiles with. */
void cg_llvm_version(unsigned *major, unsigned *minor, unsigned *patch);

/* Decodes x86-64 instructions from code[0] on: 1 when one starts exactly at off, 0 when off
 * falls inside an instruction or off >= len, -EILSEQ when bytes before off do not decode,
 * -ENOSYS when LLVM lacks the x86 disassembler. */
int cg_insn_lengths_ok(const uint8_t *code, size_t len, size_t off);

/* The shared object's one export. The sizes catch an object left from another build,
 * whose idea of the structures it is handed differs: it is refused, not called. */
struct cg_entry {
	size_t entry_size; /* sizeof(struct cg_entry) */
	size_t compiler_size; /* sizeof(struct compiler) */
	int (*emit)(struct compiler *c);
	void (*llvm_version)(unsigned *major, unsigned *minor, unsigned *patch);
	int (*insn_lengths_ok)(const uint8_t *code, size_t len, size_t off);
};

extern const struct cg_entry cg_entry_table;

#endif
