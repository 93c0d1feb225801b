/* The semaphore-guarded probe of usdt_target, in its own file because <sys/sdt.h> decides
 * at include time (_SDT_HAS_SEMAPHORES) that every probe of a file has a semaphore. The
 * kernel counts attached uprobes in the semaphore (ref_ctr_offset); the code checks it. */
#define _SDT_HAS_SEMAPHORES 1
#include <sys/sdt.h>

void usdt_sem_fire(int i);

unsigned short bpfscope_sem_semaphore __attribute__((section(".probes")));

__attribute__((noinline)) void usdt_sem_fire(int i)
{
	if (bpfscope_sem_semaphore)
		STAP_PROBE2(bpfscope, sem, i, (unsigned long)i * 2);
}
