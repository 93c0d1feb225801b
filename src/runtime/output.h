/* Output formatting for the runtime: printf, print(value), time(), maps and histograms in
 * bpftrace 0.17's text and JSON layouts. Works on decoded, per-CPU-merged values only, so
 * it is tested without the kernel (tests/unit/test_output.c). */
#ifndef RT_OUTPUT_H
#define RT_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct pd_type;
struct pd_map;
struct pd_fmt;
struct pd_stackmap;
struct strbuf;

struct out {
	FILE *f; /* where everything goes (stdout or -o FILE) */
	bool json; /* -f json */
	/* Output is a terminal: control characters of traced strings print escaped (\n, \e,
	 * \x01, \u009b), so a traced process cannot drive the operator's terminal. Into a
	 * pipe or file the bytes stay as they are, as bpftrace prints them. */
	bool escape_ctl;
	/* CLOCK_REALTIME minus CLOCK_MONOTONIC in ns: turns bpf_ktime_get_ns() values into
	 * wall-clock time for strftime(). Tests set it to a fixed value. */
	int64_t boot_ns;
	/* time() and print of timestamps use this instead of the clock when non-zero
	 * (seconds since the epoch); tests set it. */
	int64_t fixed_now;
	/* When set, output is appended here and written to f by out_flush(): one write per
	 * ring buffer batch instead of one per event. NULL: every message is written at once. */
	struct strbuf *batch;
	/* kstack/ustack values are ids into these stack trace maps (pd->stackmaps and their
	 * fds); without them stacks print as not captured. */
	const struct pd_stackmap *stackmaps;
	const int *stack_fds;
	int nstackmaps;
};

/* One map entry after the per-CPU values were merged (src/runtime/maps.c). */
struct out_entry {
	const uint8_t *key; /* user key bytes laid out as pd_map.key; unused for scalars */
	const uint8_t *value; /* PD_MAP_VALUE: the value bytes laid out as pd_map.value */
	int64_t num; /* count, sum, min, max: the merged value (bits of a u64 when unsigned) */
	int64_t count, total; /* avg, stats */
	uint64_t *buckets; /* hist, lhist: count per bucket index */
	uint32_t nbuckets;
};

/* v / d as C divides, 0 for d 0, and without the one division that traps (INT64_MIN / -1:
 * a print() div of 2^64 - 1, or a count read as -1). */
int64_t out_sdiv(int64_t v, int64_t d);
/* An avg/stats entry's average: total / count, 0 for no count. */
int64_t out_avg(const struct out_entry *e);

/* Renders the value at p (laid out as t) the way print() shows it: text or JSON.
 * Returns 0 or -ENOMEM. */
int out_value_str(struct strbuf *sb, const struct out *o, const struct pd_type *t,
		  const uint8_t *p, bool json);
/* Appends s as the inside of a JSON string (no quotes). */
int out_json_escape(struct strbuf *sb, const char *s, size_t len);
/* A printf format parsed once into literal text and conversions bound to their arguments.
 * fmt and args must outlive it. Returns 0 or -ENOMEM. */
struct out_pfmt;
int out_pfmt_compile(const char *fmt, const struct pd_type *args, struct out_pfmt **out);
void out_pfmt_free(struct out_pfmt *f);
/* Appends one event's text, the payload laid out as the compiled args. */
int out_pfmt_format(struct strbuf *sb, const struct out *o, const struct out_pfmt *f,
		    const uint8_t *payload, size_t size);
/* Formats one printf event: fmt with the payload laid out as args (compiles each call). */
int out_format_printf(struct strbuf *sb, const struct out *o, const char *fmt,
		      const struct pd_type *args, const uint8_t *payload, size_t size);
/* A buf() value's bytes: mode 0 as %r (printable bytes as they are, others \xNN), 'x' as
 * %rx (every byte \xNN), 'h' as %rh (hex pairs separated by spaces). 0 or -ENOMEM. */
int out_buf_str(struct strbuf *sb, const struct pd_type *t, const uint8_t *p, char mode);
/* Appends the traced text s[0, n): as it is, or with control characters escaped when
 * o->escape_ctl. */
int out_text(struct strbuf *sb, const struct out *o, const char *s, size_t n);
/* strftime of local time at secs since the epoch, with %f for usec (microseconds, 6
 * digits, as later bpftrace); "(?)" when it cannot. */
int out_strftime(struct strbuf *sb, const char *fmt, int64_t secs, uint32_t usec);

/* Appends to o->batch, or writes to o->f when there is no batch. */
void out_write(const struct out *o, const char *s, size_t n);
/* Writes what o->batch holds to o->f with one fwrite and empties it. */
void out_flush(const struct out *o);

/* Messages. Each writes one complete piece of output (out_write). */
/* text as it is, or with -f json as {"type": type, "data": "text"} on one line */
void out_message(const struct out *o, const char *type, const struct strbuf *text);
void out_attached(const struct out *o, int nprobes);
void out_printf(const struct out *o, const struct pd_fmt *fmt, const uint8_t *payload,
		size_t size);
/* As out_printf, with a format compiled by out_pfmt_compile. */
void out_printf_compiled(const struct out *o, const struct out_pfmt *f, const uint8_t *payload,
			 size_t size);
void out_print_value(const struct out *o, const struct pd_type *t, const uint8_t *p);
void out_time(const struct out *o, const char *fmt);
void out_lost(const struct out *o, uint64_t lost);

/* Sorts the entries the way bpftrace 0.17 does (by value, by bucket total, by average or
 * by key) and prints the map, keeping the last `top` entries (0: all; stats maps keep all,
 * as bpftrace) with values divided by div (0 or 1: as they are). Returns 0 or -ENOMEM. */
int out_print_map(const struct out *o, const struct pd_map *m, struct out_entry *e, int n,
		  uint64_t top, uint64_t div);

/* Sorting, exposed for tests. */
void out_sort_entries(const struct pd_map *m, struct out_entry *e, int n);

/* Internal to output_*.c: the layout-specific halves of out_print_map. */
int out_text_map(struct strbuf *sb, const struct out *o, const struct pd_map *m,
		 struct out_entry *e, int n, uint64_t div);
int out_json_map(struct strbuf *sb, const struct out *o, const struct pd_map *m,
		 struct out_entry *e, int n, uint64_t div);
/* Histogram helpers shared by text and JSON: the first and last bucket to print,
 * false when every bucket is zero. */
bool out_hist_range(const struct pd_map *m, const struct out_entry *e, uint32_t *first,
		    uint32_t *last);
/* The key rendered as bpftrace shows it: text "[1, a]" (with brackets) or JSON "1,a"
 * (the joined elements, not yet escaped). */
int out_key_str(struct strbuf *sb, const struct out *o, const struct pd_map *m,
		const uint8_t *key, bool json);

#endif
