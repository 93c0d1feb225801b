/* Lexer state and token helpers shared by the flex scanner (lexer.l) and the bison
 * parser (parser.y): source positions, brace depth, literal decoding. Front end only. */
#ifndef LEX_H
#define LEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../parser/ast.h"
#include "../util/loc.h"
#include "../util/vec.h"

struct arena;
struct diag;
struct ast_node;

struct lex_state {
	struct arena *arena;
	struct diag *diag;
	const char *src; /* whole script, for the text of the offending token */
	int line, col; /* position of the next character (1-based) */
	size_t off; /* byte offset of the next character */
	size_t tok_off; /* byte range of the last token returned */
	size_t tok_len;
	int depth; /* brace depth inside probe bodies and config; 0 between probes */
	int cdepth; /* brace depth inside a C definition in the preamble */
	size_t cdef_off; /* where that definition started */
	struct src_loc cdef_loc;
	VEC(struct ast_cdef) cdefs; /* preamble C definitions, moved to the program node */
	VEC(struct ast_config) config; /* config items, moved to the program node */
	int cond_depth; /* nesting of #if/#ifdef/#ifndef in the preamble */
	bool cond_on[32]; /* per level: its current branch is taken */
	int comment_ret; /* start condition to return to after a block comment */
	struct src_loc comment_loc; /* where the open block comment started */
	int tok_end_line, tok_end_col; /* end of the last real token, for end-of-input errors */
	int unterminated_line; /* line of an unterminated string: the syntax error it causes
				* right after is not reported again */
	bool oom; /* an allocation failed; the parse result is unusable */
	struct ast_node *program; /* AST_PROGRAM once parsed */
};

/* Parses an integer literal as written (0x, 0o, 0b, leading-0 octal, '_' separators,
 * 'u'/'l' suffixes, NeM exponent). Returns 0, -ERANGE on overflow, -EINVAL when malformed. */
int lex_parse_int(const char *text, uint64_t *value, bool *is_unsigned);

/* Decodes the body of a string literal (without quotes) into a new arena string.
 * Sets *len to the decoded length. On a bad escape returns NULL with *bad_at set to the
 * offset of the backslash in text; on ENOMEM returns NULL with *bad_at = -1. */
char *lex_decode_string(struct arena *a, const char *text, size_t n, int *len, int *bad_at);

/* The offset in a string literal's body (text, n bytes, without quotes) of the escape or
 * byte that decodes to byte `decoded` of the string: how a diagnostic points into it. */
int lex_string_raw_offset(const char *text, size_t n, int decoded);

/* Writes a printable, quoted form of the token text into buf (e.g. '$x', "end of input"). */
const char *lex_describe(const char *text, size_t n, char *buf, size_t len);

#endif
