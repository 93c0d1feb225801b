#!/usr/bin/env bash
# Benchmarks bpfscope against bpftrace side by side and prints ratios (`make bench`):
#   1. start-up: wall time and peak RSS of `BEGIN { exit(); }`, from the compile cache and
#      compiling (--no-cache) (targets: a hit <= 1/50 the time and <= 1/10 the memory of
#      bpftrace, a compile <= 1/4 its memory), and of -V (the binary alone); 1b. a tracepoint
#      one-liner with -c: to Attaching, to its first event, total (target: a hit <= 1.5x C)
#   2. per-event cost: a count() and a hist() per system call while the workload makes N
#      getppid()s
#   3. output (bench/output.sh): a printf flood, quiet and beside CPU hogs; printing a
#      100k-key map at exit
#   4. probe-heavy work (bench/probes.sh): 1,000 uprobes by wildcard, -l listings, every
#      syscall tracepoint
#   5. scale (bench/scale.sh): compile time against script size, many probes on one point
# Each of 1.-3. has a row for the hand-written libbpf C reference (bench/ref, built by
# `make bench-ref`) when it is built: the limit.
# Usage: bench/run.sh [BPFSCOPE] [BPFTRACE]; needs root. Env: RUNS (start-up runs, 10),
# SYSCALLS (events for 2., 2000000), ROUNDS (rounds of 2., 5), WORKLOAD, REF_DIR.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-10}
SYSCALLS=${SYSCALLS:-2000000}
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
# the row above is a compile cache hit (the warming run compiled); this one compiles
if read -r w r < <(measure runs "$RUNS" "$BPFSCOPE" --no-cache -e 'BEGIN { exit(); }'); then
	wall[miss]=$w rss[miss]=$r
	printf '%-10s %12.1f %12.1f\n' "(compile)" "$(awk -v w="$w" 'BEGIN { print w * 1000 }')" \
		"$(awk -v r="$r" 'BEGIN { print r / 1024 }')"
fi
# the binary alone (-V): what is left of start-up before any work
for t in "${tools[@]}"; do
	read -r w r < <(measure runs "$RUNS" "$t" -V) || continue
	wall[$t-V]=$w rss[$t-V]=$r
	printf '%-10s %12.1f %12.1f\n' "$(name "$t") -V" "$(awk -v w="$w" 'BEGIN { print w * 1000 }')" \
		"$(awk -v r="$r" 'BEGIN { print r / 1024 }')"
done
if [ -n "$(ref start)" ] && read -r w r < <(measure runs "$RUNS" "$(ref start)"); then
	printf '%-10s %12.1f %12.1f\n' C "$(awk -v w="$w" 'BEGIN { print w * 1000 }')" \
		"$(awk -v r="$r" 'BEGIN { print r / 1024 }')"
	for t in "${tools[@]}"; do
		[ -z "${wall[$t]:-}" ] ||
			echo "$(name "$t")/C: time $(ratio "${wall[$t]}" "$w"), RSS $(ratio "${rss[$t]}" "$r")"
	done
fi
if [ -n "${wall[$BPFSCOPE]:-}" ] && [ -n "${wall[$BPFTRACE]:-}" ]; then
	echo "bpfscope/bpftrace, cache hit: time $(ratio "${wall[$BPFSCOPE]}" "${wall[$BPFTRACE]}")" \
		"(target <= 0.02), RSS $(ratio "${rss[$BPFSCOPE]}" "${rss[$BPFTRACE]}") (target <= 0.10)"
	[ -n "${wall[miss]:-}" ] && echo "bpfscope/bpftrace, compiling: time" \
		"$(ratio "${wall[miss]}" "${wall[$BPFTRACE]}"), RSS" \
		"$(ratio "${rss[miss]}" "${rss[$BPFTRACE]}") (target <= 0.25)"
	[ -n "${wall[$BPFSCOPE-V]:-}" ] && [ -n "${wall[$BPFTRACE-V]:-}" ] &&
		echo "bpfscope/bpftrace, -V: time $(ratio "${wall[$BPFSCOPE-V]}" "${wall[$BPFTRACE-V]}")," \
			"RSS $(ratio "${rss[$BPFSCOPE-V]}" "${rss[$BPFTRACE-V]}")"
fi
if command -v hyperfine >/dev/null && [ ${#tools[@]} -eq 2 ]; then
	hyperfine -N --warmup 2 --runs "$RUNS" --style basic \
		"$BPFSCOPE -e 'BEGIN { exit(); }'" "$BPFTRACE -e 'BEGIN { exit(); }'" 2>&1 |
		sed -n '/Summary/,$p'
fi

echo
echo "== 1b. a tracepoint one-liner, -c '$WORKLOAD syscalls 1' (median of $RUNS runs)"
# The C reference (bench/ref/flood) loads, attaches and prints "Attaching" before it starts
# its child; the first event is the child's one getppid() printed. bpfscope runs from its
# cache (the warming run compiled).
oneliner='tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { printf("%d %s %d\n", tid, comm, nsecs); }'
declare -A first
printf '%-10s %14s %16s %10s\n' tool "to Attaching" "to 1st event" "total"
oneliner_row() {
	local n=$1 a f w
	shift
	read -r a f w _ < <(measure timeline "$RUNS" " workload " "$@") || { echo "$n: failed"; return; }
	first[$n]=$f
	printf '%-10s %11s ms %13s ms %7s ms\n' "$n" "$(ms "$a" 1)" "$(ms "$f" 1)" "$(ms "$w" 1)"
}
"$BPFSCOPE" -c "$WORKLOAD syscalls 1" -e "$oneliner" >/dev/null 2>&1 # fills the cache
for t in "${tools[@]}"; do
	oneliner_row "$(name "$t")" "$t" -c "$WORKLOAD syscalls 1" -e "$oneliner"
done
[ -z "$(ref flood)" ] || oneliner_row C "$(ref flood)" "$WORKLOAD" syscalls 1
[ -z "${first[C]:-}" ] || for t in "${tools[@]}"; do
	[ -z "${first[$(name "$t")]:-}" ] ||
		echo "$(name "$t")/C: to the first event $(ratio "${first[$(name "$t")]}" "${first[C]}")" \
			"(target for bpfscope <= 1.5 on a cache hit)"
done

echo
echo "== 2. per-event cost on tracepoint:raw_syscalls:sys_enter while the workload makes"
echo "   $SYSCALLS getppid() calls; median of $ROUNDS interleaved rounds"
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2) }'; }
# per_event WHAT PROG [REF_ARG]: the table for one program. Two measures: the workload's
# wall time, each tracer alone (overhead per event: what a traced process pays, noisy on a
# busy machine), and the tracers' programs' own run time per event from the kernel's BPF
# statistics, every tracer attached at once to the same events (measure.py progtime), so
# that other work on the machine slows them alike. The statistics add their own clock
# reads to every run (~40 ns here): "empty", bpfscope's program with an empty body, run
# beside them, is subtracted round by round ("prog ns/run" is above it).
per_event() {
	local what=$1 prog=$2 cref w base t i
	cref=$(ref count)
	declare -A samples over runs
	local names=("${tools[@]}")
	[ -z "$cref" ] || names+=(C)
	for ((round = 0; round < ROUNDS; round++)); do
		w=$(measure runs 1 "$WORKLOAD" syscalls "$SYSCALLS" | awk '{ print $1 }')
		samples[none]+="$w "
		local all=("$WORKLOAD" syscalls "$SYSCALLS" -- "$BPFSCOPE" -e
			   'tracepoint:raw_syscalls:sys_enter { }')
		for t in "${names[@]}"; do
			local cmd=("$t" -e "$prog")
			[ "$t" != C ] || cmd=("$cref" "${@:3}")
			all+=(-- "${cmd[@]}")
			w=$(measure traced "${cmd[@]}" -- "$WORKLOAD" syscalls "$SYSCALLS") &&
				samples[$t]+="$w "
		done
		local ns=()
		read -r -a ns < <(measure progtime "${all[@]}") || continue
		for i in "${!names[@]}"; do
			runs[${names[$i]}]+="$(awk -v p="${ns[$((i + 1))]}" -v e="${ns[0]}" \
				'BEGIN { print p - e }') "
		done
	done
	echo "-- $what: $prog"
	base=$(echo "${samples[none]}" | tr ' ' '\n' | grep . | median)
	printf '%-10s %14s %16s %12s\n' tracer "ns/syscall" "overhead ns/event" "prog ns/run"
	printf '%-10s %14.1f %16s %12s\n' none \
		"$(awk -v w="$base" -v n="$SYSCALLS" 'BEGIN { print w * 1e9 / n }')" - -
	declare -A pns
	for t in "${names[@]}"; do
		[ -n "${samples[$t]:-}" ] || continue
		w=$(echo "${samples[$t]}" | tr ' ' '\n' | grep . | median)
		over[$t]=$(awk -v w="$w" -v b="$base" -v n="$SYSCALLS" 'BEGIN { print (w - b) * 1e9 / n }')
		pns[$t]=$(echo "${runs[$t]:-0}" | tr ' ' '\n' | grep . | median)
		printf '%-10s %14.1f %16.1f %12.1f\n' "$(name "$t")" \
			"$(awk -v w="$w" -v n="$SYSCALLS" 'BEGIN { print w * 1e9 / n }')" \
			"${over[$t]}" "${pns[$t]}"
	done
	for t in "${tools[@]}"; do
		[ -z "${over[$t]:-}" ] || [ -z "${over[C]:-}" ] ||
			echo "$(name "$t")/C overhead: $(ratio "${over[$t]}" "${over[C]}")," \
				"program: $(ratio "${pns[$t]}" "${pns[C]}")"
	done
}
per_event count 'tracepoint:raw_syscalls:sys_enter { @[tid] = count(); }'
per_event hist 'tracepoint:raw_syscalls:sys_enter { @ = hist(args->id); }' hist

echo
echo "== 3. output (bench/output.sh)"
"$here/output.sh" "$BPFSCOPE" "$BPFTRACE"

echo "== 4. probe-heavy (bench/probes.sh)"
"$here/probes.sh" "$BPFSCOPE" "$BPFTRACE"

echo
echo "== 5. scale: compile time, many probes on one point (bench/scale.sh)"
"$here/scale.sh" "$BPFSCOPE" "$BPFTRACE"
