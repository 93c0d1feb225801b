/* printf formats: the one parser of conversions, shared by sema (which checks each
 * conversion against its arguments) and the runtime (which renders events with them). */
#ifndef PRINTFMT_H
#define PRINTFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum pf_flag {
	PF_MINUS = 1, /* '-': left-justify */
	PF_ZERO = 2, /* '0': pad numbers with zeros */
	PF_PLUS = 4, /* '+': sign on positive numbers */
	PF_SPACE = 8, /* ' ': space before positive numbers */
	PF_HASH = 16, /* '#': 0x / 0 prefixes */
};

/* Width or precision given as '*': read from an integer argument before the value. */
#define PF_STAR (-2)

/* What a conversion prints, hence what argument it takes. */
enum pf_class {
	PF_SIGNED, /* d i */
	PF_UNSIGNED, /* u x X o */
	PF_CHAR, /* c: an integer as one byte */
	PF_POINTER, /* p: an integer or pointer as 0x... */
	PF_STRING, /* s: a string, or any value rendered as print() shows it */
	PF_BUFFER, /* r (escaped text), rx (\xNN per byte), rh (hex bytes): a buf() */
};

enum pf_piece_kind {
	PF_END, /* the end of the format */
	PF_TEXT, /* literal bytes; "%%" is a text piece holding one '%' */
	PF_CONV, /* a conversion */
	PF_BAD, /* a '%' that starts no valid conversion; err says why */
};

enum pf_error {
	PF_ERR_NONE,
	PF_ERR_INCOMPLETE, /* '%' (with flags, width, ...) at the end of the format */
	PF_ERR_UNKNOWN, /* an unknown conversion letter */
	PF_ERR_LENGTH, /* a length modifier on a conversion that takes no integer */
};

struct pf_conv {
	unsigned flags; /* enum pf_flag */
	int width; /* -1: none; PF_STAR: from an argument */
	int prec; /* -1: none; PF_STAR: from an argument */
	int bits; /* the length modifier: 8 (hh), 16 (h), 32 (none), 64 (l ll z j t) */
	char conv; /* d i u x X o c p s r */
	char buf_mode; /* %r: 0, 'x' or 'h' */
	enum pf_class cls;
};

struct pf_piece {
	enum pf_piece_kind kind;
	uint32_t off, len; /* the bytes of the format this piece spans ('%' included) */
	enum pf_error err; /* PF_BAD */
	struct pf_conv conv; /* PF_CONV */
};

/* Reads the piece of fmt[0, len) that starts at *pos into *piece and moves *pos past it.
 * Text runs stop at the next '%'. At the end, piece->kind is PF_END. */
void pf_next(const char *fmt, size_t len, size_t *pos, struct pf_piece *piece);

/* How many arguments a conversion consumes: one per '*', then its value. */
int pf_nargs(const struct pf_conv *cv);

/* The message for a PF_BAD piece ("invalid conversion", ...). */
const char *pf_error_str(enum pf_error err);

#endif
