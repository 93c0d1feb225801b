/* The files a compile read beyond the script (uprobe and USDT binaries and the libraries
 * they resolve through, #include'd headers, cgroup directories, sysctls): sema notes each
 * as it reads it, the compile cache stores the list with its entry and a lookup checks
 * that every one is unchanged. */
#ifndef CACHE_DEPS_H
#define CACHE_DEPS_H

#include <stdbool.h>
#include <stddef.h>

struct blob_w;
struct blob_r;

/* Notes a file or directory by its identity (device, inode, size, mtime, ctime): for
 * files that change by being rewritten. */
void cache_dep_file(const char *path);
/* Notes a small file by its content, read now (procfs and sysfs files, whose stat says
 * nothing). */
void cache_dep_content(const char *path);
/* Notes that the compile resolved a relative path against the working directory. */
void cache_dep_cwd(void);
/* Forgets every note (before a compile). */
void cache_deps_reset(void);
/* Appends the notes to w. */
void cache_deps_write(struct blob_w *w);
/* Reads the notes cache_deps_write wrote and checks each against the file system now.
 * Returns true when every one is unchanged (false too when r is malformed). */
bool cache_deps_check(struct blob_r *r);

#endif
