/* A target for the type system's runtime cases: `types_target` calls inspect() once with a
 * struct that holds a nested struct, an array of structs, an enum, bit fields, a union, an
 * int array, a string and a pointer to a second struct, and prints nothing. Built -g -O0
 * as an executable (build/uprobe/types_target) so DWARF types every parameter. */
#include <stddef.h>

enum level { LOW = 1, MID = 2, HIGH = 4 };

struct inner {
	short a;
	unsigned char b;
};

struct shape {
	int id;
	struct inner in;
	struct inner pts[2];
	enum level lvl;
	unsigned int on : 1;
	unsigned int kind : 4;
	int neg : 6;
	union {
		int i;
		char c[4];
	} u;
	int vals[3];
	const char *name;
	struct shape *next;
};

/* Not inlined and not optimised away: -O0, and the result reaches the exit status. */
long inspect(struct shape *s, enum level l, int *vals)
{
	return s->id + s->next->id + l + vals[1];
}

int main(void)
{
	static char name[] = "square";
	struct shape tail = { .id = 2, .lvl = LOW, .name = name };
	struct shape s = {
		.id = 1,
		.in = { .a = -3, .b = 200 },
		.pts = { { .a = 10, .b = 11 }, { .a = 20, .b = 21 } },
		.lvl = HIGH,
		.on = 1,
		.kind = 9,
		.neg = -5,
		.u = { .i = 0x41424344 },
		.vals = { 7, 8, 9 },
		.name = name,
		.next = &tail,
	};
	return inspect(&s, MID, s.vals) == 0;
}
