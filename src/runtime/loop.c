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
#define NAP_NS 1000000

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t print_signal; /* SIGUSR1: print the maps, keep tracing */

/* Set once tracing ends (END, the map print): a Ctrl-C then means "stop now". */
static volatile sig_atomic_t finishing;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		print_signal = 1;
	else if ((stop_signal || finishing) && sig != SIGPIPE)
		_exit(128 + sig); /* the kernel frees every program, map and link with our fds;
				   * a -c child dies with us (PR_SET_PDEATHSIG) */
	else
		stop_signal = sig;
}

static int print_all_maps(struct rt_trace *t, bool at_exit);

/* A batch is written out once it holds this much, so a consumer that never catches up
 * still writes steadily instead of growing the buffer. */
#define BATCH_MAX (64 * 1024)

/* A failed write (a full disk, an unwritable file, a reader gone) ends tracing like Ctrl-C;
 * rt_run reports it, so output is never lost silently. */
static void check_written(struct rt_trace *t)
{
	if (t->write_err || !ferror(t->out.f))
		return;
	t->write_err = errno ? errno : EIO;
	stop_signal = SIGPIPE;
}

/* Writes the batch out; -B none and line (and the default) reach the file at once. */
static void flush_batch(struct rt_trace *t)
{
	out_flush(&t->out);
	if (t->o->buffering != RT_BUF_FULL)
		fflush(t->out.f);
	check_written(t);
}

static void flush_all(struct rt_trace *t)
{
	out_flush(&t->out);
	fflush(t->out.f);
	check_written(t);
}

static void print_event(struct rt_trace *t, const struct pd_fmt *f, uint32_t index,
			const uint8_t *payload, size_t psize)
{
	if (!f)
		return;
	if (t->pfmts && t->pfmts[index])
		out_printf_compiled(&t->out, t->pfmts[index], payload, psize);
	else
		out_printf(&t->out, f, payload, psize);
}

static const struct pd_fmt *event_fmt(struct rt_trace *t, const struct pd_event *h)
{
	return h->index < (uint32_t)t->pd->fmts.len ? &t->pd->fmts.v[h->index] : NULL;
}

static int ev_printf(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
		     size_t psize)
{
	print_event(t, event_fmt(t, h), h->index, payload, psize);
	return 0;
}

static int ev_print_value(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
			  size_t psize)
{
	const struct pd_fmt *f = event_fmt(t, h);
	if (f && f->args.fields.len > 0 &&
	    f->args.fields.v[0].offset + f->args.fields.v[0].size <= psize)
		out_print_value(&t->out, &f->args.fields.v[0], payload + f->args.fields.v[0].offset);
	return 0;
}

static int ev_time(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
		   size_t psize)
{
	const struct pd_fmt *f = event_fmt(t, h);
	out_time(&t->out, f ? f->fmt : NULL);
	return 0;
}

static int ev_print_map(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
			size_t psize)
{
	struct pd_ev_print_map pm = { 0 };
	memcpy(&pm, payload, psize < sizeof(pm) ? psize : sizeof(pm));
	rt_print_map(t, (int)h->index, pm.top, pm.div);
	return 0;
}

static int ev_clear(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
		    size_t psize)
{
	rt_clear_map(t, (int)h->index);
	return 0;
}

static int ev_zero(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
		   size_t psize)
{
	rt_zero_map(t, (int)h->index);
	return 0;
}

/* bpftrace 0.17 stops at the exit record: what other CPUs queued after it is dropped, END
 * still runs. exit(code) carries the code bpfscope ends with in its index. */
static int ev_exit(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
		   size_t psize)
{
	t->exit_code = (int)(h->index & 0xff);
	t->exiting = true;
	t->discarding = true;
	return RT_EV_STOP;
}

/* The runtime's row of each event kind (enum pd_event_kind); the user-space functions'
 * handlers live in async.c. */
static rt_ev_handler *const ev_handlers[PD_EV__COUNT] = {
	[PD_EV_PRINTF] = ev_printf,	    [PD_EV_PRINT_VALUE] = ev_print_value,
	[PD_EV_TIME] = ev_time,		    [PD_EV_PRINT_MAP] = ev_print_map,
	[PD_EV_CLEAR] = ev_clear,	    [PD_EV_ZERO] = ev_zero,
	[PD_EV_EXIT] = ev_exit,		    [PD_EV_SYSTEM] = rt_ev_system,
	[PD_EV_CAT] = rt_ev_cat,	    [PD_EV_JOIN] = rt_ev_join,
	[PD_EV_UNWATCH] = rt_ev_unwatch,
};

static int handle_action(struct rt_trace *t, const struct pd_event *h, const uint8_t *payload,
			 size_t psize)
{
	if (h->kind < PD_EV__COUNT && ev_handlers[h->kind]) {
		int rc = ev_handlers[h->kind](t, h, payload, psize);
		if (t->o->buffering == RT_BUF_NONE || t->batch.len >= BATCH_MAX)
			flush_batch(t);
		return rc;
	}
	if (t->o->verbose)
		fprintf(stderr, "bpfscope: ignoring an event of unknown kind %u\n", h->kind);
	return 0;
}

int rt_handle_event(struct rt_trace *t, const void *data, size_t size)
{
	struct pd_event h;
	if (size < sizeof(h) || t->discarding)
		return 0;
	memcpy(&h, data, sizeof(h));
	return handle_action(t, &h, (const uint8_t *)data + sizeof(h), size - sizeof(h));
}

int rt_drain(struct rt_trace *t)
{
	int n = rt_rings_read(t, 0);
	flush_batch(t);
	return n < 0 && n != RT_EV_STOP ? n : 0;
}

/* After a batch, let records gather for a moment instead of waiting in epoll at once: the
 * kernel wakes a consumer (an irq_work, a self-IPI and a context switch) each time a record
 * is submitted while the consumer is caught up, which at high rates costs the traced
 * processes more than the records themselves. 1 ms holds far fewer records than fit.
 * But a batch that filled more than 1/NAP_SKIP_DIV of the ring says the reader is falling
 * behind (another process takes its CPU, or the rate is near what it can format): then it
 * stops napping for NAP_PAUSE_NS and waits in epoll like a plain ring buffer reader, whose
 * wakeups slow the producers down to what it reads instead of letting the ring overflow. */
#define NAP_SKIP_DIV 8
#define NAP_PAUSE_NS 1000000000ULL
static void nap(struct rt_trace *t)
{
	struct timespec ts = { 0, NAP_NS };
	unsigned long long now = rt_clock_ns();
	if (t->read_bytes > t->pd->ringbuf_size / NAP_SKIP_DIV)
		t->nap_after = now + NAP_PAUSE_NS;
	t->read_bytes = 0;
	if (now >= t->nap_after && !t->exiting && !stop_signal)
		nanosleep(&ts, NULL);
}

int rt_poll(struct rt_trace *t)
{
	while (!t->exiting && !stop_signal) {
		int n = rt_rings_read(t, POLL_MS);
		if (n < 0 && n != -EINTR && n != RT_EV_STOP) {
			flush_batch(t);
			fprintf(stderr, "error: failed to read the ring buffer: %s\n",
				strerror(-n));
			return n;
		}
		if (n != 0) {
			flush_batch(t);
			nap(t);
		}
		if (t->ctl_fd >= 0 && rt_read_lost(t, PD_LOST_EXIT)) {
			/* an exit() that found both ring buffers full: stop all the same, with
			 * the code 0 (its record, which held the code, is what was lost) */
			t->exiting = true;
			t->discarding = true;
		}
		if (print_signal) {
			print_signal = 0;
			int err = print_all_maps(t, false);
			if (err)
				return err;
		}
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

/* Every map, sorted by name; at exit after bpftrace's two newlines (which it writes to
 * stdout even with -o), on SIGUSR1 without them, as bpftrace. Like bpftrace 0.17, an empty
 * map still prints its empty line(s). */
static int print_all_maps(struct rt_trace *t, bool at_exit)
{
	const struct pd_prog *pd = t->pd;
	flush_all(t);
	if (at_exit) {
		fputs("\n\n", t->stdout_f);
		fflush(t->stdout_f);
	}
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
	uint64_t lost = rt_read_lost(t, PD_LOST_EVENTS);
	if (lost)
		out_lost(&t->out, lost);
	flush_all(t);
	lost = rt_read_lost(t, PD_LOST_STACKS);
	if (lost)
		fprintf(stderr, "warning: %llu stack reads failed; their stacks print as "
			"[stack not captured: why]\n", (unsigned long long)lost);
	/* A full hash map refuses new keys. Counting each refusal in the program would cost a
	 * branch per update, which the verifier pays per loop iteration; a full map at exit
	 * says the same once. */
	for (int i = 0; at_exit && i < pd->maps.len; i++)
		if (t->map_full[i])
			fprintf(stderr, "warning: %s is full (%u entries): updates of new keys were "
				"dropped once it filled; raise its size with config = { "
				"max_map_keys = N }\n", pd->maps.v[i].name, pd->maps.v[i].max_entries);
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

/* Parses every printf format once; a format left NULL (no memory) is parsed per event. */
static void compile_formats(struct rt_trace *t)
{
	const struct pd_prog *pd = t->pd;
	t->pfmts = calloc((size_t)pd->fmts.len + 1, sizeof(*t->pfmts));
	for (int i = 0; t->pfmts && i < pd->fmts.len; i++) {
		const struct pd_fmt *f = &pd->fmts.v[i];
		if (f->kind == PD_FMT_PRINTF)
			out_pfmt_compile(f->fmt ? f->fmt : "", &f->args, &t->pfmts[i]);
	}
}

static void setup_output(struct rt_trace *t)
{
	const struct rt_opts *o = t->o;
	compile_formats(t);
	t->out.batch = &t->batch;
	t->stdout_f = stdout;
	t->out.f = o->out ? o->out : stdout;
	t->out.json = o->json;
	t->out.escape_ctl = !o->json && isatty(fileno(t->out.f));
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
	struct sigaction intr, term, hup, pipe, usr1, chld;
};

static void on_child(int sig)
{
	(void)sig; /* only here to interrupt the poll */
}

static void catch_signals(struct saved_signals *s)
{
	struct sigaction sa = { 0 };
	sa.sa_handler = on_signal; /* no SA_RESTART: the poll returns EINTR */
	sigemptyset(&sa.sa_mask);
	stop_signal = 0;
	print_signal = 0;
	finishing = 0;
	sigaction(SIGUSR1, &sa, &s->usr1);
	sigaction(SIGINT, &sa, &s->intr);
	sigaction(SIGTERM, &sa, &s->term);
	/* A closed terminal or ssh session: the same orderly end. */
	sigaction(SIGHUP, &sa, &s->hup);
	/* A reader that went away (`| head`) ends tracing like Ctrl-C, with END and cleanup,
	 * instead of killing us mid-write. */
	sigaction(SIGPIPE, &sa, &s->pipe);
	/* The -c child's end interrupts the poll at once instead of after up to POLL_MS:
	 * epoll_wait is never restarted, while SA_RESTART keeps writes and waits going. */
	struct sigaction chld = { .sa_handler = on_child, .sa_flags = SA_RESTART | SA_NOCLDSTOP };
	sigemptyset(&chld.sa_mask);
	sigaction(SIGCHLD, &chld, &s->chld);
}

static void restore_signals(const struct saved_signals *s)
{
	sigaction(SIGUSR1, &s->usr1, NULL);
	sigaction(SIGINT, &s->intr, NULL);
	sigaction(SIGTERM, &s->term, NULL);
	sigaction(SIGHUP, &s->hup, NULL);
	sigaction(SIGPIPE, &s->pipe, NULL);
	sigaction(SIGCHLD, &s->chld, NULL);
}

/* From BEGIN to the printed maps; the caller cleans up. */
static int trace(struct rt_trace *t)
{
	const struct rt_opts *o = t->o;
	t->hold_child = rt_needs_user_symbols(t->pd);
	int err = o->child_argv ? rt_child_spawn(t, o->child_argv) : 0;
	if (!err)
		err = rt_fill_globals(t);
	if (err)
		return err;
	if (!o->quiet)
		out_attached(&t->out, t->pd->probes.len);
	flush_all(t);
	err = run_kind(t, PD_PROBE_BEGIN);
	unsigned long long start = rt_clock_ns();
	if (!err && !t->exiting) {
		err = rt_attach_all(t);
		if (o->verbose)
			rt_verbose_time("attach", start);
	}
	if (!err && !t->exiting && o->verbose)
		rt_verbose_attached(t);
	if (!err && !t->exiting)
		err = rt_child_release(t);
	if (!err && !t->exiting)
		err = rt_poll(t);
	finishing = 1;
	start = rt_clock_ns();
	rt_detach_all(t);
	if (o->verbose)
		rt_verbose_time("detach", start);
	if (t->discarding) {
		/* drop what the probes queued after exit() before detaching, then let END
		 * print */
		rt_drain(t);
		t->discarding = false;
	}
	if (err)
		return err;
	err = run_kind(t, PD_PROBE_END);
	start = rt_clock_ns();
	if (!err)
		err = print_all_maps(t, true);
	if (!err && o->verbose)
		rt_verbose_time("printing maps", start);
	return err;
}

static void cleanup(struct rt_trace *t)
{
	rt_detach_all(t);
	free(t->att);
	rt_rings_close(t);
	bpf_object__close(t->obj);
	if (t->child > 0)
		rt_child_kill(t);
	if (t->out.f)
		flush_all(t);
	t->out.batch = NULL;
	sb_free(&t->batch);
	if (t->pfmts)
		for (int i = 0; i < t->pd->fmts.len; i++)
			out_pfmt_free(t->pfmts[i]);
	free(t->pfmts);
	free(t->progs);
	free(t->map_fds);
	free(t->map_full);
	free(t->stack_fds);
	rt_ksyms_free();
	rt_usyms_free();
	free(t->log_buf);
}

int rt_run(const struct pd_prog *pd, const void *elf, size_t elf_size, const struct rt_opts *o)
{
	if (o->emit_elf)
		return write_elf(o->emit_elf, elf, elf_size);
	struct rt_trace t = { .pd = pd, .o = o, .events_fd = -1, .lost_fd = -1,
			      .globals_fd = -1, .child_go_fd = -1, .ctl_fd = -1 };
	setup_output(&t);
	int err = rt_load(&t, elf, elf_size);
	if (!err && o->verbose)
		rt_verbose_loaded(&t);
	if (err || o->dry_run) {
		cleanup(&t);
		return err;
	}
	err = rt_rings_open(&t);
	if (err) {
		fprintf(stderr, "error: failed to read the ring buffers: %s\n", strerror(-err));
		cleanup(&t);
		return err;
	}
	struct saved_signals saved;
	catch_signals(&saved);
	err = trace(&t);
	cleanup(&t);
	restore_signals(&saved);
	if (t.write_err && t.write_err != EPIPE) { /* EPIPE: `| head` had enough, as bpftrace */
		fprintf(stderr, "error: output lost: writing to %s failed: %s\n",
			o->out ? "the -o file" : "standard output", strerror(t.write_err));
		if (!err)
			err = -EIO;
	}
	return err ? err : t.exit_code;
}
