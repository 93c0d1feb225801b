/* Explaining a failed load: which probe the verifier rejected, the end of its log (all
 * of it with -v), and a diagnostic at the script line found in the log's source comments
 * ("; <source> @ <file>:<line>", from the BTF line info codegen emits). */
#define _GNU_SOURCE /* memmem */
#include <bpf/libbpf.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "progdesc.h"
#include "runtime/rt_internal.h"
#include "util/diag.h"

#define TAIL_LINES 20

/* The probe of the program libbpf failed to load (its message names the program: after a
 * failure it closes them all, so no descriptor tells). */
static const char *failed_probe(struct rt_trace *t)
{
	const char *name = rt_failed_prog_name();
	for (int i = 0; name && t->progs && i < t->pd->probes.len; i++) {
		if (t->progs[i] && !strcmp(bpf_program__name(t->progs[i]), name))
			return t->pd->probes.v[i].name;
	}
	return name;
}

static void print_log(struct rt_trace *t)
{
	const char *log = t->log_buf;
	size_t len = strlen(log);
	while (len && log[len - 1] == '\n')
		len--;
	const char *start = log;
	if (!t->o->verbose) {
		int lines = 0;
		for (size_t i = len; i > 0; i--) {
			if (log[i - 1] == '\n' && ++lines == TAIL_LINES) {
				start = log + i;
				break;
			}
		}
	}
	fprintf(stderr, "%s:\n%.*s\n", start == log ? "verifier log" : "verifier log (last lines)",
		(int)(len - (size_t)(start - log)), start);
}

/* Parses "; text @ file:LINE"; returns LINE or 0. */
static int comment_line(const char *s, const char *e)
{
	if (e - s < 3 || s[0] != ';' || s[1] != ' ')
		return 0;
	const char *colon = e;
	while (colon > s && isdigit((unsigned char)colon[-1]))
		colon--;
	if (colon == e || colon <= s || colon[-1] != ':')
		return 0;
	const char *at = memmem(s, (size_t)(colon - s), " @ ", 3);
	return at ? atoi(colon) : 0;
}

static bool is_reason(const char *s, const char *e)
{
	if (e == s || s[0] == ';' || isdigit((unsigned char)s[0]))
		return false;
	static const char *const skip[] = { "processed ", "verification time", "stack depth",
					    "-- BEGIN", "-- END", "func#", "libbpf:" };
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
		size_t n = strlen(skip[i]);
		if ((size_t)(e - s) >= n && !memcmp(s, skip[i], n))
			return false;
	}
	return true;
}

/* Finds the last source comment and the last line that states the reason; callee gets the
 * helper the instruction before the reason calls ("bpf_d_path#147"), or "". */
static void scan_log(const char *log, int *line, char *reason, size_t rlen, char *callee,
		     size_t clen)
{
	*line = 0;
	reason[0] = callee[0] = '\0';
	const char *prev = log;
	for (const char *s = log; *s;) {
		const char *e = strchr(s, '\n');
		if (!e)
			e = s + strlen(s);
		int l = comment_line(s, e);
		if (l) {
			*line = l;
		} else if (is_reason(s, e)) {
			const char *call = memmem(prev, (size_t)(s - prev), "call ", 5);
			snprintf(reason, rlen, "%.*s", (int)(e - s), s);
			snprintf(callee, clen, "%.*s", call ? (int)strcspn(call + 5, " \n") : 0,
				 call ? call + 5 : "");
		}
		prev = s;
		s = *e ? e + 1 : e;
	}
}

/* What the kernel needs for the helper behind a function, when the verifier refuses it. */
static const struct {
	const char *helper;
	const char *note;
} helper_notes[] = {
	{ "bpf_override_return", "override() needs a kernel built with CONFIG_BPF_KPROBE_OVERRIDE, "
				 "on a function that allows error injection" },
	{ "bpf_d_path", "path() works where the kernel allows bpf_d_path: iterators and "
			"fentry/fexit of the functions it lists" },
	{ "bpf_trace_vprintk", "debugf() with more than three arguments needs Linux 5.16 or "
			       "later (bpf_trace_vprintk)" },
};

static void note_helper(struct diag *d, const struct src_loc *loc, const char *reason,
			const char *callee)
{
	for (size_t i = 0; i < sizeof(helper_notes) / sizeof(helper_notes[0]); i++)
		if (strstr(reason, helper_notes[i].helper) || strstr(callee, helper_notes[i].helper))
			diag_note(d, loc, "%s", helper_notes[i].note);
}

static void report_line(struct rt_trace *t, int line, const char *reason, const char *callee)
{
	struct diag *d = t->o->diag;
	if (!d || !d->src)
		return;
	const char *p = d->src;
	for (int i = 1; i < line && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p)
		return;
	size_t len = strcspn(p, "\n");
	size_t first = 0;
	while (first < len && isspace((unsigned char)p[first]))
		first++;
	struct src_loc loc = { line, (int)first + 1, line, len > first ? (int)len : 1 };
	if (*reason) {
		diag_error(d, &loc, "the BPF verifier rejected this: %s", reason);
		note_helper(d, &loc, reason, callee);
	} else
		diag_error(d, &loc, "the BPF verifier rejected this");
}

void rt_report_verifier(struct rt_trace *t, int err)
{
	if (err == -EPERM && !rt_can_trace()) {
		fprintf(stderr, "error: %s: failed to load the BPF object: %s\n", RT_PRIV_NEEDED,
			strerror(-err));
		return;
	}
	const char *probe = failed_probe(t);
	if (!probe || !t->log_buf || !t->log_buf[0]) {
		fprintf(stderr, "error: failed to load the BPF object: %s\n", strerror(-err));
		if (t->log_buf && t->log_buf[0])
			print_log(t);
		return;
	}
	fprintf(stderr, "error: the BPF verifier rejected probe %s\n", probe);
	print_log(t);
	int line;
	char reason[256], callee[64];
	scan_log(t->log_buf, &line, reason, sizeof(reason), callee, sizeof(callee));
	if (line > 0)
		report_line(t, line, reason, callee);
}
