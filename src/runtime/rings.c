/* Reading pd_events and pd_ctl in the order their records were written.
 *
 * A control event (exit(), print(), clear(), ...) goes to pd_ctl only when it found
 * pd_events full, with pd_events' producer position at that moment after the record
 * (PD_CTL_TRAILER). The program reserves the pd_ctl record before it reads that position,
 * so by the time a pd_events record written after the control event can be read, the pd_ctl
 * record is at least reserved. The reader therefore takes what pd_ctl holds into a queue
 * (waiting briefly for a record still being written) before it handles a pd_events record,
 * and handles a queued control event just before the first pd_events record at or past its
 * position, or once pd_events has been read up to it. */
#include <bpf/libbpf.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "progdesc.h"
#include "runtime/rt_internal.h"

/* How long the reader waits for a record another CPU reserved and has not submitted yet
 * (wait_more): a BPF program runs for microseconds, so only a stuck one reaches it. */
#define WAIT_NS 10000000ULL

/* A queued pd_ctl record: this header, then size bytes of record, padded to 8. */
struct queued {
	uint64_t pos; /* pd_events' producer position when it was written */
	uint64_t size;
};

/* A ring buffer's consumer and producer positions (its first two pages), mapped read-only a
 * second time: libbpf 1.1 does not expose them. Returns 0 or -errno. */
static int map_positions(int fd, struct rt_ring_pos *pos)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	void *p = mmap(NULL, 2 * page, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	pos->cons = p;
	pos->prod = (const volatile unsigned long *)((const char *)p + page);
	return 0;
}

static void unmap_positions(struct rt_ring_pos *pos)
{
	if (pos->cons)
		munmap((void *)pos->cons, 2 * (size_t)sysconf(_SC_PAGESIZE));
	pos->cons = pos->prod = NULL;
}

static unsigned long consumer(const struct rt_ring_pos *pos)
{
	return __atomic_load_n(pos->cons, __ATOMIC_ACQUIRE);
}

static unsigned long producer(const struct rt_ring_pos *pos)
{
	return __atomic_load_n(pos->prod, __ATOMIC_ACQUIRE);
}

static bool queue_empty(const struct rt_trace *t)
{
	return t->ctlq_head >= t->ctlq.len;
}

static const struct queued *queue_head(const struct rt_trace *t)
{
	return queue_empty(t) ? NULL : (const struct queued *)(t->ctlq.s + t->ctlq_head);
}

/* Handles the head of the queue. Returns what its handler returned (RT_EV_STOP for an
 * exit(); after one, records are dropped and reading goes on). */
static int pop(struct rt_trace *t)
{
	const struct queued *q = queue_head(t);
	size_t size = q->size;
	t->ctlq_head += sizeof(*q) + ((size + 7) & ~(size_t)7);
	int rc = rt_handle_event(t, q + 1, size);
	if (queue_empty(t))
		t->ctlq_head = t->ctlq.len = 0;
	return rc;
}

static int on_ctl(void *ctx, void *data, size_t size)
{
	struct rt_trace *t = ctx;
	if (size < PD_CTL_TRAILER)
		return 0;
	size -= PD_CTL_TRAILER;
	struct queued q = { .size = size };
	memcpy(&q.pos, (const uint8_t *)data + size, sizeof(q.pos));
	static const char pad[8];
	if (sb_appendn(&t->ctlq, (const char *)&q, sizeof(q)) ||
	    sb_appendn(&t->ctlq, data, size) ||
	    sb_appendn(&t->ctlq, pad, ((size + 7) & ~(size_t)7) - size))
		return -ENOMEM;
	return 0;
}

/* Waiting for a record another CPU reserved and has not submitted yet: yields and returns
 * true until WAIT_NS have passed since the first call (*until starts at 0). */
static bool wait_more(unsigned long long *until)
{
	unsigned long long now = rt_clock_ns();
	if (!*until)
		*until = now + WAIT_NS;
	else if (now >= *until)
		return false;
	sched_yield();
	return true;
}

/* Takes every record pd_ctl holds into the queue, waiting for one still being written. */
static int pull_ctl(struct rt_trace *t)
{
	unsigned long long until = 0;
	while (consumer(&t->ctl_pos) != producer(&t->ctl_pos)) {
		int n = ring_buffer__consume(t->ctl_rb);
		if (n < 0)
			return n;
		if (consumer(&t->ctl_pos) != producer(&t->ctl_pos) && !wait_more(&until))
			break;
	}
	return 0;
}

/* Handles the queued control events written before pd_events position pos. */
static int handle_before(struct rt_trace *t, unsigned long pos)
{
	const struct queued *q;
	while ((q = queue_head(t)) && q->pos <= pos) {
		int rc = pop(t);
		if (rc)
			return rc;
	}
	return 0;
}

static int on_event(void *ctx, void *data, size_t size)
{
	struct rt_trace *t = ctx;
	t->read_bytes += size + 8; /* with the ring buffer's record header */
	if (t->ctl_rb) {
		/* libbpf moves the consumer position past a record after its callback: here it
		 * is where this record starts */
		unsigned long at = consumer(&t->events_pos);
		int rc = pull_ctl(t);
		if (!rc)
			rc = handle_before(t, at);
		if (rc)
			return rc; /* an exit() written before this record: it is dropped */
	}
	return rt_handle_event(t, data, size);
}

/* After pd_events was read: the queued control events, each once pd_events was read up to
 * its position (waiting for a record before it that is still being written). */
static int settle(struct rt_trace *t)
{
	unsigned long long until = 0;
	const struct queued *q;
	int rc = pull_ctl(t);
	while (!rc && (q = queue_head(t))) {
		if (consumer(&t->events_pos) >= q->pos) {
			rc = pop(t);
			continue;
		}
		int n = ring_buffer__consume(t->rb);
		if (n < 0)
			return n;
		if (!n && consumer(&t->events_pos) < q->pos && !wait_more(&until))
			rc = pop(t);
	}
	return rc;
}

int rt_rings_read(struct rt_trace *t, int timeout_ms)
{
	int n = timeout_ms ? ring_buffer__poll(t->rb, timeout_ms) : ring_buffer__consume(t->rb);
	if (!t->ctl_rb || (n < 0 && n != -EINTR))
		return n;
	int err = settle(t);
	return err ? err : n;
}

int rt_rings_open(struct rt_trace *t)
{
	t->rb = ring_buffer__new(t->events_fd, on_event, t, NULL);
	if (!t->rb)
		return -errno;
	if (t->ctl_fd < 0)
		return 0;
	t->ctl_rb = ring_buffer__new(t->ctl_fd, on_ctl, t, NULL);
	if (!t->ctl_rb)
		return -errno;
	int err = map_positions(t->events_fd, &t->events_pos);
	return err ? err : map_positions(t->ctl_fd, &t->ctl_pos);
}

void rt_rings_close(struct rt_trace *t)
{
	ring_buffer__free(t->ctl_rb);
	ring_buffer__free(t->rb);
	t->ctl_rb = t->rb = NULL;
	unmap_positions(&t->events_pos);
	unmap_positions(&t->ctl_pos);
	sb_free(&t->ctlq);
}
