/* Demangling without linking libstdc++: bpfscope is C, and a run that meets no C++ symbol
 * (most runs, and every cache hit) should not map and relocate a C++ runtime it does not
 * use. The library is opened on the first mangled name. */
#include "demangle.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

typedef char *cxa_demangle_fn(const char *mangled, char *buf, size_t *len, int *status);

char *demangle_cxx(const char *name)
{
	static cxa_demangle_fn *fn;
	static bool tried;
	if (strncmp(name, "_Z", 2) != 0)
		return NULL;
	if (!tried) {
		tried = true;
		void *h = dlopen("libstdc++.so.6", RTLD_LAZY | RTLD_LOCAL);
		fn = h ? (cxa_demangle_fn *)dlsym(h, "__cxa_demangle") : NULL;
	}
	int status = 0;
	char *d = fn ? fn(name, NULL, NULL, &status) : NULL;
	if (d && status) {
		free(d);
		d = NULL;
	}
	return d;
}
