/* The compile cache: a script compiled once runs again from its stored BPF object and
 * program description, skipping lexing, parsing, sema (kernel BTF) and codegen (LLVM).
 * Entries are files named by a SHA-256 key (key.h) of everything that changes the
 * compiled program, in a directory only this user can write:
 *   $BPFSCOPE_CACHE_DIR, else /var/cache/bpfscope for root, else
 *   $XDG_CACHE_HOME/bpfscope, else ~/.cache/bpfscope.
 * Each entry holds the files the compile read (deps.h), the diagnostics it printed, the
 * program description and the object, and ends with a checksum: anything truncated,
 * corrupt or stale reads as a miss. */
#ifndef CACHE_H
#define CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "key.h"

struct pd_prog;

/* At most this many entries and bytes: past either, the least recently used go. */
#define CACHE_MAX_ENTRIES 256
#define CACHE_MAX_BYTES ((uint64_t)64 << 20)

struct cache {
	int dirfd; /* -1: no cache */
	uint8_t key[SHA256_SIZE];
	char name[2 * SHA256_SIZE + 1]; /* the entry's file name: the key in hex */
};

/* What a hit gives back, as a compile would have: all malloc'd (cache_hit_free). */
struct cache_hit {
	struct pd_prog *pd;
	void *elf;
	size_t elf_size;
	char *diag; /* what the compile printed on stderr (warnings) */
	size_t diag_len;
};

/* Computes the key and opens the cache directory, creating it (0700) when missing.
 * Returns false when there is none to use: no home, or a directory owned by another user
 * or writable by others (then after one warning on stderr, unless quiet). */
bool cache_open(struct cache *ch, const struct cache_key_in *in, bool quiet);
/* 0 and *hit filled on a hit (the entry's mtime is touched: eviction is LRU); -ENOENT on
 * a miss (no entry, a stale or corrupt one). */
int cache_lookup(struct cache *ch, struct cache_hit *hit);
/* Stores a compile's result under ch's key with the dependencies sema noted (deps.h),
 * atomically (a temporary file renamed into place), then evicts past the limits.
 * Failures are silent: the cache is an optimisation. */
void cache_store(struct cache *ch, const struct pd_prog *pd, const void *elf, size_t elf_size,
		 const char *diag, size_t diag_len);
/* Whether ch has a usable directory (a miss is then stored). */
bool cache_is_open(const struct cache *ch);
void cache_close(struct cache *ch);
void cache_hit_free(struct cache_hit *hit);

/* Deletes the least recently used entries of the directory dirfd until at most
 * max_entries and max_bytes remain, and temporary files a crash left behind. */
void cache_evict(int dirfd, int max_entries, uint64_t max_bytes);

#endif
