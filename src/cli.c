/* The command line as a bpftrace user types it: options anywhere before `--` (GNU style,
 * even under POSIXLY_CORRECT), the script and its positional parameters, `-d [STAGE]`,
 * `-p PID` checked up front, and the BPFTRACE_* environment variables. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "codegen_load.h"
#include <sys/stat.h>
#include <unistd.h>

#define BPFSCOPE_VERSION "0.1.0"

/* The kernel's PID_MAX_LIMIT on 64-bit: the largest pid_max can be (bpftrace checks the
 * same range, whatever this machine's pid_max is). */
#define PID_LIMIT 4194304

static void usage(FILE *f)
{
	fputs("USAGE:\n"
	      "    bpfscope [options] filename [args...]\n"
	      "    bpfscope [options] - [args...]       (program on stdin)\n"
	      "    bpfscope [options] -e 'program' [args...]\n"
	      "Options may also follow the program; arguments after '--' are positional\n"
	      "parameters even when they start with '-'.\n"
	      "\n"
	      "OPTIONS:\n"
	      "    -B MODE        output buffering mode ('full', 'line', 'none')\n"
	      "    -c 'CMD'       run CMD and trace it; `cpid` is its pid; stop when it exits\n"
	      "    -d [STAGE]     (dry run) debug output: 'ast', 'ir', 'asm' or 'all' (default)\n"
	      "    --dry-run      compile and load through the verifier, do not attach\n"
	      "    -e 'program'   execute this program\n"
	      "    --emit-elf F   (dry run) write the BPF object to F and exit\n"
	      "    -f FORMAT      output format ('text', 'json')\n"
	      "    -h, --help     show this help message\n"
	      "    --info         the kernel features and probe types this machine has\n"
	      "    -l [glob]      list probes; with a program, list the probes it attaches\n"
	      "    --no-cache     compile the program even if the compile cache has it, and\n"
	      "                   store nothing\n"
	      "    --no-warnings  disable warnings\n"
	      "    -o FILE        redirect output to FILE\n"
	      "    -p PID         enable USDT probes on PID; stop when it exits\n"
	      "    -q             keep messages quiet\n"
	      "    --unsafe       allow unsafe builtin functions\n"
	      "    -v             verbose messages (programs, maps, attach points, libbpf log,\n"
	      "                   whole verifier log)\n"
	      "    -V, --version  bpfscope version\n"
	      "\n"
	      "ENVIRONMENT:\n"
	      "    BPFTRACE_MAX_STRLEN    [default: 64] bytes on BPF stack per str()\n"
	      "                           (BPFTRACE_STRLEN, bpftrace 0.17's name, also works)\n"
	      "    BPFTRACE_MAP_KEYS_MAX  [default: 4096] max keys in a map\n"
	      "    BPFTRACE_MAX_PROBES    [default: 512] max number of probes\n"
	      "    BPFTRACE_PERF_RB_PAGES [default: 4 MiB in all] event buffer pages per CPU\n"
	      "    BPFTRACE_CAT_BYTES_MAX [default: 10k] max bytes cat() prints of a file\n"
	      "    BPFSCOPE_CACHE_DIR     [default: /var/cache/bpfscope for root, else\n"
	      "                           $XDG_CACHE_HOME/bpfscope or ~/.cache/bpfscope]\n"
	      "                           the compile cache's directory\n"
	      "\n"
	      "EXAMPLES:\n"
	      "bpfscope -l '*sleep*'\n"
	      "    list probes containing \"sleep\"\n"
	      "bpfscope -e 'tracepoint:syscalls:sys_enter_openat { printf(\"%s %s\\n\", comm,\n"
	      "    str(args.filename)); }'\n"
	      "    trace files opened, with process names\n"
	      "bpfscope -e 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }'\n"
	      "    count syscalls by process name\n"
	      "bpfscope examples/syscount.bt -c 'ls /tmp'\n"
	      "    run a script while 'ls /tmp' runs; stop when it exits\n"
	      "bpfscope -l -e 'tracepoint:syscalls:sys_enter_open* { }'\n"
	      "    list the probes a program attaches, without running it\n"
	      "bpfscope -e 'BEGIN { printf(\"%d\\n\", $1 + $2); exit(); }' -- -1 2\n"
	      "    positional parameters; after '--' they may start with '-'\n",
	      f);
}

void cli_warn(const struct cli *cl, const char *fmt, ...)
{
	if (cl->no_warnings)
		return;
	va_list ap;
	va_start(ap, fmt);
	fputs("warning: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

enum { OPT_DRY_RUN = 256, OPT_EMIT_ELF, OPT_UNSAFE, OPT_NO_WARNINGS, OPT_INFO, OPT_NO_CACHE };

static const struct option long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "emit-elf", required_argument, NULL, OPT_EMIT_ELF },
	{ "unsafe", no_argument, NULL, OPT_UNSAFE },
	{ "no-warnings", no_argument, NULL, OPT_NO_WARNINGS },
	{ "info", no_argument, NULL, OPT_INFO },
	{ "no-cache", no_argument, NULL, OPT_NO_CACHE },
	{ 0 },
};

/* Returns the enum cc_debug bits of a stage name, 0 if s is not one. "d" is -dd. */
static unsigned debug_stage(const char *s)
{
	if (!strcmp(s, "ast"))
		return CC_DEBUG_AST;
	if (!strcmp(s, "ir"))
		return CC_DEBUG_IR;
	if (!strcmp(s, "asm"))
		return CC_DEBUG_ASM;
	if (!strcmp(s, "all") || !strcmp(s, "d"))
		return CC_DEBUG_AST | CC_DEBUG_IR | CC_DEBUG_ASM;
	return 0;
}

/* -d alone means every stage (bpftrace 0.17's -d takes no argument); -d STAGE takes the
 * next word only when it names a stage, so `-d -e 'prog'` and `-d script.bt` work. */
static int parse_debug(int argc, char **argv, struct cli *cl)
{
	if (optarg) {
		unsigned bits = debug_stage(optarg);
		if (!bits) {
			fprintf(stderr, "error: invalid debug stage '%s': use ast, ir, asm or all\n",
				optarg);
			return -1;
		}
		cl->cc.debug |= bits;
		return 0;
	}
	unsigned bits = optind < argc ? debug_stage(argv[optind]) : 0;
	if (bits && strcmp(argv[optind], "d"))
		optind++;
	else
		bits = CC_DEBUG_AST | CC_DEBUG_IR | CC_DEBUG_ASM;
	cl->cc.debug |= bits;
	return 0;
}

/* -p PID: a decimal number in the kernel's pid range, naming a process that exists. */
static int parse_pid(const char *s, struct cli *cl)
{
	char *end;
	errno = 0;
	long long pid = strtoll(s, &end, 10);
	if (end == s || *end) {
		fprintf(stderr, "error: pid '%s' is not a valid decimal number\n", s);
		return -1;
	}
	if (errno == ERANGE || pid < 1 || pid > PID_LIMIT) {
		fprintf(stderr, "error: pid '%s' out of valid pid range [1,%d]\n", s, PID_LIMIT);
		return -1;
	}
	if (kill((pid_t)pid, 0) && errno == ESRCH) {
		fprintf(stderr, "error: pid '%s' does not exist\n", s);
		return -1;
	}
	cl->rt.pid = (pid_t)pid;
	cl->cc.pid = (int)pid;
	return 0;
}

static int parse_format(const char *s, struct cli *cl)
{
	if (!strcmp(s, "json"))
		cl->rt.json = true;
	else if (strcmp(s, "text")) {
		fprintf(stderr, "error: invalid output format '%s': use text or json\n", s);
		return -1;
	}
	return 0;
}

static int parse_buffering(const char *s, struct cli *cl)
{
	if (!strcmp(s, "none"))
		cl->rt.buffering = RT_BUF_NONE;
	else if (!strcmp(s, "line"))
		cl->rt.buffering = RT_BUF_LINE;
	else if (!strcmp(s, "full"))
		cl->rt.buffering = RT_BUF_FULL;
	else {
		fprintf(stderr, "error: invalid buffering mode '%s': use none, line or full\n", s);
		return -1;
	}
	return 0;
}

static int bad_option(char **argv)
{
	/* `script.bt -1` reads like a parameter but is an unknown option to getopt */
	if (optopt >= '0' && optopt <= '9') {
		fprintf(stderr, "error: put positional parameters that start with '-' after "
				"'--': bpfscope [options] PROGRAM -- %s\n",
			argv[optind > 0 ? optind - 1 : 0]);
		return -1;
	}
	usage(stderr);
	return -1;
}

/* --info: the system and the build, then what the kernel offers (rt_print_info). */
static void print_info(void)
{
	struct utsname u;
	unsigned major, minor, patch;
	uname(&u);
	cgl_llvm_version(&major, &minor, &patch);
	printf("System\n  OS: %s %s %s\n  Arch: %s\n\n", u.sysname, u.release, u.version,
	       u.machine);
	printf("Build\n  version: v%s\n  LLVM: %u.%u.%u\n  libbpf: %u.%u\n"
	       "  libdw (DWARF support): yes\n\n",
	       BPFSCOPE_VERSION, major, minor, patch, rt_libbpf_version() >> 16,
	       rt_libbpf_version() & 0xffff);
	rt_print_info(stdout);
}

/* One option; returns 0, 1 (done: -h, -V, --info) or -1. */
static int parse_opt(int opt, int argc, char **argv, struct cli *cl)
{
	switch (opt) {
	case 'h':
		usage(stdout);
		return 1;
	case 'V':
		printf("bpfscope v%s\n", BPFSCOPE_VERSION);
		return 1;
	case OPT_INFO:
		print_info();
		return 1;
	case 'e':
		cl->program = optarg;
		return 0;
	case 'l':
		cl->list = true;
		return 0;
	case 'f':
		return parse_format(optarg, cl);
	case 'o':
		if (cl->rt.out)
			fclose(cl->rt.out);
		cl->rt.out = fopen(optarg, "w");
		if (!cl->rt.out) {
			fprintf(stderr, "error: failed to open output file %s: %s\n", optarg,
				strerror(errno));
			return -1;
		}
		return 0;
	case 'B':
		return parse_buffering(optarg, cl);
	case 'c':
		cl->cmd = optarg;
		cl->cc.has_cpid = true;
		return 0;
	case 'p':
		return parse_pid(optarg, cl);
	case 'q':
		cl->rt.quiet = true;
		return 0;
	case 'v':
		cl->rt.verbose++;
		return 0;
	case 'd':
		return parse_debug(argc, argv, cl);
	case OPT_DRY_RUN:
		cl->rt.dry_run = true;
		return 0;
	case OPT_EMIT_ELF:
		cl->rt.emit_elf = optarg;
		return 0;
	case OPT_UNSAFE:
		cl->cc.unsafe = true;
		return 0;
	case OPT_NO_WARNINGS:
		cl->no_warnings = true;
		return 0;
	case OPT_NO_CACHE:
		cl->no_cache = true;
		return 0;
	}
	return bad_option(argv);
}

/* With -l and no -e, a word is a script when it is `-`, ends in .bt or names a file;
 * otherwise it is the search pattern. */
static bool is_script_name(const char *s)
{
	struct stat st;
	size_t n = strlen(s);
	return !strcmp(s, "-") || (n > 3 && !strcmp(s + n - 3, ".bt")) ||
	       (!stat(s, &st) && S_ISREG(st.st_mode));
}

/* Splits the words that are not options into the script and its parameters. */
static int sort_words(struct cli *cl, const char **words, int n)
{
	int first = 0;
	if (!cl->program && n > 0 && (!cl->list || is_script_name(words[0])))
		cl->file = words[first++];
	else if (!cl->program && cl->list && n > 0)
		cl->list_glob = words[first++];
	if (!cl->program && !cl->file && !cl->list) {
		fprintf(stderr, "error: no program given: use -e 'program' or a file name\n");
		return -1;
	}
	cl->params = words + first;
	cl->nparams = n - first;
	return 0;
}

int cli_parse(int argc, char **argv, struct cli *cl)
{
	/* Words that are not options, in order: the script, then its parameters. */
	const char **words = calloc((size_t)argc + 1, sizeof(*words));
	if (!words) {
		fprintf(stderr, "error: out of memory\n");
		return -1;
	}
	cl->words = words;
	int n = 0, opt;
	/* A leading '-' returns each non-option in place (as opt 1), so options may follow
	 * the script whatever POSIXLY_CORRECT says; getopt stops at `--`. */
	while ((opt = getopt_long(argc, argv, "-hVe:lf:o:B:c:p:qvd::", long_opts, NULL)) != -1) {
		if (opt == 1) {
			words[n++] = optarg;
			continue;
		}
		int r = parse_opt(opt, argc, argv, cl);
		if (r)
			return r;
	}
	while (optind < argc)
		words[n++] = argv[optind++];
	return sort_words(cl, words, n);
}

static int env_int(const char *name, int def, int min, int max)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	errno = 0;
	long n = strtol(v, &end, 10);
	if (end == v || *end || errno == ERANGE || n < min || n > max) {
		fprintf(stderr, "error: %s must be a number from %d to %d, got '%s'\n", name, min,
			max, v);
		return -1;
	}
	return (int)n;
}

/* bpftrace's BPFTRACE_PERF_RB_PAGES counts pages per CPU; our one ring buffer is shared,
 * so it gets pages * CPUs, rounded up to a power of two. 0 keeps the default. */
static unsigned ringbuf_bytes(int pages_per_cpu)
{
	if (pages_per_cpu <= 0)
		return 0;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	unsigned long want = (unsigned long)pages_per_cpu * (unsigned long)sysconf(_SC_PAGESIZE) *
			     (unsigned long)(ncpu > 0 ? ncpu : 1);
	unsigned long size = (unsigned long)sysconf(_SC_PAGESIZE);
	while (size < want && size < (1ul << 30))
		size <<= 1;
	return (unsigned)size;
}

/* BPFTRACE_MAX_STRLEN, or BPFTRACE_STRLEN as bpftrace 0.17 calls it; both are checked,
 * MAX_STRLEN wins. */
static int env_strlen(const struct cli *cl)
{
	int max = env_int("BPFTRACE_MAX_STRLEN", 0, 1, 200);
	int old = env_int("BPFTRACE_STRLEN", 0, 1, 200);
	if (max < 0 || old < 0)
		return -1;
	if (max && old && max != old)
		cli_warn(cl, "BPFTRACE_STRLEN=%d is ignored: BPFTRACE_MAX_STRLEN=%d is set", old,
			 max);
	return max ? max : old ? old : 64;
}

int cli_read_env(struct cli *cl)
{
	cl->cc.strlen = env_strlen(cl);
	cl->cc.map_keys_max = env_int("BPFTRACE_MAP_KEYS_MAX", 4096, 1, 1 << 24);
	cl->cc.max_probes = env_int("BPFTRACE_MAX_PROBES", 512, 1, 1 << 20);
	int rb_pages = env_int("BPFTRACE_PERF_RB_PAGES", 0, 1, 1 << 20);
	cl->rt.cat_bytes_max = env_int("BPFTRACE_CAT_BYTES_MAX", 10240, 1, 1 << 30);
	if (cl->cc.strlen < 0 || cl->cc.map_keys_max < 0 || cl->cc.max_probes < 0 || rb_pages < 0 ||
	    cl->rt.cat_bytes_max < 0)
		return -1;
	cl->cc.ringbuf_size = ringbuf_bytes(rb_pages);
	return 0;
}

char **cli_split_command(const char *cmd)
{
	size_t n = strlen(cmd);
	/* at most one word per two bytes, plus the NULL; the words share one buffer after */
	size_t nwords = n / 2 + 2;
	char **argv = malloc(nwords * sizeof(char *) + n + nwords);
	if (!argv)
		return NULL;
	char *out = (char *)(argv + nwords);
	size_t w = 0;
	const char *p = cmd;
	while (*p) {
		p += strspn(p, " \t\n");
		if (!*p)
			break;
		argv[w++] = out;
		while (*p && !strchr(" \t\n", *p)) {
			if (*p != '\'' && *p != '"') {
				*out++ = *p++;
				continue;
			}
			const char *close = strchr(p + 1, *p);
			if (!close) {
				free(argv);
				return NULL;
			}
			memcpy(out, p + 1, (size_t)(close - p - 1));
			out += close - p - 1;
			p = close + 1;
		}
		*out++ = '\0';
	}
	argv[w] = NULL;
	if (!w) {
		free(argv);
		return NULL;
	}
	return argv;
}

void cli_fini(struct cli *cl)
{
	free(cl->words);
	cl->words = cl->params = NULL;
	if (cl->rt.out)
		fclose(cl->rt.out);
	cl->rt.out = NULL;
}
