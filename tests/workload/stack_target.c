/* A known call chain for kstack/ustack/usym/uaddr tests: `stack_target N [SLEEP_MS]` calls
 * main -> chain_a -> chain_b -> chain_c N times, then chain_done() once, then sleeps
 * SLEEP_MS (so the process, and its symbols, outlive a probe on chain_done that exits the
 * trace). Built -O0 with frame pointers (user stacks are walked by frame pointer) as an
 * executable and a PIE; the C++ copy (-DSTACK_CPP) puts chain_b in a namespace. */
#include <stdlib.h>
#include <unistd.h>

/* Globals for uaddr(): a counter and a function pointer. */
int stack_counter = 42;
int (*stack_fnptr)(int);

#ifdef STACK_CPP
#define EXTERN_C extern "C"
namespace ns {
__attribute__((noinline)) int chain_b(int x);
}
using ns::chain_b;
#else
#define EXTERN_C
#endif

EXTERN_C __attribute__((noinline)) int chain_c(int x)
{
	stack_counter++;
	return x + 1;
}

#ifdef STACK_CPP
namespace ns {
#endif
__attribute__((noinline)) int chain_b(int x)
{
	int r = chain_c(x) * 2;
	__asm__ volatile("");
	return r;
}
#ifdef STACK_CPP
}
#endif

EXTERN_C __attribute__((noinline)) int chain_a(int x)
{
	int r = chain_b(x) + 3;
	__asm__ volatile("");
	return r;
}

EXTERN_C __attribute__((noinline)) void chain_done(void)
{
	__asm__ volatile("");
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1, s = 0;
	stack_fnptr = chain_c;
	for (int i = 0; i < n; i++)
		s += chain_a(i);
	chain_done();
	if (argc > 2)
		usleep((useconds_t)atoi(argv[2]) * 1000);
	return s == -1;
}
