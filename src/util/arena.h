/* Arena allocator: everything one compilation allocates (tokens, AST, types, strings)
 * comes from one arena and is released at once with arena_free(). */
#ifndef ARENA_H
#define ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena_block;

struct arena {
	struct arena_block *head;
	size_t total;
};

/* Returns zeroed memory owned by the arena, or NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* Grows an arena array: returns a copy of old (old_n elems) with room for new_n, or NULL. */
void *arena_grow(struct arena *a, void *old, size_t elem, size_t old_n, size_t new_n);
/* Returns a NUL-terminated copy owned by the arena, or NULL. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_sprintf(struct arena *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *arena_vsprintf(struct arena *a, const char *fmt, va_list ap);
/* Releases every block; the arena may be reused afterwards. */
void arena_free(struct arena *a);

#endif
