/* C++ symbol names demangled through libstdc++'s __cxa_demangle, shared by sema (uprobe
 * function names) and the runtime (ustack symbols). */
#ifndef UTIL_DEMANGLE_H
#define UTIL_DEMANGLE_H

/* The demangled form of a mangled C++ name ("_Z..."), malloc'd; NULL for other names, for
 * names that do not demangle, and when libstdc++ cannot be loaded. */
char *demangle_cxx(const char *name);

#endif
