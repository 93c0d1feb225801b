#!/usr/bin/env bash
# Runs every suite and prints one closing line "N passed, N failed, N skipped".
# Usage: tests/run_all.sh UNIT_TEST_BINARY...   (BPFSCOPE=path/to/bpfscope in the environment)
# Unit suites are Criterion binaries run with TAP output; the runtime and compatibility
# suites are scripts that end with their own "N passed, N failed, N skipped" line.
set -u
here=$(cd "$(dirname "$0")" && pwd)
pass=0 fail=0 skip=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
# Every suite compiles through an isolated compile cache, none of the machine's.
export BPFSCOPE_CACHE_DIR=${BPFSCOPE_CACHE_DIR:-$log/cache}

add_counts() { # parse "N passed, N failed, N skipped" from the last matching line of $1
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$1" | tail -n 1)
	if [ -z "$line" ]; then
		echo "  (suite printed no summary: counted as one failure)"
		fail=$((fail + 1))
		return
	fi
	local p f s
	p=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
	f=$(echo "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$line" | sed -nE 's/.* ([0-9]+) skipped$/\1/p')
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + ${s:-0}))
}

for bin in "$@"; do
	name=$(basename "$bin")
	out="$log/$name.tap"
	"$bin" --tap="$out" -j2 >"$log/$name.stderr" 2>&1
	rc=$?
	p=$(grep -cE '^ok ' "$out" | tr -d ' ')
	s=$(grep -cE '^ok .*# SKIP' "$out" | tr -d ' ')
	f=$(grep -cE '^not ok ' "$out" | tr -d ' ')
	p=$((p - s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed before reporting
	fi
	printf '%-24s %4d passed, %d failed, %d skipped\n' "$name" "$p" "$f" "$s"
	if [ "$f" -ne 0 ]; then
		grep -E '^not ok|^  ' "$out" | head -n 40
		tail -n 20 "$log/$name.stderr"
	fi
	grep -E '# SKIP' "$out" | sed 's/^/    /' | head -n 10
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done

for suite in runtime golden compat install tools; do
	script="$here/$suite/run.sh"
	[ -x "$script" ] || continue
	echo "== $suite"
	"$script" "${BPFSCOPE:-./bpfscope}" 2>&1 | tee "$log/$suite.out"
	add_counts "$log/$suite.out"
done

echo
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
