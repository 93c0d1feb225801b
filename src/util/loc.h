/* Source locations: every token and AST node carries one, diagnostics print them.
 * Lines and columns are 1-based; last_col is inclusive. */
#ifndef LOC_H
#define LOC_H

struct src_loc {
	int first_line;
	int first_col;
	int last_line;
	int last_col;
};

#endif
