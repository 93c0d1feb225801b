#!/usr/bin/env bash
# Compatibility suite: runs each case with bpftrace 0.17 and with bpfscope on the same
# trigger and requires byte-identical standard output and the same exit status.
# Usage: tests/compat/run.sh BPFSCOPE [CASE_NAME...]   (needs root and /usr/bin/bpftrace)
#
# A case is tests/compat/cases/NAME.bt, a script both accept, whose leading comment lines
# may say how to run it:
#   // cmd: $WORKLOAD syscalls 3      the command passed with -c (the script filters on cpid)
#   // flags: -f json                 flags for both tools, in shell syntax
#   // params: 12 hello               positional parameters after the script
# $WORKLOAD (tests/workload/workload) and $TARGETS (the build directory holding the programs
# `make unit` builds for user probes: uprobe/uprobe_target, usdt_target, ...) expand in all
# three; user-probe scripts name their binary `uprobe:$1:add` with `// params:
# $TARGETS/uprobe/uprobe_target`, and are skipped when those programs are not built.
# Cases only use what bpftrace 0.17 gets right: where it is plainly wrong (e.g. "%%" printed
# as two percent signs, max() of only negative values printed as nothing) the case lives in
# tests/runtime with the right output instead. Maps with equal values are avoided, since
# neither tool promises an order among them.
# The last line printed is "N passed, N failed, N skipped"; failures show a diff.
set -u
BPFSCOPE=${1:-./bpfscope}
shift || true
BPFTRACE=${BPFTRACE:-/usr/bin/bpftrace}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d /tmp/bpfscope-compat.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# An isolated compile cache: tests share no state with the machine's (one given in the
# environment is kept, so a second run of the suite finds it warm).
export BPFSCOPE_CACHE_DIR=${BPFSCOPE_CACHE_DIR:-$tmp/cache}
# shellcheck source=../runtime/lib.sh
. "$root/tests/runtime/lib.sh"
case "$BPFSCOPE" in
/*) ;;
*) BPFSCOPE="$PWD/$BPFSCOPE" ;;
esac

# Prints the value of the "// KEY:" header line of case $1.
header() {
	sed -nE "s|^// $2:[[:space:]]*(.*)$|\\1|p" "$1" | head -n 1
}

# Runs tool $1 on the case with the shared arguments; output goes to $2.{out,err,rc}.
run_tool() {
	local tool=$1 base=$2
	(cd "$dir" && timeout -k 5 30 "$tool" "${args[@]}" >"$base.out" 2>"$base.err" \
		</dev/null)
	echo $? >"$base.rc"
}

run_case() {
	local file=$1 name
	name=$(basename "$file" .bt)
	dir="$tmp/$name"
	mkdir -p "$dir"
	cp "$file" "$dir/$name.bt"
	if [ -z "$TARGETS" ] && grep -q '\$TARGETS' "$file"; then
		echo "skip $name: needs the programs \`make unit\` builds"
		skip=$((skip + 1))
		return
	fi
	args=()
	local flags cmd params
	flags=$(header "$file" flags)
	cmd=$(header "$file" cmd)
	params=$(header "$file" params)
	[ -n "$flags" ] && eval "args+=($flags)"
	cmd=${cmd//\$TARGETS/$TARGETS}
	[ -n "$cmd" ] && args+=(-c "${cmd//\$WORKLOAD/$WORKLOAD}")
	args+=("$name.bt")
	[ -n "$params" ] && eval "args+=($params)"
	run_tool "$BPFTRACE" "$dir/bpftrace"
	run_tool "$BPFSCOPE" "$dir/bpfscope"
	local why="" want got
	want=$(cat "$dir/bpftrace.rc") got=$(cat "$dir/bpfscope.rc")
	if [ "$want" = 124 ]; then
		echo "skip $name: bpftrace itself timed out"
		skip=$((skip + 1))
		return
	fi
	[ "$got" = 124 ] && why+="bpfscope timed out; "
	[ "$want" = "$got" ] || why+="exit status $got, bpftrace $want; "
	cmp -s "$dir/bpftrace.out" "$dir/bpfscope.out" || why+="stdout differs; "
	if [ -z "$why" ]; then
		echo "ok   $name"
		pass=$((pass + 1))
		return
	fi
	echo "FAIL $name: ${why%; }"
	diff -u --label bpftrace --label bpfscope "$dir/bpftrace.out" "$dir/bpfscope.out" |
		head -n 40 | sed 's/^/    /'
	if [ -s "$dir/bpfscope.err" ]; then
		echo "    -- bpfscope stderr:"
		head -n 15 "$dir/bpfscope.err" | sed 's/^/    /'
	fi
	fail=$((fail + 1))
}

cases=()
if [ $# -gt 0 ]; then
	for n in "$@"; do cases+=("$here/cases/$n.bt"); done
else
	cases=("$here"/cases/*.bt)
fi

reason=$(lib_cannot_trace)
if [ -z "$reason" ] && [ ! -x "$BPFTRACE" ]; then
	reason="bpftrace is not installed at $BPFTRACE"
fi
if [ -z "$reason" ] && ! lib_workload; then
	reason="cannot build tests/workload/workload.c"
fi
if [ -n "$reason" ]; then
	echo "skipping all ${#cases[@]} compatibility cases: $reason"
	skip=${#cases[@]}
	lib_summary
	exit 0
fi
lib_targets || TARGETS=""
for c in "${cases[@]}"; do
	run_case "$c"
done
lib_summary
[ "$fail" -eq 0 ]
