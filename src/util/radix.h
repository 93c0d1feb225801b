/* Sorting records by a 128-bit unsigned key (hi, then lo) in linear time: an LSD radix
 * sort by bytes that skips the bytes every record shares. Stable. */
#ifndef RADIX_H
#define RADIX_H

#include <stddef.h>
#include <stdint.h>

struct radix_rec {
	uint64_t hi, lo;
	uint64_t tag; /* carried along: an index, a pointer */
};

/* Sorts v[0..n); tmp has room for n records. The result is in v. */
void radix_sort(struct radix_rec *v, struct radix_rec *tmp, size_t n);

#endif
