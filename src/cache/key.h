/* The compile cache's key: a SHA-256 of everything that changes the compiled program. */
#ifndef CACHE_KEY_H
#define CACHE_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sha256.h"

struct cc_opts;

/* What a compile depends on besides the files sema reads (deps.h). */
struct cache_key_in {
	const char *name; /* what diagnostics call the script ("stdin" for -e) */
	const char *src;
	size_t src_len;
	const struct cc_opts *cc; /* options, positional parameters */
	bool no_warnings; /* changes the diagnostics an entry replays */
};

/* Hashes in: bpfscope's build (its ELF build id), the running kernel (uname, the build
 * id in /sys/kernel/notes, the loaded modules), the script, its name, parameters and
 * options, and the environment that changes a compile (BPFTRACE_*, PATH). */
void cache_key(const struct cache_key_in *in, uint8_t key[SHA256_SIZE]);

#endif
