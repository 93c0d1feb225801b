/* Byte buffers for the compile cache's entries: a growable writer and a bounds-checked
 * reader. Integers are LEB128 varints (signed ones zigzag-coded); a reader that runs past
 * its end or meets a malformed value fails once and stays failed, so a truncated or
 * corrupt entry reads as a miss, never as a crash. */
#ifndef BLOB_H
#define BLOB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct blob_w {
	uint8_t *buf; /* malloc'd */
	size_t len, cap;
	bool oom;
};

struct blob_r {
	const uint8_t *p, *end;
	bool bad; /* ran past the end or met a malformed value */
};

void blob_put_bytes(struct blob_w *w, const void *data, size_t n);
void blob_put_u64(struct blob_w *w, uint64_t v);
void blob_put_i64(struct blob_w *w, int64_t v);
/* A string or NULL (length + 1, 0 for NULL, then the bytes). */
void blob_put_str(struct blob_w *w, const char *s);
/* A length-prefixed run of bytes. */
void blob_put_data(struct blob_w *w, const void *data, size_t n);
void blob_w_free(struct blob_w *w);

/* Each returns 0 (and marks r bad) when the bytes run out or the value is malformed. */
uint64_t blob_get_u64(struct blob_r *r);
int64_t blob_get_i64(struct blob_r *r);
/* A u64 that must be at most max. */
uint64_t blob_get_max(struct blob_r *r, uint64_t max);
/* n bytes in place; NULL when fewer remain. */
const void *blob_get_bytes(struct blob_r *r, size_t n);
/* A length-prefixed run: returns it in place and its size in *n. */
const void *blob_get_data(struct blob_r *r, size_t *n);
/* A string (NULL stays NULL), NUL-terminated in place: sets *s and *n (its length).
 * Returns false when malformed. */
bool blob_get_str(struct blob_r *r, const char **s, size_t *n);

#endif
