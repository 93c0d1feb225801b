/* rt_run(): the runtime from start to end. Load, run BEGIN, attach, poll the ring buffer
 * until exit()/SIGINT/SIGTERM/the traced process ends, detach, run END, print the maps.
 * Every path releases what it took (links, perf fds, ring buffer, BPF object, child). */
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "progdesc.h"
#include "runtime/rt_internal.h"

#define POLL_MS 100

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

int rt_handle_event(struct rt_trace *t, const void *data, size_t size)
{
	const struct pd_prog *pd = t->pd;
	struct pd_event h;
	if (size < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	const uint8_t *payload = (const uint8_t *)data + sizeof(h);
	size_t psize = size - sizeof(h);
	const struct pd_fmt *f = h.index < (uint32_t)pd->fmts.len ? &pd->fmts.v[h.index] : NULL;
	switch ((enum pd_event_kind)h.kind) {
	case PD_EV_PRINTF:
		if (f)
			out_printf(&t->out, f, payload, psize);
		return 0;
	case PD_EV_PRINT_VALUE:
		if (f && f->args.fields.len > 0 &&
		    f->args.fields.v[0].offset + f->args.fields.v[0].size <= psize)
			out_print_value(&t->out, &f->args.fields.v[0],
					payload + f->args.fields.v[0].offset);
		return 0;
	case PD_EV_TIME:
		out_time(&t->out, f ? f->fmt : NULL);
		return 0;
	case PD_EV_PRINT_MAP: {
		struct pd_ev_print_map pm = { 0 };
		memcpy(&pm, payload, psize < sizeof(pm) ? psize : sizeof(pm));
		rt_print_map(t, (int)h.index, pm.top, pm.div);
		return 0;
	}
	case PD_EV_CLEAR:
		rt_clear_map(t, (int)h.index);
		return 0;
	case PD_EV_ZERO:
		rt_zero_map(t, (int)h.index);
		return 0;
	case PD_EV_EXIT:
		t->exiting = true;
		return 0;
	}
	if (t->o->verbose)
		fprintf(stderr, "bpfscope: ignoring an event of unknown kind %u\n", h.kind);
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	return rt_handle_event(ctx, data, size);
}

static void flush_batch(struct rt_trace *t)
{
	if (t->o->buffering == RT_BUF_DEFAULT)
		fflush(t->out.f);
}

int rt_drain(struct rt_trace *t)
{
	int n = ring_buffer__consume(t->rb);
	flush_batch(t);
	return n < 0 ? n : 0;
}

int rt_poll(struct rt_trace *t)
{
	while (!t->exiting && !stop_signal) {
		int n = ring_buffer__poll(t->rb, POLL_MS);
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "error: failed to read the ring buffer: %s\n", strerror(-n));
			return n;
		}
		if (n > 0)
			flush_batch(t);
		if (rt_target_gone(t))
			break;
	}
	return rt_drain(t);
}

static int run_kind(struct rt_trace *t, enum pd_probe_kind kind)
{
	for (int i = 0; i < t->pd->probes.len; i++) {
		if (t->pd->probes.v[i].kind != kind)
			continue;
		int err = rt_run_once(t, i);
		if (err)
			return err;
		rt_drain(t);
	}
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	const struct pd_map *x = *(const struct pd_map *const *)a;
	const struct pd_map *y = *(const struct pd_map *const *)b;
	return strcmp(x->name, y->name);
}

/* Every map, sorted by name, after bpftrace's two newlines (which it writes to stdout
 * even with -o). Like bpftrace 0.17, an empty map still prints its empty line(s). */
static int print_all_maps(struct rt_trace *t)
{
	const struct pd_prog *pd = t->pd;
	fflush(t->out.f);
	fputs("\n\n", t->stdout_f);
	fflush(t->stdout_f);
	const struct pd_map **order = calloc((size_t)pd->maps.len + 1, sizeof(*order));
	if (!order)
		return -ENOMEM;
	for (int i = 0; i < pd->maps.len; i++)
		order[i] = &pd->maps.v[i];
	qsort(order, (size_t)pd->maps.len, sizeof(*order), name_cmp);
	int err = 0;
	for (int i = 0; i < pd->maps.len && !err; i++)
		err = rt_print_map(t, (int)(order[i] - pd->maps.v), 0, 0);
	free(order);
	uint64_t lost = rt_read_lost(t);
	if (lost)
		out_lost(&t->out, lost);
	fflush(t->out.f);
	return err;
}

static int write_elf(const char *path, const void *elf, size_t size)
{
	FILE *f = fopen(path, "wb");
	int err = 0;
	if (!f || fwrite(elf, 1, size, f) != size)
		err = -errno;
	if (f && fclose(f) && !err)
		err = -errno;
	if (err)
		fprintf(stderr, "error: failed to write %s: %s\n", path, strerror(-err));
	return err;
}

static void setup_output(struct rt_trace *t)
{
	const struct rt_opts *o = t->o;
	t->stdout_f = stdout;
	t->out.f = o->out ? o->out : stdout;
	t->out.json = o->json;
	struct timespec rt, mono;
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	t->out.boot_ns = ((int64_t)rt.tv_sec - mono.tv_sec) * 1000000000LL +
			 ((int64_t)rt.tv_nsec - mono.tv_nsec);
	switch (o->buffering) {
	case RT_BUF_NONE:
		setvbuf(t->out.f, NULL, _IONBF, 0);
		break;
	case RT_BUF_LINE:
		setvbuf(t->out.f, NULL, _IOLBF, 0);
		break;
	case RT_BUF_FULL:
		setvbuf(t->out.f, NULL, _IOFBF, 0);
		break;
	case RT_BUF_DEFAULT:
		if (isatty(fileno(t->out.f)))
			setvbuf(t->out.f, NULL, _IOLBF, 0);
		break;
	}
}

struct saved_signals {
	struct sigaction intr, term, pipe;
};

static void catch_signals(struct saved_signals *s)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal; /* no SA_RESTART: the poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	sigaction(SIGINT, &sa, &s->intr);
	sigaction(SIGTERM, &sa, &s->term);
	/* A reader that went away (`| head`) ends tracing like Ctrl-C, with END and cleanup,
	 * instead of killing us mid-write. */
	sigaction(SIGPIPE, &sa, &s->pipe);
}

static void restore_signals(const struct saved_signals *s)
{
	sigaction(SIGINT, &s->intr, NULL);
	sigaction(SIGTERM, &s->term, NULL);
	sigaction(SIGPIPE, &s->pipe, NULL);
}

/* From BEGIN to the printed maps; the caller cleans up. */
static int trace(struct rt_trace *t)
{
	const struct rt_opts *o = t->o;
	int err = o->child_argv ? rt_child_spawn(t, o->child_argv) : 0;
	if (!err)
		err = rt_fill_globals(t);
	if (err)
		return err;
	if (!o->quiet)
		out_attached(&t->out, t->pd->probes.len);
	fflush(t->out.f);
	err = run_kind(t, PD_PROBE_BEGIN);
	if (!err && !t->exiting)
		err = rt_attach_all(t);
	if (!err && !t->exiting)
		err = rt_child_release(t);
	if (!err && !t->exiting)
		err = rt_poll(t);
	rt_detach_all(t);
	if (err)
		return err;
	err = run_kind(t, PD_PROBE_END);
	if (!err)
		err = print_all_maps(t);
	return err;
}

static void cleanup(struct rt_trace *t)
{
	rt_detach_all(t);
	free(t->att);
	ring_buffer__free(t->rb);
	bpf_object__close(t->obj);
	if (t->child > 0)
		rt_child_kill(t);
	if (t->out.f)
		fflush(t->out.f);
	free(t->progs);
	free(t->map_fds);
	free(t->log_buf);
}

int rt_run(const struct pd_prog *pd, const void *elf, size_t elf_size, const struct rt_opts *o)
{
	if (o->emit_elf)
		return write_elf(o->emit_elf, elf, elf_size);
	struct rt_trace t = { .pd = pd, .o = o, .events_fd = -1, .lost_fd = -1,
			      .globals_fd = -1, .child_go_fd = -1 };
	setup_output(&t);
	int err = rt_load(&t, elf, elf_size);
	if (err || o->dry_run) {
		cleanup(&t);
		return err;
	}
	t.rb = ring_buffer__new(t.events_fd, on_event, &t, NULL);
	if (!t.rb) {
		err = -errno;
		fprintf(stderr, "error: failed to read the %s ring buffer: %s\n", PD_RINGBUF_SYM,
			strerror(-err));
		cleanup(&t);
		return err;
	}
	struct saved_signals saved;
	catch_signals(&saved);
	err = trace(&t);
	cleanup(&t);
	restore_signals(&saved);
	return err;
}
