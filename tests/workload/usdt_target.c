/* A program with USDT probes (<sys/sdt.h>) for the USDT unit tests and the runtime suites:
 * `usdt_target COUNT [SLEEP_MS]` fires every probe COUNT times (the library's probe and the
 * semaphore-guarded one too), then sleeps SLEEP_MS milliseconds; it prints nothing. */
#include <stdlib.h>
#include <sys/sdt.h>
#include <time.h>

/* usdt_target_sem.c: the probe with a semaphore; usdt_lib.c (libusdt_target.so). */
void usdt_sem_fire(int i);
void usdt_lib_fire(int i);

/* Read by the "global" probe straight from memory: gcc names it "usdt_hits(%rip)". */
long usdt_hits;

/* Two sites of one probe name: both are listed, in note order. */
__attribute__((noinline)) static void fire_dup_a(int i)
{
	STAP_PROBE1(bpfscope, dup, i);
}

__attribute__((noinline)) static void fire_dup_b(long i)
{
	STAP_PROBE1(bpfscope, dup, i * 3);
}

__attribute__((noinline)) static void fire(int i, const char *s)
{
	char c = (char)(i - 100);
	short sh = (short)(-i * 7);
	int n = -i;
	long l = (long)i << 33;
	unsigned u = (unsigned)i * 3u;

	DTRACE_PROBE(bpfscope, zero);
	STAP_PROBE1(bpfscope, one, l);
	STAP_PROBE3(bpfscope, three, u, 42, s);
	STAP_PROBE6(bpfscope, six, c, sh, n, l, u, s);
	STAP_PROBE1(bpfscope, global, usdt_hits);
	fire_dup_a(i);
	fire_dup_b(i);
}

int main(int argc, char **argv)
{
	static const char *const words[] = { "alpha", "beta" };
	int count = argc > 1 ? atoi(argv[1]) : 1;
	long sleep_ms = argc > 2 ? atol(argv[2]) : 0;

	for (int i = 0; i < count; i++) {
		usdt_hits++;
		fire(i, words[i & 1]);
		usdt_sem_fire(i);
		usdt_lib_fire(i);
	}
	if (sleep_ms > 0) {
		struct timespec ts = { sleep_ms / 1000, (sleep_ms % 1000) * 1000000 };
		while (nanosleep(&ts, &ts))
			;
	}
	return 0;
}
