#!/usr/bin/env bash
# Output benchmarks, bpfscope / bpftrace 0.17 / the hand-written C reference (bench/ref) side
# by side (part of `make bench`; bench/run.sh runs it):
#   a. printf flood: one printf per getppid() of the workload, PRINTS events as fast as it
#      makes them; seconds, lines received (and their share), lines/s, events reported lost;
#      bpfscope+exit is bpfscope with an exit() probe that never runs (it reads pd_ctl too)
#   b. the same while a CPU hog (a nice 0 busy loop) runs on each core beside the consumer;
#      b2. the reader pinned beside a hog, the traced workload alone on the other CPU: the
#      producer runs at full speed while the reader gets half a CPU
#   c. printing a KEYS-key map at exit: the print cost is the median wall time of RUNS runs
#      with the print minus the median of runs that empty the map instead (END { clear(@m);
#      }; the C reference's -n reads and deletes in batches)
# Usage: bench/output.sh [BPFSCOPE] [BPFTRACE]; needs root and WORKLOAD. Env: PRINTS
# (1000000), KEYS (100000), RUNS (5), FLOOD_ROUNDS (5: rounds of a., b. and b2.).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
PRINTS=${PRINTS:-1000000}
KEYS=${KEYS:-100000}
RUNS=${RUNS:-5}
FLOOD_ROUNDS=${FLOOD_ROUNDS:-5}
: "${WORKLOAD:?bench/output.sh needs WORKLOAD (make bench sets it)}"
export BPFTRACE_MAP_KEYS_MAX=$((KEYS * 2))
flood_ref=$(ref flood)
declare -A rates shares
mapprint_ref=$(ref mapprint)

# flood NAME CMD...: one run of a. or b.; appends "seconds lines lost" to $tmp/NAME.runs
flood() {
	local n=$1 out="$tmp/$1.out" start end
	shift
	start=$(date +%s.%N)
	timeout 300 "$@" >"$out" 2>"$out.err"
	end=$(date +%s.%N)
	echo "$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }') $(grep -c ' workload ' "$out")" \
		"$(cat "$out" "$out.err" | sed -nE 's/.*Lost ([0-9]+) events.*/\1/p' |
			awk '{ s += $1 } END { print s + 0 }')" >>"$tmp/$n.runs"
}

# flood_row NAME: the row of NAME's runs: median seconds and lines/s, the lowest share
# received, the most reported lost. The rate of one producer and one reader is bimodal on a
# 2-CPU machine (where the scheduler puts them), so single runs cannot be compared.
flood_row() {
	local f="$tmp/$1.runs" secs rate low lost
	secs=$(median 1 <"$f")
	rate=$(awk '{ print $2 / ($1 > 0 ? $1 : 1) }' "$f" | median 1)
	low=$(sort -n -k2 "$f" | awk 'NR == 1 { print $2 }')
	lost=$(sort -n -k3 "$f" | awk 'END { print $3 }')
	printf '%-10s %8.2f %10d %7.1f%% %12.0f %9d\n' "$1" "$secs" "$low" \
		"$(awk -v l="$low" -v n="$PRINTS" 'BEGIN { print 100 * l / n }')" "$rate" "$lost"
	rates[$1]=$rate shares[$1]=$low
	rm -f "$f"
}

# median COLUMN: the median of a column of numbers on stdin (the lower middle one)
median() { sort -n -k"$1" | awk -v c="$1" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }

# floods [READER_CPU PRODUCER_CPU]: the table of a. or b., FLOOD_ROUNDS rounds of every tool
# in turn, with the reader and the traced workload pinned to the CPUs given (taskset execs the
# workload: cpid stays its pid)
floods() {
	local prog='tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { printf("%d %s %d\n", tid, comm, nsecs); }'
	# the same with an exit() that never runs: bpfscope then reads pd_ctl beside pd_events
	local ctl_prog="$prog"' tracepoint:syscalls:sys_enter_getppid /nsecs == 0/ { exit(); }'
	local reader=() producer=() r t
	[ $# -lt 2 ] || reader=(taskset -c "$1") producer=("$(command -v taskset)" -c "$2")
	local cmd="${producer[*]} $WORKLOAD syscalls $PRINTS"
	for ((r = 0; r < FLOOD_ROUNDS; r++)); do
		for t in "${tools[@]}"; do
			# bpftrace 0.17 runs nothing for a -c command with a leading space
			flood "$(name "$t")" "${reader[@]}" "$t" -c "${cmd# }" -e "$prog"
		done
		flood bpfscope+exit "${reader[@]}" "$BPFSCOPE" -c "${cmd# }" -e "$ctl_prog"
		[ -z "$flood_ref" ] ||
			flood C "${reader[@]}" "$flood_ref" "${producer[@]}" "$WORKLOAD" syscalls "$PRINTS"
	done
	printf '%-10s %8s %10s %8s %12s %9s\n' tool seconds "min lines" "min share" \
		"lines/s" "max lost"
	local rows=() n
	for t in "${tools[@]}"; do
		rows+=("$(name "$t")")
	done
	rows+=(bpfscope+exit)
	for n in "${rows[@]}"; do
		flood_row "$n"
	done
	[ -z "$flood_ref" ] || flood_row C
	[ -z "${rates[C]:-}" ] || for n in "${rows[@]}"; do
		echo "$n/C: lines/s $(ratio "${rates[$n]}" "${rates[C]}")," \
			"lowest share received $(ratio "${shares[$n]}" "${shares[C]}")"
	done
}

echo "== a. printf flood, quiet: one printf per getppid() ($PRINTS events; medians of $FLOOD_ROUNDS rounds)"
floods

echo
echo "== b. the same flood beside a CPU hog on each of the $(nproc) cores"
hogs=()
for ((i = 0; i < $(nproc); i++)); do
	nice -n 0 "$WORKLOAD" spin 3600000 &
	hogs+=($!)
done
floods
kill "${hogs[@]}" 2>/dev/null
wait "${hogs[@]}" 2>/dev/null

if [ "$(nproc)" -ge 2 ] && command -v taskset >/dev/null; then
	echo
	echo "== b2. the same flood, the reader sharing CPU 1 with a CPU hog, the workload alone on CPU 0"
	taskset -c 1 "$WORKLOAD" spin 3600000 &
	hog=$!
	floods 1 0
	kill "$hog" 2>/dev/null
	wait "$hog" 2>/dev/null
fi

echo
echo "== c. print a $KEYS-key map at exit: @m[nsecs] = count() per getppid() (median of $RUNS)"
# Two measures: the wall time with the print minus the wall time of runs that empty the map
# instead (every tool; the difference is small beside the 100k events and moves with the
# machine's load), and the time the print itself takes, timed in the process ("Time for
# printing maps", bpfscope -v and the C reference; bpftrace has no such figure): reading,
# summing the CPUs, sorting, formatting and writing.
prog='tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @m[nsecs] = count(); }'
wall() { measure runs "$RUNS" "$@" | awk '{ print $1 }'; }
# inproc CMD...: the median "Time for printing maps" of RUNS runs of CMD, in ms
inproc() {
	local i
	for ((i = 0; i < RUNS; i++)); do
		"$@" 2>&1 >/dev/null | sed -n 's/^Time for printing maps: \([0-9.]*\) ms$/\1/p'
	done | median 1
}
declare -A cost own
printf '%-10s %10s %12s %14s %14s\n' tool "total ms" "no-print ms" "print cost ms" "in-process ms"
row() {
	local n=$1 with=$2 without=$3
	cost[$n]=$(awk -v a="$with" -v b="$without" 'BEGIN { print (a - b) * 1000 }')
	printf '%-10s %10.1f %12.1f %14.1f %14s\n' "$n" "$(awk -v w="$with" 'BEGIN { print w * 1000 }')" \
		"$(awk -v w="$without" 'BEGIN { print w * 1000 }')" "${cost[$n]}" "${own[$n]:--}"
}
for t in "${tools[@]}"; do
	with=$(wall "$t" -c "$WORKLOAD syscalls $KEYS" -e "$prog") || continue
	without=$(wall "$t" -c "$WORKLOAD syscalls $KEYS" -e "$prog END { clear(@m); }") || continue
	[ "$t" != "$BPFSCOPE" ] || own[$(name "$t")]=$(inproc "$t" -v -c "$WORKLOAD syscalls $KEYS" -e "$prog")
	row "$(name "$t")" "$with" "$without"
done
if [ -n "$mapprint_ref" ]; then
	own[C]=$(inproc "$mapprint_ref" "$WORKLOAD" syscalls "$KEYS")
	row C "$(wall "$mapprint_ref" "$WORKLOAD" syscalls "$KEYS")" \
		"$(wall "$mapprint_ref" -n "$WORKLOAD" syscalls "$KEYS")"
fi
[ -z "${own[C]:-}" ] || [ -z "${own[$(name "$BPFSCOPE")]:-}" ] ||
	echo "bpfscope/C print, timed in the process: $(ratio "${own[$(name "$BPFSCOPE")]}" "${own[C]}") (target <= 1.2)"
for t in "${tools[@]}"; do
	[ -z "${cost[C]:-}" ] || echo "$(name "$t")/C print cost (wall difference): $(ratio "${cost[$(name "$t")]:-0}" "${cost[C]}")"
done
