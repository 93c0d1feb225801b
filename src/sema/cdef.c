/* C definitions in the script's preamble, without clang: struct and union definitions laid
 * out with C alignment, enum constants and integer #define macros; plus the lookup of the
 * constants of the embedded standard library (stdlib/constants.bt). */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "tc.h"

enum ctok_kind {
	CT_END, /* end of the definition */
	CT_IDENT, /* identifier or keyword */
	CT_INT, /* integer literal */
	CT_PUNCT, /* one of { } ; * [ ] , : = ( ) - */
};

struct ctok {
	enum ctok_kind kind;
	const char *s; /* start in the text */
	int len;
	struct src_loc loc;
};

/* A cursor over one definition's text; positions map back to the script. */
struct cparse {
	struct checker *ck;
	const char *p;
	const struct src_loc *fixed; /* text from a header: every token is placed here */
	int line, col;
	struct ctok tok; /* current token */
	bool failed; /* an error was reported: skip the rest of this definition */
};

static void skip_space(struct cparse *cp)
{
	for (;;) {
		if (*cp->p == '\n') {
			cp->line++;
			cp->col = 1;
			cp->p++;
		} else if (isspace((unsigned char)*cp->p)) {
			cp->col++;
			cp->p++;
		} else if (cp->p[0] == '/' && cp->p[1] == '/') {
			while (*cp->p && *cp->p != '\n')
				cp->p++;
		} else if (cp->p[0] == '/' && cp->p[1] == '*') {
			cp->p += 2;
			cp->col += 2;
			while (*cp->p && !(cp->p[0] == '*' && cp->p[1] == '/')) {
				cp->col = *cp->p == '\n' ? 1 : cp->col + 1;
				cp->line += *cp->p == '\n';
				cp->p++;
			}
			if (*cp->p) {
				cp->p += 2;
				cp->col += 2;
			}
		} else {
			return;
		}
	}
}

static void next(struct cparse *cp)
{
	struct ctok *t = &cp->tok;
	skip_space(cp);
	t->s = cp->p;
	t->loc.first_line = t->loc.last_line = cp->line;
	t->loc.first_col = cp->col;
	if (!*cp->p) {
		t->kind = CT_END;
		t->len = 0;
	} else if (isalpha((unsigned char)*cp->p) || *cp->p == '_') {
		t->kind = CT_IDENT;
		while (isalnum((unsigned char)*cp->p) || *cp->p == '_')
			cp->p++;
	} else if (isdigit((unsigned char)*cp->p)) {
		t->kind = CT_INT;
		while (isalnum((unsigned char)*cp->p))
			cp->p++;
	} else {
		t->kind = CT_PUNCT;
		cp->p++;
	}
	t->len = (int)(cp->p - t->s);
	cp->col += t->len;
	t->loc.last_col = t->len ? cp->col - 1 : cp->col;
	if (cp->fixed)
		t->loc = *cp->fixed;
}

static bool is(const struct cparse *cp, const char *s)
{
	return cp->tok.kind != CT_END && (int)strlen(s) == cp->tok.len &&
	       strncmp(cp->tok.s, s, (size_t)cp->tok.len) == 0;
}

static const char *tok_str(struct cparse *cp)
{
	const char *s = arena_strndup(&cp->ck->c->arena, cp->tok.s, (size_t)cp->tok.len);
	if (!s)
		cp->ck->nomem = true;
	return s ? s : "";
}

static void fail(struct cparse *cp, const struct src_loc *loc, const char *what)
{
	if (cp->failed)
		return;
	cp->failed = true;
	if (cp->tok.kind == CT_END)
		diag_error(&cp->ck->c->diag, loc, "%s, found end of definition", what);
	else
		diag_error(&cp->ck->c->diag, loc, "%s, found '%.*s'", what, cp->tok.len, cp->tok.s);
}

static bool expect(struct cparse *cp, const char *s)
{
	if (cp->failed)
		return false;
	if (is(cp, s)) {
		next(cp);
		return true;
	}
	char msg[32];
	snprintf(msg, sizeof(msg), "expected '%s'", s);
	fail(cp, &cp->tok.loc, msg);
	return false;
}

/* An integer literal as C writes it (0x.., 0.., suffixes u/l); false when malformed. */
static bool parse_c_int(const char *s, int len, int64_t *out)
{
	char buf[64], *end;
	if (len <= 0 || len >= (int)sizeof(buf))
		return false;
	memcpy(buf, s, (size_t)len);
	buf[len] = '\0';
	while (len > 0 && strchr("uUlL", buf[len - 1]))
		buf[--len] = '\0';
	errno = 0;
	unsigned long long v = strtoull(buf, &end, 0);
	if (errno || *end || end == buf)
		return false;
	*out = (int64_t)v;
	return true;
}

/* [-] literal, optionally in parentheses, up to the end of the text. */
static bool parse_const_expr(struct cparse *cp, int64_t *out)
{
	int parens = 0;
	bool neg = false;
	while (is(cp, "(")) {
		parens++;
		next(cp);
	}
	if (is(cp, "-")) {
		neg = true;
		next(cp);
	}
	if (cp->tok.kind != CT_INT || !parse_c_int(cp->tok.s, cp->tok.len, out))
		return false;
	next(cp);
	for (; parens > 0; parens--) {
		if (!is(cp, ")"))
			return false;
		next(cp);
	}
	if (neg)
		*out = -*out;
	return true;
}

static int add_const(struct checker *ck, const char *name, int64_t v)
{
	struct tc_const k = { .name = name, .value = v };
	return vec_push(&ck->c->arena, &ck->consts, k);
}

/* ---- types of members ---- */

struct type *tc_script_record(struct checker *ck, const char *name)
{
	for (int i = ck->records.len - 1; i >= 0; i--)
		if (strcmp(ck->records.v[i]->name, name) == 0)
			return ck->records.v[i];
	return NULL;
}

static const char *const type_words[] = {
	"signed", "unsigned", "char", "short", "int", "long", "_Bool", "bool", "void",
};

static bool is_type_word(const struct cparse *cp)
{
	for (size_t i = 0; i < sizeof(type_words) / sizeof(type_words[0]); i++)
		if (is(cp, type_words[i]))
			return true;
	return false;
}

static bool is_qualifier(const struct cparse *cp)
{
	return is(cp, "const") || is(cp, "volatile");
}

static struct type *record_body(struct cparse *cp, const char *name, bool is_union);

/* A record defined where it is used: `struct [NAME] { ... }` as a member's type. */
static struct type *inline_record(struct cparse *cp, const char *kw)
{
	const char *name = NULL;
	if (cp->tok.kind == CT_IDENT) {
		name = arena_sprintf(&cp->ck->c->arena, "%s %.*s", kw, cp->tok.len, cp->tok.s);
		next(cp);
	}
	return record_body(cp, name, strcmp(kw, "union") == 0);
}

/* struct X / union X as a member type: the script's definition, else kernel BTF; an unknown
 * record is allowed behind a pointer only (*incomplete is set). A definition in place
 * (named or anonymous) is laid out here. */
static struct type *tagged_type(struct cparse *cp, bool *incomplete, struct src_loc *loc)
{
	struct arena *a = &cp->ck->c->arena;
	const char *kw = is(cp, "union") ? "union" : is(cp, "enum") ? "enum" : "struct";
	next(cp);
	const char *save = cp->p;
	int line = cp->line, col = cp->col;
	struct ctok tok = cp->tok;
	if (cp->tok.kind == CT_IDENT)
		next(cp);
	bool body = is(cp, "{");
	cp->p = save, cp->line = line, cp->col = col, cp->tok = tok;
	if (body && strcmp(kw, "enum") != 0)
		return inline_record(cp, kw);
	if (cp->tok.kind != CT_IDENT) {
		fail(cp, &cp->tok.loc, "expected a type name");
		return NULL;
	}
	loc->last_line = cp->tok.loc.last_line;
	loc->last_col = cp->tok.loc.last_col;
	if (strcmp(kw, "enum") == 0) {
		next(cp);
		return ty_int(4, false);
	}
	const char *name = arena_sprintf(a, "%s %.*s", kw, cp->tok.len, cp->tok.s);
	if (!name) {
		cp->ck->nomem = true;
		return NULL;
	}
	struct type *t = tc_script_record(cp->ck, name);
	if (!t)
		t = kbtf_lookup(name);
	if (!t) {
		t = ty_new(a, TY_RECORD);
		if (!t) {
			cp->ck->nomem = true;
			return NULL;
		}
		t->name = name;
		*incomplete = true;
	}
	next(cp);
	return t;
}

/* The specifier part of a member declaration: "unsigned long", "u64", "struct x". */
static struct type *base_type(struct cparse *cp, bool *incomplete, struct src_loc *loc)
{
	char buf[128] = "";
	*loc = cp->tok.loc;
	while (is_qualifier(cp))
		next(cp);
	*loc = cp->tok.loc;
	if (is(cp, "struct") || is(cp, "union") || is(cp, "enum"))
		return tagged_type(cp, incomplete, loc);
	if (cp->tok.kind != CT_IDENT) {
		fail(cp, &cp->tok.loc, "expected a member type");
		return NULL;
	}
	/* C integer words, or a single typedef name */
	bool words = is_type_word(cp);
	do {
		size_t n = strlen(buf);
		snprintf(buf + n, sizeof(buf) - n, "%s%.*s", n ? " " : "", cp->tok.len, cp->tok.s);
		loc->last_col = cp->tok.loc.last_col;
		next(cp);
		while (is_qualifier(cp))
			next(cp);
	} while (words && is_type_word(cp));
	struct type *t = sema_parse_ctype(&cp->ck->c->arena, buf);
	if (!t && !cp->failed) {
		cp->failed = true;
		diag_error(&cp->ck->c->diag, loc, "unknown type '%s'", buf);
	}
	return t;
}

/* One declarator: *name[N][M] with the base type; NULL after a diagnostic. */
static struct type *declarator(struct cparse *cp, struct type *base, bool incomplete,
			       const struct src_loc *base_loc, const char **name)
{
	struct arena *a = &cp->ck->c->arena;
	int ptrs = 0;
	for (; is(cp, "*"); next(cp))
		ptrs++;
	if (cp->tok.kind != CT_IDENT) {
		fail(cp, &cp->tok.loc, "expected a member name");
		return NULL;
	}
	*name = tok_str(cp);
	next(cp);
	struct type *t = base;
	for (int i = 0; i < ptrs && t; i++)
		t = ty_ptr(a, t, false);
	if (!ptrs && (incomplete || t->kind == TY_NONE || t->size <= 0)) {
		cp->failed = true;
		diag_error(&cp->ck->c->diag, base_loc, "member '%s' has incomplete type '%s'", *name,
			   tc_tyname(t));
		return NULL;
	}
	int dims[8], ndims = 0;
	while (t && is(cp, "[")) {
		int64_t n = 0;
		next(cp);
		struct src_loc at = cp->tok.loc;
		if (cp->tok.kind != CT_INT || !parse_c_int(cp->tok.s, cp->tok.len, &n) || n < 0 ||
		    n > INT_MAX || ndims == 8) {
			fail(cp, &at, "expected an array size");
			return NULL;
		}
		dims[ndims++] = (int)n;
		next(cp);
		if (!expect(cp, "]"))
			return NULL;
	}
	/* int a[2][3] is an array of 2 arrays of 3: build from the innermost */
	for (int i = ndims - 1; i >= 0 && t; i--) {
		if (t->size > 0 && dims[i] > INT_MAX / t->size) {
			fail(cp, base_loc, "array too large");
			return NULL;
		}
		bool chr = t->kind == TY_INT && t->size == 1 && t->is_signed;
		t = chr ? ty_str(a, dims[i]) : ty_array(a, t, dims[i]);
	}
	if (!t)
		cp->ck->nomem = true;
	return t;
}

/* ---- records ---- */

static int round_up(int n, int align)
{
	return align > 1 ? (n + align - 1) / align * align : n;
}

/* A record being laid out: members so far end at bit `bits` (structs; unions place every
 * member at 0). Bit fields pack into units of their type's size, as the x86-64 ABI does. */
struct rlayout {
	struct type *r;
	bool is_union;
	long long bits;
};

/* Places a member of type t (width >= 0: a bit field of that many bits) and returns its
 * field; offset INT_MIN when the record grows too large. */
static struct ty_field place(struct rlayout *l, const char *name, struct type *t, int width)
{
	int al = t->align > 0 ? t->align : 1;
	long long unit = (long long)t->size * 8, at, end;
	struct ty_field f = { .name = name, .type = t };
	if (l->is_union)
		at = 0;
	else if (width < 0)
		at = (long long)round_up((int)((l->bits + 7) / 8), al) * 8;
	else if (!width || l->bits % unit + width > unit) /* :0, or it would straddle a unit */
		at = (l->bits + unit - 1) / unit * unit;
	else
		at = l->bits;
	end = at + (width < 0 ? unit : width);
	if (end / 8 >= INT_MAX) {
		f.offset = INT_MIN;
		return f;
	}
	f.offset = (int)(at / 8);
	if (width > 0) {
		f.bit_offset = (int)(at % 8);
		f.bit_size = width;
	}
	int bytes = (int)((end + 7) / 8);
	l->r->size = bytes > l->r->size ? bytes : l->r->size;
	if (!l->is_union)
		l->bits = end;
	if (al > l->r->align)
		l->r->align = al;
	return f;
}

static bool has_field(const struct type *r, const char *name)
{
	for (int i = 0; i < r->fields.len; i++)
		if (r->fields.v[i].name && strcmp(r->fields.v[i].name, name) == 0)
			return true;
	return false;
}

/* ": width" after a member's declarator; -1 without one, -2 after a diagnostic. */
static int bit_width(struct cparse *cp, const struct type *t, const char *name)
{
	int64_t w;
	if (!is(cp, ":"))
		return -1;
	next(cp);
	struct src_loc at = cp->tok.loc;
	if (cp->tok.kind != CT_INT || !parse_c_int(cp->tok.s, cp->tok.len, &w)) {
		fail(cp, &at, "expected a bit-field width");
		return -2;
	}
	next(cp);
	if (t->kind != TY_INT || w > t->size * 8 || (w == 0 && name)) {
		cp->failed = true;
		diag_error(&cp->ck->c->diag, &at, "invalid width %lld for bit field '%s'",
			   (long long)w, name ? name : "(unnamed)");
		return -2;
	}
	return (int)w;
}

/* Adds a placed member; an anonymous record's members become the parent's (their names
 * are reached directly, as C does). */
static void add_member(struct cparse *cp, struct rlayout *l, struct ty_field f,
		       const struct src_loc *loc)
{
	struct checker *ck = cp->ck;
	if (f.offset == INT_MIN) {
		fail(cp, loc, "record too large");
		return;
	}
	if (!f.name && f.type->kind == TY_RECORD) {
		if (ty_add_fields(&ck->c->arena, l->r, f.type, f.offset))
			ck->nomem = true;
		return;
	}
	if (!f.name) /* an unnamed bit field: padding */
		return;
	if (has_field(l->r, f.name)) {
		cp->failed = true;
		diag_error(&ck->c->diag, loc, "duplicate member '%s' in '%s'", f.name,
			   l->r->name ? l->r->name : "an anonymous record");
		return;
	}
	if (vec_push(&ck->c->arena, &l->r->fields, f))
		ck->nomem = true;
}

/* type declarator [: width] [, declarator [: width]]... ; -- the ';' before '}' may be
 * missing, as compilers accept. */
static void member(struct cparse *cp, struct rlayout *l)
{
	bool incomplete = false;
	struct src_loc base_loc;
	struct type *base = base_type(cp, &incomplete, &base_loc);
	if (base && base->kind == TY_RECORD && !base->name && (is(cp, ";") || is(cp, "}")))
		add_member(cp, l, place(l, NULL, base, -1), &base_loc);
	while (base && !cp->failed && !is(cp, ";") && !is(cp, "}")) {
		const char *name = NULL;
		struct type *t = base;
		if (!is(cp, ":"))
			t = declarator(cp, base, incomplete, &base_loc, &name);
		int width = t ? bit_width(cp, t, name) : -2;
		if (width < -1)
			return;
		add_member(cp, l, place(l, name, t, width), &base_loc);
		if (!is(cp, ","))
			break;
		next(cp);
	}
	if (!is(cp, "}"))
		expect(cp, ";");
}

/* { members } after a record's name; r is registered already, so it may point to itself. */
static struct type *layout_body(struct cparse *cp, struct type *r, bool is_union)
{
	struct checker *ck = cp->ck;
	struct rlayout l = { r, is_union, 0 };
	struct src_loc open = cp->tok.loc;
	if (!expect(cp, "{"))
		return NULL;
	while (!cp->failed && !ck->nomem && !is(cp, "}") && cp->tok.kind != CT_END)
		member(cp, &l);
	if (!cp->failed && r->fields.len == 0)
		diag_error(&ck->c->diag, &open, "'%s' has no members",
			   r->name ? r->name : "an anonymous record");
	r->size = round_up(r->size, r->align);
	if (!cp->failed && cp->tok.kind != CT_END)
		next(cp); /* } */
	return cp->failed ? NULL : r;
}

static struct type *record_body(struct cparse *cp, const char *name, bool is_union)
{
	struct checker *ck = cp->ck;
	struct type *r = ty_new(&ck->c->arena, TY_RECORD);
	if (!r || (name && vec_push(&ck->c->arena, &ck->records, r))) {
		ck->nomem = true;
		return NULL;
	}
	r->name = name;
	return layout_body(cp, r, is_union);
}

/* struct NAME { members } ; -- registered before its members so it may point to itself. */
static void record(struct cparse *cp)
{
	struct checker *ck = cp->ck;
	bool is_union = is(cp, "union");
	const char *kw = is_union ? "union" : "struct";
	next(cp);
	struct src_loc name_loc = cp->tok.loc;
	if (cp->tok.kind != CT_IDENT) {
		fail(cp, &cp->tok.loc, "anonymous records are not supported in the preamble");
		return;
	}
	const char *name = arena_sprintf(&ck->c->arena, "%s %.*s", kw, cp->tok.len, cp->tok.s);
	if (!name) {
		ck->nomem = true;
		return;
	}
	if (tc_script_record(ck, name)) {
		diag_error(&ck->c->diag, &name_loc, "redefinition of '%s'", name);
		return;
	}
	next(cp);
	record_body(cp, name, is_union);
}

/* enum [NAME] { A, B = 2, ... } ; -- the enumerators become constants. */
static void enumeration(struct cparse *cp)
{
	int64_t v = 0;
	next(cp);
	if (cp->tok.kind == CT_IDENT)
		next(cp);
	if (!expect(cp, "{"))
		return;
	while (!cp->failed && cp->tok.kind == CT_IDENT) {
		const char *name = tok_str(cp);
		next(cp);
		if (is(cp, "=")) {
			next(cp);
			struct src_loc at = cp->tok.loc;
			if (!parse_const_expr(cp, &v)) {
				fail(cp, &at, "expected an integer value");
				return;
			}
		}
		if (add_const(cp->ck, name, v))
			cp->ck->nomem = true;
		v++;
		if (!is(cp, ","))
			break;
		next(cp);
	}
	expect(cp, "}");
}

/* #define NAME value: integer values become constants; other macros are ignored. */
static void define(struct cparse *cp)
{
	int64_t v;
	next(cp); /* define */
	if (cp->tok.kind != CT_IDENT)
		return;
	const char *name = tok_str(cp);
	next(cp);
	if (is(cp, "(") && !isspace((unsigned char)cp->tok.s[-1]))
		return; /* a function-like macro */
	if (parse_const_expr(cp, &v) && cp->tok.kind == CT_END && add_const(cp->ck, name, v))
		cp->ck->nomem = true;
}

void tc_cdef(struct checker *ck, const char *text, const struct src_loc *loc, const char *from)
{
	struct cparse cp = { .ck = ck, .p = text, .fixed = from ? loc : NULL };
	cp.line = loc->first_line;
	cp.col = loc->first_col;
	next(&cp);
	if (is(&cp, "#")) {
		next(&cp);
		if (is(&cp, "include"))
			tc_include(ck, cp.p, loc);
		else if (is(&cp, "define"))
			define(&cp);
	} else if (is(&cp, "enum")) {
		enumeration(&cp);
	} else {
		record(&cp);
	}
}

int tc_cdefs(struct checker *ck)
{
	const struct ast_node *prog = ck->c->ast;
	for (int i = 0; i < prog->program.cdefs.len && !ck->nomem; i++)
		tc_cdef(ck, prog->program.cdefs.v[i].text, &prog->program.cdefs.v[i].loc, NULL);
	return ck->nomem ? -ENOMEM : 0;
}

bool tc_script_const(struct checker *ck, const char *name, int64_t *out)
{
	for (int i = ck->consts.len - 1; i >= 0; i--) {
		if (strcmp(ck->consts.v[i].name, name) == 0) {
			*out = ck->consts.v[i].value;
			return true;
		}
	}
	return false;
}

/* ---- the standard library's constants ---- */

/* The library's integer #defines, read once and sorted by name: every identifier that is
 * not a builtin is looked up here, so a script naming many is not one text scan each. */
struct stdlib_const {
	char name[64];
	int64_t value;
};

static struct {
	struct stdlib_const *v;
	int len;
	bool read;
} stdlib_consts;

static int by_const_name(const void *a, const void *b)
{
	return strcmp(((const struct stdlib_const *)a)->name, ((const struct stdlib_const *)b)->name);
}

/* Reads "#define NAME [-]VALUE" at p into *c; false for any other line. */
static bool read_stdlib_define(const char *p, struct stdlib_const *c)
{
	if (strncmp(p, "#define ", 8) != 0)
		return false;
	const char *n = p + 8, *e = n;
	while (isalnum((unsigned char)*e) || *e == '_')
		e++;
	if (e == n || e - n >= (long)sizeof(c->name) || (*e != ' ' && *e != '\t'))
		return false;
	memcpy(c->name, n, (size_t)(e - n));
	c->name[e - n] = 0;
	const char *v = e;
	while (*v == ' ' || *v == '\t')
		v++;
	bool neg = *v == '-';
	const char *end = v + neg;
	while (isalnum((unsigned char)*end))
		end++;
	if (!parse_c_int(v + neg, (int)(end - v - neg), &c->value))
		return false;
	c->value = neg ? -c->value : c->value;
	return true;
}

static void read_stdlib_consts(void)
{
	stdlib_consts.read = true;
	int cap = 0;
	for (const char *p = sema_stdlib_text; *p; p++)
		cap += *p == '\n';
	stdlib_consts.v = calloc((size_t)cap + 1, sizeof(*stdlib_consts.v));
	if (!stdlib_consts.v)
		return;
	for (const char *p = sema_stdlib_text; *p;) {
		const char *eol = strchr(p, '\n');
		if (!eol)
			eol = p + strlen(p);
		if (stdlib_consts.len <= cap &&
		    read_stdlib_define(p, &stdlib_consts.v[stdlib_consts.len]))
			stdlib_consts.len++;
		p = *eol ? eol + 1 : eol;
	}
	qsort(stdlib_consts.v, (size_t)stdlib_consts.len, sizeof(*stdlib_consts.v), by_const_name);
}

bool sema_stdlib_const(const char *name, int64_t *out)
{
	if (!stdlib_consts.read)
		read_stdlib_consts();
	struct stdlib_const key = { 0 };
	if (strlen(name) >= sizeof(key.name) || !stdlib_consts.len)
		return false;
	strcpy(key.name, name);
	const struct stdlib_const *c = bsearch(&key, stdlib_consts.v, (size_t)stdlib_consts.len,
					       sizeof(key), by_const_name);
	if (c)
		*out = c->value;
	return c != NULL;
}
