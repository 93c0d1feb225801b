/* One compile cache entry's bytes: magic and format version, the key, the dependencies,
 * the diagnostics, the program description, the BPF object, and a SHA-256 of all that. */
#ifndef CACHE_ENTRY_H
#define CACHE_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

struct blob_w;
struct cache_hit;
struct pd_prog;

/* Writes an entry with the dependencies noted since cache_deps_reset() (deps.h). Returns
 * 0, or -ENOMEM (a note or the buffer ran out of memory). */
int cache_entry_encode(struct blob_w *w, const uint8_t key[SHA256_SIZE], const struct pd_prog *pd,
		       const void *elf, size_t elf_size, const char *diag, size_t diag_len);
/* Reads an entry into *hit (malloc'd copies). Returns 0; -EINVAL when truncated, corrupt
 * or of another format; -ESTALE when it is for another key or a dependency changed;
 * -ENOMEM. */
int cache_entry_decode(const void *buf, size_t len, const uint8_t key[SHA256_SIZE],
		       struct cache_hit *hit);

#endif
