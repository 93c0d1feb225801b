/* The command line as a bpftrace user types it: options anywhere before `--`, the script
 * (file, `-` or -e), positional parameters, and the BPFTRACE_* environment. main.c uses it. */
#ifndef CLI_H
#define CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "compiler.h"
#include "runtime/runtime.h"

struct cli {
	const char *program; /* -e */
	const char *file; /* script file name, "-" for stdin; NULL with -e */
	bool list; /* -l */
	const char *list_glob; /* -l GLOB */
	const char *cmd; /* -c */
	bool no_warnings; /* --no-warnings */
	bool no_cache; /* --no-cache */
	const char **params; /* positional parameters $1..$N, in order (inside words) */
	int nparams;
	const char **words; /* every word that is not an option (malloc'd) */
	struct cc_opts cc;
	struct rt_opts rt;
};

/* Parses argv (options may follow the script; everything after `--` is a positional
 * parameter). Returns 0 to go on, 1 when done successfully (-h, -V), -1 after printing a
 * message for a bad flag. */
int cli_parse(int argc, char **argv, struct cli *cl);
/* Reads BPFTRACE_MAX_STRLEN (or 0.17's BPFTRACE_STRLEN), BPFTRACE_MAP_KEYS_MAX,
 * BPFTRACE_MAX_PROBES and BPFTRACE_PERF_RB_PAGES into cl->cc. Returns 0, or -1 after a
 * message for a bad value. */
int cli_read_env(struct cli *cl);
/* Prints "warning: ..." on stderr unless --no-warnings. */
void cli_warn(const struct cli *cl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Splits -c's command into words as bpftrace does: at blanks, with every character kept
 * as written (backslashes and $ included: no expansion), except that quotes ('...' or
 * "...") are removed and keep the blanks inside them. Returns a NULL-terminated argv in
 * one malloc'd block, or NULL when the command is empty or a quote is not closed. */
char **cli_split_command(const char *cmd);
/* Releases what cli_parse allocated and closes -o's file. */
void cli_fini(struct cli *cl);

#endif
