/* Unit tests for src/runtime/ksyms.c and usyms.c: kernel addresses named from
 * /proc/kallsyms, user addresses through the process's mappings (libdwfl), unknown ones as
 * 0x... */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
