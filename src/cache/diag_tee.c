/* The diagnostics tee (diag_tee.h): a fopencookie stream, unbuffered so that what it
 * passes on keeps its order with everything else written to the same stream. */
#define _GNU_SOURCE
#include "diag_tee.h"

#include <stdlib.h>
#include <string.h>

static ssize_t tee_write(void *cookie, const char *data, size_t n)
{
	struct cache_tee *t = cookie;
	fwrite(data, 1, n, t->to);
	if (!t->oom && t->cap - t->len <= n) {
		size_t cap = (t->len + n + 1) * 2;
		char *p = realloc(t->buf, cap);
		t->oom = !p;
		if (p) {
			t->buf = p;
			t->cap = cap;
		}
	}
	if (!t->oom) {
		memcpy(t->buf + t->len, data, n);
		t->len += n;
		t->buf[t->len] = '\0';
	}
	return (ssize_t)n;
}

FILE *cache_tee_open(struct cache_tee *t)
{
	cookie_io_functions_t io = { .write = tee_write };
	FILE *f = fopencookie(t, "w", io);
	if (f)
		setvbuf(f, NULL, _IONBF, 0);
	return f;
}
