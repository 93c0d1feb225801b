/* x86-64 instruction lengths through LLVM's disassembler, for sema's check that a uprobe
 * offset ("uprobe:bin:func+off") starts an instruction. The only non-BPF target codegen
 * touches; it lives here because only src/codegen includes llvm-c. */
#include <errno.h>
#include <stdbool.h>

#include <llvm-c/Disassembler.h>
#include <llvm-c/Target.h>

#include "codegen.h"

int cg_insn_lengths_ok(const uint8_t *code, size_t len, size_t off)
{
	static bool initialised;
	if (!initialised) {
		LLVMInitializeX86TargetInfo();
		LLVMInitializeX86TargetMC();
		LLVMInitializeX86Disassembler();
		initialised = true;
	}
	if (off >= len)
		return 0;
	LLVMDisasmContextRef dc = LLVMCreateDisasm("x86_64-pc-linux-gnu", NULL, 0, NULL, NULL);
	if (!dc)
		return -ENOSYS;
	char text[160];
	size_t pos = 0;
	int ret = -EILSEQ;
	while (pos < off) {
		/* The PC only matters for the text of relative branches, not for the length. */
		size_t n = LLVMDisasmInstruction(dc, (uint8_t *)code + pos, len - pos, pos, text,
						 sizeof(text));
		if (n == 0)
			break;
		pos += n;
	}
	if (pos >= off)
		ret = pos == off;
	LLVMDisasmDispose(dc);
	return ret;
}
