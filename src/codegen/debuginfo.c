/* Debug info through LLVM's DIBuilder. The BPF backend turns it into .BTF/.BTF.ext: map
 * definitions (libbpf reads map type, sizes and key/value types from them), function info
 * for every program, and line info that maps verifier messages back to script lines. */
#include "cg.h"

#include <stdio.h>
#include <string.h>

#define DW_ATE_SIGNED 0x05
#define DW_ATE_UNSIGNED 0x07
#define DW_ATE_SIGNED_CHAR 0x06

/* For the source text in verifier logs, LLVM's BTF emission reads the file the debug info
 * names and keeps each of its lines as a string: 690 MB and 3 s for a script of 10 million
 * lines. Past this size the name given is one no file has, and logs show line numbers only. */
#define CG_SOURCE_TEXT_MAX (1 << 20)

void cg_di_init(struct cg *g)
{
	const char *name = g->c->file ? g->c->file : "stdin";
	char big[512];
	if (g->c->src_len > CG_SOURCE_TEXT_MAX) {
		snprintf(big, sizeof(big), "%s (over 1 MiB: no source text)", name);
		name = big;
	}
	g->dib = LLVMCreateDIBuilder(g->mod);
	g->di_file = LLVMDIBuilderCreateFile(g->dib, name, strlen(name), "", 0);
	g->di_cu = LLVMDIBuilderCreateCompileUnit(g->dib, LLVMDWARFSourceLanguageC, g->di_file,
						  "bpfscope", 8, 1, "", 0, 0, "", 0,
						  LLVMDWARFEmissionFull, 0, 0, 0, "", 0, "", 0);
	LLVMAddModuleFlag(g->mod, LLVMModuleFlagBehaviorWarning, "Debug Info Version", 18,
			  LLVMValueAsMetadata(LLVMConstInt(g->i32, 3, 0)));
	LLVMAddModuleFlag(g->mod, LLVMModuleFlagBehaviorWarning, "Dwarf Version", 13,
			  LLVMValueAsMetadata(LLVMConstInt(g->i32, 4, 0)));
}

LLVMMetadataRef cg_di_int(struct cg *g, int size, bool is_signed)
{
	static const char *const snames[] = { "s8", "s16", "s32", "s64" };
	static const char *const unames[] = { "u8", "u16", "u32", "u64" };
	int i = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
	const char *n = is_signed ? snames[i] : unames[i];
	int bits = size == 1 || size == 2 || size == 4 ? size * 8 : 64;
	return LLVMDIBuilderCreateBasicType(g->dib, n, strlen(n), (uint64_t)bits,
					    is_signed ? DW_ATE_SIGNED : DW_ATE_UNSIGNED,
					    LLVMDIFlagZero);
}

static LLVMMetadataRef di_array(struct cg *g, LLVMMetadataRef elem, int elem_bits, int64_t n)
{
	LLVMMetadataRef sub = LLVMDIBuilderGetOrCreateSubrange(g->dib, 0, n);
	return LLVMDIBuilderCreateArrayType(g->dib, (uint64_t)(elem_bits * n), 8, elem, &sub, 1);
}

/* char[size]: strings and any byte blob without a better description. */
LLVMMetadataRef cg_di_bytes(struct cg *g, int size)
{
	LLVMMetadataRef ch = LLVMDIBuilderCreateBasicType(g->dib, "char", 4, 8,
							  DW_ATE_SIGNED_CHAR, LLVMDIFlagZero);
	return di_array(g, ch, 8, size > 0 ? size : 1);
}

LLVMMetadataRef cg_di_struct(struct cg *g, int size, const char **names, LLVMMetadataRef *types,
			     const int *offsets, int n)
{
	LLVMMetadataRef members[64];
	int m = 0;
	for (int i = 0; i < n && m < 64; i++) {
		uint64_t bits = LLVMDITypeGetSizeInBits(types[i]);
		members[m++] = LLVMDIBuilderCreateMemberType(
			g->dib, g->di_file, names[i], strlen(names[i]), g->di_file, 0, bits, 0,
			(uint64_t)offsets[i] * 8, LLVMDIFlagZero, types[i]);
	}
	return LLVMDIBuilderCreateStructType(g->dib, g->di_file, "", 0, g->di_file, 0,
					     (uint64_t)size * 8, 64, LLVMDIFlagZero, NULL, members,
					     (unsigned)m, 0, NULL, "", 0);
}

/* The BTF of a value the runtime renders: integers as integers, the rest as structs of
 * their fields or byte arrays, so `bpftool map dump` shows something meaningful. */
LLVMMetadataRef cg_di_pd_type(struct cg *g, const struct pd_type *t)
{
	const struct pd_kind_desc *d = &pd_kinds[t->kind];
	if (d->convs & PD_CONV_INT && t->size <= 8)
		return cg_di_int(g, (int)(t->size ? t->size : 8), d->flags & PD_KF_SIGNED);
	if (!(d->flags & PD_KF_FIELDS))
		return cg_di_bytes(g, (int)t->size);
	const char *names[64];
	LLVMMetadataRef types[64];
	int offs[64];
	char buf[16];
	int n = 0;
	for (int i = 0; i < t->fields.len && n < 64; i++) {
		const struct pd_type *f = &t->fields.v[i];
		if (f->bit_size) /* bit fields share bytes: BTF would see overlapping members */
			continue;
		snprintf(buf, sizeof(buf), "f%d", i);
		names[n] = f->name ? f->name : arena_strdup(&g->c->arena, buf);
		if (!names[n])
			names[n] = "f";
		types[n] = cg_di_pd_type(g, f);
		offs[n++] = (int)f->offset;
	}
	return cg_di_struct(g, (int)t->size, names, types, offs, n);
}

/* The anonymous struct libbpf expects for a BTF-defined map: `type` and `max_entries` are
 * pointers to int[N] carrying N; `key`/`value` point to the key and value types. */
LLVMMetadataRef cg_di_map_type(struct cg *g, int map_type, uint32_t max_entries,
			       LLVMMetadataRef key, LLVMMetadataRef value)
{
	LLVMMetadataRef ity = cg_di_int(g, 4, true);
	const char *names[4] = { "type", "max_entries", "key", "value" };
	LLVMMetadataRef types[4];
	int offs[4] = { 0, 8, 16, 24 };
	types[0] = LLVMDIBuilderCreatePointerType(g->dib, di_array(g, ity, 32, map_type), 64, 0, 0,
						  "", 0);
	types[1] = LLVMDIBuilderCreatePointerType(g->dib, di_array(g, ity, 32, max_entries), 64,
						  0, 0, "", 0);
	int n = 2;
	if (key)
		types[n++] = LLVMDIBuilderCreatePointerType(g->dib, key, 64, 0, 0, "", 0);
	if (value)
		types[n++] = LLVMDIBuilderCreatePointerType(g->dib, value, 64, 0, 0, "", 0);
	return cg_di_struct(g, n * 8, names, types, offs, n);
}

/* A DISubprogram `int name(void *, ...)` with nparams pointer-sized parameters; local ones
 * (loop callbacks) become static functions in BTF, as the verifier requires. */
LLVMMetadataRef cg_di_function(struct cg *g, const char *name, int line, int nparams,
			       bool local)
{
	LLVMMetadataRef tys[5];
	tys[0] = cg_di_int(g, 4, true);
	for (int i = 1; i <= nparams && i < 5; i++)
		tys[i] = LLVMDIBuilderCreatePointerType(g->dib, NULL, 64, 0, 0, "", 0);
	LLVMMetadataRef fty = LLVMDIBuilderCreateSubroutineType(
		g->dib, g->di_file, tys, (unsigned)(nparams < 4 ? nparams + 1 : 5), LLVMDIFlagZero);
	LLVMMetadataRef sp = LLVMDIBuilderCreateFunction(g->dib, g->di_file, name, strlen(name),
							 name, strlen(name), g->di_file,
							 (unsigned)line, fty, local, 1,
							 (unsigned)line,
							 LLVMDIFlagPrototyped, 1);
	/* The kernel refuses BTF whose function arguments have no names; the backend takes
	 * them from the subprogram's retained parameter variables. */
	static const char *const pnames[] = { "ctx", "a1", "a2", "a3" };
	for (int i = 0; i < nparams && i < 4; i++) {
		const char *pn = nparams == 1 ? "ctx" : pnames[i];
		LLVMDIBuilderCreateParameterVariable(g->dib, sp, pn, strlen(pn), (unsigned)i + 1,
						     g->di_file, (unsigned)line, tys[i + 1], 1,
						     LLVMDIFlagZero);
	}
	return sp;
}

void cg_di_global(struct cg *g, LLVMValueRef gv, const char *name, LLVMMetadataRef ty)
{
	LLVMMetadataRef expr = LLVMDIBuilderCreateExpression(g->dib, NULL, 0);
	LLVMMetadataRef gve = LLVMDIBuilderCreateGlobalVariableExpression(
		g->dib, g->di_cu, name, strlen(name), name, strlen(name), g->di_file, 0, ty, 0,
		expr, NULL, 0);
	LLVMGlobalSetMetadata(gv, LLVMGetMDKindIDInContext(g->ctx, "dbg", 3), gve);
}

/* Every instruction built from now on is attributed to loc (the statement being lowered). */
void cg_set_loc(struct cg *g, const struct src_loc *loc)
{
	unsigned line = loc && loc->first_line > 0 ? (unsigned)loc->first_line : 1;
	unsigned col = loc && loc->first_col > 0 ? (unsigned)loc->first_col : 1;
	LLVMMetadataRef l = LLVMDIBuilderCreateDebugLocation(g->ctx, line, col, g->f.sp, NULL);
	LLVMSetCurrentDebugLocation2(g->b, l);
}
