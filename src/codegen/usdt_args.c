/* TEMPORARY */
#include "cg.h"
LLVMValueRef cg_usdt_arg(struct cg *g, struct ast_node *n, int i)
{
	cg_fail(g, &n->loc, "usdt arguments are not supported yet");
	return cg_const(g, 0);
}
