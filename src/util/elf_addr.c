/* File offsets to virtual addresses through the PT_LOAD headers (util/elf_addr.h). */
#include "util/elf_addr.h"

bool elfaddr_vaddr_of(Elf *e, uint64_t off, uint64_t *vaddr)
{
	size_t n;
	if (elf_getphdrnum(e, &n))
		return false;
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(e, (int)i, &ph) && ph.p_type == PT_LOAD && off >= ph.p_offset &&
		    off < ph.p_offset + ph.p_filesz) {
			*vaddr = off - ph.p_offset + ph.p_vaddr;
			return true;
		}
	}
	return false;
}
