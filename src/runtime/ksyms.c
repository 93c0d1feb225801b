/* Kernel symbol names for ksym() and kstack: /proc/kallsyms read once, on the first address
 * asked for (a script that never symbolises never reads it), sorted by address and searched
 * by bisection. A symbol covers the addresses up to the next one. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/rt_internal.h"
#include "util/strbuf.h"

struct ksym {
	uint64_t addr;
	char *name; /* without the "[module]" kallsyms adds: bpftrace 0.17 prints none */
};

static struct {
	struct ksym *v;
	size_t n;
	bool loaded;
} ksyms;

static int ksym_cmp(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;
	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static void load(void)
{
	ksyms.loaded = true;
	FILE *f = fopen("/proc/kallsyms", "r");
	if (!f)
		return;
	char line[512], name[256];
	unsigned long long addr;
	size_t cap = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %*c %255s", &addr, name) != 2 || !addr)
			continue;
		if (ksyms.n == cap) {
			cap = cap ? cap * 2 : 1 << 16;
			struct ksym *v = realloc(ksyms.v, cap * sizeof(*v));
			if (!v)
				break;
			ksyms.v = v;
		}
		char *s = strdup(name);
		if (!s)
			break;
		ksyms.v[ksyms.n++] = (struct ksym){ addr, s };
	}
	fclose(f);
	qsort(ksyms.v, ksyms.n, sizeof(*ksyms.v), ksym_cmp);
}

const char *rt_ksym_lookup(uint64_t addr, uint64_t *off)
{
	if (!ksyms.loaded)
		load();
	size_t lo = 0, hi = ksyms.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (ksyms.v[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0)
		return NULL;
	*off = addr - ksyms.v[lo - 1].addr;
	return ksyms.v[lo - 1].name;
}

int rt_hex_addr(struct strbuf *sb, uint64_t addr)
{
	if (!addr)
		return sb_append(sb, "0");
	return sb_printf(sb, "0x%llx", (unsigned long long)addr);
}

int rt_ksym_str(struct strbuf *sb, uint64_t addr)
{
	uint64_t off;
	const char *name = rt_ksym_lookup(addr, &off);
	return name ? sb_append(sb, name) : rt_hex_addr(sb, addr);
}

void rt_ksyms_free(void)
{
	for (size_t i = 0; i < ksyms.n; i++)
		free(ksyms.v[i].name);
	free(ksyms.v);
	memset(&ksyms, 0, sizeof(ksyms));
}
