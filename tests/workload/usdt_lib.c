/* libusdt_target.so: a shared library with its own USDT probe, called by usdt_target, so
 * probe discovery is tested on a shared object and on the files a process maps. */
#include <sys/sdt.h>

void usdt_lib_fire(int i);

void usdt_lib_fire(int i)
{
	STAP_PROBE2(bpfscope_lib, lib_probe, i, (unsigned long)i + 1);
}
