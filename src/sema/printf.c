/* printf format checking: parses the conversions bpftrace accepts
 * (%[-0+ ]*[width][.prec][hh|h|l|ll|z|j|t](d|i|u|x|X|o|s|c|p) and %%) and checks them
 * against the argument count and types; then numbers the format into pd->fmts. */
#include <string.h>

#include "tc.h"
#include "util/strbuf.h"

#define MAX_CONVS 64

struct conv {
	char letter;
	const char *start; /* the '%' */
	int len; /* through the conversion letter */
};

/* Parses one conversion at fmt[i] == '%'; returns the index after it, or -1 when invalid
 * (with *bad_len set to the length of the offending text). */
static int parse_conv(const char *fmt, int len, int i, struct conv *cv, int *bad_len)
{
	int j = i + 1;
	while (j < len && strchr("-0+ ", fmt[j]))
		j++;
	while (j < len && fmt[j] >= '0' && fmt[j] <= '9')
		j++;
	if (j < len && fmt[j] == '.') {
		j++;
		while (j < len && fmt[j] >= '0' && fmt[j] <= '9')
			j++;
	}
	if (j + 1 < len && ((fmt[j] == 'h' && fmt[j + 1] == 'h') || (fmt[j] == 'l' && fmt[j + 1] == 'l')))
		j += 2;
	else if (j < len && strchr("hlzjt", fmt[j]))
		j++;
	*bad_len = j < len ? j - i + 1 : j - i;
	if (j >= len || !strchr("diuxXoscp", fmt[j]) || fmt[j] == '\0')
		return -1;
	/* length modifiers only make sense on integer conversions */
	if ((fmt[j] == 's' || fmt[j] == 'p') && j > i + 1 && strchr("hlzjt", fmt[j - 1]))
		return -1;
	cv->letter = fmt[j];
	cv->start = fmt + i;
	cv->len = j - i + 1;
	return j + 1;
}

/* The offending text, quoted safely: a format may hold newlines or control bytes, and a
 * diagnostic must stay on one line. */
static void report_bad_conv(struct checker *ck, const struct src_loc *loc, const char *s, int n)
{
	struct strbuf sb = { 0 };
	for (int i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '\n')
			sb_append(&sb, "\\n");
		else if (ch == '\t')
			sb_append(&sb, "\\t");
		else if (ch < 0x20 || ch >= 0x7f)
			sb_printf(&sb, "\\x%02x", ch);
		else
			sb_putc(&sb, (char)ch);
	}
	tc_error(ck, loc, "printf: invalid conversion '%s' in format", sb_str(&sb));
	sb_free(&sb);
}

static bool parse_format(struct checker *ck, struct ast_node *call, const char *fmt, int len,
			 struct conv *convs, int *n)
{
	const struct src_loc *loc = &call->call.args.v[0]->loc;
	*n = 0;
	for (int i = 0; i < len;) {
		if (fmt[i] != '%') {
			i++;
			continue;
		}
		if (i + 1 < len && fmt[i + 1] == '%') {
			i += 2;
			continue;
		}
		int bad;
		struct conv cv;
		int next = parse_conv(fmt, len, i, &cv, &bad);
		if (next < 0) {
			if (i + bad >= len && bad <= 1)
				tc_error(ck, loc, "printf: incomplete conversion '%%' at the end of the "
					 "format");
			else
				report_bad_conv(ck, loc, fmt + i, bad);
			return false;
		}
		if (*n >= MAX_CONVS) {
			tc_error(ck, loc, "printf: more than %d conversions in one format", MAX_CONVS);
			return false;
		}
		convs[(*n)++] = cv;
		i = next;
	}
	return true;
}

static const char *plural(int n)
{
	return n == 1 ? "" : "s";
}

static bool check_arg(struct checker *ck, const struct conv *cv, struct ast_node *a)
{
	const struct type *t = a->ty;
	bool text = cv->letter == 's';
	if (pd_kinds[ty_pd_kind(t)].convs & (text ? PD_CONV_TEXT : PD_CONV_INT))
		return true;
	tc_error(ck, &a->loc, "printf: %.*s expects %s argument, got %s", cv->len, cv->start,
		 text ? "a string" : "an integer", tc_tyname(t));
	return false;
}

bool tc_check_printf(struct checker *ck, struct ast_node *call, const char *fmt, int fmt_len)
{
	struct conv convs[MAX_CONVS];
	int n;
	if (!parse_format(ck, call, fmt, fmt_len, convs, &n))
		return false;
	int nargs = call->call.args.len - 1;
	if (nargs < n) {
		tc_error(ck, &call->loc, "printf: too few arguments for format: %d conversion%s, "
			 "%d argument%s", n, plural(n), nargs, plural(nargs));
		return false;
	}
	if (nargs > n) {
		tc_error(ck, &call->loc, "printf: too many arguments for format: %d conversion%s, "
			 "%d argument%s", n, plural(n), nargs, plural(nargs));
		return false;
	}
	bool ok = true;
	struct type *types[MAX_CONVS + 1];
	for (int i = 0; i < n; i++) {
		ok &= check_arg(ck, &convs[i], call->call.args.v[i + 1]);
		types[i] = call->call.args.v[i + 1]->ty;
	}
	if (!ok)
		return false;
	tc_add_fmt(ck, call, PD_FMT_PRINTF, fmt, types, n);
	return true;
}
