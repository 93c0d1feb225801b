/* A small program that triggers kernel events deterministically, for the runtime and
 * compatibility suites and the benchmarks: run under `bpfscope -c` and filtered on cpid.
 * Built statically so the dynamic loader adds no openat/read of its own. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Writes go to /dev/null through this fixed descriptor so scripts can match args->fd. */
#define WL_WRITE_FD 9

static void usage(void)
{
	fputs("usage: workload COMMAND [ARGS]\n"
	      "  openat N PATH [MS] N openat(PATH) calls, each closed again (then sleeping MS\n"
	      "                     milliseconds)\n"
	      "  syscalls N         N getppid() system calls\n"
	      "  cpus N             N getppid() calls on each CPU it may run on, moving\n"
	      "                     itself from one to the next (per-CPU maps add up)\n"
	      "  write N TEXT       N write()s of TEXT to /dev/null on fd 9\n"
	      "  read SIZE...       one read() of each SIZE bytes from /dev/zero on fd 9\n"
	      "  sleep MS           one nanosleep of MS milliseconds\n"
	      "  spin MS            burn CPU for MS milliseconds\n"
	      "  flood MS           getppid() calls for MS milliseconds, then \"produced N\"\n"
	      "                     on standard error (the soak benchmark's producer)\n"
	      "  steps N MS         N getppid() calls, sleeping MS milliseconds after each\n"
	      "  poke N [MS]        N writes to the global wl_watched (for watchpoints),\n"
	      "                     sleeping MS milliseconds after each\n",
	      stderr);
}

static long parse_num(const char *s)
{
	char *end;
	errno = 0;
	long n = strtol(s, &end, 10);
	if (errno || *end || n < 0) {
		fprintf(stderr, "workload: bad number '%s'\n", s);
		return -1;
	}
	return n;
}

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

/* Opens /dev/null or /dev/zero on WL_WRITE_FD; returns 0 or -1. */
static int open_fixed(const char *path, int flags)
{
	int fd = open(path, flags);
	if (fd < 0) {
		perror(path);
		return -1;
	}
	if (fd != WL_WRITE_FD) {
		if (dup2(fd, WL_WRITE_FD) < 0) {
			perror("dup2");
			return -1;
		}
		close(fd);
	}
	return 0;
}

static int cmd_openat(long n, const char *path, long ms)
{
	for (long i = 0; i < n; i++) {
		int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY);
		if (fd >= 0)
			close(fd);
		if (ms > 0)
			sleep_ms(ms);
	}
	return 0;
}

static int cmd_syscalls(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	return 0;
}

static int cmd_cpus(long n)
{
	cpu_set_t all, one;
	if (sched_getaffinity(0, sizeof(all), &all))
		return 1;
	for (int c = 0; c < CPU_SETSIZE; c++) {
		if (!CPU_ISSET(c, &all))
			continue;
		CPU_ZERO(&one);
		CPU_SET(c, &one);
		if (sched_setaffinity(0, sizeof(one), &one))
			return 1;
		cmd_syscalls(n);
	}
	return 0;
}

static int cmd_write(long n, const char *text)
{
	if (open_fixed("/dev/null", O_WRONLY))
		return 1;
	size_t len = strlen(text);
	for (long i = 0; i < n; i++)
		if (write(WL_WRITE_FD, text, len) < 0)
			return 1;
	return 0;
}

static int cmd_read(int argc, char **argv)
{
	static char buf[1 << 20];
	if (open_fixed("/dev/zero", O_RDONLY))
		return 1;
	for (int i = 0; i < argc; i++) {
		long size = parse_num(argv[i]);
		if (size < 0 || size > (long)sizeof(buf))
			return 1;
		if (read(WL_WRITE_FD, buf, (size_t)size) < 0)
			return 1;
	}
	return 0;
}

static int cmd_spin(long ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000ull;
	volatile uint64_t x = 0;
	while (now_ns() < end)
		for (int i = 0; i < 1000; i++)
			x += i;
	return 0;
}

static int cmd_flood(long ms)
{
	uint64_t end = now_ns() + (uint64_t)ms * 1000000ull;
	unsigned long n = 0;
	while (now_ns() < end)
		for (int i = 0; i < 1024; i++, n++)
			syscall(SYS_getppid);
	fprintf(stderr, "produced %lu\n", n);
	return 0;
}

static int cmd_steps(long n, long ms)
{
	for (long i = 0; i < n; i++) {
		syscall(SYS_getppid);
		sleep_ms(ms);
	}
	return 0;
}

/* Watchpoint tests watch this variable; the static build gives it a fixed address. */
volatile long wl_watched;

static int cmd_poke(long n, long ms)
{
	for (long i = 0; i < n; i++) {
		wl_watched = i;
		if (ms > 0)
			sleep_ms(ms);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage();
		return 2;
	}
	const char *cmd = argv[1];
	long a = argc > 2 ? parse_num(argv[2]) : -1;
	if (!strcmp(cmd, "read") && argc >= 3)
		return cmd_read(argc - 2, argv + 2);
	if (argc > 2 && a < 0 && strcmp(cmd, "read"))
		return 2;
	if (!strcmp(cmd, "openat") && (argc == 4 || argc == 5)) {
		long ms = argc == 5 ? parse_num(argv[4]) : 0;
		return ms < 0 ? 2 : cmd_openat(a, argv[3], ms);
	}
	if (!strcmp(cmd, "syscalls") && argc == 3)
		return cmd_syscalls(a);
	if (!strcmp(cmd, "cpus") && argc == 3)
		return cmd_cpus(a);
	if (!strcmp(cmd, "write") && argc == 4)
		return cmd_write(a, argv[3]);
	if (!strcmp(cmd, "sleep") && argc == 3) {
		sleep_ms(a);
		return 0;
	}
	if (!strcmp(cmd, "poke") && (argc == 3 || argc == 4)) {
		long ms = argc == 4 ? parse_num(argv[3]) : 0;
		return ms < 0 ? 2 : cmd_poke(a, ms);
	}
	if (!strcmp(cmd, "spin") && argc == 3)
		return cmd_spin(a);
	if (!strcmp(cmd, "flood") && argc == 3)
		return cmd_flood(a);
	if (!strcmp(cmd, "steps") && argc == 4) {
		long ms = parse_num(argv[3]);
		return ms < 0 ? 2 : cmd_steps(a, ms);
	}
	usage();
	return 2;
}
