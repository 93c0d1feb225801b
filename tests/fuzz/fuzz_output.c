/* libFuzzer harness for the runtime's output formatting (src/runtime/output*.c, format_*.c):
 * one fixed script (fuzz_output.bt beside this file, compiled once up to typecheck) gives a
 * program description with a value of every kind in printf arguments, print() values and
 * maps of every kind; the input chooses one of its events or maps, text or JSON, terminal
 * escaping or not, and is the event payload or the map entries' bytes (keys, values,
 * counts, buckets), each in a buffer of exactly the size the layout gives, so a renderer
 * reading out of bounds is an ASan report. Needs root (sema reads tracefs and BTF). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_one.h"
#include "progdesc.h"
#include "runtime/output.h"

static struct compiler cc;
static struct out_pfmt **pfmts; /* compiled printf formats, by fmt index */
static FILE *sink;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = getenv("FUZZ_OUTPUT_SCRIPT");
	FILE *f = fopen(path ? path : "tests/fuzz/fuzz_output.bt", "r");
	static char src[1 << 16];
	size_t n = f ? fread(src, 1, sizeof(src) - 1, f) : 0;
	if (!f || !n) {
		fprintf(stderr, "fuzz_output: cannot read tests/fuzz/fuzz_output.bt "
				"(run from the repository, or set FUZZ_OUTPUT_SCRIPT)\n");
		exit(1);
	}
	fclose(f);
	struct cc_opts opts = { .has_cpid = true };
	if (cc_init(&cc, "fuzz_output.bt", src, &opts, stderr) || cc_run(&cc, "typecheck")) {
		fprintf(stderr, "fuzz_output: the script does not compile\n");
		exit(1);
	}
	pfmts = calloc((size_t)cc.pd->fmts.len + 1, sizeof(*pfmts));
	for (int i = 0; i < cc.pd->fmts.len; i++)
		if (cc.pd->fmts.v[i].kind == PD_FMT_PRINTF &&
		    out_pfmt_compile(cc.pd->fmts.v[i].fmt, &cc.pd->fmts.v[i].args, &pfmts[i]))
			exit(1);
	sink = fopen("/dev/null", "w");
	return 0;
}

/* The next n bytes of the input in a buffer of exactly n bytes (zeros past its end). */
static uint8_t *take(const uint8_t **p, size_t *left, size_t n)
{
	uint8_t *b = calloc(n ? n : 1, 1);
	size_t k = n < *left ? n : *left;
	memcpy(b, *p, k);
	*p += k;
	*left -= k;
	return b;
}

static int64_t take64(const uint8_t **p, size_t *left)
{
	uint8_t *b = take(p, left, 8);
	int64_t v;
	memcpy(&v, b, 8);
	free(b);
	return v;
}

/* One event of format f with the payload as the ring buffer record would carry it (of any
 * length: a renderer must stay inside psize). */
static void event(const struct out *o, int i, const uint8_t *payload, size_t psize)
{
	const struct pd_fmt *f = &cc.pd->fmts.v[i];
	switch (f->kind) {
	case PD_FMT_PRINTF:
		out_printf(o, f, payload, psize);
		out_printf_compiled(o, pfmts[i], payload, psize);
		break;
	case PD_FMT_PRINT_VALUE: /* as loop.c's ev_print_value */
		if (f->args.fields.len > 0 &&
		    f->args.fields.v[0].offset + f->args.fields.v[0].size <= psize)
			out_print_value(o, &f->args.fields.v[0], payload + f->args.fields.v[0].offset);
		break;
	case PD_FMT_TIME:
		out_time(o, f->fmt);
		break;
	case PD_FMT_STRFTIME:
	case PD_FMT_JOIN:
	case PD_FMT_VALUE:
		break;
	}
}

/* Map m with entries made of the input's bytes: each key, value and bucket array in a
 * buffer of its layout's size. */
static void map(const struct out *o, const struct pd_map *m, const uint8_t *p, size_t left,
		uint64_t top, uint64_t div)
{
	uint32_t nb = pd_map_buckets(m);
	size_t ks = m->key_size > m->key.size ? m->key_size : m->key.size;
	size_t vs = m->value_size > m->value.size ? m->value_size : m->value.size;
	size_t per = ks + vs + 24 + (size_t)nb * 8;
	int n = (int)(left / per) + 1;
	n = n > 32 ? 32 : n;
	struct out_entry *e = calloc((size_t)n, sizeof(*e));
	for (int i = 0; i < n; i++) {
		e[i].key = take(&p, &left, ks);
		e[i].value = take(&p, &left, vs);
		e[i].num = take64(&p, &left);
		e[i].count = take64(&p, &left);
		e[i].total = take64(&p, &left);
		e[i].buckets = (uint64_t *)take(&p, &left, (size_t)nb * 8);
		e[i].nbuckets = nb;
	}
	out_print_map(o, m, e, n, top, div);
	for (int i = 0; i < n; i++) {
		free((void *)e[i].key);
		free((void *)e[i].value);
		free(e[i].buckets);
	}
	free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t divs[] = { 0, 1, 3, 1000 };
	if (size < 4)
		return 0;
	struct out o = { .f = sink, .json = data[0] & 1, .escape_ctl = data[0] & 2,
			 .boot_ns = 1700000000000000000, .fixed_now = 1700000000 };
	int nfmts = cc.pd->fmts.len, nmaps = cc.pd->maps.len;
	int which = (data[1] | data[2] << 8) % (nfmts + nmaps);
	uint64_t top = data[3] & 3, div = divs[data[3] >> 2 & 3];
	const uint8_t *rest = data + 4;
	size_t left = size - 4;
	uint8_t *payload = take(&rest, &left, left);
	if (which < nfmts)
		event(&o, which, payload, size - 4);
	else
		map(&o, &cc.pd->maps.v[which - nfmts], payload, size - 4, top, div);
	free(payload);
	return 0;
}
