/* Diagnostics with source carets, shared by every stage of the compiler. */
#include "diag.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void diag_init(struct diag *d, const char *file, const char *src, FILE *out)
{
	memset(d, 0, sizeof(*d));
	d->file = file ? file : "stdin";
	d->src = src;
	d->out = out;
}

static FILE *out_of(const struct diag *d)
{
	return d->out ? d->out : stderr;
}

/* Finds line n (1-based) of d's source; returns its start and sets *len, or NULL. Starts
 * from the line found last when n is not before it, so reporting is linear in the source. */
static const char *find_line(struct diag *d, int n, size_t *len)
{
	if (!d->src || n < 1)
		return NULL;
	if (!d->line_at || n < d->line_no) {
		d->line_no = 1;
		d->line_at = d->src;
	}
	const char *p = d->line_at;
	for (; d->line_no < n; d->line_no++) {
		p = strchr(p, '\n');
		if (!p)
			return NULL;
		d->line_at = ++p;
	}
	const char *e = strchr(p, '\n');
	*len = e ? (size_t)(e - p) : strlen(p);
	return p;
}

/* Source lines longer than this are shown as a window around the column, marked "...". */
enum { LINE_SHOWN = 160, LINE_BEFORE = 60 };

static bool continuation_byte(char ch)
{
	return ((unsigned char)ch & 0xc0) == 0x80;
}

static void print_caret(struct diag *d, const struct src_loc *loc)
{
	size_t len;
	const char *line = find_line(d, loc->first_line, &len);
	if (!line)
		return;
	FILE *f = out_of(d);
	int first = loc->first_col < 1 ? 1 : loc->first_col;
	int last = loc->last_line == loc->first_line ? loc->last_col : (int)len;
	if (last < first)
		last = first;
	/* the window [from, to) of the line's columns (0-based) that is shown */
	size_t from = 0, to = len;
	if (len > LINE_SHOWN) {
		from = first - 1 > LINE_BEFORE ? (size_t)(first - 1 - LINE_BEFORE) : 0;
		from = from + LINE_SHOWN > len ? len - LINE_SHOWN : from;
		to = from + LINE_SHOWN;
	}
	const char *more = "...";
	fprintf(f, "%s%.*s%s\n", from ? more : "", (int)(to - from), line + from,
		to < len ? more : "");
	if (from)
		fputs("   ", f);
	/* columns are bytes; a terminal shows a UTF-8 character's bytes as one cell */
	for (int c = (int)from + 1; c < first; c++) {
		char ch = c - 1 < (int)len ? line[c - 1] : ' ';
		if (!continuation_byte(ch))
			fputc(ch == '\t' ? '\t' : ' ', f);
	}
	fputc('^', f);
	if (last > (int)to)
		last = (int)to;
	for (int c = first + 1; c <= last; c++) {
		if (c - 1 >= (int)len || !continuation_byte(line[c - 1]))
			fputc('~', f);
	}
	fputc('\n', f);
}

static const char *const level_names[] = {
	[DIAG_ERROR] = "error",
	[DIAG_WARNING] = "warning",
	[DIAG_NOTE] = "note",
};

void diag_report(struct diag *d, enum diag_level lvl, const struct src_loc *loc, const char *fmt,
		 va_list ap)
{
	if (lvl == DIAG_ERROR)
		d->errors++;
	if (lvl == DIAG_WARNING)
		d->warnings++;
	if (lvl != DIAG_NOTE)
		d->muted = lvl == DIAG_WARNING && d->no_warnings;
	if (d->muted || diag_stopped(d))
		return;
	FILE *f = out_of(d);
	if (lvl != DIAG_NOTE && ++d->shown > DIAG_MAX_SHOWN) {
		if (loc && loc->first_line > 0)
			fprintf(f, "%s:%d:%d: ", d->file, loc->first_line, loc->first_col);
		fprintf(f, "error: too many errors and warnings: the rest are not shown\n");
		if (loc && loc->first_line > 0)
			print_caret(d, loc);
		return;
	}
	if (loc && loc->first_line > 0)
		fprintf(f, "%s:%d:%d: ", d->file, loc->first_line, loc->first_col);
	fprintf(f, "%s: ", level_names[lvl]);
	vfprintf(f, fmt, ap);
	fputc('\n', f);
	if (loc && loc->first_line > 0 && lvl != DIAG_NOTE)
		print_caret(d, loc);
}

#define DIAG_FN(name, lvl)                                                                         \
	void name(struct diag *d, const struct src_loc *loc, const char *fmt, ...)                 \
	{                                                                                          \
		va_list ap;                                                                        \
		va_start(ap, fmt);                                                                 \
		diag_report(d, lvl, loc, fmt, ap);                                                 \
		va_end(ap);                                                                        \
	}

DIAG_FN(diag_error, DIAG_ERROR)
DIAG_FN(diag_warn, DIAG_WARNING)
DIAG_FN(diag_note, DIAG_NOTE)

bool diag_stopped(const struct diag *d)
{
	return d->shown > DIAG_MAX_SHOWN;
}

int diag_errors(const struct diag *d)
{
	return d->errors;
}

void diag_bug(const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "bpfscope: internal error at %s:%d: ", file, line);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nthis is a bug in bpfscope; please report it with the script\n");
	abort();
}
