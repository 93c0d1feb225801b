/* Growable strings used by output formatting and the debug dumps. */
#include "strbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int reserve(struct strbuf *sb, size_t extra)
{
	if (sb->len + extra + 1 <= sb->cap)
		return 0;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < sb->len + extra + 1)
		cap *= 2;
	char *p = realloc(sb->s, cap);
	if (!p)
		return -ENOMEM;
	sb->s = p;
	sb->cap = cap;
	return 0;
}

int sb_appendn(struct strbuf *sb, const char *s, size_t n)
{
	if (reserve(sb, n))
		return -ENOMEM;
	memcpy(sb->s + sb->len, s, n);
	sb->len += n;
	sb->s[sb->len] = '\0';
	return 0;
}

int sb_append(struct strbuf *sb, const char *s)
{
	return sb_appendn(sb, s, strlen(s));
}

int sb_putc(struct strbuf *sb, char c)
{
	return sb_appendn(sb, &c, 1);
}

/* Formats straight into the free room and only formats again when it did not fit: map
 * printing formats a number per entry, and vsnprintf is most of that cost. */
int sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	if (reserve(sb, 32))
		return -ENOMEM;
	size_t room = sb->cap - sb->len;
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(sb->s + sb->len, room, fmt, ap2);
	va_end(ap2);
	if (n >= 0 && (size_t)n >= room && !reserve(sb, (size_t)n))
		vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	else if (n < 0 || (size_t)n >= room) {
		sb->s[sb->len] = '\0';
		return n < 0 ? -EINVAL : -ENOMEM;
	}
	sb->len += (size_t)n;
	return 0;
}

/* Decimal digits without printf's format parsing: the hot path of map printing. */
int sb_putu(struct strbuf *sb, uint64_t v)
{
	char buf[20], *p = buf + sizeof(buf);
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return sb_appendn(sb, p, (size_t)(buf + sizeof(buf) - p));
}

int sb_puti(struct strbuf *sb, int64_t v)
{
	if (v >= 0)
		return sb_putu(sb, (uint64_t)v);
	return sb_putc(sb, '-') | sb_putu(sb, -(uint64_t)v);
}

int sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int err = sb_vprintf(sb, fmt, ap);
	va_end(ap);
	return err;
}

const char *sb_str(const struct strbuf *sb)
{
	return sb->s ? sb->s : "";
}

void sb_reset(struct strbuf *sb)
{
	sb->len = 0;
	if (sb->s)
		sb->s[0] = '\0';
}

void sb_free(struct strbuf *sb)
{
	free(sb->s);
	sb->s = NULL;
	sb->len = sb->cap = 0;
}
