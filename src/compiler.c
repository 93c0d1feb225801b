/* The pass table: parse, resolve, typecheck, codegen, read top to bottom. The driver
 * stops between passes when diagnostics reported errors, never inside one. */
#include "compiler.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "cache/deps.h"
#include "codegen_load.h"
#include "parser/ast.h"
#include "parser/parser.h"
#include "progdesc.h"
#include "sema/sema.h"

struct pass {
	const char *name;
	int (*run)(struct compiler *c);
	bool dump_ast; /* -d ast prints the tree after this pass */
};

static const struct pass passes[] = {
	{ "parse", parse_program, true },
	{ "resolve", sema_resolve, false },
	{ "typecheck", sema_typecheck, true },
	{ "codegen", cgl_emit, false },
};

int cc_init(struct compiler *c, const char *file, const char *src, const struct cc_opts *opts,
	    FILE *diag_out)
{
	memset(c, 0, sizeof(*c));
	cache_deps_reset(); /* the files this compile reads, noted afresh (src/cache/deps.h) */
	c->file = file ? file : "stdin";
	c->src = src;
	if (opts)
		c->opts = *opts;
	if (c->opts.strlen <= 0)
		c->opts.strlen = 64;
	if (c->opts.map_keys_max <= 0)
		c->opts.map_keys_max = 4096;
	diag_init(&c->diag, c->file, src, diag_out);
	c->pd = pd_new();
	if (!c->pd)
		return -ENOMEM;
	c->pd->strlen = (uint32_t)c->opts.strlen;
	c->pd->ringbuf_size = c->opts.ringbuf_size ? c->opts.ringbuf_size : CC_RINGBUF_DEFAULT;
	return 0;
}

static int run_passes(struct compiler *c, const char *last)
{
	FILE *dbg = c->opts.debug_out ? c->opts.debug_out : stderr;
	for (size_t i = 0; i < sizeof(passes) / sizeof(passes[0]); i++) {
		const struct pass *p = &passes[i];
		int err = p->run(c);
		if (err == 0 && diag_errors(&c->diag) > 0)
			err = -EINVAL;
		if (err)
			return err;
		if (p->dump_ast && (c->opts.debug & CC_DEBUG_AST) && c->ast) {
			fprintf(dbg, "AST after %s:\n", p->name);
			ast_dump(dbg, c->ast);
		}
		if (last && strcmp(last, p->name) == 0)
			break;
	}
	return 0;
}

struct run_args {
	struct compiler *c;
	const char *last;
	int err;
};

static void *run_thread(void *arg)
{
	struct run_args *r = arg;
	r->err = run_passes(r->c, r->last);
	return NULL;
}

int cc_run(struct compiler *c, const char *last)
{
	struct run_args r = { c, last, 0 };
	pthread_attr_t attr;
	pthread_t t;
	if (pthread_attr_init(&attr))
		return -ENOMEM;
	int err = pthread_attr_setstacksize(&attr, CC_STACK_SIZE);
	if (!err)
		err = pthread_create(&t, &attr, run_thread, &r);
	pthread_attr_destroy(&attr);
	if (err) { /* no address space for the big stack: compile on this one */
		r.err = run_passes(c, last);
	} else {
		pthread_join(t, NULL);
	}
	/* LLVM is done: tracing runs without its code and memory */
	cgl_unload();
	return r.err;
}

void cc_release_arena(struct compiler *c)
{
	arena_free(&c->arena);
	c->ast = NULL;
}

void cc_fini(struct compiler *c)
{
	cc_release_arena(c);
	pd_free(c->pd);
	c->pd = NULL;
	free(c->elf);
	c->elf = NULL;
}
