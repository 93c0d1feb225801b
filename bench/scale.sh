#!/usr/bin/env bash
# Scale benchmarks (issue 7), bpfscope against bpftrace 0.17 side by side, as ratios (part
# of `make bench`; bench/run.sh runs it after probes.sh):
#   a. compile time (--emit-elf), wall and CPU: 125, 250, 500 and 1,000 probes on distinct
#      tracepoints, each with a count(), a hist() and a printf(); and a 1,000-line script
#      (100 probes of eight statements); plus bpfscope's growth (500 probes / 125 probes,
#      linear: 4). On a busy machine the CPU figures are the steadier ones.
#   b. N probes on ONE tracepoint (64, 250 and 1,000) with -c: seconds to "Attaching", to
#      the first event (everything attached), to the exit; bpfscope's -v phase times. The
#      kernel attaches at most 64 programs to a tracepoint (BPF_TRACE_MAX_PROGS): bpftrace,
#      a program per probe, fails above that (E2BIG); bpfscope runs up to 64 probes' bodies
#      in one program.
#   c. DISTINCT probes (0: skipped, the default: minutes) on distinct tracepoints with -c
#      /bin/true: bpfscope's -v phase times, and both tools' totals. Each perf-event
#      tracepoint detaches after an RCU grace period (10-90 ms), one after another: that
#      bounds it (1,000: ~90 s of detach on the loaded 2-CPU machine).
#   The every-syscall wildcard is probes.sh's part c.
# Usage: bench/scale.sh [BPFSCOPE] [BPFTRACE]; needs root. Env: RUNS (compile runs, 3),
# HEAVY_RUNS (runs of b., 1), SIZES ("125 250 500 1000"), ONE_POINT ("64 250 1000"),
# DISTINCT (0), WORKLOAD.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
RUNS=${RUNS:-3}
HEAVY_RUNS=${HEAVY_RUNS:-1}
SIZES=${SIZES:-125 250 500 1000}
ONE_POINT=${ONE_POINT:-64 250 1000}
DISTINCT=${DISTINCT:-0}
WORKLOAD=${WORKLOAD:-$root/build/workload}
export BPFTRACE_MAX_PROBES=5000
# bpfscope compiles every run (no compile cache: a hit would skip what is measured)
nocache() { [ "$1" = "$BPFSCOPE" ] && echo --no-cache; }

# N probes on distinct tracepoints (all categories but ftrace's, in name order, reused
# when there are fewer), each counting, histogramming and printing.
gen_probes() {
	python3 - "$1" <<'PY'
import os, sys
n, root = int(sys.argv[1]), '/sys/kernel/tracing/events'
pts = [f'{c}:{e}' for c in sorted(os.listdir(root)) if c != 'ftrace' and
       os.path.isdir(os.path.join(root, c))
       for e in sorted(os.listdir(os.path.join(root, c))) if os.path.isdir(os.path.join(root, c, e))]
for i in range(n):
    print(f'tracepoint:{pts[i % len(pts)]} {{ @c{i} = count(); @h{i} = hist(nsecs); '
          f'printf("%d\\n", pid); }}')
PY
}

# 1,000 lines: 100 syscall probes of a predicate and eight statements each.
gen_lines() {
	python3 - <<'PY'
import os
pts = sorted(n for n in os.listdir('/sys/kernel/tracing/events/syscalls') if n.startswith('sys_enter_'))
for i in range(100):
    k = i * 8
    print(f'tracepoint:syscalls:{pts[i % len(pts)]} /pid != 0/ {{')
    for s in (f'@c{k}[comm] = count();', f'@h{k} = hist(nsecs - @t[tid]);',
              'printf("%d %s\\n", pid, comm);', '$v = args->__syscall_nr * 3;',
              f'if ($v > 10) {{ @s{k} = sum($v); }}', '@t[tid] = nsecs;', f'@m{k} = max(pid);',
              f'@l{k} = lhist(cpu, 0, 64, 4);'):
        print('\t' + s)
    print('}')
PY
}

if ! [ -x "$WORKLOAD" ]; then
	echo "bench: $WORKLOAD not built (make build/workload)"
	exit 1
fi

echo "== a. compile time, --emit-elf (median of $RUNS runs): wall and CPU (user + system)"
printf '%-14s' script
for t in "${tools[@]}"; do printf ' %20s' "$(name "$t") wall/CPU ms"; done
printf ' %12s\n' "ratio w/CPU"
declare -A ctime ccpu
for what in $SIZES lines; do
	if [ "$what" = lines ]; then
		gen_lines >"$tmp/c.bt"
		label="1,000 lines"
	else
		gen_probes "$what" >"$tmp/c.bt"
		label="$what probes"
	fi
	printf '%-14s' "$label"
	declare -A w=() u=()
	for t in "${tools[@]}"; do
		if read -r w[$t] u[$t] < <(measure cputime "$RUNS" "$t" $(nocache "$t") --emit-elf \
			"$tmp/c.elf" "$tmp/c.bt"); then
			printf ' %20s' "$(ms "${w[$t]}") / $(ms "${u[$t]}")"
		else
			printf ' %20s' failed
		fi
	done
	ctime[$what]=${w[$BPFSCOPE]:-} ccpu[$what]=${u[$BPFSCOPE]:-}
	printf ' %12s\n' "$(ratio "${w[$BPFSCOPE]:-0}" "${w[$BPFTRACE]:-0}")/$(ratio "${u[$BPFSCOPE]:-0}" \
		"${u[$BPFTRACE]:-0}")"
done
if [ -n "${ctime[500]:-}" ] && [ -n "${ctime[125]:-}" ]; then
	echo "bpfscope growth, 500 probes / 125 probes: wall $(ratio "${ctime[500]}" "${ctime[125]}")," \
		"CPU $(ratio "${ccpu[500]}" "${ccpu[125]}") (linear: 4, target <= 4.5)"
fi
echo

# N probes on sys_enter_getppid, the first printing FIRST_EVENT; the child makes one call.
gen_one_point() {
	echo 'tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { printf("FIRST_EVENT\n"); }'
	for ((i = 1; i < $1; i++)); do
		echo "tracepoint:syscalls:sys_enter_getppid /pid == cpid/ { @c$i = count(); }"
	done
}

for n in $ONE_POINT; do
	gen_one_point "$n" >"$tmp/one.bt"
	echo "== b. $n probes on one tracepoint, -c '$WORKLOAD syscalls 1' (median of $HEAVY_RUNS)"
	printf '%-10s %14s %16s %10s\n' tool "to Attaching" "to 1st event" "total"
	declare -A first=() total=()
	for t in "${tools[@]}"; do
		read -r a f w _ < <(measure timeline "$HEAVY_RUNS" FIRST_EVENT timeout 900 "$t" $(nocache "$t") -B line \
			-c "$WORKLOAD syscalls 1" "$tmp/one.bt") || { echo "$(name "$t"): failed"; continue; }
		first[$t]=$f total[$t]=$w
		printf '%-10s %11s ms %13s ms %7s ms\n' "$(name "$t")" "$(ms "$a")" "$(ms "$f")" \
			"$(ms "$w")"
	done
	if [ -n "${total[$BPFSCOPE]:-}" ] && [ -n "${total[$BPFTRACE]:-}" ]; then
		echo "bpfscope/bpftrace: to 1st event $(ratio "${first[$BPFSCOPE]}" "${first[$BPFTRACE]}")," \
			"total $(ratio "${total[$BPFSCOPE]}" "${total[$BPFTRACE]}")"
	fi
	echo "bpfscope -v:" $("$BPFSCOPE" --no-cache -v -c "$WORKLOAD syscalls 1" "$tmp/one.bt" 2>&1 >/dev/null |
		sed -nE 's/^Time for (.*): (.*) ms$/\1 \2 ms,/p')
	echo
done

if [ "$DISTINCT" -gt 0 ]; then
	gen_probes "$DISTINCT" >"$tmp/distinct.bt"
	echo "== c. $DISTINCT probes on distinct tracepoints, -c /bin/true"
	declare -A dtotal=()
	for t in "${tools[@]}"; do
		read -r dtotal[$t] _ < <(measure runs 1 timeout 900 "$t" $(nocache "$t") -c /bin/true "$tmp/distinct.bt") ||
			{ echo "$(name "$t"): failed"; continue; }
		echo "$(name "$t"): total $(ms "${dtotal[$t]}") ms"
	done
	echo "bpfscope -v:" $("$BPFSCOPE" --no-cache -v -c /bin/true "$tmp/distinct.bt" 2>&1 >/dev/null |
		sed -nE 's/^Time for (.*): (.*) ms$/\1 \2 ms,/p')
fi
