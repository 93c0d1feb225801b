/* Allocation of the program description (src/progdesc.h), which owns its own arena
 * so it outlives the compiler's. */
#include "progdesc.h"

#include <stdlib.h>

struct pd_prog *pd_new(void)
{
	return calloc(1, sizeof(struct pd_prog));
}

void pd_free(struct pd_prog *pd)
{
	if (!pd)
		return;
	arena_free(&pd->arena);
	free(pd);
}
