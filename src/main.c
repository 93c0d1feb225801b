/* The command line: flags, environment, exit codes. Everything else lives in the
 * compiler (src/compiler.c) and the runtime (src/runtime/). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wordexp.h>

#include "compiler.h"
#include "runtime/runtime.h"
#include "sema/sema.h"

#define BPFSCOPE_VERSION "0.1.0"

static void usage(FILE *f)
{
	fputs("USAGE:\n"
	      "    bpfscope [options] filename [args...]\n"
	      "    bpfscope [options] - [args...]       (program on stdin)\n"
	      "    bpfscope [options] -e 'program' [args...]\n"
	      "\n"
	      "OPTIONS:\n"
	      "    -B MODE        output buffering mode ('full', 'line', 'none')\n"
	      "    -c 'CMD'       run CMD and trace it; `cpid` is its pid; stop when it exits\n"
	      "    -d STAGE       debug output: 'ast', 'ir', 'asm' or 'all'\n"
	      "    --dry-run      compile and load through the verifier, do not attach\n"
	      "    -e 'program'   execute this program\n"
	      "    --emit-elf F   write the BPF object to F and exit\n"
	      "    -f FORMAT      output format ('text', 'json')\n"
	      "    -h, --help     show this help message\n"
	      "    -l [glob]      list probes\n"
	      "    --no-warnings  disable warnings\n"
	      "    -o FILE        redirect output to FILE\n"
	      "    -p PID         enable USDT probes on PID\n"
	      "    -q             keep messages quiet\n"
	      "    --unsafe       allow unsafe builtin functions\n"
	      "    -v             verbose messages (libbpf log, whole verifier log)\n"
	      "    -V, --version  bpfscope version\n"
	      "\n"
	      "ENVIRONMENT:\n"
	      "    BPFTRACE_MAX_STRLEN    [default: 64] bytes on BPF stack per str()\n"
	      "    BPFTRACE_MAP_KEYS_MAX  [default: 4096] max keys in a map\n"
	      "    BPFTRACE_MAX_PROBES    [default: 512] max number of probes\n"
	      "    BPFTRACE_PERF_RB_PAGES [default: 4 MiB in all] event buffer pages per CPU\n"
	      "\n"
	      "EXAMPLES:\n"
	      "bpfscope -l '*sleep*'\n"
	      "    list probes containing \"sleep\"\n"
	      "bpfscope -e 'tracepoint:syscalls:sys_enter_openat { printf(\"%s %s\\n\", comm,\n"
	      "    str(args.filename)); }'\n"
	      "    trace files opened, with process names\n"
	      "bpfscope -e 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }'\n"
	      "    count syscalls by process name\n",
	      f);
}

static char *read_stream(FILE *f)
{
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
		if (cap - len < 2) {
			char *p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
	}
	if (buf)
		buf[len] = '\0';
	return buf;
}

static int env_int(const char *name, int def, int min, int max)
{
	const char *v = getenv(name);
	if (!v || !*v)
		return def;
	char *end;
	long n = strtol(v, &end, 10);
	if (*end || n < min || n > max) {
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

enum { OPT_DRY_RUN = 256, OPT_EMIT_ELF, OPT_UNSAFE, OPT_NO_WARNINGS };

static const struct option long_opts[] = {
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "emit-elf", required_argument, NULL, OPT_EMIT_ELF },
	{ "unsafe", no_argument, NULL, OPT_UNSAFE },
	{ "no-warnings", no_argument, NULL, OPT_NO_WARNINGS },
	{ 0 },
};

struct cmdline {
	const char *program; /* -e */
	const char *file;
	bool list;
	const char *list_glob;
	const char *cmd; /* -c */
	bool no_warnings;
	struct cc_opts cc;
	struct rt_opts rt;
};

static int parse_debug(const char *s, unsigned *bits)
{
	if (!strcmp(s, "ast"))
		*bits |= CC_DEBUG_AST;
	else if (!strcmp(s, "ir"))
		*bits |= CC_DEBUG_IR;
	else if (!strcmp(s, "asm"))
		*bits |= CC_DEBUG_ASM;
	else if (!strcmp(s, "all"))
		*bits |= CC_DEBUG_AST | CC_DEBUG_IR | CC_DEBUG_ASM;
	else
		return -1;
	return 0;
}

/* Returns 0 to go on, 1 when done successfully (-h, -V), -1 on a bad flag. */
static int parse_args(int argc, char **argv, struct cmdline *cl)
{
	int opt;
	while ((opt = getopt_long(argc, argv, "+hVe:lf:o:B:c:p:qvd:", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("bpfscope v%s\n", BPFSCOPE_VERSION);
			return 1;
		case 'e':
			cl->program = optarg;
			break;
		case 'l':
			cl->list = true;
			break;
		case 'f':
			if (!strcmp(optarg, "json"))
				cl->rt.json = true;
			else if (strcmp(optarg, "text")) {
				fprintf(stderr, "error: invalid output format '%s': use text or json\n",
					optarg);
				return -1;
			}
			break;
		case 'o':
			cl->rt.out = fopen(optarg, "w");
			if (!cl->rt.out) {
				fprintf(stderr, "error: failed to open output file %s: %s\n", optarg,
					strerror(errno));
				return -1;
			}
			break;
		case 'B':
			if (!strcmp(optarg, "none"))
				cl->rt.buffering = RT_BUF_NONE;
			else if (!strcmp(optarg, "line"))
				cl->rt.buffering = RT_BUF_LINE;
			else if (!strcmp(optarg, "full"))
				cl->rt.buffering = RT_BUF_FULL;
			else {
				fprintf(stderr,
					"error: invalid buffering mode '%s': use none, line or full\n",
					optarg);
				return -1;
			}
			break;
		case 'c':
			cl->cmd = optarg;
			cl->cc.has_cpid = true;
			break;
		case 'p': {
			char *end;
			long pid = strtol(optarg, &end, 10);
			if (*end || pid <= 0) {
				fprintf(stderr, "error: invalid pid '%s'\n", optarg);
				return -1;
			}
			cl->rt.pid = (pid_t)pid;
			cl->cc.pid = (int)pid;
			break;
		}
		case 'q':
			cl->rt.quiet = true;
			break;
		case 'v':
			cl->rt.verbose++;
			break;
		case 'd':
			if (parse_debug(optarg, &cl->cc.debug)) {
				fprintf(stderr,
					"error: invalid debug stage '%s': use ast, ir, asm or all\n",
					optarg);
				return -1;
			}
			break;
		case OPT_DRY_RUN:
			cl->rt.dry_run = true;
			break;
		case OPT_EMIT_ELF:
			cl->rt.emit_elf = optarg;
			break;
		case OPT_UNSAFE:
			cl->cc.unsafe = true;
			break;
		case OPT_NO_WARNINGS:
			cl->no_warnings = true;
			break;
		default:
			usage(stderr);
			return -1;
		}
	}
	return 0;
}

static char *load_script(struct cmdline *cl, int argc, char **argv, int *argi)
{
	if (cl->program) {
		cl->file = "stdin";
		return strdup(cl->program);
	}
	if (*argi >= argc) {
		fprintf(stderr, "error: no program given: use -e 'program' or a file name\n");
		return NULL;
	}
	const char *name = argv[(*argi)++];
	FILE *f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	if (!f) {
		fprintf(stderr, "error: failed to open %s: %s\n", name, strerror(errno));
		return NULL;
	}
	char *src = read_stream(f);
	if (f != stdin)
		fclose(f);
	cl->file = strcmp(name, "-") ? name : "stdin";
	return src;
}

static int run(struct cmdline *cl, char *src)
{
	struct compiler c;
	int err = cc_init(&c, cl->file, src, &cl->cc, NULL);
	if (err) {
		fprintf(stderr, "error: out of memory\n");
		return 1;
	}
	c.diag.no_warnings = cl->no_warnings;
	err = cc_run(&c, NULL);
	if (err) {
		if (err == -ENOMEM)
			fprintf(stderr, "error: out of memory\n");
		else if (err != -EINVAL)
			fprintf(stderr, "error: compilation failed: %s\n", strerror(-err));
		cc_fini(&c);
		return 1;
	}
	cl->rt.diag = &c.diag;
	err = rt_run(c.pd, c.elf, c.elf_size, &cl->rt);
	cc_fini(&c);
	return err ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct cmdline cl = { 0 };
	int r = parse_args(argc, argv, &cl);
	if (r)
		return r > 0 ? 0 : 1;
	int argi = optind;
	cl.cc.strlen = env_int("BPFTRACE_MAX_STRLEN", 64, 1, 200);
	cl.cc.map_keys_max = env_int("BPFTRACE_MAP_KEYS_MAX", 4096, 1, 1 << 24);
	cl.cc.max_probes = env_int("BPFTRACE_MAX_PROBES", 512, 1, 1 << 20);
	int rb_pages = env_int("BPFTRACE_PERF_RB_PAGES", 0, 1, 1 << 20);
	if (cl.cc.strlen < 0 || cl.cc.map_keys_max < 0 || cl.cc.max_probes < 0 || rb_pages < 0)
		return 1;
	cl.cc.ringbuf_size = ringbuf_bytes(rb_pages);
	if (cl.list && !cl.program) {
		if (argi < argc)
			cl.list_glob = argv[argi];
		return sema_list_probes(cl.list_glob, cl.rt.verbose > 0, stdout) < 0 ? 1 : 0;
	}
	char *src = load_script(&cl, argc, argv, &argi);
	if (!src)
		return 1;
	cl.cc.params = (const char **)&argv[argi];
	cl.cc.nparams = argc - argi;

	wordexp_t we = { 0 };
	if (cl.cmd) {
		if (wordexp(cl.cmd, &we, WRDE_NOCMD) || we.we_wordc == 0) {
			fprintf(stderr, "error: cannot parse command '%s'\n", cl.cmd);
			free(src);
			return 1;
		}
		cl.rt.child_argv = we.we_wordv;
	}
	int rc = run(&cl, src);
	if (cl.cmd)
		wordfree(&we);
	if (cl.rt.out)
		fclose(cl.rt.out);
	free(src);
	return rc;
}
