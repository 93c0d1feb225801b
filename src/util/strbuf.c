/* Growable strings used by output formatting and the debug dumps. */
#include "strbuf.h"

#include <errno.h>
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

int sb_vprintf(struct strbuf *sb, const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		return -EINVAL;
	if (reserve(sb, (size_t)n))
		return -ENOMEM;
	vsnprintf(sb->s + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
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
