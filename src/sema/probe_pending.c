/* TEMPORARY while the uprobe/usdt/watchpoint/iter providers are written. */
#include "provider.h"

static int expand(struct sema_attach *a)
{
	diag_error(&a->c->diag, &a->at->loc, "%s probes are not supported yet", a->provider);
	return 0;
}

const struct sema_provider sema_prov_iter = { .expand = expand };
