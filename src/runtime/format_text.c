/* Values the program sends as numbers or bytes and user space turns into text, as bpftrace
 * prints them: strerror(n), macaddr(p), ntop([af,] addr) and cgroup_path(id [, filter]).
 * Renderers of rt_kinds[] in format_value.c. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "output.h"
#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/strbuf.h"

int rt_errno_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		 const uint8_t *p, bool json)
{
	return sb_append(sb, strerror((int)rt_read_int(p, 8, true)));
}

/* Six bytes as bpftrace shows them: upper-case hex pairs joined by ':'. */
int rt_macaddr_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		   const uint8_t *p, bool json)
{
	return sb_printf(sb, "%02X:%02X:%02X:%02X:%02X:%02X", p[0], p[1], p[2], p[3], p[4], p[5]);
}

/* struct pd_inet: the address family, then 4 or 16 bytes in network order. */
int rt_inet_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		const uint8_t *p, bool json)
{
	struct pd_inet in;
	char buf[INET6_ADDRSTRLEN];
	memcpy(&in, p, sizeof(in));
	int af = in.af == PD_AF_INET6 ? AF_INET6 : AF_INET;
	if (!inet_ntop(af, in.addr, buf, sizeof(buf)))
		return sb_append(sb, "(?)");
	return sb_append(sb, buf);
}

/* A mounted cgroup hierarchy: "unified" for cgroup2, else its controllers or name=. */
struct cg_root {
	char name[128];
	char dir[256];
};

/* The directory below dir (depth-first) whose inode is ino, as a path from dir ("" for dir
 * itself) appended to rel; false when there is none. */
static bool find_ino(const char *dir, uint64_t ino, struct strbuf *rel, int depth)
{
	struct stat st;
	if (stat(dir, &st) == 0 && st.st_ino == ino)
		return true;
	DIR *d = depth < 32 ? opendir(dir) : NULL;
	if (!d)
		return false;
	bool found = false;
	struct dirent *e;
	while (!found && (e = readdir(d))) {
		if (e->d_type != DT_DIR || !strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		char sub[4096];
		snprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		size_t mark = rel->len;
		sb_printf(rel, "/%s", e->d_name);
		found = find_ino(sub, ino, rel, depth + 1);
		if (!found) {
			rel->len = mark;
			if (rel->s)
				rel->s[mark] = '\0';
		}
	}
	closedir(d);
	return found;
}

/* The hierarchy's name from a mountinfo line's super options ("rw,cpu,cpuacct"). */
static void v1_name(char *opts, char *name, size_t size)
{
	size_t len = 0;
	name[0] = '\0';
	for (char *tok = strtok(opts, ","); tok; tok = strtok(NULL, ",")) {
		if (!strcmp(tok, "rw") || !strcmp(tok, "ro"))
			continue;
		if (!strncmp(tok, "name=", 5))
			tok += 5;
		len += (size_t)snprintf(name + len, size > len ? size - len : 0, "%s%s",
					len ? "," : "", tok);
	}
}

/* unified first, then the v1 hierarchies by name, as bpftrace lists them. */
static int root_cmp(const void *a, const void *b)
{
	const struct cg_root *x = a, *y = b;
	bool ux = !strcmp(x->name, "unified"), uy = !strcmp(y->name, "unified");
	if (ux != uy)
		return ux ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Reads the cgroup mounts of /proc/self/mountinfo into roots; returns how many. */
static int cgroup_roots(struct cg_root *roots, int max)
{
	FILE *f = fopen("/proc/self/mountinfo", "r");
	if (!f)
		return 0;
	char line[1024];
	int n = 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		char dir[256], fstype[32], opts[512];
		const char *dash = strstr(line, " - ");
		if (!dash || sscanf(line, "%*s %*s %*s %*s %255s", dir) != 1 ||
		    sscanf(dash + 3, "%31s %*s %511s", fstype, opts) != 2)
			continue;
		if (!strcmp(fstype, "cgroup2"))
			snprintf(roots[n].name, sizeof(roots[n].name), "unified");
		else if (!strcmp(fstype, "cgroup"))
			v1_name(opts, roots[n].name, sizeof(roots[n].name));
		else
			continue;
		snprintf(roots[n].dir, sizeof(roots[n].dir), "%s", dir);
		/* a hierarchy mounted twice (a bind mount, a chroot's /sys) is listed once */
		bool seen = false;
		for (int i = 0; i < n && !seen; i++)
			seen = !strcmp(roots[i].name, roots[n].name);
		n += !seen;
	}
	fclose(f);
	qsort(roots, (size_t)n, sizeof(*roots), root_cmp);
	return n;
}

/* "name:/path" of every hierarchy (matching the filter, a glob) holding the cgroup whose
 * id (its directory's inode) is the value, joined by ','. */
int rt_cgroup_path_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		       const uint8_t *p, bool json)
{
	struct cg_root roots[32];
	int n = cgroup_roots(roots, 32);
	uint64_t id = (uint64_t)rt_read_int(p, 8, false);
	bool first = true;
	int err = 0;
	for (int i = 0; i < n && !err; i++) {
		struct strbuf rel = { 0 };
		if ((t->fmt && *t->fmt && fnmatch(t->fmt, roots[i].name, 0)) ||
		    !find_ino(roots[i].dir, id, &rel, 0)) {
			sb_free(&rel);
			continue;
		}
		err = sb_printf(sb, "%s%s:%s", first ? "" : ",", roots[i].name,
				rel.len ? sb_str(&rel) : "/");
		first = false;
		sb_free(&rel);
	}
	return err;
}
