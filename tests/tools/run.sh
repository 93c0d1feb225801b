#!/usr/bin/env bash
# Debian's bpftrace tools (/usr/sbin/*.bt from the bpftrace package) through
# `bpfscope --dry-run` (compile, load and verify; nothing attaches). Each tool's result is
# "ok" or its first error line (the tool's path left out) and must equal its line in the
# expected file, so a change either way (a tool that starts compiling, or a new error)
# fails until the expected file is updated on purpose.
#   Usage: tests/tools/run.sh [--update] BPFSCOPE
#   --update   rewrite the expected file with today's results (then read `git diff`);
#              `make tools-update` (host) and `make tools-update-vm` (guest) do this.
# EXPECTED names the expected file (default tests/tools/expected: the host kernel;
# tests/vm/tools.sh runs this inside the guest with tests/tools/expected-vm); with --update,
# EXPECTED=- prints the results instead.
# TOOLS_DIR is where the tools are (default /usr/sbin). Ends with "N passed, N failed,
# N skipped"; skipped when the bpftrace package's tools are not installed.
set -u
here=$(cd "$(dirname "$0")" && pwd)
update=0
if [ "${1:-}" = --update ]; then
	update=1
	shift
fi
if [ $# -ne 1 ]; then
	echo "usage: $0 [--update] BPFSCOPE" >&2
	exit 2
fi
BPFSCOPE=$1
EXPECTED=${EXPECTED:-$here/expected}
TOOLS_DIR=${TOOLS_DIR:-/usr/sbin}
tmp=$(mktemp -d /tmp/bpfscope-tools.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# An isolated compile cache: tests share no state with the machine's (one given in the
# environment is kept, so a second run of the suite finds it warm).
export BPFSCOPE_CACHE_DIR=${BPFSCOPE_CACHE_DIR:-$tmp/cache}

shopt -s nullglob
tools=("$TOOLS_DIR"/*.bt)
if [ ${#tools[@]} -eq 0 ]; then
	echo "tools: skipped: no $TOOLS_DIR/*.bt (the bpftrace package installs them: make deps)"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
fi

# One line per tool: "NAME: ok" or "NAME: LINE:COL: error: MESSAGE".
for t in "${tools[@]}"; do
	name=$(basename "$t" .bt)
	timeout 120 "$BPFSCOPE" --dry-run "$t" >/dev/null 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "$name: ok"
	elif [ $rc -eq 124 ]; then
		echo "$name: timed out after 120 s"
	else
		first=$(grep -m 1 -E '(^|: )(error|ERROR)' "$tmp/err" || head -n 1 "$tmp/err")
		echo "$name: ${first#"$t":}"
	fi
done >"$tmp/results"

if [ "$update" = 1 ] && [ "$EXPECTED" = - ]; then
	cat "$tmp/results"
	exit 0
elif [ "$update" = 1 ]; then
	cp "$tmp/results" "$EXPECTED"
	echo "tools: wrote $EXPECTED ($(grep -c ': ok$' "$EXPECTED") of ${#tools[@]} ok)"
	exit 0
fi

pass=0 fail=0
while IFS= read -r line; do
	name=${line%%: *}
	want=$(awk -v n="$name: " 'index($0, n) == 1 { print; exit }' "$EXPECTED" 2>/dev/null)
	if [ "$line" = "$want" ]; then
		pass=$((pass + 1))
		continue
	fi
	fail=$((fail + 1))
	echo "FAIL $name"
	echo "  expected: ${want#"$name: "}"
	echo "  got:      ${line#"$name: "}"
done <"$tmp/results"
echo "tools: $(grep -c ': ok$' "$tmp/results") of ${#tools[@]} compile and pass the verifier" \
	"(expected: $(basename "$EXPECTED"); update with --update after reading the diff)"
echo "$pass passed, $fail failed, 0 skipped"
[ "$fail" -eq 0 ]
