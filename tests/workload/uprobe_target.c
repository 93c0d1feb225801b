/* A target for uprobe tests: `uprobe_target N` calls add() N times, then describe() and
 * classify() once each, and exits 0. Built -g -O0 as an executable, a PIE, a shared library
 * (-DUPROBE_TARGET_LIB: no main) and a stripped copy; tests/unit/test_elf_syms.c checks
 * their symbols and DWARF, the runtime suites attach to them. */
#include <stdio.h>
#include <stdlib.h>

enum color { RED, GREEN = 5, BLUE };

struct point {
	int x;
	long y;
	unsigned int flags : 3;
	unsigned int mode : 5;
	char tag[8];
	struct point *next;
	union {
		int i;
		float f;
	};
};

typedef unsigned long long u64_t;

int add(int a, int b)
{
	return a + b;
}

long describe(const struct point *p, const char *label)
{
	return p->x + p->y + (long)p->flags + (label[0] == 'x');
}

unsigned char classify(char c, u64_t big, short s, enum color col, char **argv)
{
	return (unsigned char)(c + big + s + col + (argv != NULL));
}

int by_value(struct point p, int grid[2][3])
{
	return p.x + grid[1][2];
}

#ifndef UPROBE_TARGET_LIB
int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1;
	int total = 0;
	struct point p = { .x = 1, .y = 2, .flags = 3, .mode = 4, .tag = "tag" };
	int grid[2][3] = { { 0 } };

	for (int i = 0; i < n; i++)
		total = add(total, i);
	describe(&p, "label");
	classify('c', 1, 2, GREEN, argv);
	by_value(p, grid);
	printf("%d\n", total);
	return 0;
}
#endif
