/* The compile cache's byte buffers (blob.h): a growable writer and a reader that checks
 * every access against the end of its buffer. */
#include "blob.h"

#include <stdlib.h>
#include <string.h>

void blob_put_bytes(struct blob_w *w, const void *data, size_t n)
{
	if (w->oom || n == 0)
		return;
	if (w->cap - w->len < n) {
		size_t cap = w->cap ? w->cap : 256;
		while (cap - w->len < n)
			cap *= 2;
		uint8_t *p = realloc(w->buf, cap);
		if (!p) {
			w->oom = true;
			return;
		}
		w->buf = p;
		w->cap = cap;
	}
	memcpy(w->buf + w->len, data, n);
	w->len += n;
}

void blob_put_u64(struct blob_w *w, uint64_t v)
{
	uint8_t b[10];
	size_t n = 0;
	do {
		b[n] = (uint8_t)(v & 0x7f) | (v > 0x7f ? 0x80 : 0);
		n++;
		v >>= 7;
	} while (v);
	blob_put_bytes(w, b, n);
}

void blob_put_i64(struct blob_w *w, int64_t v)
{
	blob_put_u64(w, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void blob_put_data(struct blob_w *w, const void *data, size_t n)
{
	blob_put_u64(w, n);
	blob_put_bytes(w, data, n);
}

void blob_put_str(struct blob_w *w, const char *s)
{
	if (!s) {
		blob_put_u64(w, 0);
		return;
	}
	size_t n = strlen(s);
	blob_put_u64(w, n + 1);
	blob_put_bytes(w, s, n + 1);
}

void blob_w_free(struct blob_w *w)
{
	free(w->buf);
	memset(w, 0, sizeof(*w));
}

uint64_t blob_get_u64(struct blob_r *r)
{
	uint64_t v = 0;
	for (int shift = 0; shift < 64 && !r->bad; shift += 7) {
		if (r->p >= r->end)
			break;
		uint8_t b = *r->p++;
		if (shift == 63 && b > 1)
			break;
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	r->bad = true;
	return 0;
}

int64_t blob_get_i64(struct blob_r *r)
{
	uint64_t u = blob_get_u64(r);
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

uint64_t blob_get_max(struct blob_r *r, uint64_t max)
{
	uint64_t v = blob_get_u64(r);
	if (v <= max)
		return v;
	r->bad = true;
	return 0;
}

const void *blob_get_bytes(struct blob_r *r, size_t n)
{
	if (r->bad || (size_t)(r->end - r->p) < n) {
		r->bad = true;
		return NULL;
	}
	const void *p = r->p;
	r->p += n;
	return p;
}

const void *blob_get_data(struct blob_r *r, size_t *n)
{
	*n = blob_get_max(r, (uint64_t)(r->end - r->p));
	return blob_get_bytes(r, *n);
}

bool blob_get_str(struct blob_r *r, const char **s, size_t *n)
{
	uint64_t len = blob_get_max(r, (uint64_t)(r->end - r->p));
	*s = NULL;
	*n = 0;
	if (r->bad || len == 0)
		return !r->bad;
	const char *p = blob_get_bytes(r, len);
	if (!p || p[len - 1] != '\0' || memchr(p, '\0', len - 1)) {
		r->bad = true;
		return false;
	}
	*s = p;
	*n = len - 1;
	return true;
}
