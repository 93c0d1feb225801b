/* Typed uprobe arguments from DWARF (libdw): a function's formal parameters converted to
 * struct type the way kbtf.c converts kernel BTF (typedefs dropped, char[N] as string[N],
 * anonymous members flattened), plus the declarations bpftrace -lv prints. Part of sema
 * (elf_syms.h); libdw's memory is released before returning, the types live in the arena. */
#include <dwarf.h>
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../util/arena.h"
#include "elf_syms.h"
#include "types.h"

/* A record already converted, by DIE offset: a struct that points to itself is one type. */
struct dw_seen {
	Dwarf_Off off;
	struct type *ty;
};

struct dw_conv {
	struct arena *a;
	VEC(struct dw_seen) seen;
};

/* Deeper type graphs end in `void` rather than in a stack overflow on bad input. */
#define MAX_DEPTH 128

static struct type *conv(struct dw_conv *c, Dwarf_Die *die, int depth);

static Dwarf_Die *type_of(Dwarf_Die *die, Dwarf_Die *mem)
{
	Dwarf_Attribute attr;
	if (!die || !dwarf_attr_integrate(die, DW_AT_type, &attr))
		return NULL;
	return dwarf_formref_die(&attr, mem);
}

/* DW_AT_name, also through DW_AT_abstract_origin and DW_AT_specification. */
static const char *die_name(Dwarf_Die *die, unsigned int at)
{
	Dwarf_Attribute attr;
	return dwarf_formstring(dwarf_attr_integrate(die, at, &attr));
}

static bool is_mod(int tag)
{
	return tag == DW_TAG_typedef || tag == DW_TAG_const_type || tag == DW_TAG_volatile_type ||
	       tag == DW_TAG_restrict_type || tag == DW_TAG_atomic_type;
}

/* Follows typedefs and qualifiers to the type that gives the layout; NULL for void. */
static Dwarf_Die *skip_mods(Dwarf_Die *die, Dwarf_Die *mem)
{
	Dwarf_Die cur = *die, next;
	for (int depth = 0; depth < 32; depth++) {
		if (!is_mod(dwarf_tag(&cur))) {
			*mem = cur;
			return mem;
		}
		if (!type_of(&cur, &next))
			return NULL;
		cur = next;
	}
	return NULL;
}

static bool is_char(Dwarf_Die *die)
{
	Dwarf_Die mem;
	Dwarf_Die *t = die ? skip_mods(die, &mem) : NULL;
	if (!t || dwarf_tag(t) != DW_TAG_base_type || dwarf_bytesize(t) != 1)
		return false;
	const char *n = dwarf_diename(t);
	return n && strcmp(n, "char") == 0;
}

static bool udata(Dwarf_Die *die, unsigned int at, Dwarf_Word *out)
{
	Dwarf_Attribute attr;
	return dwarf_attr(die, at, &attr) && dwarf_formudata(&attr, out) == 0;
}

/* Floats and odd sizes (__int128) are opaque bytes, as in kbtf.c. */
static struct type *conv_base(struct dw_conv *c, Dwarf_Die *die)
{
	int size = dwarf_bytesize(die);
	Dwarf_Word enc = 0;
	udata(die, DW_AT_encoding, &enc);
	if (enc == DW_ATE_float || (size != 1 && size != 2 && size != 4 && size != 8))
		return ty_array(c->a, ty_int(1, false), size > 0 ? size : 0);
	if (is_char(die))
		return ty_int(1, true);
	return ty_int(size, enc == DW_ATE_signed || enc == DW_ATE_signed_char);
}

/* An enum is its underlying type (DWARF 3+), else signed when an enumerator is negative;
 * it carries its enumerators so that %s prints their names. */
static struct type *conv_enum(struct dw_conv *c, Dwarf_Die *die, int depth)
{
	Dwarf_Die mem, child;
	const struct type *base = type_of(die, &mem) ? conv(c, &mem, depth + 1) : NULL;
	int size = dwarf_bytesize(die);
	bool is_signed = base && base->is_signed;
	struct type *e = ty_enum(c->a, NULL, size > 0 ? size : base ? base->size : 4, false);
	for (int r = dwarf_child(die, &child); e && r == 0; r = dwarf_siblingof(&child, &child)) {
		Dwarf_Attribute attr;
		Dwarf_Sword v;
		const char *n = dwarf_diename(&child);
		if (!n || !dwarf_attr(&child, DW_AT_const_value, &attr) ||
		    dwarf_formsdata(&attr, &v))
			continue;
		struct ty_enumerator en = { arena_strdup(c->a, n), (int64_t)v };
		if (!en.name || vec_push(c->a, &e->enumerators, en))
			return NULL;
		is_signed |= !base && v < 0;
	}
	if (e)
		e->is_signed = is_signed;
	return e;
}

/* The element count of one DW_TAG_subrange_type; 0 for a flexible array. */
static int subrange_count(Dwarf_Die *sub)
{
	Dwarf_Word v;
	if (udata(sub, DW_AT_count, &v))
		return (int)v;
	if (udata(sub, DW_AT_upper_bound, &v))
		return (int)v + 1;
	return 0;
}

/* int a[2][3] is one DIE with two subranges: array of 2 arrays of 3. char[N] in the last
 * dimension is a string, as kbtf.c types BTF char arrays. */
static struct type *conv_array(struct dw_conv *c, Dwarf_Die *die, int depth)
{
	int dims[8], nd = 0;
	Dwarf_Die child, emem, *elem = type_of(die, &emem);
	int r = dwarf_child(die, &child);
	for (; r == 0 && nd < 8; r = dwarf_siblingof(&child, &child))
		if (dwarf_tag(&child) == DW_TAG_subrange_type)
			dims[nd++] = subrange_count(&child);
	if (nd == 0)
		dims[nd++] = 0;
	struct type *t;
	if (is_char(elem))
		t = ty_str(c->a, dims[--nd]);
	else
		t = conv(c, elem, depth + 1);
	while (t && nd > 0)
		t = ty_array(c->a, t, dims[--nd]);
	return t;
}

/* The member's offset in bits from the start of the record, or -1 when it is not a constant
 * (virtual bases). DWARF <= 4 bit fields count DW_AT_bit_offset from the storage unit's most
 * significant bit. */
static long long member_bit_offset(Dwarf_Die *m, const struct type *mt)
{
	Dwarf_Word v, byte = 0;
	Dwarf_Attribute attr;
	if (udata(m, DW_AT_data_bit_offset, &v))
		return (long long)v;
	if (dwarf_attr(m, DW_AT_data_member_location, &attr) && dwarf_formudata(&attr, &byte))
		return -1;
	int bits = dwarf_bitsize(m), msb_off = dwarf_bitoffset(m);
	if (bits > 0 && msb_off >= 0) {
		int storage = dwarf_bytesize(m) > 0 ? dwarf_bytesize(m) : mt->size;
		return (long long)byte * 8 + storage * 8 - msb_off - bits;
	}
	return (long long)byte * 8;
}

static int add_member(struct dw_conv *c, struct type *r, Dwarf_Die *m, int depth)
{
	Dwarf_Die tmem;
	if (dwarf_hasattr(m, DW_AT_external) || dwarf_hasattr(m, DW_AT_declaration))
		return 0; /* a C++ static member: not stored in the record */
	struct type *mt = conv(c, type_of(m, &tmem), depth + 1);
	if (!mt)
		return -ENOMEM;
	long long bitoff = member_bit_offset(m, mt);
	const char *n = dwarf_diename(m);
	if (bitoff < 0)
		return 0;
	if (mt->align > r->align)
		r->align = mt->align;
	/* Anonymous struct/union members and C++ base classes: reachable by name. */
	if ((!n || !n[0]) && mt->kind == TY_RECORD)
		return ty_add_fields(c->a, r, mt, (int)(bitoff / 8));
	struct ty_field f = { 0 };
	f.name = arena_strdup(c->a, n ? n : "");
	f.type = mt;
	f.offset = (int)(bitoff / 8);
	f.bit_size = dwarf_bitsize(m) > 0 ? dwarf_bitsize(m) : 0;
	if (f.bit_size)
		f.bit_offset = (int)(bitoff % 8);
	return f.name ? vec_push(c->a, &r->fields, f) : -ENOMEM;
}

static struct type *new_record(struct dw_conv *c, Dwarf_Die *die)
{
	struct type *r = ty_new(c->a, TY_RECORD);
	if (!r)
		return NULL;
	const char *n = dwarf_diename(die);
	const char *kw = dwarf_tag(die) == DW_TAG_union_type ? "union" : "struct";
	r->name = arena_sprintf(c->a, "%s %s", kw, n && n[0] ? n : "(anon)");
	r->size = dwarf_bytesize(die) > 0 ? dwarf_bytesize(die) : 0;
	struct dw_seen s = { dwarf_dieoffset(die), r };
	return r->name && !vec_push(c->a, &c->seen, s) ? r : NULL;
}

static struct type *conv_record(struct dw_conv *c, Dwarf_Die *die, int depth)
{
	Dwarf_Off off = dwarf_dieoffset(die);
	Dwarf_Die child;
	for (int i = 0; i < c->seen.len; i++)
		if (c->seen.v[i].off == off)
			return c->seen.v[i].ty;
	struct type *r = new_record(c, die);
	if (!r)
		return NULL;
	for (int ok = dwarf_child(die, &child); ok == 0; ok = dwarf_siblingof(&child, &child)) {
		int tag = dwarf_tag(&child);
		if ((tag == DW_TAG_member || tag == DW_TAG_inheritance) &&
		    add_member(c, r, &child, depth))
			return NULL;
	}
	return r;
}

static struct type *conv(struct dw_conv *c, Dwarf_Die *die, int depth)
{
	Dwarf_Die mem;
	if (!die || depth > MAX_DEPTH || !(die = skip_mods(die, &mem)))
		return ty_none();
	switch (dwarf_tag(die)) {
	case DW_TAG_base_type:
		return conv_base(c, die);
	case DW_TAG_pointer_type:
	case DW_TAG_reference_type:
	case DW_TAG_rvalue_reference_type: {
		Dwarf_Die emem;
		struct type *elem = conv(c, type_of(die, &emem), depth + 1);
		return elem ? ty_ptr(c->a, elem, true) : NULL;
	}
	case DW_TAG_structure_type:
	case DW_TAG_class_type:
	case DW_TAG_union_type:
		return conv_record(c, die, depth);
	case DW_TAG_array_type:
		return conv_array(c, die, depth);
	case DW_TAG_enumeration_type:
		return conv_enum(c, die, depth);
	default:
		return ty_none(); /* function types, nullptr_t */
	}
}

/* The type as bpftrace 0.17 names it in -lv ("const char*", "struct point", "char**"),
 * including its "<unknown type>" for what it does not name (volatile, arrays, functions). */
static char *decl_type(struct arena *a, Dwarf_Die *die, int depth)
{
	Dwarf_Die mem;
	const char *n = die ? dwarf_diename(die) : NULL;
	if (!die)
		return arena_strdup(a, "void");
	if (depth > 32)
		return arena_strdup(a, "<unknown type>");
	switch (dwarf_tag(die)) {
	case DW_TAG_base_type:
	case DW_TAG_typedef:
		return arena_strdup(a, n ? n : "<unknown type>");
	case DW_TAG_structure_type:
		return arena_sprintf(a, "struct %s", n ? n : "");
	case DW_TAG_class_type:
		return arena_sprintf(a, "class %s", n ? n : "");
	case DW_TAG_union_type:
		return arena_sprintf(a, "union %s", n ? n : "");
	case DW_TAG_enumeration_type:
		return arena_sprintf(a, "enum %s", n ? n : "");
	case DW_TAG_pointer_type: {
		char *inner = decl_type(a, type_of(die, &mem), depth + 1);
		return inner ? arena_sprintf(a, "%s*", inner) : NULL;
	}
	case DW_TAG_const_type: {
		char *inner = decl_type(a, type_of(die, &mem), depth + 1);
		if (!inner)
			return NULL;
		/* "char* const p", "const char* p" */
		if (inner[0] && inner[strlen(inner) - 1] == '*')
			return arena_sprintf(a, "%s const", inner);
		return arena_sprintf(a, "const %s", inner);
	}
	default:
		return arena_strdup(a, "<unknown type>");
	}
}

/* The function's DIE: a definition with code wins over an abstract or inlined-only one.
 * By name (or C++ linkage name), or by entry address when pc is set. */
struct find_func {
	const char *func;
	Dwarf_Addr pc;
	Dwarf_Die die;
	bool found, has_code;
};

static bool func_named(Dwarf_Die *die, const char *func)
{
	const char *n = die_name(die, DW_AT_name), *ln = die_name(die, DW_AT_linkage_name);
	return (n && strcmp(n, func) == 0) || (ln && strcmp(ln, func) == 0);
}

static int match_func(Dwarf_Die *die, void *arg)
{
	struct find_func *ff = arg;
	Dwarf_Addr lo;
	if (dwarf_hasattr(die, DW_AT_declaration))
		return DWARF_CB_OK;
	if (ff->pc ? dwarf_lowpc(die, &lo) || lo != ff->pc : !func_named(die, ff->func))
		return DWARF_CB_OK;
	bool code = dwarf_hasattr(die, DW_AT_low_pc) || dwarf_hasattr(die, DW_AT_ranges);
	if (!ff->found || (code && !ff->has_code)) {
		ff->die = *die;
		ff->found = true;
		ff->has_code = code;
	}
	return code ? DWARF_CB_ABORT : DWARF_CB_OK;
}

static bool find_by_name(Dwarf *dw, struct find_func *ff)
{
	Dwarf_Off off = 0, next;
	size_t hsize;
	while (!ff->has_code && dwarf_nextcu(dw, off, &next, &hsize, NULL, NULL, NULL) == 0) {
		Dwarf_Die cu;
		if (dwarf_offdie(dw, off + hsize, &cu))
			dwarf_getfuncs(&cu, match_func, ff, 0);
		off = next;
	}
	return ff->found;
}

/* A function DWARF knows under another name than the symbol's (glibc's malloc is
 * __libc_malloc): found through the symbol's address in the unit that covers it. */
static bool find_by_symbol(Dwfl_Module *mod, struct find_func *ff)
{
	int n = dwfl_module_getsymtab(mod);
	for (int i = 1; i < n; i++) {
		GElf_Sym sym;
		GElf_Addr addr;
		const char *name = dwfl_module_getsym_info(mod, i, &sym, &addr, NULL, NULL, NULL);
		int type = GELF_ST_TYPE(sym.st_info);
		if (!name || strcmp(name, ff->func) || sym.st_shndx == SHN_UNDEF ||
		    (type != STT_FUNC && type != STT_GNU_IFUNC))
			continue;
		Dwarf_Addr bias;
		Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias);
		if (!cu)
			return false;
		ff->pc = addr - bias;
		dwarf_getfuncs(cu, match_func, ff, 0);
		return ff->found;
	}
	return false;
}

static int add_param(struct dw_conv *c, Dwarf_Die *p, elf_param_list *out)
{
	Dwarf_Die tmem, *t = type_of(p, &tmem);
	const char *n = die_name(p, DW_AT_name);
	struct elf_param ep = { .name = arena_strdup(c->a, n ? n : ""), .type = conv(c, t, 0) };
	char *ty = decl_type(c->a, t, 0);
	ep.decl = ty && ep.name ? arena_sprintf(c->a, "%s %s", ty, ep.name) : NULL;
	if (!ep.type || !ep.decl)
		return -ENOMEM;
	return vec_push(c->a, out, ep);
}

static int read_params(struct arena *a, Dwarf_Die *func, elf_param_list *out)
{
	struct dw_conv c = { .a = a };
	Dwarf_Die child;
	for (int r = dwarf_child(func, &child); r == 0; r = dwarf_siblingof(&child, &child)) {
		if (dwarf_tag(&child) != DW_TAG_formal_parameter)
			continue;
		int err = add_param(&c, &child, out);
		if (err)
			return err;
	}
	return 0;
}

/* libdwfl finds the debug info in the file itself or in a separate file: by build id under
 * /usr/lib/debug/.build-id (Debian's *-dbg packages, libc6-dbg), by .gnu_debuglink next to
 * the file, in its .debug/ or under /usr/lib/debug (and through debuginfod when the user
 * set DEBUGINFOD_URLS). */
static const Dwfl_Callbacks offline_callbacks = {
	.find_elf = dwfl_build_id_find_elf,
	.find_debuginfo = dwfl_standard_find_debuginfo,
	.section_address = dwfl_offline_section_address,
};

int sema_dwarf_params(struct arena *a, const char *path, const char *func, elf_param_list *out)
{
	if (access(path, R_OK))
		return -errno;
	Dwfl *dwfl = dwfl_begin(&offline_callbacks);
	if (!dwfl)
		return -ENOMEM;
	Dwarf_Addr bias;
	Dwfl_Module *mod = dwfl_report_offline(dwfl, "", path, -1);
	Dwarf *dw = mod ? dwfl_module_getdwarf(mod, &bias) : NULL; /* NULL: no debug info */
	struct find_func ff = { .func = func };
	int err = -ENOENT;
	if (dw && (find_by_name(dw, &ff) || find_by_symbol(mod, &ff)))
		err = read_params(a, &ff.die, out);
	dwfl_end(dwfl);
	return err;
}
