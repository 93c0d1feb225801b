/* Diagnostics for users: "file:line:col: error: message", the source line, and a
 * caret/underline under the span. Every stage reports through one struct diag. */
#ifndef DIAG_H
#define DIAG_H

#include <stdbool.h>
#include <stdio.h>

#include "loc.h"

enum diag_level {
	DIAG_ERROR, /* counts toward diag_errors() */
	DIAG_WARNING, /* printed, does not stop the pipeline */
	DIAG_NOTE, /* follows an error or warning, same location format */
};

struct diag {
	const char *file; /* "stdin" for -e programs */
	const char *src; /* whole script text, for the source line under a message */
	FILE *out; /* stderr unless a test redirects it */
	int errors;
	int warnings;
	bool no_warnings; /* --no-warnings */
	bool muted; /* the last warning was left out (--no-warnings): so are its notes */
	int shown; /* errors and warnings printed, up to DIAG_MAX_SHOWN */
	int line_no; /* the last line find_line() found, and where it starts: messages */
	const char *line_at; /* mostly come in line order, so the next search starts there */
};

/* Past this many errors and warnings one message says the rest are not shown, and they are
 * only counted: a 10 MB script of garbage is reported in a screenful, not a minute. */
#define DIAG_MAX_SHOWN 50

/* Points d at a script; out NULL means stderr. */
void diag_init(struct diag *d, const char *file, const char *src, FILE *out);
/* Reports at loc (NULL: no location, just "error: message"). */
void diag_error(struct diag *d, const struct src_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_warn(struct diag *d, const struct src_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_note(struct diag *d, const struct src_loc *loc, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void diag_report(struct diag *d, enum diag_level lvl, const struct src_loc *loc, const char *fmt,
		 va_list ap);
/* Number of errors so far. */
int diag_errors(const struct diag *d);
/* Whether messages are only counted now, DIAG_MAX_SHOWN having been printed. */
bool diag_stopped(const struct diag *d);

/* Internal invariant violation: a bug in bpfscope, never a reaction to input. */
#define BUG(...) diag_bug(__FILE__, __LINE__, __VA_ARGS__)
void diag_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#endif
