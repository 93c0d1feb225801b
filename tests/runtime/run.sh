#!/usr/bin/env bash
# End-to-end runtime suite: runs real probes with bpfscope and checks the exact output.
# Usage: tests/runtime/run.sh BPFSCOPE [CASE_NAME...]   (needs root, BTF and tracefs)
#
# A case is tests/runtime/cases/NAME.case: free comment lines, then sections, each opened
# by a line "### SECTION" and holding every line up to the next "### " line (blank lines
# included, so trailing blank lines of expected output count):
#   script      the program, written to NAME.bt and run as `bpfscope ... NAME.bt`
#               (the current directory is the case's scratch directory, so
#               diagnostics name the file "NAME.bt")
#   e           the program, passed with -e instead (diagnostics name it "stdin")
#   flags       one line of bpfscope flags in shell syntax ($WORKLOAD, $TARGETS and $TMP
#               expand)
#   cmd         one line: the command passed with -c ($WORKLOAD and $TARGETS expand);
#               scripts filter on `pid == cpid` so nothing else on the machine can change
#               the output
#   params      one line of positional parameters in shell syntax, after the program
#               ($WORKLOAD, $TARGETS and $TMP expand): user probes name their binary as
#               `uprobe:$1:add` with params `$TARGETS/uprobe/uprobe_target`
#   env         one line of NAME=VALUE words put in bpfscope's environment
#   setup       a bash snippet run in the scratch directory $TMP before bpfscope starts
#               ($TARGETS, $WORKLOAD and $BPFSCOPE set): files a script names by a relative
#               path; it may leave a process in the background (a reader holding a FIFO
#               open, a second bpfscope)
#   stdin       what bpfscope reads on standard input (default /dev/null); with params
#               "- ARGS" it is the program
#   stdout      the exact expected standard output
#   stdout-match  expected standard output as patterns: literal lines in which {{ERE}}
#               stands for a regular expression; a line "{{*}}" matches any run of lines
#   stderr      the exact expected standard error
#   stderr-match  patterns (as stdout-match) for standard error
#   outfile     the exact expected content of $TMP/out (use with flags `-o $TMP/out`)
#   exit        expected exit status (default 0)
#   signal      "SIG DELAY [SIG DELAY]...": once bpfscope has printed something on stdout (or
#               after 10 s), wait DELAY seconds and send it SIG (INT, TERM, HUP, KILL), then
#               the next pair; a DELAY of "blocked" waits until bpfscope sleeps in a write
#               (its output is full). The BPF programs and maps it holds are recorded from
#               /proc/PID/fdinfo before the first signal: the check section sees them as
#               $PROG_IDS, $MAP_IDS, $MAP_NAMES, and the -c child's pid as $CHILD_PID. A
#               signalled case is leak-checked as with "leaks prog map".
#   leaks       one line naming the kinds of kernel objects bpfscope must be seen holding
#               while it runs (prog map link perf; perf: perf-event descriptors). It runs
#               in the background, sampled every 50 ms (tests/runtime/leaks.sh); after it
#               is gone no program, map or link it held may exist, no process may hold a
#               perf event running its programs, and no tracefs probe event
#               (uprobe_events, kprobe_events, dynamic_events) naming its pid may be left.
#               Links and perf events exist only while probes are attached: name them only
#               when the workload runs for a few hundred milliseconds.
#   check       a bash snippet run after the program ($OUT, $ERR, $TMP, $BPFSCOPE, $WORKLOAD,
#               $TARGETS set); non-zero fails
#   timeout     seconds before the case is killed and failed (default 30)
#   memory      megabytes bpfscope's peak resident size may reach (/usr/bin/time measures it):
#               hostile inputs are refused or compiled in bounded memory
#   needs       one line of commands that must exist, else the case is skipped
# $TARGETS is the build directory holding the programs `make unit` builds for user probes
# (uprobe/uprobe_target, usdt_target, ...; tests/workload/); a case naming it is skipped when
# they are not built.
# The last line printed is "N passed, N failed, N skipped"; failures show a diff.
# CASES_DIR names another directory of cases (tests/vm/cases); flags lines can use it.
set -u
BPFSCOPE=${1:-./bpfscope}
shift || true
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
tmp=$(mktemp -d /tmp/bpfscope-runtime.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# An isolated compile cache: tests share no state with the machine's (one given in the
# environment is kept, so a second run of the suite finds it warm).
export BPFSCOPE_CACHE_DIR=${BPFSCOPE_CACHE_DIR:-$tmp/cache}
# shellcheck source=lib.sh
. "$here/lib.sh"
# shellcheck source=leaks.sh
. "$here/leaks.sh"
case "$BPFSCOPE" in
/*) ;;
*) BPFSCOPE="$PWD/$BPFSCOPE" ;;
esac

# Splits a case file into $dir/<section> files; prints the section names.
split_case() {
	awk -v dir="$2" '
		/^### [a-z-]+[ \t]*$/ { name = $2; out = dir "/" name; printf "" > out;
					print name; next }
		out != "" { print > out }
	' "$1"
}

has() { [ -f "$sec/$1" ]; }
line() { head -n 1 "$sec/$1"; }

# Expands $WORKLOAD and $TMP in one line of shell words into the array named $2.
expand_words() {
	local text
	text=$(line "$1")
	eval "$2+=($text)"
}

# Waits for pid $1: DELAY seconds, or "blocked": until it sleeps writing to a full pipe.
signal_delay() {
	local i
	if [ "$2" != blocked ]; then
		sleep "$2"
		return
	fi
	for i in $(seq 100); do
		grep -q pipe_write "/proc/$1/wchan" 2>/dev/null && return
		sleep 0.1
	done
}

# Runs bpfscope in the background, sampling the kernel objects it holds, and signals it once
# it is running when the case has a signal section; sets rc.
run_watched() {
	local tpid bpid wpid i
	local -a sigs=()
	has signal && read -r -a sigs <"$sec/signal"
	leaks_probe_events >"$TMP/events.before"
	: >"$TMP/held"
	set -m
	timeout -k 5 "$limit" env "${envs[@]}" "$BPFSCOPE" "${args[@]}" >"$OUT" 2>"$ERR" \
		<"$input" &
	tpid=$!
	set +m
	bpid="" wpid=""
	for i in $(seq 100); do
		if [ -z "$bpid" ]; then
			bpid=$(pgrep -P "$tpid" | head -n 1)
			if [ -n "$bpid" ]; then
				leaks_watch "$bpid" "$TMP/held" &
				wpid=$!
			fi
		fi
		[ -n "$bpid" ] && { [ -s "$OUT" ] || [ ${#sigs[@]} = 0 ]; } && break
		kill -0 "$tpid" 2>/dev/null || break
		sleep 0.1
	done
	if [ -n "$bpid" ] && [ ${#sigs[@]} -gt 0 ]; then
		CHILD_PID=$(pgrep -P "$bpid" | head -n 1)
		signal_delay "$bpid" "${sigs[1]:-0}"
		: >"$TMP/ids"
		leaks_sample "$bpid" "$TMP/ids"
		PROG_IDS=$(awk '$1 == "prog" { print $2 }' "$TMP/ids" | sort -u | xargs)
		MAP_IDS=$(awk '$1 == "map" { print $2 }' "$TMP/ids" | sort -u | xargs)
		MAP_NAMES=$(for id in $MAP_IDS; do
			bpftool -j map show id "$id" 2>/dev/null |
				sed -nE 's/.*"name":"([^"]*)".*/\1/p'
		done | xargs)
		kill -s "${sigs[0]}" "$bpid"
		for ((i = 2; i + 1 < ${#sigs[@]}; i += 2)); do
			signal_delay "$bpid" "${sigs[i + 1]}"
			kill -s "${sigs[i]}" "$bpid" 2>/dev/null
		done
	fi
	wait "$tpid" 2>/dev/null
	rc=$?
	[ -n "$wpid" ] && wait "$wpid"
	BPID=$bpid
	if [ -z "$bpid" ]; then
		echo "  bpfscope was never seen running" >>"$ERR"
		rc=255
	fi
}

# Runs one case; prints its result line (and details when it fails).
run_case() {
	local file=$1 name
	name=$(basename "$file" .case)
	TMP="$tmp/$name"
	sec="$TMP/sections"
	mkdir -p "$sec"
	OUT="$TMP/stdout" ERR="$TMP/stderr"
	split_case "$file" "$sec" >/dev/null
	if [ -z "$TARGETS" ] && grep -q '\$TARGETS' "$file"; then
		echo "skip $name: needs the programs \`make unit\` builds"
		skip=$((skip + 1))
		return
	fi
	if has needs; then
		local c
		for c in $(line needs); do
			if ! command -v "$c" >/dev/null; then
				echo "skip $name: needs $c"
				skip=$((skip + 1))
				return
			fi
		done
	fi
	args=() envs=()
	has env && expand_words env envs
	has flags && expand_words flags args
	if has cmd; then
		local cmd
		cmd=$(line cmd)
		cmd=${cmd//\$WORKLOAD/$WORKLOAD}
		cmd=${cmd//\$TARGETS/$TARGETS}
		args+=(-c "$cmd")
	fi
	if has script; then
		cp "$sec/script" "$TMP/$name.bt"
		args+=("$name.bt")
	elif has e; then
		args+=(-e "$(cat "$sec/e")")
	fi
	has params && expand_words params args
	limit=$(has timeout && line timeout || echo 30)
	PROG_IDS="" MAP_IDS="" MAP_NAMES="" CHILD_PID="" BPID=""
	input=/dev/null
	has stdin && input="$sec/stdin"
	local rc
	pushd "$TMP" >/dev/null || return
	has setup && TMP=$TMP TARGETS=$TARGETS WORKLOAD=$WORKLOAD BPFSCOPE=$BPFSCOPE \
		bash -e "$sec/setup" >/dev/null 2>&1 \
		</dev/null
	if has signal || has leaks; then
		run_watched
	else
		local -a meter=()
		has memory && meter=(/usr/bin/time -f %M -o "$TMP/rss")
		timeout -k 5 "$limit" "${meter[@]}" env "${envs[@]}" "$BPFSCOPE" "${args[@]}" \
			>"$OUT" 2>"$ERR" <"$input"
		rc=$?
	fi
	popd >/dev/null || return
	check_case "$name" "$rc"
}

# Compares what the case produced with what it expects; counts and reports.
check_case() {
	local name=$1 rc=$2 why="" want_rc=0
	has exit && want_rc=$(line exit)
	[ "$rc" = 124 ] && why+="timed out after ${limit}s; "
	[ "$rc" = "$want_rc" ] || why+="exit status $rc, expected $want_rc; "
	local report="$TMP/report"
	: >"$report"
	if has stdout && ! cmp -s "$sec/stdout" "$OUT"; then
		why+="stdout differs; "
		diff -u --label expected --label actual "$sec/stdout" "$OUT" >>"$report"
	fi
	if has stdout-match && ! python3 "$here/match.py" "$sec/stdout-match" "$OUT" >>"$report"; then
		why+="stdout does not match; "
		{ echo "  -- stdout:"; head -n 40 "$OUT"; } >>"$report"
	fi
	if has stderr && ! cmp -s "$sec/stderr" "$ERR"; then
		why+="stderr differs; "
		diff -u --label expected --label actual "$sec/stderr" "$ERR" >>"$report"
	fi
	if has stderr-match && ! python3 "$here/match.py" "$sec/stderr-match" "$ERR" >>"$report"; then
		why+="stderr does not match; "
		{ echo "  -- stderr:"; head -n 20 "$ERR"; } >>"$report"
	fi
	if has outfile && ! cmp -s "$sec/outfile" "$TMP/out"; then
		why+="output file differs; "
		diff -u --label expected --label actual "$sec/outfile" "$TMP/out" >>"$report" 2>&1
	fi
	if has memory; then
		local kb
		kb=$(tail -n 1 "$TMP/rss" 2>/dev/null)
		[ -n "$kb" ] && [ "$kb" -le $(($(line memory) * 1024)) ] ||
			why+="peak RSS ${kb:-unknown} KB, more than $(line memory) MB; "
	fi
	if { has signal || has leaks; } && [ -n "$BPID" ]; then
		local kinds="prog map" left
		has leaks && kinds=$(line leaks)
		left=$(leaks_check "$TMP/held" "$BPID" "$TMP/events.before" "$kinds")
		[ -n "$left" ] && why+="leaks; " && echo "$left" >>"$report"
	fi
	if has check; then
		local out
		out=$(cd "$TMP" && OUT=$OUT ERR=$ERR TMP=$TMP PROG_IDS=$PROG_IDS MAP_IDS=$MAP_IDS \
			MAP_NAMES=$MAP_NAMES CHILD_PID=$CHILD_PID BPFSCOPE=$BPFSCOPE \
			WORKLOAD=$WORKLOAD TARGETS=$TARGETS bash -e "$sec/check" 2>&1) ||
			{ why+="check failed; "; echo "$out" >>"$report"; }
	fi
	if [ -z "$why" ]; then
		echo "ok   $name"
		pass=$((pass + 1))
		return
	fi
	echo "FAIL $name: ${why%; }"
	sed 's/^/    /' "$report" | head -n 60
	if ! has stderr && ! has stderr-match && [ -s "$ERR" ]; then
		echo "    -- stderr:"
		head -n 15 "$ERR" | sed 's/^/    /'
	fi
	fail=$((fail + 1))
}

CASES_DIR=${CASES_DIR:-$here/cases}
cases=()
if [ $# -gt 0 ]; then
	for n in "$@"; do cases+=("$CASES_DIR/$n.case"); done
else
	cases=("$CASES_DIR"/*.case)
fi

reason=$(lib_cannot_trace)
if [ -z "$reason" ] && ! lib_workload; then
	reason="cannot build tests/workload/workload.c"
fi
if [ -n "$reason" ]; then
	echo "skipping all ${#cases[@]} runtime cases: $reason"
	skip=${#cases[@]}
	lib_summary
	exit 0
fi
lib_targets || TARGETS=""
BPFSCOPE_NAME=$(basename "$BPFSCOPE")
export WORKLOAD TARGETS BPFSCOPE_NAME CASES_DIR
for c in "${cases[@]}"; do
	run_case "$c"
done
lib_summary
[ "$fail" -eq 0 ]
