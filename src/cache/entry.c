/* A compile cache entry's bytes (entry.h). The checksum is verified before anything is
 * parsed, so a torn or bit-flipped file is a miss; the parse still checks every length. */
#include "entry.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "blob.h"
#include "cache.h"
#include "deps.h"
#include "progdesc.h"
#include "progdesc_blob.h"

#define MAGIC "bpfscope"
#define MAGIC_LEN 8
#define FORMAT 1

int cache_entry_encode(struct blob_w *w, const uint8_t key[SHA256_SIZE], const struct pd_prog *pd,
		       const void *elf, size_t elf_size, const char *diag, size_t diag_len)
{
	uint8_t sum[SHA256_SIZE];
	blob_put_bytes(w, MAGIC, MAGIC_LEN);
	blob_put_u64(w, FORMAT);
	blob_put_bytes(w, key, SHA256_SIZE);
	cache_deps_write(w);
	blob_put_data(w, diag, diag_len);
	cache_pd_write(w, pd);
	blob_put_data(w, elf, elf_size);
	if (w->oom)
		return -ENOMEM;
	sha256(w->buf, w->len, sum);
	blob_put_bytes(w, sum, sizeof(sum));
	return w->oom ? -ENOMEM : 0;
}

static void *dup_bytes(const void *p, size_t n)
{
	char *d = malloc(n + 1);
	if (d) {
		memcpy(d, p, n);
		d[n] = '\0';
	}
	return d;
}

int cache_entry_decode(const void *buf, size_t len, const uint8_t key[SHA256_SIZE],
		       struct cache_hit *hit)
{
	uint8_t sum[SHA256_SIZE];
	memset(hit, 0, sizeof(*hit));
	if (len < MAGIC_LEN + SHA256_SIZE)
		return -EINVAL;
	sha256(buf, len - SHA256_SIZE, sum);
	if (memcmp(sum, (const uint8_t *)buf + len - SHA256_SIZE, SHA256_SIZE))
		return -EINVAL;
	struct blob_r r = { buf, (const uint8_t *)buf + len - SHA256_SIZE, false };
	const void *magic = blob_get_bytes(&r, MAGIC_LEN);
	if (!magic || memcmp(magic, MAGIC, MAGIC_LEN) || blob_get_u64(&r) != FORMAT)
		return -EINVAL;
	const void *k = blob_get_bytes(&r, SHA256_SIZE);
	if (!k || memcmp(k, key, SHA256_SIZE))
		return r.bad ? -EINVAL : -ESTALE;
	if (!cache_deps_check(&r))
		return r.bad ? -EINVAL : -ESTALE;
	size_t diag_len, elf_size;
	const void *diag = blob_get_data(&r, &diag_len);
	struct pd_prog *pd = r.bad ? NULL : cache_pd_read(&r);
	const void *elf = pd ? blob_get_data(&r, &elf_size) : NULL;
	if (!pd || !elf || r.p != r.end) {
		pd_free(pd);
		return r.bad || pd ? -EINVAL : -ENOMEM;
	}
	hit->pd = pd;
	hit->diag = dup_bytes(diag, diag_len);
	hit->diag_len = diag_len;
	hit->elf = dup_bytes(elf, elf_size);
	hit->elf_size = elf_size;
	if (!hit->diag || !hit->elf) {
		cache_hit_free(hit);
		return -ENOMEM;
	}
	return 0;
}
