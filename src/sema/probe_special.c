/* BEGIN and END: run once each, before the other probes attach and after they detach. */
#include "provider.h"

static int expand(struct sema_attach *a)
{
	if (a->target || a->func) {
		diag_error(&a->c->diag, &a->at->loc, "%s takes no arguments", a->provider);
		return 0;
	}
	return sema_add_point(a, (struct pd_probe){ .name = a->provider }, NULL);
}

static int list(struct sema_lister *l)
{
	sema_list_name(l, "BEGIN");
	sema_list_name(l, "END");
	return 0;
}

const struct sema_provider sema_prov_special = { .expand = expand, .list = list };
