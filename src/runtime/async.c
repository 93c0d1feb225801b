/* The functions user space runs when their record arrives (rows of loop.c's ev_handlers[]):
 * system() runs a command and prints its output, cat() prints a file, join() joins the
 * strings the probe read, unwatch() detaches watchpoints. */
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "progdesc.h"
#include "runtime/rt_internal.h"

/* cat() prints at most this much of a file without BPFTRACE_CAT_BYTES_MAX, as bpftrace. */
#define CAT_BYTES_MAX 10240

/* The event's printf format rendered into sb (system's command, cat's file name). */
static int format_text(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
		       size_t psize, struct strbuf *sb)
{
	if (h->index >= (uint32_t)t->pd->fmts.len)
		return -EINVAL;
	const struct pd_fmt *f = &t->pd->fmts.v[h->index];
	if (t->pfmts && t->pfmts[h->index])
		return out_pfmt_format(sb, &t->out, t->pfmts[h->index], payload, psize);
	return out_format_printf(sb, &t->out, f->fmt ? f->fmt : "", &f->args, payload, psize);
}

/* Appends up to max bytes read from f; returns 0 or -ENOMEM. */
static int read_into(struct strbuf *sb, FILE *f, size_t max)
{
	char buf[4096];
	size_t n;
	while (sb->len < max &&
	       (n = fread(buf, 1, sizeof(buf) < max - sb->len ? sizeof(buf) : max - sb->len,
			  f)) > 0)
		if (sb_appendn(sb, buf, n))
			return -ENOMEM;
	return 0;
}

/* system(fmt, ...): the command runs through the shell; its standard output is printed. */
static int run_command(const char *cmd, size_t max, struct strbuf *out)
{
	FILE *p = popen(cmd, "r");
	if (!p) {
		int err = -errno;
		fprintf(stderr, "error: system(): failed to run '%s': %s\n", cmd, strerror(-err));
		return err;
	}
	int err = read_into(out, p, max);
	pclose(p);
	return err;
}

/* cat(fmt, ...): the file's first max bytes, as they are. */
static int read_file(const char *name, size_t max, struct strbuf *out)
{
	FILE *f = fopen(name, "r");
	if (!f) {
		int err = -errno;
		fprintf(stderr, "error: cat(): failed to open '%s': %s\n", name, strerror(-err));
		return err;
	}
	int err = read_into(out, f, max);
	fclose(f);
	return err;
}

/* Renders the event's format, hands the text to produce (at most max bytes of output) and
 * prints what it made. */
static int formatted(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
		     size_t psize, const char *type, size_t max,
		     int (*produce)(const char *, size_t, struct strbuf *))
{
	struct strbuf arg = { 0 }, text = { 0 };
	if (!format_text(t, h, payload, psize, &arg) && !produce(sb_str(&arg), max, &text))
		out_message(&t->out, type, &text);
	sb_free(&text);
	sb_free(&arg);
	return 0;
}

int rt_ev_system(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
		 size_t psize)
{
	return formatted(t, h, payload, psize, "syscall", (size_t)-1, run_command);
}

int rt_ev_cat(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
	      size_t psize)
{
	size_t max = t->o->cat_bytes_max > 0 ? (size_t)t->o->cat_bytes_max : CAT_BYTES_MAX;
	return formatted(t, h, payload, psize, "cat", max, read_file);
}

/* join(argv [, sep]): the strings up to the first empty one, separated by sep. */
int rt_ev_join(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
	       size_t psize)
{
	if (h->index >= (uint32_t)t->pd->fmts.len)
		return 0;
	const struct pd_fmt *f = &t->pd->fmts.v[h->index];
	struct strbuf sb = { 0 };
	int err = 0;
	for (int i = 0; i < f->args.fields.len && !err; i++) {
		const struct pd_type *s = &f->args.fields.v[i];
		if (s->offset + s->size > psize || !payload[s->offset])
			break;
		if (i)
			err |= sb_append(&sb, f->fmt ? f->fmt : " ");
		err |= sb_appendn(&sb, (const char *)payload + s->offset,
				  strnlen((const char *)payload + s->offset, s->size));
	}
	if (!err && !t->out.json)
		err = sb_putc(&sb, '\n');
	if (!err)
		out_message(&t->out, "join", &sb);
	sb_free(&sb);
	return 0;
}

/* unwatch(addr): every watchpoint on addr is detached; tracing goes on. */
int rt_ev_unwatch(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
		  size_t psize)
{
	uint64_t addr = 0;
	memcpy(&addr, payload, psize < sizeof(addr) ? psize : sizeof(addr));
	for (int i = 0; i < t->natt; i++) {
		const struct pd_probe *p = &t->pd->probes.v[t->att[i].probe];
		if (p->kind != PD_PROBE_WATCHPOINT || p->addr != addr || !t->att[i].link)
			continue;
		bpf_link__destroy(t->att[i].link);
		t->att[i].link = NULL;
	}
	return 0;
}
