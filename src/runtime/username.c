/* The username builtin's rendering: the program sends the uid, user space names it from
 * /etc/passwd, read once on first use and kept (a trace prints the same few users again
 * and again). A uid without an entry prints as its number. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output.h"
#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/strbuf.h"

struct user {
	unsigned long uid;
	char *name;
};

static struct {
	bool loaded;
	int n;
	struct user *v;
} users;

/* "name:password:uid:..." lines; anything else is skipped. */
static void load_users(void)
{
	users.loaded = true;
	FILE *f = fopen("/etc/passwd", "r");
	if (!f)
		return;
	char line[1024];
	int cap = 0;
	while (fgets(line, sizeof(line), f)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *end;
		if (!c2 || c1 == line)
			continue;
		unsigned long uid = strtoul(c2 + 1, &end, 10);
		if (end == c2 + 1 || *end != ':')
			continue;
		if (users.n == cap) {
			cap = cap ? 2 * cap : 64;
			struct user *v = realloc(users.v, (size_t)cap * sizeof(*v));
			if (!v)
				break;
			users.v = v;
		}
		*c1 = '\0';
		users.v[users.n].name = strdup(line);
		users.v[users.n].uid = uid;
		if (users.v[users.n].name)
			users.n++;
	}
	fclose(f);
}

int rt_username_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		    const uint8_t *p, bool json)
{
	unsigned long uid = (unsigned long)rt_read_int(p, 8, false);
	if (!users.loaded)
		load_users();
	for (int i = 0; i < users.n; i++)
		if (users.v[i].uid == uid)
			return sb_append(sb, users.v[i].name);
	return sb_printf(sb, "%lu", uid);
}
