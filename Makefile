# bpfscope: one Makefile, no recursion. `make` builds ./bpfscope, `make test` runs every
# suite, `make run` runs a bundled example, `make deps` installs the Debian packages.

LLVM_CONFIG ?= llvm-config-19
CC ?= gcc
BUILD := build
V ?= 0
SAN ?= 0
# LLVM lives in bpfscope-codegen.so with codegen (src/codegen_load.c opens it when a script
# is compiled), linked in statically: it loads faster and smaller. The test binaries link
# codegen and the shared LLVM library directly, which links far quicker.
LLVM_STATIC ?= 1

DEB_PACKAGES := gcc make pkg-config flex bison clang llvm-19-dev libbpf-dev libelf-dev libdw-dev \
	zlib1g-dev libzstd-dev libcriterion-dev python3 bpftrace bpftool hyperfine systemtap-sdt-dev \
	g++ binutils binutils-x86-64-linux-gnu procps man-db libc6-dbg tmux linux-perf xz-utils zstd time
# What `make test-vm` needs besides: QEMU, the guest's busybox, and the tools that unpack a
# kernel package and its compressed modules.
VM_PACKAGES := qemu-system-x86 busybox-static dpkg xz-utils zstd cpio

ifeq ($(V),0)
Q := @
else
Q :=
endif

PKGS := libbpf libelf libdw zlib
CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	-Werror=implicit-function-declaration -Isrc -I$(BUILD)/gen \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LLVM_CFLAGS := $(shell $(LLVM_CONFIG) --cflags 2>/dev/null | sed 's/-std=[^ ]*//')
LLVM_COMPONENTS := bpf core passes target analysis mcdisassembler x86disassembler x86desc x86info
LLVM_LIBS_SHARED := $(shell $(LLVM_CONFIG) --ldflags 2>/dev/null) \
	$(shell $(LLVM_CONFIG) --libs $(LLVM_COMPONENTS) 2>/dev/null)
LLVM_LIBS_STATIC := $(shell $(LLVM_CONFIG) --ldflags 2>/dev/null) \
	$(shell $(LLVM_CONFIG) --link-static --libs $(LLVM_COMPONENTS) 2>/dev/null) \
	-Wl,--as-needed $(shell $(LLVM_CONFIG) --link-static --system-libs 2>/dev/null) \
	-Wl,--no-as-needed -lstdc++
# No libstdc++: src/util/demangle.c opens it for the first C++ symbol, the codegen object
# links its own.
LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread
ifeq ($(LLVM_STATIC),1)
CG_LLVM_LIBS := $(LLVM_LIBS_STATIC)
else
CG_LLVM_LIBS := $(LLVM_LIBS_SHARED)
endif
# The executable exports its symbols: the codegen object calls back into the compiler
# (arena, diagnostics, types). Without PIE the loader relocates less at start.
MAIN_LDFLAGS := -no-pie -rdynamic

ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=address,undefined
BUILD := build/san
CG_LLVM_LIBS := $(LLVM_LIBS_SHARED)
MAIN_LDFLAGS := -rdynamic
endif

# Sources: every .c under src/ (the build picks new files up by itself).
LEX_SRC := src/lexer/lexer.l
YACC_SRC := src/parser/parser.y
GEN_H := $(BUILD)/gen/lexer.h $(BUILD)/gen/parser.h
GEN_OBJS := $(BUILD)/gen/lexer.o $(BUILD)/gen/parser.o $(BUILD)/gen/stdlib.o $(BUILD)/gen/sysnr.o
STDLIB_SRCS := $(sort $(wildcard stdlib/*.bt))
C_SRCS := $(filter-out src/main.c,$(wildcard src/*.c src/*/*.c))
LIB_OBJS := $(C_SRCS:%.c=$(BUILD)/%.o) $(GEN_OBJS)
MAIN_OBJ := $(BUILD)/src/main.o
LIB := $(BUILD)/libbpfscope.a
# Codegen, and with it LLVM, is a shared object of its own; the executable links the rest.
CG_OBJS := $(patsubst %.c,$(BUILD)/%.o,$(wildcard src/codegen/*.c))
CORE_OBJS := $(filter-out $(CG_OBJS),$(LIB_OBJS))
CG_SO := $(BUILD)/bpfscope-codegen.so

TEST_SRCS := $(wildcard tests/unit/test_*.c)
TEST_BINS := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)

ifeq ($(SAN),1)
BIN := $(BUILD)/bpfscope
else
BIN := bpfscope
endif

.PHONY: all deps vm-deps run test test-warm unit test-runtime test-compat bench bench-ref clean golden-update fmt fuzz install
all: $(BIN) $(CG_SO)

$(BIN): $(MAIN_OBJ) $(CORE_OBJS)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) $(MAIN_LDFLAGS) -o $@ $(MAIN_OBJ) $(CORE_OBJS) $(LIBS)

# Exports cg_entry_table only; --gc-sections drops the parts of LLVM codegen never calls;
# packed relocations (DT_RELR) keep the loader from reading 2 MiB of them at dlopen(); the
# functions a compile runs come first (src/codegen/hot-functions.txt, made by
# bench/hot-functions.sh), so it maps 6 MiB of code, not most of 24.
$(CG_SO): $(CG_OBJS) src/codegen/exports.map $(BUILD)/gen/codegen.ld
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -shared -Wl,--version-script=src/codegen/exports.map \
		-Wl,--gc-sections -Wl,-z,pack-relative-relocs -Wl,-T,$(BUILD)/gen/codegen.ld \
		-o $@ $(CG_OBJS) $(CG_LLVM_LIBS) $(LIBS)

# The toolchain's own linker script for a shared object, with the hot functions at the head
# of .text (inside it: valgrind, which finds them, reads one .text only).
$(BUILD)/gen/codegen.ld: src/codegen/hot-functions.txt
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	$(Q)$(CC) -shared -Wl,--verbose -o $(BUILD)/gen/empty.so -x c /dev/null 2>/dev/null | \
	  sed -n '/^==========/,/^==========/{/^==========/!p}' | \
	  awk -v hot=$< '/^ *\*\(\.text\.unlikely / { print "*(.text.startup .text.startup.*)"; \
	    while ((getline f < hot) > 0) print "*(.text." f ")" } { print }' > $@
	$(Q)grep -q '^\*(.text.startup' $@ || { echo "no .text in the default linker script"; rm $@; exit 1; }

$(LIB): $(LIB_OBJS)
	@echo "  AR      $@"
	$(Q)rm -f $@ && ar rcs $@ $^

$(BUILD)/gen/lexer.c $(BUILD)/gen/lexer.h: $(LEX_SRC)
	@mkdir -p $(dir $@)
	@echo "  FLEX    $<"
	$(Q)flex --header-file=$(BUILD)/gen/lexer.h -o $(BUILD)/gen/lexer.c $<

$(BUILD)/gen/parser.c $(BUILD)/gen/parser.h: $(YACC_SRC)
	@mkdir -p $(dir $@)
	@echo "  BISON   $<"
	$(Q)bison -Wall -Werror --defines=$(BUILD)/gen/parser.h -o $(BUILD)/gen/parser.c $<

# stdlib/*.bt embedded as one C string (sema_stdlib_text).
$(BUILD)/gen/stdlib.c: $(STDLIB_SRCS)
	@mkdir -p $(dir $@)
	@echo "  EMBED   stdlib"
	$(Q){ echo 'const char sema_stdlib_text[] ='; \
	  cat $(STDLIB_SRCS) | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$$/\\n"/'; \
	  echo '	"";'; } > $@

# x86-64 syscall numbers by name (sema_sysnrs, for syscall tracepoints dispatched from
# raw_syscalls: src/sema/sysdispatch.c), sorted by name; empty without the uapi header.
SYSNR_H ?= /usr/include/x86_64-linux-gnu/asm/unistd_64.h
$(BUILD)/gen/sysnr.c:
	@mkdir -p $(dir $@)
	@echo "  GEN     sysnr"
	$(Q){ echo '#include "sema/sema_int.h"'; \
	  echo 'const struct sema_sysnr sema_sysnrs[] = {'; \
	  if [ -r $(SYSNR_H) ]; then sed -nE 's/^#define __NR_([a-z0-9_]+) ([0-9]+)$$/\t{ "\1", \2 },/p' \
	    $(SYSNR_H) | LC_ALL=C sort; fi; \
	  echo '	{ NULL, 0 },'; echo '};'; } > $@

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c $(GEN_H)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -Wno-sign-compare -Wno-unused-function -Isrc -Isrc/parser -Isrc/lexer -MMD -MP -c -o $@ $<

$(BUILD)/src/codegen/%.o: src/codegen/%.c $(GEN_H)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(LLVM_CFLAGS) -fPIC -fvisibility=hidden -ffunction-sections -MMD -MP \
		-c -o $@ $<

$(BUILD)/src/%.o: src/%.c $(GEN_H)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/%.o: tests/unit/%.c $(GEN_H)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(CFLAGS) $(shell pkg-config --cflags criterion) -MMD -MP -c -o $@ $<

$(BUILD)/tests/test_%: $(BUILD)/tests/test_%.o $(LIB)
	@echo "  LINK    $@"
	$(Q)$(CC) $(LDFLAGS) -o $@ $< -Wl,-u,cg_entry_table $(LIB) $(LLVM_LIBS_SHARED) $(LIBS) \
		$(shell pkg-config --libs criterion)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# $(call install,PACKAGES): installs those not installed yet.
define install
	@if dpkg-query -W -f='$${Status}\n' $(1) 2>/dev/null | grep -qv 'install ok installed' \
	   || [ $$(dpkg-query -W -f='$${Status}\n' $(1) 2>/dev/null | wc -l) -ne $(words $(1)) ]; then \
		echo "Installing Debian packages: $(1)"; \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y $(1); \
	else echo "Debian packages already installed"; fi
endef

deps:
	$(call install,$(DEB_PACKAGES))

vm-deps:
	$(call install,$(VM_PACKAGES))

run: deps
	$(MAKE) all
	./bpfscope examples/run_demo.bt


# The runtime suites and benchmarks trace this program; static, so no loader syscalls.
$(BUILD)/workload: tests/workload/workload.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -static -o $@ $< || $(CC) -std=gnu11 -O2 -o $@ $<

# USDT probes (<sys/sdt.h>) for test_usdt and the runtime suites: -O2 so gcc picks register
# and memory operands, -O0 for frame-pointer ones; the library has a probe of its own.
USDT_SRCS := tests/workload/usdt_target.c tests/workload/usdt_target_sem.c
$(BUILD)/libusdt_target.so: tests/workload/usdt_lib.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -fPIC -shared -o $@ $<

$(BUILD)/usdt_target: $(USDT_SRCS) $(BUILD)/libusdt_target.so
	@echo "  CC      $@"
	$(Q)$(CC) -std=gnu11 -O2 -g -Wall -Wextra -o $@ $(USDT_SRCS) -L$(BUILD) -lusdt_target \
		-Wl,-rpath,'$$ORIGIN'

$(BUILD)/usdt_target_O0: $(USDT_SRCS) $(BUILD)/libusdt_target.so
	@echo "  CC      $@"
	$(Q)$(CC) -std=gnu11 -O0 -g -Wall -Wextra -o $@ $(USDT_SRCS) -L$(BUILD) -lusdt_target \
		-Wl,-rpath,'$$ORIGIN'

# Uprobe targets for tests/unit/test_elf_syms.c and the uprobe runtime suites: -g -O0 so
# every function keeps its symbol and its parameters their DWARF. The executable exports
# its functions (-rdynamic) so the stripped copy still lists them from .dynsym.
UPROBE_DIR := $(BUILD)/uprobe
UPROBE_TARGETS := $(addprefix $(UPROBE_DIR)/,uprobe_target uprobe_target_pie \
	libuprobe_target.so uprobe_target_stripped uprobe_target_split uprobe_target_cpp \
	stack_target stack_target_pie stack_target_cpp types_target)
UPROBE_CFLAGS := -std=gnu11 -g -O0 -Wall -Wextra

$(UPROBE_DIR)/uprobe_target: tests/workload/uprobe_target.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(UPROBE_CFLAGS) -no-pie -rdynamic -o $@ $<

$(UPROBE_DIR)/types_target: tests/workload/types_target.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(UPROBE_CFLAGS) -no-pie -o $@ $<

$(UPROBE_DIR)/uprobe_target_pie: tests/workload/uprobe_target.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(UPROBE_CFLAGS) -fPIE -pie -o $@ $<

$(UPROBE_DIR)/libuprobe_target.so: tests/workload/uprobe_target.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) $(UPROBE_CFLAGS) -DUPROBE_TARGET_LIB -fPIC -shared -o $@ $<

$(UPROBE_DIR)/uprobe_target_stripped: $(UPROBE_DIR)/uprobe_target
	@echo "  STRIP   $@"
	$(Q)strip --strip-all -o $@ $<

# Debug info in a separate file named by .gnu_debuglink, as distributions ship it.
$(UPROBE_DIR)/uprobe_target_split: $(UPROBE_DIR)/uprobe_target
	@echo "  OBJCOPY $@"
	$(Q)objcopy --only-keep-debug $< $@.debug
	$(Q)objcopy --strip-debug --add-gnu-debuglink=$@.debug $< $@

$(UPROBE_DIR)/uprobe_target_cpp: tests/workload/uprobe_target_cpp.cpp
	@mkdir -p $(dir $@)
	@echo "  CXX     $@"
	$(Q)$(CXX) -g -O0 -Wall -Wextra -no-pie -o $@ $<

# The call chain of the stack cases (tests/workload/stack_target.c): frame pointers, since
# the kernel walks user stacks by them.
STACK_CFLAGS := -g -O0 -fno-omit-frame-pointer -Wall -Wextra
$(UPROBE_DIR)/stack_target: tests/workload/stack_target.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) -std=gnu11 $(STACK_CFLAGS) -no-pie -o $@ $<

$(UPROBE_DIR)/stack_target_pie: tests/workload/stack_target.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) -std=gnu11 $(STACK_CFLAGS) -fPIE -pie -o $@ $<

$(UPROBE_DIR)/stack_target_cpp: tests/workload/stack_target.c
	@mkdir -p $(dir $@)
	@echo "  CXX     $@"
	$(Q)$(CXX) -x c++ $(STACK_CFLAGS) -DSTACK_CPP -no-pie -o $@ $<

# ia32 system calls for the syscall dispatch case: 32-bit code, no libc (no multilib needed).
$(BUILD)/ia32_syscalls: tests/workload/ia32_syscalls.c
	@mkdir -p $(dir $@)
	@echo "  CC      $@"
	$(Q)$(CC) -m32 -O1 -Wall -Wextra -nostdlib -static -fno-pie -no-pie -o $@ $<

# Programs the unit and runtime suites trace (defined above: prerequisites expand at once).
USDT_TARGETS := $(BUILD)/usdt_target $(BUILD)/usdt_target_O0 $(BUILD)/libusdt_target.so
unit: $(TEST_BINS) $(BUILD)/workload $(USDT_TARGETS) $(UPROBE_TARGETS) $(BUILD)/ia32_syscalls

# Every suite: unit (Criterion), runtime (real probes), compatibility with bpftrace.
test: deps
	$(MAKE) all unit
	BUILD=$(BUILD) BPFSCOPE=$(abspath $(BIN)) tests/run_all.sh $(TEST_BINS)

# The runtime suite twice through one compile cache: every case compiled (cold), then
# every case from the cache (warm); both must pass.
test-warm: all unit
	d=$$(mktemp -d) && export BPFSCOPE_CACHE_DIR=$$d/cache && \
	tests/runtime/run.sh $(abspath $(BIN)) && tests/runtime/run.sh $(abspath $(BIN)); \
	rc=$$?; rm -rf "$$d"; exit $$rc

bench: all $(BUILD)/workload bench-ref
	WORKLOAD=$(abspath $(BUILD)/workload) REF_DIR=$(abspath $(REF_DIR)) bench/run.sh

# The hand-written libbpf C references the benchmarks compare with (bench/ref): the BPF side
# compiled by clang, the user side on a bpftool skeleton. Not part of `make` or `make test`.
REF_DIR := $(BUILD)/bench-ref
REF_NAMES := start count flood mapprint
REF_MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
bench-ref: $(REF_NAMES:%=$(REF_DIR)/%)

$(REF_DIR)/%.bpf.o: bench/ref/%.bpf.c bench/ref/ref.h
	@mkdir -p $(dir $@)
	@echo "  CLANG   $@"
	$(Q)clang -O2 -g -target bpf -I/usr/include/$(REF_MULTIARCH) -Ibench/ref -c -o $@ $<

$(REF_DIR)/%.skel.h: $(REF_DIR)/%.bpf.o
	$(Q)bpftool gen skeleton $< name $*_bpf >$@

$(REF_DIR)/%: bench/ref/%.c bench/ref/ref.c bench/ref/ref.h $(REF_DIR)/%.skel.h
	@echo "  CC      $@"
	$(Q)$(CC) -std=gnu11 -O2 -Wall -Wextra -I$(REF_DIR) -Ibench/ref -o $@ $< bench/ref/ref.c \
		$$(pkg-config --libs libbpf)

golden-update: all
	UPDATE=1 tests/golden/run.sh ./bpfscope

fmt:
	clang-format -i $(wildcard src/*.c src/*/*.c src/*.h src/*/*.h tests/unit/*.c)

# libFuzzer harnesses (clang, ASan+UBSan), one per stage, chosen with FUZZ_TARGET:
#   compile   script text through parse, sema and codegen (FUZZ_LAST=typecheck stops earlier);
#             no load: the verifier is too slow for in-process fuzzing
#   printfmt  a printf format through the one conversion parser (src/printfmt.c)
#   cdef      a preamble of C definitions through sema's C parser (src/sema/cdef.c)
#   output    event payloads and map entries through the text and JSON renderers
# `make fuzz FUZZ_TARGET=cdef FUZZ_SECONDS=600`; compile, cdef and output need root (sema
# reads tracefs and BTF). The corpus is tests/fuzz/corpus (compile) or
# tests/fuzz/corpus-TARGET, and new inputs go to $(FUZZ_DIR)/corpus-TARGET; crashes land in
# $(FUZZ_DIR)/crashes; minimise one with `$(FUZZ_DIR)/fuzz_TARGET -minimize_crash=1 FILE`.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_LAST ?= codegen
FUZZ_TARGET ?= compile
FUZZ_DIR := $(BUILD)/fuzz-bin
FUZZ_BIN := $(FUZZ_DIR)/fuzz_$(FUZZ_TARGET)
FUZZ_CORPUS := $(if $(filter compile,$(FUZZ_TARGET)),tests/fuzz/corpus,tests/fuzz/corpus-$(FUZZ_TARGET))
FUZZ_DICT := $(wildcard tests/fuzz/$(FUZZ_TARGET).dict)
FUZZ_DICT_compile := tests/fuzz/bpftrace.dict
FUZZ_CFLAGS := -std=gnu11 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined \
	-fno-sanitize-recover=undefined -Isrc -I$(BUILD)/gen -Isrc/parser -Isrc/lexer -w \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# Every compiler source: the stages and the top-level tables they share, and the compile
# cache whose dependency notes sema makes (not the command line); the runtime for the
# output harness.
FUZZ_SRCS := $(wildcard src/util/*.c src/lexer/*.c src/parser/*.c src/sema/*.c src/codegen/*.c \
	src/cache/*.c src/runtime/*.c) \
	$(filter-out src/main.c src/cli.c,$(wildcard src/*.c))
FUZZ_OBJS := $(FUZZ_SRCS:%.c=$(FUZZ_DIR)/%.o) $(FUZZ_DIR)/gen/lexer.o $(FUZZ_DIR)/gen/parser.o \
	$(FUZZ_DIR)/gen/stdlib.o $(FUZZ_DIR)/gen/sysnr.o

$(FUZZ_DIR)/gen/%.o: $(BUILD)/gen/%.c $(GEN_H)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/src/codegen/%.o: src/codegen/%.c $(GEN_H)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) $(LLVM_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/src/%.o: src/%.c $(GEN_H)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_one.h $(FUZZ_OBJS)
	@echo "  LINK    $@"
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJS) \
		$(LLVM_LIBS_SHARED) $(LIBS) -lstdc++

fuzz: $(FUZZ_BIN)
	@mkdir -p $(FUZZ_DIR)/corpus-$(FUZZ_TARGET) $(FUZZ_DIR)/crashes
	FUZZ_LAST=$(FUZZ_LAST) $(FUZZ_BIN) -max_total_time=$(FUZZ_SECONDS) -timeout=20 \
		-rss_limit_mb=4096 -max_len=8192 \
		$(addprefix -dict=,$(or $(FUZZ_DICT_$(FUZZ_TARGET)),$(FUZZ_DICT))) \
		-artifact_prefix=$(FUZZ_DIR)/crashes/ $(FUZZ_DIR)/corpus-$(FUZZ_TARGET) $(FUZZ_CORPUS)

# `make install PREFIX=/usr DESTDIR=/tmp/pkg`: the binary (as bpfscope, whichever build),
# the codegen object in PREFIX/lib/bpfscope (found from the binary's own directory, so
# the tree may move), the man page and the example scripts.
PREFIX ?= /usr/local
BINDIR := $(PREFIX)/bin
CGDIR := $(PREFIX)/lib/bpfscope
MAN8DIR := $(PREFIX)/share/man/man8
EXAMPLESDIR := $(PREFIX)/share/bpfscope/examples

install: $(BIN) $(CG_SO)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(CGDIR) $(DESTDIR)$(MAN8DIR) $(DESTDIR)$(EXAMPLESDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/bpfscope
	install -m 755 $(CG_SO) $(DESTDIR)$(CGDIR)/bpfscope-codegen.so
	install -m 644 docs/bpfscope.8 $(DESTDIR)$(MAN8DIR)/bpfscope.8
	install -m 644 $(wildcard examples/*.bt) $(DESTDIR)$(EXAMPLESDIR)

clean:
	rm -rf build bpfscope
.SECONDARY:

# Kernel-probe cases (kprobe, fentry, kprobe_multi) in a QEMU guest on a stock Debian
# kernel: the host kernel has none of them. See tests/vm/README.md.
.PHONY: test-vm
test-vm: vm-deps all $(BUILD)/workload
	BUILD=$(BUILD) tests/vm/run.sh $(abspath $(BIN))
	tests/vm/tools.sh $(abspath $(BIN))

# Debian's bpftrace tools through --dry-run (tests/tools/run.sh, part of `make test`): after
# a change that makes more tools compile, rewrite the expected results and read the diff.
.PHONY: tools-update tools-update-vm
tools-update: all
	tests/tools/run.sh --update $(abspath $(BIN))
tools-update-vm: vm-deps all
	tests/vm/tools.sh --update $(abspath $(BIN))
