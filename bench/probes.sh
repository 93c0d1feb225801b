#!/usr/bin/env bash
# Probe-heavy benchmarks, bpfscope against bpftrace side by side, as ratios (part of
# `make bench`; bench/run.sh runs it last):
#   a. 1,000 uprobes by wildcard on a generated binary with 1,000 functions (run with -c,
#      it calls each once): seconds to "Attaching", to the first event (every probe is
#      attached by then), to the end; peak RSS
#   b. -l listings: 'tracepoint:*', 'uprobe:/usr/bin/bash:*' and everything; seconds, peak
#      RSS and the number of lines each prints
#   c. tracepoint:syscalls:sys_enter_* (every syscall tracepoint) with -c /bin/true: as a.
# Usage: bench/probes.sh [BPFSCOPE] [BPFTRACE]; needs root. Env: RUNS (runs per listing, 3),
# HEAVY_RUNS (runs of a. and c., 1: bpftrace 0.17 needs ~6 minutes for a., mostly detaching
# 1,000 perf-event uprobes one RCU grace period at a time), FUNCS (functions in the
# generated binary, 1000).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
HEAVY_RUNS=${HEAVY_RUNS:-1}
FUNCS=${FUNCS:-1000}
mb() { awk -v k="$1" 'BEGIN { printf "%.1f", k / 1024 }'; }

# Both honour BPFTRACE_MAX_PROBES; bpftrace 0.17 refuses more than 512 probes without it.
export BPFTRACE_MAX_PROBES=$((FUNCS + 1000))

# The generated binary: FUNCS functions bench_fn_N that main calls once each, in order.
gen_target() {
	{
		for ((i = 0; i < FUNCS; i++)); do
			printf '__attribute__((noinline)) void bench_fn_%04d(void) { __asm__ volatile(""); }\n' "$i"
		done
		echo 'int main(void) {'
		for ((i = 0; i < FUNCS; i++)); do
			printf '\tbench_fn_%04d();\n' "$i"
		done
		echo '	return 0; }'
	} >"$tmp/funcs.c"
	cc -O1 -o "$tmp/funcs" "$tmp/funcs.c"
}

# Prints a table of timeline figures (to Attaching, to the first event, total, RSS) for
# each tool running the program $2 with -c $3, and the ratios. $1 titles it.
timeline() {
	local title="$1 (median of $HEAVY_RUNS)" prog=$2 cmd=$3 t
	declare -A att first total rss
	echo "== $title"
	printf '%-10s %14s %16s %10s %14s\n' tool "to Attaching" "to 1st event" "total" "peak RSS MB"
	for t in "${tools[@]}"; do
		read -r a f w r < <(measure timeline "$HEAVY_RUNS" FIRST_EVENT timeout 600 "$t" -B line \
			-c "$cmd" -e "$prog") || { echo "$(name "$t"): failed"; continue; }
		att[$t]=$a first[$t]=$f total[$t]=$w rss[$t]=$r
		printf '%-10s %11s ms %13s ms %7s ms %14s\n' "$(name "$t")" "$(ms "$a")" \
			"$(ms "$f")" "$(ms "$w")" "$(mb "$r")"
	done
	if [ -n "${total[$BPFSCOPE]:-}" ] && [ -n "${total[$BPFTRACE]:-}" ]; then
		echo "bpfscope/bpftrace: to Attaching $(ratio "${att[$BPFSCOPE]}" "${att[$BPFTRACE]}")," \
			"to 1st event $(ratio "${first[$BPFSCOPE]}" "${first[$BPFTRACE]}")," \
			"total $(ratio "${total[$BPFSCOPE]}" "${total[$BPFTRACE]}")," \
			"RSS $(ratio "${rss[$BPFSCOPE]}" "${rss[$BPFTRACE]}")"
	fi
	echo
}

# The probe prints FIRST_EVENT once, on its first event.
once='/@first == 0/ { @first = 1; printf("FIRST_EVENT\n"); }'

if gen_target; then
	timeline "a. $FUNCS uprobes by wildcard: uprobe:FUNCS:bench_fn_*" \
		"uprobe:$tmp/funcs:bench_fn_* $once" "$tmp/funcs"
else
	echo "== a. skipped: cannot compile the generated binary"
fi

echo "== b. listing (median of $RUNS runs)"
printf '%-26s %-10s %10s %12s %8s\n' "-l" tool "ms" "peak RSS MB" lines
for glob in 'tracepoint:*' 'uprobe:/usr/bin/bash:*' ''; do
	declare -A lwall=()
	for t in "${tools[@]}"; do
		args=(-l)
		[ -n "$glob" ] && args+=("$glob")
		read -r w r < <(measure runs "$RUNS" "$t" "${args[@]}") || continue
		lwall[$t]=$w
		printf '%-26s %-10s %10s %12s %8s\n' "${glob:-(everything)}" "$(name "$t")" \
			"$(ms "$w")" "$(mb "$r")" "$(measure lines "$t" "${args[@]}")"
	done
	if [ -n "${lwall[$BPFSCOPE]:-}" ] && [ -n "${lwall[$BPFTRACE]:-}" ]; then
		echo "  bpfscope/bpftrace time: $(ratio "${lwall[$BPFSCOPE]}" "${lwall[$BPFTRACE]}")"
	fi
done
echo

n=$(ls -d /sys/kernel/tracing/events/syscalls/sys_enter_* 2>/dev/null | wc -l)
timeline "c. tracepoint:syscalls:sys_enter_* ($n tracepoints) with -c /bin/true" \
	"tracepoint:syscalls:sys_enter_* /pid == cpid/ { if (@first == 0) { @first = 1; printf(\"FIRST_EVENT\\n\"); } }" \
	/bin/true
