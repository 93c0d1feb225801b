/* Address translation inside an ELF file through its PT_LOAD program headers, shared by
 * sema (uaddr in a position-independent file) and the runtime (naming user addresses). */
#ifndef UTIL_ELF_ADDR_H
#define UTIL_ELF_ADDR_H

#include <gelf.h>
#include <stdbool.h>
#include <stdint.h>

/* The virtual address of file offset off; false when no loaded segment holds it. */
bool elfaddr_vaddr_of(Elf *e, uint64_t off, uint64_t *vaddr);

#endif
