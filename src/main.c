/* The command line: flags (parsed in src/cli.c), environment, exit codes. Everything else
 * lives in the compiler (src/compiler.c) and the runtime (src/runtime/). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "compiler.h"
#include "progdesc.h"
#include "runtime/runtime.h"
#include "sema/sema.h"

static char *read_stream(FILE *f, size_t *size)
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
	*size = len;
	return buf;
}

/* Returns the script text (malloc'd) and sets *name to what diagnostics call it. */
static char *load_script(const struct cli *cl, const char **name, size_t *size)
{
	if (cl->program) {
		*name = "stdin";
		*size = strlen(cl->program);
		return strdup(cl->program);
	}
	bool is_stdin = !strcmp(cl->file, "-");
	FILE *f = is_stdin ? stdin : fopen(cl->file, "r");
	struct stat st;
	if (f && !fstat(fileno(f), &st) && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "error: %s is a directory, not a script\n", cl->file);
		fclose(f);
		return NULL;
	}
	if (!f) {
		fprintf(stderr, "error: failed to open %s: %s\n", cl->file, strerror(errno));
		return NULL;
	}
	char *src = read_stream(f, size);
	if (!is_stdin)
		fclose(f);
	*name = is_stdin ? "stdin" : cl->file;
	return src;
}

/* -l with a program: its probes after wildcard expansion, one a line, each once;
 * -lv adds tracepoint arguments. */
static int list_program(const struct cli *cl, const struct pd_prog *pd)
{
	for (int i = 0; i < pd->probes.len; i++) {
		const struct pd_probe *p = &pd->probes.v[i];
		bool seen = false;
		for (int j = 0; j < i && !seen; j++)
			seen = !strcmp(pd->probes.v[j].name, p->name);
		if (seen)
			continue;
		if (cl->rt.verbose && (p->kind == PD_PROBE_TRACEPOINT || p->kind == PD_PROBE_RAWTP)) {
			struct sema_list_opts lo = { .glob = p->name, .verbose = true,
						     .pid = cl->cc.pid, .out = stdout };
			if (sema_list_probes(&lo) < 0)
				return 1;
		} else {
			printf("%s\n", p->name);
		}
	}
	return 0;
}

/* Compiles src; then lists its probes (-l), stops after the debug output (-d, a dry
 * run like bpftrace's), or runs it. */
static int run(struct cli *cl, const char *name, char *src, size_t size)
{
	struct compiler c;
	int err = cc_init(&c, name, src, &cl->cc, NULL);
	if (err) {
		fprintf(stderr, "error: out of memory\n");
		return 1;
	}
	c.src_len = size;
	c.diag.no_warnings = cl->no_warnings;
	unsigned long long start = rt_clock_ns();
	err = cc_run(&c, cl->list ? "resolve" : NULL);
	if (!err && cl->rt.verbose)
		rt_verbose_time("compile", start);
	if (err) {
		if (err == -ENOMEM)
			fprintf(stderr, "error: out of memory\n");
		else if (err != -EINVAL)
			fprintf(stderr, "error: compilation failed: %s\n", strerror(-err));
		cc_fini(&c);
		return 1;
	}
	int rc = 0;
	if (cl->list) {
		rc = list_program(cl, c.pd);
	} else if (!cl->cc.debug || cl->rt.emit_elf) {
		cl->rt.diag = &c.diag;
		int r = rt_run(c.pd, c.elf, c.elf_size, &cl->rt);
		rc = r < 0 ? 1 : r;
	}
	cc_fini(&c);
	return rc;
}

static int run_script(struct cli *cl)
{
	const char *name;
	size_t size = 0;
	char *src = load_script(cl, &name, &size);
	if (!src)
		return 1;
	/* Say what is missing before sema trips over an unreadable tracefs. */
	bool loads = !cl->list && !cl->cc.debug && !cl->rt.emit_elf;
	if (loads && !rt_can_trace()) {
		fprintf(stderr, "error: %s: this process (uid %d) does not have them\n",
			RT_PRIV_NEEDED, (int)geteuid());
		free(src);
		return 1;
	}
	cl->cc.params = cl->params;
	cl->cc.nparams = cl->nparams;
	if (cl->cmd && loads) {
		cl->rt.child_argv = cli_split_command(cl->cmd);
		if (!cl->rt.child_argv) {
			fprintf(stderr, "error: cannot parse command '%s': it is empty or a quote "
				"is not closed\n", cl->cmd);
			free(src);
			return 1;
		}
	}
	int rc = run(cl, name, src, size);
	free((void *)cl->rt.child_argv);
	free(src);
	return rc;
}

int main(int argc, char **argv)
{
	struct cli cl = { 0 };
	int r = cli_parse(argc, argv, &cl);
	if (!r && cli_read_env(&cl))
		r = -1;
	int rc = r > 0 ? 0 : 1;
	if (!r && cl.list && !cl.program && !cl.file) {
		struct sema_list_opts lo = { .glob = cl.list_glob, .verbose = cl.rt.verbose > 0,
					     .pid = cl.cc.pid, .can_attach = rt_can_attach,
					     .out = stdout };
		rc = sema_list_probes(&lo) < 0 ? 1 : 0;
	} else if (!r) {
		rc = run_script(&cl);
	}
	cli_fini(&cl);
	return rc;
}
