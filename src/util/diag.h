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
};

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

/* Internal invariant violation: a bug in bpfscope, never a reaction to input. */
#define BUG(...) diag_bug(__FILE__, __LINE__, __VA_ARGS__)
void diag_bug(const char *file, int line, const char *fmt, ...)
	__attribute__((format(printf, 3, 4), noreturn));

#endif
