/* A 32-bit program making ia32 system calls only (int $0x80, no libc): getppid (ia32
 * number 64, x86-64's semop) three times, then exit (ia32 number 1, x86-64's write). The
 * syscall tracepoints do not fire for them; raw_syscalls does, with those numbers
 * (tests/runtime/cases/syscall_dispatch_ia32.case). */
static long sys0(long nr)
{
	long r;
	__asm__ volatile("int $0x80" : "=a"(r) : "a"(nr) : "memory");
	return r;
}

static void sys_exit(long code)
{
	__asm__ volatile("int $0x80" : : "a"(1L), "b"(code) : "memory");
}

void _start(void)
{
	for (int i = 0; i < 3; i++)
		sys0(64);
	sys_exit(0);
}
