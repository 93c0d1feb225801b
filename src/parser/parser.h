/* The parser entry point: script text to an AST_PROGRAM (bison, pure, %locations). */
#ifndef PARSER_H
#define PARSER_H

struct compiler;

/* Parses c->src into c->ast; reports every syntax error it can recover from.
 * Returns 0, -EINVAL after diagnostics, or -ENOMEM. */
int parse_program(struct compiler *c);

#endif
