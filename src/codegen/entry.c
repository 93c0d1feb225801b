/* The codegen shared object's entry table: the one symbol bpfscope-codegen.so exports
 * (src/codegen/exports.map), read by src/codegen_load.c. */
#include "codegen.h"

#include "../compiler.h"

__attribute__((visibility("default"))) const struct cg_entry cg_entry_table = {
	.entry_size = sizeof(struct cg_entry),
	.compiler_size = sizeof(struct compiler),
	.emit = cg_emit,
	.llvm_version = cg_llvm_version,
	.insn_lengths_ok = cg_insn_lengths_ok,
};
