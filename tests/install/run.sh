#!/usr/bin/env bash
# `make install` into a scratch DESTDIR: the binary, its codegen object, the man page
# (rendered by man(1) with no warnings) and the examples land under PREFIX (default
# /usr/local, or as given); the installed binary runs a script, and says what is missing
# when its codegen object is gone.
# Usage: tests/install/run.sh [BPFSCOPE]   (the argument is unused: make installs its build)
# Needs root only to run a script (else skipped). Ends with "N passed, N failed, N skipped".
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d /tmp/bpfscope-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# An isolated compile cache: tests share no state with the machine's (one given in the
# environment is kept, so a second run of the suite finds it warm).
export BPFSCOPE_CACHE_DIR=${BPFSCOPE_CACHE_DIR:-$tmp/cache}
pass=0 fail=0 skip=0

result() { # NAME WHY: WHY empty means the check passed
	if [ -z "$2" ]; then
		echo "ok   $1"
		pass=$((pass + 1))
	else
		echo "FAIL $1: ${2%; }"
		fail=$((fail + 1))
	fi
}

# Installs with the given make arguments into $tmp/$1; prints why it failed, if it did.
install_into() {
	local name=$1
	shift
	make --no-print-directory -C "$root" install DESTDIR="$tmp/$name" "$@" \
		>"$tmp/$name.log" 2>&1 || { echo "make install failed:"; tail -n 5 "$tmp/$name.log"; }
}

# Checks the files under DESTDIR/PREFIX; prints what is wrong.
check_tree() {
	local top=$1 why="" ex
	[ -x "$top/bin/bpfscope" ] || why+="no executable $top/bin/bpfscope; "
	[ -f "$top/lib/bpfscope/bpfscope-codegen.so" ] || why+="no lib/bpfscope/bpfscope-codegen.so; "
	[ -x "$top/bin/bpfscope" ] && ! "$top/bin/bpfscope" -V | grep -q '^bpfscope v' &&
		why+="installed bpfscope -V does not print its version; "
	[ -f "$top/share/man/man8/bpfscope.8" ] || why+="no man page in share/man/man8; "
	for ex in "$root"/examples/*.bt; do
		cmp -s "$ex" "$top/share/bpfscope/examples/$(basename "$ex")" ||
			why+="example $(basename "$ex") missing or different; "
	done
	echo "$why"
}

why=$(install_into default)
[ -z "$why" ] && why=$(check_tree "$tmp/default/usr/local")
result install_default_prefix "$why"

why=$(install_into prefix PREFIX=/opt/bpfscope)
[ -z "$why" ] && why=$(check_tree "$tmp/prefix/opt/bpfscope")
[ -z "$why" ] && [ -e "$tmp/prefix/usr/local" ] && why="PREFIX ignored: files under /usr/local"
result install_prefix_destdir "$why"

# The installed binary finds its codegen object from its own directory, whatever the working
# directory and through a symlink, and runs a script (loading BPF needs root).
top="$tmp/default/usr/local"
if [ "$(id -u)" -eq 0 ] && [ -x "$top/bin/bpfscope" ]; then
	printf 'BEGIN { printf("hello from %%s\\n", "BEGIN"); exit(); }\n' >"$tmp/hello.bt"
	mkdir -p "$tmp/links" && ln -sf "$top/bin/bpfscope" "$tmp/links/bpfscope"
	for exe in "$top/bin/bpfscope" "$tmp/links/bpfscope"; do
		why=""
		out=$(cd / && "$exe" "$tmp/hello.bt" 2>"$tmp/hello.err") ||
			why+="exit $?: $(head -n 3 "$tmp/hello.err"); "
		grep -qx 'hello from BEGIN' <<<"$out" || why+="printed '$out'; "
		result "installed_runs_script_from_root_dir${exe#"$tmp"}" "$why"
	done
else
	echo "skip installed_runs_script: needs root"
	skip=$((skip + 1))
fi

# The executable links no LLVM: it is in the codegen object, loaded only to compile.
if [ -x "$top/bin/bpfscope" ]; then
	why=""
	ldd "$top/bin/bpfscope" | grep -qi llvm && why+="ldd lists LLVM; "
	nm -D "$top/bin/bpfscope" | grep -q ' LLVM' && why+="LLVM symbols in the executable; "
	result executable_links_no_llvm "$why"
fi

# Without its codegen object bpfscope still answers -V and -l, and a script fails with
# one line naming what is missing; a foreign object is refused, not called. (--no-cache:
# the installed binary above compiled this script, and a cache hit loads no codegen.)
alone="$tmp/alone"
mkdir -p "$alone" && cp "$top/bin/bpfscope" "$alone/bpfscope"
why=""
"$alone/bpfscope" -V | grep -q '^bpfscope v' || why+="-V failed; "
"$alone/bpfscope" -l 'tracepoint:sched:sched_switch' 2>&1 | grep -qx 'tracepoint:sched:sched_switch' ||
	why+="-l failed; "
"$alone/bpfscope" --no-cache -e 'BEGIN { exit(); }' >"$tmp/alone.out" 2>"$tmp/alone.err"
rc=$?
[ "$rc" -eq 1 ] || why+="exit $rc, not 1; "
[ "$(wc -l <"$tmp/alone.err")" -eq 1 ] || why+="stderr has $(wc -l <"$tmp/alone.err") lines; "
grep -qx "error: cannot load the code generator: no bpfscope-codegen.so in $alone/, $alone/build/ or $alone/../lib/bpfscope/ (is bpfscope fully installed?)" \
	"$tmp/alone.err" || why+="stderr: $(head -n 3 "$tmp/alone.err"); "
result missing_codegen_object_one_error "$why"

why=""
printf 'const struct { unsigned long size; } cg_entry_table = { 1 };\n' >"$tmp/foreign.c"
if cc -shared -fPIC -o "$alone/bpfscope-codegen.so" "$tmp/foreign.c" 2>"$tmp/foreign.log"; then
	"$alone/bpfscope" --no-cache -e 'BEGIN { exit(); }' >/dev/null 2>"$tmp/alone.err"
	rc=$?
	[ "$rc" -eq 1 ] || why+="exit $rc, not 1; "
	grep -qx "error: cannot load the code generator $alone/bpfscope-codegen.so: it was built for another version of bpfscope" \
		"$tmp/alone.err" || why+="stderr: $(head -n 3 "$tmp/alone.err"); "
	echo 'not an ELF file' >"$alone/bpfscope-codegen.so"
	"$alone/bpfscope" --no-cache -e 'BEGIN { exit(); }' >/dev/null 2>"$tmp/alone.err"
	rc=$?
	[ "$rc" -eq 1 ] || why+="garbage object: exit $rc, not 1; "
	grep -q "^error: cannot load the code generator $alone/bpfscope-codegen.so: .*" \
		"$tmp/alone.err" && [ "$(wc -l <"$tmp/alone.err")" -eq 1 ] ||
		why+="garbage object: stderr: $(head -n 3 "$tmp/alone.err"); "
else
	why="cannot build the foreign object: $(head -n 3 "$tmp/foreign.log")"
fi
result foreign_codegen_object_refused "$why"

if command -v man >/dev/null; then
	page="$tmp/default/usr/local/share/man/man8/bpfscope.8"
	why=""
	MANWIDTH=80 man --warnings -l "$page" >"$tmp/man.out" 2>"$tmp/man.err" ||
		why+="man failed; "
	[ -s "$tmp/man.err" ] && why+="man warnings: $(head -n 5 "$tmp/man.err"); "
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS ENVIRONMENT "EXIT STATUS" EXAMPLES; do
		grep -q "^$s\$" "$tmp/man.out" || why+="no $s section; "
	done
	result man_page_renders "$why"
else
	echo "skip man_page_renders: needs man"
	skip=$((skip + 1))
fi

echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
