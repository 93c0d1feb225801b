#!/usr/bin/env bash
# Compile-time goldens: for each NAME.bt with a NAME.err beside it, runs `BPFSCOPE NAME.bt`
# from this directory (so diagnostics name the file relatively) and requires exit status 1
# and stderr equal to NAME.err. UPDATE=1 rewrites the .err files (and creates them for .bt
# files that have no .err and no .out). Last line: "N passed, N failed, N skipped".
# Usage: tests/golden/run.sh path/to/bpfscope
set -u
if [ $# -ne 1 ]; then
	echo "usage: $0 BPFSCOPE" >&2
	exit 2
fi
bin=$1
case "$bin" in
/*) ;;
*) bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
cd "$here" || exit 2
pass=0 fail=0 skip=0
tmp=$(mktemp)
trap 'rm -rf "$tmp" "$tmp.cache"' EXIT
# An isolated compile cache: tests share no state with the machine's.
export BPFSCOPE_CACHE_DIR=${BPFSCOPE_CACHE_DIR:-$tmp.cache}

for bt in *.bt; do
	[ -e "$bt" ] || continue
	name=${bt%.bt}
	if [ ! -e "$name.err" ] && { [ "${UPDATE:-0}" != 1 ] || [ -e "$name.out" ]; }; then
		skip=$((skip + 1))
		continue
	fi
	# A golden that unexpectedly compiles would start tracing: never let it run long.
	timeout 20 "$bin" "$bt" >/dev/null 2>"$tmp" </dev/null
	rc=$?
	if [ "${UPDATE:-0}" = 1 ]; then
		cp "$tmp" "$name.err"
		if [ "$rc" -ne 1 ]; then
			echo "FAIL $name: exit status $rc, expected 1 (.err written anyway)"
			fail=$((fail + 1))
		else
			pass=$((pass + 1))
		fi
		continue
	fi
	if [ "$rc" -ne 1 ]; then
		echo "FAIL $name: exit status $rc, expected 1"
		diff -u "$name.err" "$tmp" | tail -n +3 | sed 's/^/    /' | head -n 20
		fail=$((fail + 1))
	elif ! cmp -s "$name.err" "$tmp"; then
		echo "FAIL $name: stderr differs from $name.err"
		diff -u "$name.err" "$tmp" | tail -n +3 | sed 's/^/    /' | head -n 20
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
