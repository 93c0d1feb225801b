/* The command line: flags (parsed in src/cli.c), environment, exit codes. Everything else
 * lives in the compiler (src/compiler.c) and the runtime (src/runtime/). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cache/cache.h"
#include "cache/diag_tee.h"
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

/* Runs a compiled program; diag maps verifier errors and attach failures to the script. */
static int run_program(struct cli *cl, const struct pd_prog *pd, const void *elf, size_t size,
		       struct diag *diag)
{
	cl->rt.diag = diag;
	int r = rt_run(pd, elf, size, &cl->rt);
	return r < 0 ? 1 : r;
}

/* A cache hit: what the compile printed, then the stored program, as a miss would (-v
 * times the compile phase either way: here, finding it in the cache since start). */
static int run_hit(struct cli *cl, const char *name, const char *src, struct cache_hit *hit,
		   unsigned long long start)
{
	struct diag d;
	fwrite(hit->diag, 1, hit->diag_len, stderr);
	if (cl->rt.verbose)
		rt_verbose_time("compile", start);
	diag_init(&d, name, src, NULL);
	d.no_warnings = cl->no_warnings;
	return run_program(cl, hit->pd, hit->elf, hit->elf_size, &d);
}

/* Whether this run may use the compile cache: -l and -d always compile; -p resolves
 * probes in a live process, whose mappings cost more to check than a compile. */
static bool cacheable(const struct cli *cl)
{
	return !cl->no_cache && !cl->list && !cl->cc.debug && !cl->cc.pid;
}

/* Compiles src (storing the result in the cache when ch is open); then lists its probes
 * (-l), stops after the debug output (-d, a dry run like bpftrace's), or runs it. */
static int compile_and_run(struct cli *cl, const char *name, char *src, size_t size,
			   struct cache *ch)
{
	struct compiler c;
	struct cache_tee tee = { .to = stderr };
	FILE *diag_out = cache_is_open(ch) ? cache_tee_open(&tee) : NULL;
	int err = cc_init(&c, name, src, &cl->cc, diag_out);
	if (err) {
		fprintf(stderr, "error: out of memory\n");
		goto out;
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
		goto out;
	}
	if (diag_out) {
		c.diag.out = stderr;
		fclose(diag_out);
		diag_out = NULL;
		if (!tee.oom)
			cache_store(ch, c.pd, c.elf, c.elf_size, tee.buf, tee.len);
	}
	int rc = 0;
	if (cl->list)
		rc = list_program(cl, c.pd);
	else if (!cl->cc.debug || cl->rt.emit_elf)
		rc = run_program(cl, c.pd, c.elf, c.elf_size, &c.diag);
	cc_fini(&c);
	free(tee.buf);
	return rc;
out:
	if (diag_out)
		fclose(diag_out);
	free(tee.buf);
	cc_fini(&c);
	return 1;
}

/* Runs src from the compile cache when it holds it, else compiles it. */
static int run(struct cli *cl, const char *name, char *src, size_t size)
{
	struct cache ch = { .dirfd = -1 };
	struct cache_hit hit;
	struct cache_key_in key = { name, src, size, &cl->cc, cl->no_warnings };
	unsigned long long start = rt_clock_ns();
	int rc;
	if (cacheable(cl) && cache_open(&ch, &key, cl->no_warnings) && !cache_lookup(&ch, &hit)) {
		rc = run_hit(cl, name, src, &hit, start);
		cache_hit_free(&hit);
	} else {
		rc = compile_and_run(cl, name, src, size, &ch);
	}
	cache_close(&ch);
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
