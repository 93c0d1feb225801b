/* USDT probes (SystemTap SDT notes, <sys/sdt.h>): the probes of an ELF file with their
 * addresses, file offsets and semaphores, and x86-64 argument specs decoded for codegen,
 * which reads each argument from struct pt_regs. Sema side only: no BPF here. */
#ifndef USDT_H
#define USDT_H

#include <stdbool.h>
#include <stdint.h>

#include "sema_int.h"

enum usdt_arg_kind {
	USDT_ARG_CONST, /* $imm: the value is val */
	USDT_ARG_REG, /* %reg: value of the register (low `size` bytes, sign/zero extended) */
	USDT_ARG_MEM, /* disp(%base[,%index[,scale]]): read `size` bytes from user memory at
		       * base + index*scale + disp */
};

#define USDT_MAX_ARGS 12

struct usdt_arg {
	enum usdt_arg_kind kind;
	int size; /* 1, 2, 4, 8 (absolute value of the N@ prefix) */
	bool is_signed; /* N@ negative */
	/* Offset in x86-64 struct pt_regs (uapi ptrace.h order: r15=0, r14=8, r13=16, r12=24,
	 * bp=32, bx=40, r11=48, r10=56, r9=64, r8=72, ax=80, cx=88, dx=96, si=104, di=112,
	 * orig_ax=120, ip=128, cs=136, flags=144, sp=152, ss=160) of the register or the base;
	 * -1 when none. */
	int reg_off;
	int idx_reg_off; /* index register, -1 when none */
	int scale; /* 1 when no index */
	int64_t val; /* CONST: the value; MEM: the displacement */
	/* MEM with a %rip base. gcc writes these as "sym+disp(%rip)": the assembler never
	 * computes them (the text is data in the note), so the address is that of sym + disp.
	 * sema_usdt_probes() looks sym up in the ELF's symbol tables: see sym_resolved. */
	bool rip_relative;
	int reg_shift; /* for 8-bit high registers (%ah ...): 8, else 0 */
	/* MEM: the symbol of a "sym+disp(...)" displacement, pointing into the spec text (not
	 * NUL-terminated: sym_len bytes); NULL when the displacement is a plain number. */
	const char *sym;
	int sym_len;
	/* Set by sema_usdt_probes() when sym was found: val now holds the symbol's link-time
	 * address plus disp (the base register no longer counts for %rip), so the run-time
	 * address is val + the load bias of the file (0 for a non-PIE executable). A %rip
	 * operand without a symbol, or with one the file does not define, stays unresolved and
	 * using it is the caller's located error. */
	bool sym_resolved;
};

struct usdt_probe {
	const char *path; /* the ELF file */
	const char *provider, *name;
	uint64_t pc; /* probe address (vaddr, after the .stapsdt.base adjustment prelink rules) */
	uint64_t pc_off; /* file offset of pc: where the uprobe attaches (0 if not loadable) */
	uint64_t sem; /* semaphore vaddr, 0 when none */
	uint64_t sem_off; /* semaphore's file offset (for uprobe ref_ctr_offset), 0 when none */
	const char *args_text; /* the raw argument string from the note */
	int nargs; /* -1 when args_text could not be parsed */
	struct usdt_arg args[USDT_MAX_ARGS];
};

typedef VEC(struct usdt_probe) usdt_probe_list;

/* Appends every USDT probe in the .note.stapsdt notes of the ELF at path (executables, PIE,
 * shared libraries), in note order; strings live in arena a. Returns 0 (also with none) or
 * -errno (-ENOEXEC: not an ELF file). A note whose arguments cannot be parsed is still
 * listed, with nargs = -1 and args_text kept, so that use of its args is a located error
 * later. libelf's memory is released before returning. */
int sema_usdt_probes(struct arena *a, const char *path, usdt_probe_list *out);

/* Parses one x86-64 argument spec: "-4@%edi", "8@-8(%rbp)", "4@$5", "-1@%ah",
 * "8@(%rax,%rdx,8)", "4@foo+4(%rip)", gcc's plain constants ("4@5"); registers may lack
 * the '%', and a spec without "N@" takes the register's width (8 otherwise), unsigned.
 * out->sym points into spec. Returns 0 or -EINVAL. */
int sema_usdt_parse_arg(const char *spec, struct usdt_arg *out);

/* Splits the args string of a note at white space and parses each spec into args[0..max).
 * Returns the count (0 for an empty string) or -EINVAL (a bad spec, more than max). */
int sema_usdt_parse_args(const char *text, struct usdt_arg *args, int max);

/* Appends the USDT-carrying ELF files mapped by process pid (from /proc/PID/maps),
 * deduplicated, the executable first, then its shared libraries. Each name is the mapped
 * path under /proc/PID/root ("/proc/42/root/usr/lib/libc.so.6"), so files of other mount
 * namespaces open and attach. Returns 0 or -errno (-ESRCH: no such process). */
int sema_usdt_pid_files(struct arena *a, int pid, sema_name_list *out);

#endif
