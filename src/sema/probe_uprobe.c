/* uprobe:BINARY:FUNC[+OFFSET], uprobe:BINARY:0xADDR, uprobe:BINARY:cpp:NAME and uretprobe:
 * BINARY is a path, a library name (libc) or a program in $PATH, resolved in the -p process;
 * FUNC may be a wildcard, matched on symbol and demangled names. An offset must start an
 * instruction. `args.NAME` is typed from DWARF where the binary has debug info. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "elf_syms.h"
#include "provider.h"

/* pt_regs offsets of the x86-64 argument registers (di, si, dx, cx, r8, r9). */
static const int arg_regs[] = { 112, 104, 96, 88, 72, 64 };

struct upoint {
	const char *path; /* the resolved binary */
	const char *func; /* symbol as written or matched */
	uint64_t off; /* offset into func */
};

static int add(struct sema_attach *a, const char *path, const struct elf_func *f, uint64_t off,
	       const char *as_written)
{
	struct compiler *c = a->c;
	struct pd_probe p = { .target = path, .func = f->name, .offset = f->file_off + off };
	if (as_written)
		p.name = arena_sprintf(&c->arena, "%s:%s:%s", a->provider, path, as_written);
	else if (off)
		p.name = arena_sprintf(&c->arena, "%s:%s:%s+%llu", a->provider, path, f->name,
				       (unsigned long long)off);
	else
		p.name = arena_sprintf(&c->arena, "%s:%s:%s", a->provider, path, f->name);
	return sema_add_point(a, p, NULL);
}

/* FUNC+OFF: the offset must fall on an instruction of the function. */
static int expand_offset(struct sema_attach *a, const char *path, const struct elf_func *f,
			 uint64_t off, const char *as_written)
{
	struct compiler *c = a->c;
	if (a->kind == PD_PROBE_URETPROBE) {
		diag_error(&c->diag, &a->at->loc, "uretprobes cannot have an offset");
		return 0;
	}
	int ok = off < f->size ? sema_elf_insn_boundary(path, f, off) : 0;
	if (ok <= 0 && !c->opts.unsafe) {
		if (off >= f->size)
			diag_error(&c->diag, &a->at->loc, "offset %llu is past the end of %s "
				   "(%llu bytes)", (unsigned long long)off, f->name,
				   (unsigned long long)f->size);
		else
			diag_error(&c->diag, &a->at->loc, "offset %llu into %s is not an instruction "
				   "boundary%s", (unsigned long long)off, f->name,
				   ok < 0 ? " (the code could not be read)" : "");
		diag_note(&c->diag, &a->at->loc, "--unsafe probes it anyway");
		return 0;
	}
	return add(a, path, f, off, as_written);
}

/* 0xADDR: the function that contains the address, and the offset into it. */
static int expand_addr(struct sema_attach *a, const char *path, const elf_func_list *fns,
		       uint64_t addr)
{
	for (int i = 0; i < fns->len; i++) {
		const struct elf_func *f = &fns->v[i];
		if (addr >= f->addr && addr < f->addr + f->size)
			return expand_offset(a, path, f, addr - f->addr, a->func);
	}
	diag_error(&a->c->diag, &a->at->loc, "address %s is not inside a function of %s",
		   a->func, path);
	return 0;
}

/* Splits "func+off"; false on a bad offset. */
static bool split_offset(struct arena *ar, const char *s, const char **func, uint64_t *off)
{
	const char *plus = strrchr(s, '+');
	*off = 0;
	*func = s;
	if (!plus || plus == s)
		return true;
	char *end;
	errno = 0;
	*off = strtoull(plus + 1, &end, 0);
	*func = arena_strndup(ar, s, (size_t)(plus - s));
	return *func && plus[1] && !*end && !errno;
}

/* glibc 2.34 moved libpthread's, libdl's and librt's functions into libc, leaving stubs
 * (bpftrace then attaches to nothing, silently): a function missing from another library
 * that libc has is pointed there. */
static void note_in_libc(struct sema_attach *a, const char *path, const char *func)
{
	struct compiler *c = a->c;
	int err;
	const char *libc = sema_bin_resolve(&c->arena, "libc", c->opts.pid, &err);
	elf_func_list fns = { 0 };
	if (!libc || !strcmp(libc, path) || sema_elf_funcs(&c->arena, libc, &fns))
		return;
	for (int i = 0; i < fns.len; i++)
		if (sema_elf_func_matches(&fns.v[i], func)) {
			diag_note(&c->diag, &a->at->loc, "%s is in %s (glibc 2.34 moved the "
				  "functions of libpthread, libdl and librt there): uprobe:libc:%s",
				  func, libc, func);
			return;
		}
}

static int expand_funcs(struct sema_attach *a, const char *path, const elf_func_list *fns,
			const char *glob, bool cpp)
{
	int n = 0, err;
	for (int i = 0; i < fns->len; i++) {
		const struct elf_func *f = &fns->v[i];
		/* "ns::Foo::bar" selects the overloads as bpftrace does; cpp: asks for that only */
		bool hit = sema_elf_func_matches_cpp(f, glob) ||
			   (!cpp && sema_elf_func_matches(f, glob));
		if (!hit || (i > 0 && fns->v[i - 1].addr == f->addr && hit))
			continue; /* aliases of one address are probed once */
		if ((err = add(a, path, f, 0, NULL)))
			return err;
		n++;
	}
	if (n == 0) {
		sema_missing(a, "%s '%s' in %s",
			     sema_has_glob(glob) ? "no function matches" : "unknown function", glob,
			     path);
		if (!sema_has_glob(glob))
			note_in_libc(a, path, glob);
	}
	return 0;
}

static int expand(struct sema_attach *a)
{
	struct compiler *c = a->c;
	bool cpp = a->extra && a->func && strcmp(a->func, "cpp") == 0;
	const char *spec = cpp || (a->extra && a->func && !strcmp(a->func, "c")) ? a->extra : a->func;
	if (!a->target || !a->target[0] || !spec || !spec[0] || (a->extra && spec != a->extra)) {
		diag_error(&c->diag, &a->at->loc, "%s probes need a binary and a function: "
			   "%s:<binary>:<function>", a->provider, a->provider);
		return 0;
	}
	int err;
	const char *path = sema_bin_resolve(&c->arena, a->target, c->opts.pid, &err);
	if (!path) {
		if (err == -ENOMEM)
			return err;
		diag_error(&c->diag, &a->at->loc, "cannot find the binary '%s': %s", a->target,
			   err == -ENOEXEC ? "not an ELF file" : strerror(-err));
		return 0;
	}
	elf_func_list fns = { 0 };
	if ((err = sema_elf_funcs(&c->arena, path, &fns))) {
		if (err == -ENOMEM)
			return err;
		diag_error(&c->diag, &a->at->loc, "cannot read the symbols of %s: %s", path,
			   strerror(-err));
		return 0;
	}
	uint64_t addr, off;
	const char *func;
	if (!cpp && spec[0] == '0' && spec[1] == 'x' && sema_parse_u64(spec, &addr))
		return expand_addr(a, path, &fns, addr);
	if (!split_offset(&c->arena, spec, &func, &off)) {
		diag_error(&c->diag, &a->at->loc, "invalid offset in '%s'", spec);
		return 0;
	}
	if (!off && !strchr(spec, '+'))
		return expand_funcs(a, path, &fns, func, cpp);
	if (sema_has_glob(func)) {
		diag_error(&c->diag, &a->at->loc, "an offset cannot be combined with a wildcard");
		return 0;
	}
	for (int i = 0; i < fns.len; i++)
		if (strcmp(fns.v[i].name, func) == 0)
			return expand_offset(a, path, &fns.v[i], off, NULL);
	sema_missing(a, "unknown function '%s' in %s", func, path);
	return 0;
}

static void list_params(struct sema_lister *l, const char *path, const char *func)
{
	elf_param_list params = { 0 };
	if (sema_dwarf_params(&l->arena, path, func, &params))
		return;
	for (int i = 0; i < params.len; i++)
		fprintf(l->out, "    %s\n", params.v[i].decl);
}

/* -l 'uprobe:BINARY:GLOB': the functions of one binary (a glob needs a binary). */
static int list(struct sema_lister *l)
{
	if (!l->glob || strncmp(l->glob, "uprobe:", 7) != 0)
		return 0;
	char *bin = arena_strdup(&l->arena, l->glob + 7);
	if (!bin)
		return -ENOMEM;
	bin[strcspn(bin, ":")] = '\0';
	int err;
	const char *path = sema_bin_resolve(&l->arena, bin, l->pid, &err);
	elf_func_list fns = { 0 };
	if (!path || sema_has_glob(bin))
		return err == -ENOMEM ? err : 0;
	if ((err = sema_elf_funcs(&l->arena, path, &fns)))
		return err == -ENOMEM ? err : 0;
	const char *glob = strchr(l->glob + 7, ':') ? strchr(l->glob + 7, ':') + 1 : "*";
	for (int i = 0; i < fns.len; i++) {
		if (i > 0 && !strcmp(fns.v[i].name, fns.v[i - 1].name))
			continue;
		if (!sema_elf_func_matches(&fns.v[i], glob))
			continue;
		fprintf(l->out, "uprobe:%s:%s\n", path, fns.v[i].name);
		l->count++;
		if (l->verbose)
			list_params(l, path, fns.v[i].name);
	}
	return 0;
}

/* `args`: the DWARF parameters, each read from its argument register. */
static struct type *args(struct compiler *c, const struct pd_probe *p, struct sema_probe *sp,
			 const char **why)
{
	elf_param_list params = { 0 };
	if (p->kind == PD_PROBE_URETPROBE) {
		*why = "a uretprobe has no args: its argument registers are clobbered (use retval)";
		return NULL;
	}
	int err = sema_dwarf_params(&c->arena, p->target, p->func, &params);
	if (err) {
		*why = err == -ENOMEM ? NULL :
		       arena_sprintf(&c->arena, "%s has no debug info for %s: use arg0..arg5",
				     p->target, p->func);
		return NULL;
	}
	struct type *r = ty_new(&c->arena, TY_RECORD);
	if (!r)
		return NULL;
	r->name = arena_sprintf(&c->arena, "struct %s_args", p->func);
	r->size = 168; /* struct pt_regs */
	r->align = 8;
	for (int i = 0; i < params.len && i < 6; i++) {
		struct ty_field f = { .name = params.v[i].name, .type = params.v[i].type,
				      .offset = arg_regs[i] };
		if (vec_push(&c->arena, &r->fields, f))
			return NULL;
	}
	return r;
}

/* A return probe's argument registers hold whatever the function left there. */
static int nargs(const struct pd_probe *p, struct sema_probe *sp)
{
	return p->kind == PD_PROBE_URETPROBE ? 0 : -1;
}

const struct sema_provider sema_prov_uprobe = {
	.expand = expand,
	.list = list,
	.args = args,
	.nargs = nargs,
};
