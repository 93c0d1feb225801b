/* Growable malloc'd strings for output formatting and IR/asm dumps.
 * sb_free() releases; s->s is always NUL-terminated once anything was appended. */
#ifndef STRBUF_H
#define STRBUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct strbuf {
	char *s;
	size_t len;
	size_t cap;
};

/* Each returns 0 or -ENOMEM. */
int sb_append(struct strbuf *sb, const char *s);
int sb_appendn(struct strbuf *sb, const char *s, size_t n);
int sb_putc(struct strbuf *sb, char c);
int sb_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap);
/* v in decimal, as %llu and %lld print it */
int sb_putu(struct strbuf *sb, uint64_t v);
int sb_puti(struct strbuf *sb, int64_t v);
/* Returns the text ("" when empty); still owned by sb. */
const char *sb_str(const struct strbuf *sb);
void sb_reset(struct strbuf *sb);
void sb_free(struct strbuf *sb);

#endif
