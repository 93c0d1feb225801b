/* SHA-256 (FIPS 180-4): the compile cache's key and its entries' checksum. Small and
 * self-contained, so a cache hit links no crypto library. */
#ifndef SHA256_H
#define SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_SIZE 32

struct sha256 {
	uint32_t h[8];
	uint64_t len; /* bytes hashed so far */
	uint8_t buf[64];
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t n);
void sha256_final(struct sha256 *s, uint8_t out[SHA256_SIZE]);
/* One call: out = SHA-256(data). */
void sha256(const void *data, size_t n, uint8_t out[SHA256_SIZE]);

#endif
