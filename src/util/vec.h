/* Arena-backed growable arrays: VEC(T) declares { T *v; int len, cap; }.
 * vec_push() returns 0 or -ENOMEM; storage belongs to the arena. */
#ifndef VEC_H
#define VEC_H

#include <errno.h>

#include "arena.h"

#define VEC(T)                                                                                     \
	struct {                                                                                   \
		T *v;                                                                              \
		int len;                                                                           \
		int cap;                                                                           \
	}

/* Makes room for one more element; returns 0 or -ENOMEM. */
#define vec_reserve(a, vec)                                                                        \
	((vec)->len < (vec)->cap ? 0 : vec_grow_((a), (void **)&(vec)->v, sizeof(*(vec)->v),       \
						  &(vec)->cap, (vec)->len))

#define vec_push(a, vec, x) (vec_reserve(a, vec) ? -ENOMEM : ((vec)->v[(vec)->len++] = (x), 0))

static inline int vec_grow_(struct arena *a, void **v, unsigned long elem, int *cap, int len)
{
	int ncap = *cap ? *cap * 2 : 8;
	void *p = arena_grow(a, *v, elem, (unsigned long)len, (unsigned long)ncap);
	if (!p)
		return -ENOMEM;
	*v = p;
	*cap = ncap;
	return 0;
}

#endif
