/* A stream that passes everything to another (stderr) and keeps a copy: the compile
 * cache stores what a compile printed, to print it again on a hit. */
#ifndef CACHE_DIAG_TEE_H
#define CACHE_DIAG_TEE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

struct cache_tee {
	FILE *to;
	char *buf; /* malloc'd copy, NUL-terminated */
	size_t len, cap;
	bool oom; /* the copy is incomplete */
};

/* An unbuffered stream writing to t->to (set by the caller) and to t's copy; NULL on
 * ENOMEM. Close it with fclose(); then free t->buf. */
FILE *cache_tee_open(struct cache_tee *t);

#endif
