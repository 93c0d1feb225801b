/* Unit tests for src/runtime/ksyms.c, usyms.c and stacks.c: kernel addresses named from
 * /proc/kallsyms, user addresses through the process's mappings (libdwfl), unknown ones as
 * 0x..., and how a stack that could not be read is shown. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progdesc.h"
#include "runtime/output.h"
#include "runtime/rt_internal.h"
#include "util/strbuf.h"

/* A function with a symbol of its own in this test binary. */
__attribute__((noinline)) int symbols_test_target(int x)
{
	return x * 3 + 1;
}

Test(symbols, names_a_function_of_a_running_process)
{
	struct strbuf sb = { 0 };
	uint64_t addr = (uint64_t)(uintptr_t)&symbols_test_target;
	cr_assert_eq(rt_usym_str(&sb, addr + 1, getpid()), 0);
	cr_assert_str_eq(sb_str(&sb), "symbols_test_target");
	sb_free(&sb);
}

Test(symbols, gives_the_offset_and_the_file_of_a_user_address)
{
	struct rt_usym s = { 0 };
	uint64_t addr = (uint64_t)(uintptr_t)&symbols_test_target;
	cr_assert_eq(rt_usym_lookup(getpid(), addr + 3, &s), 0);
	cr_assert_str_eq(s.name, "symbols_test_target");
	cr_assert_eq(s.off, 3);
	cr_assert_not_null(s.module);
	cr_assert(strstr(s.module, "test_symbols") != NULL, "module %s", s.module);
	free(s.demangled);
}

Test(symbols, a_process_that_is_gone_has_no_symbols)
{
	struct strbuf sb = { 0 };
	cr_assert_eq(rt_usym_str(&sb, 0x401000, 0x3ffffff), 0);
	cr_assert_str_eq(sb_str(&sb), "0x401000");
	sb_free(&sb);
}

Test(symbols, prints_unknown_addresses_in_hex_and_null_as_zero)
{
	struct strbuf sb = { 0 };
	cr_assert_eq(rt_usym_str(&sb, 0x10, getpid()), 0);
	cr_assert_str_eq(sb_str(&sb), "0x10");
	sb_reset(&sb);
	cr_assert_eq(rt_ksym_str(&sb, 0), 0);
	cr_assert_str_eq(sb_str(&sb), "0");
	sb_free(&sb);
}

Test(symbols, names_a_kernel_function_from_kallsyms)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	cr_assert_not_null(f);
	char line[512], name[256] = "", type;
	unsigned long long addr = 0;
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %c %255s", &addr, &type, name) == 3 &&
		    !strcmp(name, "schedule"))
			break;
	}
	fclose(f);
	if (!addr || strcmp(name, "schedule")) {
		cr_skip_test("kernel addresses are hidden (needs root)");
		return;
	}
	struct strbuf sb = { 0 };
	cr_assert_eq(rt_ksym_str(&sb, addr + 4), 0);
	cr_assert_str_eq(sb_str(&sb), "schedule");
	uint64_t off = 0;
	cr_assert_str_eq(rt_ksym_lookup(addr + 4, &off), "schedule");
	cr_assert_eq(off, 4);
	sb_free(&sb);
}

/* ---- stacks.c: what a failed read looks like (no kernel needed) ---- */

static struct pd_map stack_key_map(struct pd_type *field)
{
	struct pd_map m = { .name = "@", .kind = PD_MAP_COUNT };
	m.key.kind = PD_TUPLE;
	m.key.fields.v = field;
	m.key.fields.len = 1;
	return m;
}

Test(stacks, a_failed_read_is_shown_with_its_reason_never_as_an_empty_stack)
{
	struct out o = { 0 };
	struct pd_type t = { .kind = PD_KSTACK, .size = 8 };
	int64_t id = -EFAULT;
	struct strbuf sb = { 0 };
	cr_assert_eq(out_value_str(&sb, &o, &t, (const uint8_t *)&id, false), 0);
	cr_assert_str_eq(sb_str(&sb), "\n        [stack not captured: no stack in this context]\n");
	sb_reset(&sb);
	/* map keys indent by 4, as bpftrace 0.17 */
	struct pd_map m = stack_key_map(&t);
	id = -EEXIST;
	cr_assert_eq(out_key_str(&sb, &o, &m, (const uint8_t *)&id, false), 0);
	cr_assert_str_eq(sb_str(&sb), "[\n    [stack not captured: its stack map bucket holds "
				      "another stack (hash collision)]\n]");
	sb_free(&sb);
}

/* Found by the output fuzzer: negating INT64_MIN was undefined; a value past -4095 is no
 * errno, and says so (tests/fuzz/regress-output/stack-id-int64-min). */
Test(stacks, a_stack_id_below_every_errno_is_an_invalid_argument)
{
	struct out o = { 0 };
	struct pd_type t = { .kind = PD_KSTACK, .size = 8 };
	int64_t id = INT64_MIN;
	struct strbuf sb = { 0 };
	cr_assert_eq(out_value_str(&sb, &o, &t, (const uint8_t *)&id, false), 0);
	cr_assert_str_eq(sb_str(&sb), "\n        [stack not captured: Invalid argument]\n");
	sb_free(&sb);
}

Test(stacks, a_stack_without_its_map_is_not_captured)
{
	struct out o = { 0 };
	struct pd_type t = { .kind = PD_USTACK, .size = 16, .stack_mode = PD_STACK_PERF };
	uint64_t v[2] = { 3, 1 };
	struct strbuf sb = { 0 };
	cr_assert_eq(out_value_str(&sb, &o, &t, (const uint8_t *)v, false), 0);
	cr_assert_str_eq(sb_str(&sb), "\n        [stack not captured: no longer in the stack map]\n");
	sb_free(&sb);
}
