/* USDT argument specs for x86-64 ("-4@%edi", "8@-8(%rbp)", "4@$5", "8@(%rax,%rdx,8)",
 * "4@foo+4(%rip)"): decoded into struct usdt_arg (src/sema/usdt.h), which codegen turns into
 * reads from struct pt_regs and user memory. Pure text: no ELF here. */
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "sema/usdt.h"

/* One general purpose register in every width; off is its slot in struct pt_regs. */
struct gpr {
	const char *names[5]; /* 64, 32, 16, 8-bit low, 8-bit high (ah ...) */
	int off;
};

static const struct gpr gprs[] = {
	{ { "rax", "eax", "ax", "al", "ah" }, 80 },   { { "rbx", "ebx", "bx", "bl", "bh" }, 40 },
	{ { "rcx", "ecx", "cx", "cl", "ch" }, 88 },   { { "rdx", "edx", "dx", "dl", "dh" }, 96 },
	{ { "rsi", "esi", "si", "sil" }, 104 },       { { "rdi", "edi", "di", "dil" }, 112 },
	{ { "rbp", "ebp", "bp", "bpl" }, 32 },        { { "rsp", "esp", "sp", "spl" }, 152 },
	{ { "r8", "r8d", "r8w", "r8b" }, 72 },        { { "r9", "r9d", "r9w", "r9b" }, 64 },
	{ { "r10", "r10d", "r10w", "r10b" }, 56 },    { { "r11", "r11d", "r11w", "r11b" }, 48 },
	{ { "r12", "r12d", "r12w", "r12b" }, 24 },    { { "r13", "r13d", "r13w", "r13b" }, 16 },
	{ { "r14", "r14d", "r14w", "r14b" }, 8 },     { { "r15", "r15d", "r15w", "r15b" }, 0 },
	{ { "rip", "eip", "ip" }, 128 },
};

#define PT_REGS_IP 128
#define PT_REGS_SP 152

struct reg {
	int off, width, shift;
};

/* Reads a register name ("%eax" or "eax") at *p; advances *p past it on success. */
static bool parse_reg(const char **p, struct reg *r)
{
	static const int widths[] = { 8, 4, 2, 1, 1 };
	const char *s = *p + (**p == '%');
	size_t n = 0;
	while (isalnum((unsigned char)s[n]))
		n++;
	for (size_t i = 0; n && i < sizeof(gprs) / sizeof(gprs[0]); i++) {
		for (int w = 0; w < 5; w++) {
			const char *name = gprs[i].names[w];
			if (name && strlen(name) == n && !memcmp(name, s, n)) {
				*r = (struct reg){ gprs[i].off, widths[w], w == 4 ? 8 : 0 };
				*p = s + n;
				return true;
			}
		}
	}
	return false;
}

/* The value of digit c in base (10 or 16), or -1. */
static int digit(char c, int base)
{
	if (isdigit((unsigned char)c))
		return c - '0';
	if (base == 16 && isxdigit((unsigned char)c))
		return tolower((unsigned char)c) - 'a' + 10;
	return -1;
}

/* A decimal or 0x-hex number with an optional sign, as gas prints them. Magnitudes up to
 * UINT64_MAX are accepted (and wrap) so "$18446744073709551615" keeps its bits. */
static bool parse_num(const char **p, int64_t *out)
{
	const char *s = *p;
	bool neg = *s == '-';
	if (*s == '-' || *s == '+')
		s++;
	int base = 10;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X') && isxdigit((unsigned char)s[2])) {
		base = 16;
		s += 2;
	}
	if (digit(*s, base) < 0)
		return false;
	uint64_t v = 0;
	for (int d; (d = digit(*s, base)) >= 0; s++) {
		if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		v = v * (uint64_t)base + (uint64_t)d;
	}
	if (neg && v > (uint64_t)INT64_MAX + 1)
		return false;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	*p = s;
	return true;
}

/* The optional "N@" prefix: returns the number of bytes it takes, 0 when absent, -1 when
 * malformed (a size other than +-1, 2, 4, 8). */
static int parse_size(const char *spec, struct usdt_arg *out)
{
	const char *s = spec + (*spec == '-');
	size_t n = strspn(s, "0123456789");
	if (!n || s[n] != '@')
		return 0;
	int64_t v;
	const char *p = spec;
	if (!parse_num(&p, &v) || p != s + n)
		return -1;
	int64_t size = v < 0 ? -v : v;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return -1;
	out->size = (int)size;
	out->is_signed = v < 0;
	return (int)(p - spec) + 1;
}

/* A symbol in a displacement: what gas accepts as the start of a name. */
static size_t sym_len(const char *s)
{
	if (!isalpha((unsigned char)*s) && *s != '_' && *s != '.')
		return 0;
	size_t n = 1;
	while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.' || s[n] == '$')
		n++;
	return n;
}

/* "sym", "sym+4", "sym-4", "-8" or nothing before '(' or the end. */
static int parse_disp(const char **p, struct usdt_arg *out)
{
	size_t n = sym_len(*p);
	if (n) {
		out->sym = *p;
		out->sym_len = (int)n;
		*p += n;
		if (**p != '+' && **p != '-')
			return 0;
	}
	if ((**p == '+' || **p == '-' || isdigit((unsigned char)**p)) && !parse_num(p, &out->val))
		return -EINVAL;
	return 0;
}

/* "(%base)", "(%base,%index)", "(%base,%index,scale)", "(,%index,scale)"; only 64-bit
 * registers address memory here. */
static int parse_mem(const char **p, struct usdt_arg *out)
{
	struct reg r;
	const char *s = *p + 1;
	if (*s != ',') {
		if (!parse_reg(&s, &r) || r.width != 8)
			return -EINVAL;
		out->reg_off = r.off;
		out->rip_relative = r.off == PT_REGS_IP;
	}
	if (*s == ',') {
		s++;
		/* %rsp cannot index; %rip takes neither an index nor being one */
		if (out->rip_relative || !parse_reg(&s, &r) || r.width != 8 ||
		    r.off == PT_REGS_IP || r.off == PT_REGS_SP)
			return -EINVAL;
		out->idx_reg_off = r.off;
		if (*s == ',') {
			int64_t scale;
			s++;
			if (!parse_num(&s, &scale) ||
			    (scale != 1 && scale != 2 && scale != 4 && scale != 8))
				return -EINVAL;
			out->scale = (int)scale;
		}
	}
	if (*s != ')' || (out->reg_off < 0 && out->idx_reg_off < 0))
		return -EINVAL;
	*p = s + 1;
	return 0;
}

/* The operand after "N@": "$imm", a register, a plain number, or a memory reference. */
static int parse_operand(const char *s, struct usdt_arg *out, bool sized)
{
	struct reg r;
	const char *p = s;
	if (*p == '$') {
		p++;
		out->kind = USDT_ARG_CONST;
		return parse_num(&p, &out->val) && !*p ? 0 : -EINVAL;
	}
	if (parse_reg(&p, &r) && !*p) {
		out->kind = USDT_ARG_REG;
		out->reg_off = r.off;
		out->reg_shift = r.shift;
		if (!sized)
			out->size = r.width;
		return 0;
	}
	p = s;
	if (*p == '%' || parse_disp(&p, out))
		return -EINVAL;
	if (p == s && *p != '(')
		return -EINVAL;
	out->kind = USDT_ARG_MEM;
	if (*p == '(' && parse_mem(&p, out))
		return -EINVAL;
	if (*p)
		return -EINVAL;
	if (out->reg_off < 0 && out->idx_reg_off < 0 && !out->sym)
		out->kind = USDT_ARG_CONST; /* gcc's plain integer constant: "4@5" */
	return 0;
}

int sema_usdt_parse_arg(const char *spec, struct usdt_arg *out)
{
	*out = (struct usdt_arg){ .kind = USDT_ARG_CONST, .size = 8, .reg_off = -1,
				  .idx_reg_off = -1, .scale = 1 };
	int n = parse_size(spec, out);
	if (n < 0 || !spec[n])
		return -EINVAL;
	return parse_operand(spec + n, out, n > 0);
}

int sema_usdt_parse_args(const char *text, struct usdt_arg *args, int max)
{
	char spec[256];
	int n = 0;
	const char *p = text;
	for (;;) {
		p += strspn(p, " \t\n");
		if (!*p)
			return n;
		size_t len = strcspn(p, " \t\n");
		if (n >= max || len >= sizeof(spec))
			return -EINVAL;
		memcpy(spec, p, len);
		spec[len] = '\0';
		if (sema_usdt_parse_arg(spec, &args[n]))
			return -EINVAL;
		if (args[n].sym) /* point into text, which outlives this copy */
			args[n].sym = p + (args[n].sym - spec);
		n++;
		p += len;
	}
}
