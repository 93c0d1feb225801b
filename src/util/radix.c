/* LSD radix sort of struct radix_rec: 16 passes of one byte each, from lo's lowest byte to
 * hi's highest, each a stable counting sort. A pass whose byte is the same in every record
 * would move nothing and is skipped, so small values or keys that share their high bytes
 * (timestamps, counts of 1) cost a few passes. */
#include "util/radix.h"

#include <string.h>

static unsigned digit(const struct radix_rec *r, int pass)
{
	uint64_t w = pass < 8 ? r->lo : r->hi;
	return (unsigned)(w >> (8 * (pass % 8))) & 0xff;
}

void radix_sort(struct radix_rec *v, struct radix_rec *tmp, size_t n)
{
	if (n < 2)
		return;
	/* every pass's byte counts in one read of the records */
	size_t count[16][256] = { { 0 } };
	for (size_t i = 0; i < n; i++)
		for (int p = 0; p < 16; p++)
			count[p][digit(&v[i], p)]++;
	struct radix_rec *from = v, *to = tmp;
	for (int p = 0; p < 16; p++) {
		if (count[p][digit(&v[0], p)] == n)
			continue; /* one byte value in every record */
		size_t at = 0;
		for (int d = 0; d < 256; d++) {
			size_t c = count[p][d];
			count[p][d] = at;
			at += c;
		}
		for (size_t i = 0; i < n; i++)
			to[count[p][digit(&from[i], p)]++] = from[i];
		struct radix_rec *t = from;
		from = to;
		to = t;
	}
	if (from != v)
		memcpy(v, from, n * sizeof(*v));
}
