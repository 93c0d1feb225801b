/* printf format checking: reads the format with the shared parser (src/printfmt.h), checks
 * each conversion's arguments ('*' widths and precisions take an integer before the value)
 * and numbers the format into pd->fmts. Errors point into the format string. */
#include <stdio.h>
#include <string.h>

#include "../lexer/lex.h"
#include "../printfmt.h"
#include "tc.h"
#include "util/strbuf.h"

#define MAX_ARGS 64

/* The source span of bytes [off, off + n) of the decoded string literal s, found by
 * walking its escapes in the script text; the whole literal when it is not on one line. */
static struct src_loc sub_loc(struct checker *ck, const struct ast_node *s, int off, int n)
{
	struct src_loc loc = s->loc;
	const char *p = ck->c->diag.src;
	if (!p || loc.first_line != loc.last_line || loc.last_col <= loc.first_col)
		return loc;
	for (int line = 1; line < loc.first_line && p; line++) {
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	if (!p || (int)strcspn(p, "\n") < loc.last_col || p[loc.first_col - 1] != '"')
		return loc;
	const char *body = p + loc.first_col;
	size_t blen = (size_t)(loc.last_col - loc.first_col - 1);
	int from = lex_string_raw_offset(body, blen, off);
	int to = lex_string_raw_offset(body, blen, off + (n > 0 ? n : 1));
	loc.first_col += 1 + from;
	loc.last_col = loc.first_col + (to > from ? to - from : 1) - 1;
	return loc;
}

/* The offending text, quoted safely: a format may hold newlines or control bytes, and a
 * diagnostic must stay on one line. */
static void quote(struct strbuf *sb, const char *s, int n)
{
	for (int i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\n')
			sb_append(sb, "\\n");
		else if (ch == '\t')
			sb_append(sb, "\\t");
		else if (ch < 0x20 || ch >= 0x7f)
			sb_printf(sb, "\\x%02x", ch);
		else
			sb_putc(sb, (char)ch);
	}
}

static void report_bad(struct checker *ck, const char *who, const struct ast_node *f,
		       const struct pf_piece *p)
{
	struct src_loc loc = sub_loc(ck, f, (int)p->off, (int)p->len);
	struct strbuf sb = { 0 };
	quote(&sb, f->str.s + p->off, (int)p->len);
	if (p->err == PF_ERR_INCOMPLETE && p->len == 1)
		tc_error(ck, &loc, "%s: incomplete conversion '%%' at the end of the format", who);
	else
		tc_error(ck, &loc, "%s: %s '%s' in format", who, pf_error_str(p->err),
			 sb_str(&sb));
	sb_free(&sb);
}

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

/* What argument a conversion (or its '*') takes: "" when t fits, else what it wants. The
 * value kinds say which conversions take them (pd_kinds[].convs). */
static const char *wanted(enum pf_class cls, bool star, const struct type *t)
{
	unsigned convs = pd_kinds[ty_pd_kind(t)].convs;
	if (star)
		return ty_is_integer(t) ? "" : "an integer";
	switch (cls) {
	case PF_SIGNED:
	case PF_UNSIGNED:
	case PF_CHAR:
	case PF_POINTER:
		return convs & PD_CONV_INT ? "" : "an integer";
	case PF_STRING:
		return convs & PD_CONV_TEXT ? "" : "a string";
	case PF_BUFFER:
		return convs & PD_CONV_BUF ? "" : "a buffer (buf())";
	}
	return "";
}

/* One conversion's arguments, from args[0]; false after a diagnostic. */
static bool check_conv(struct checker *ck, const char *who, const struct ast_node *f,
		       const struct pf_piece *p, struct ast_node **args)
{
	const struct pf_conv *cv = &p->conv;
	int stars = pf_nargs(cv) - 1;
	bool ok = true;
	for (int i = 0; i <= stars; i++) {
		const char *want = wanted(cv->cls, i < stars, args[i]->ty);
		if (!*want)
			continue;
		tc_error(ck, &args[i]->loc, "%s: %s%.*s expects %s argument, got %s", who,
			 i < stars ? "the '*' of " : "", (int)p->len, f->str.s + p->off, want,
			 tc_tyname(args[i]->ty));
		ok = false;
	}
	return ok;
}

/* The format's length: up to a NUL byte, which ends it at run time (with a warning). */
static int format_len(struct checker *ck, const char *who, const struct ast_node *f)
{
	const char *nul = memchr(f->str.s, '\0', (size_t)f->str.len);
	if (!nul)
		return f->str.len;
	int at = (int)(nul - f->str.s);
	struct src_loc loc = sub_loc(ck, f, at, 1);
	if (!ck->quiet)
		diag_warn(&ck->c->diag, &loc, "%s: the format ends at this NUL byte; the "
			  "text after it is never printed", who);
	return at;
}

bool tc_check_printf(struct checker *ck, struct ast_node *call)
{
	struct ast_node *f = call->call.args.v[0];
	struct ast_node **args = call->call.args.v + 1;
	int nargs = call->call.args.len - 1, need = 0, nconv = 0;
	const char *who = call->call.name;
	size_t len = (size_t)format_len(ck, who, f), pos = 0;
	bool ok = true;
	struct pf_piece p;
	for (pf_next(f->str.s, len, &pos, &p); p.kind != PF_END; pf_next(f->str.s, len, &pos, &p)) {
		if (p.kind == PF_BAD) {
			report_bad(ck, who, f, &p);
			return false;
		}
		if (p.kind != PF_CONV)
			continue;
		if (need + pf_nargs(&p.conv) <= nargs)
			ok &= check_conv(ck, who, f, &p, args + need);
		need += pf_nargs(&p.conv);
		nconv++;
	}
	if (nargs != need) {
		char taking[48] = "";
		if (need != nconv)
			snprintf(taking, sizeof(taking), " taking %d argument%s", need, plural(need));
		tc_error(ck, &call->loc, "%s: too %s arguments for format: %d conversion%s%s, "
			 "%d argument%s", who, nargs < need ? "few" : "many", nconv, plural(nconv), taking,
			 nargs, plural(nargs));
		return false;
	}
	if (!ok || nargs > MAX_ARGS) {
		if (ok)
			tc_error(ck, &call->loc, "%s: more than %d arguments", who, MAX_ARGS);
		return false;
	}
	struct type *types[MAX_ARGS + 1];
	for (int i = 0; i < nargs; i++)
		types[i] = args[i]->ty;
	tc_add_fmt(ck, call, PD_FMT_PRINTF, f->str.s, types, nargs);
	return true;
}
