#!/usr/bin/env bash
# Benchmarks bpfscope against bpftrace side by side and prints ratios (`make bench`):
#   1. start-up: wall time and peak RSS of `BEGIN { exit(); }` (target: <= 1/5 the time,
#      <= 1/2 the memory of bpftrace)
#   2. per-event cost: a count() per system call while the workload makes N getppid()s
#   3. printf throughput: one printf per event at a high rate; lines delivered per second
#      and events lost
#   4. probe-heavy work (bench/probes.sh): 1,000 uprobes by wildcard, -l listings, every
#      syscall tracepoint
#   5. scale (bench/scale.sh): compile time against script size, many probes on one point
# Usage: bench/run.sh [BPFSCOPE] [BPFTRACE]; needs root. Env: RUNS (start-up runs, 10),
# SYSCALLS (events for 2., 2000000), ROUNDS (rounds of 2., 5), PRINTS (events for 3., 300000),
# WORKLOAD.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-10}
SYSCALLS=${SYSCALLS:-2000000}
PRINTS=${PRINTS:-300000}
ROUNDS=${ROUNDS:-5}
if ! lib_workload; then
	echo "bench: cannot build the workload"
	exit 1
fi

echo "== 1. start-up: BEGIN { exit(); } (median of $RUNS runs)"
declare -A wall rss
printf '%-10s %12s %12s\n' tool "wall ms" "peak RSS MB"
for t in "${tools[@]}"; do
	read -r w r < <(measure runs "$RUNS" "$t" -e 'BEGIN { exit(); }') || continue
	wall[$t]=$w rss[$t]=$r
	printf '%-10s %12.1f %12.1f\n' "$(name "$t")" "$(awk -v w="$w" 'BEGIN { print w * 1000 }')" \
		"$(awk -v r="$r" 'BEGIN { print r / 1024 }')"
done
if [ -n "${wall[$BPFSCOPE]:-}" ] && [ -n "${wall[$BPFTRACE]:-}" ]; then
	echo "bpfscope/bpftrace: time $(ratio "${wall[$BPFSCOPE]}" "${wall[$BPFTRACE]}")" \
		"(target <= 0.20), RSS $(ratio "${rss[$BPFSCOPE]}" "${rss[$BPFTRACE]}") (target <= 0.50)"
fi
if command -v hyperfine >/dev/null && [ ${#tools[@]} -eq 2 ]; then
	hyperfine -N --warmup 2 --runs "$RUNS" --style basic \
		"$BPFSCOPE -e 'BEGIN { exit(); }'" "$BPFTRACE -e 'BEGIN { exit(); }'" 2>&1 |
		sed -n '/Summary/,$p'
fi

echo
echo "== 2. per-event cost: tracepoint:raw_syscalls:sys_enter { @[tid] = count(); }"
echo "   while the workload makes $SYSCALLS getppid() calls; median of $ROUNDS interleaved rounds"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
declare -A samples
for ((round = 0; round < ROUNDS; round++)); do
	w=$(measure runs 1 "$WORKLOAD" syscalls "$SYSCALLS" | awk '{ print $1 }')
	samples[none]+="$w "
	for t in "${tools[@]}"; do
		w=$(measure traced "$t" -e 'tracepoint:raw_syscalls:sys_enter { @[tid] = count(); }' \
			-- "$WORKLOAD" syscalls "$SYSCALLS") || continue
		samples[$t]+="$w "
	done
done
base=$(echo "${samples[none]}" | tr ' ' '\n' | grep . | median)
printf '%-10s %14s %16s\n' tracer "ns/syscall" "overhead ns/event"
printf '%-10s %14.1f %16s\n' none "$(awk -v w="$base" -v n="$SYSCALLS" 'BEGIN { print w * 1e9 / n }')" -
declare -A over
for t in "${tools[@]}"; do
	[ -n "${samples[$t]:-}" ] || continue
	w=$(echo "${samples[$t]}" | tr ' ' '\n' | grep . | median)
	over[$t]=$(awk -v w="$w" -v b="$base" -v n="$SYSCALLS" 'BEGIN { print (w - b) * 1e9 / n }')
	printf '%-10s %14.1f %16.1f\n' "$(name "$t")" \
		"$(awk -v w="$w" -v n="$SYSCALLS" 'BEGIN { print w * 1e9 / n }')" "${over[$t]}"
done
if [ -n "${over[$BPFSCOPE]:-}" ] && [ -n "${over[$BPFTRACE]:-}" ]; then
	echo "bpfscope/bpftrace overhead: $(ratio "${over[$BPFSCOPE]}" "${over[$BPFTRACE]}")"
fi

echo
echo "== 3. printf throughput: one printf per getppid() of the workload ($PRINTS events)"
printf '%-10s %10s %12s %12s %10s\n' tool "seconds" "lines" "lines/s" "lost"
prog='tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { printf("%d %s %d\n", tid, comm, nsecs); }'
for t in "${tools[@]}"; do
	out="$tmp/$(name "$t").out"
	start=$(date +%s.%N)
	timeout 120 "$t" -c "$WORKLOAD syscalls $PRINTS" -e "$prog" >"$out" 2>"$out.err"
	end=$(date +%s.%N)
	lines=$(grep -c ' workload ' "$out")
	lost=$(cat "$out" "$out.err" | sed -nE 's/.*Lost ([0-9]+) events.*/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')
	secs=$(awk -v a="$start" -v b="$end" 'BEGIN { print b - a }')
	printf '%-10s %10.2f %12d %12.0f %10d\n' "$(name "$t")" "$secs" "$lines" \
		"$(awk -v l="$lines" -v s="$secs" 'BEGIN { print (s > 0 ? l / s : 0) }')" "$lost"
done

echo
echo "== 4. probe-heavy (bench/probes.sh)"
"$here/probes.sh" "$BPFSCOPE" "$BPFTRACE"

echo
echo "== 5. scale: compile time, many probes on one point (bench/scale.sh)"
"$here/scale.sh" "$BPFSCOPE" "$BPFTRACE"
