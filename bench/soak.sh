#!/usr/bin/env bash
# Load soak (not part of `make test` or `make bench`): one bpfscope traces, for DURATION
# seconds, a workload making getppid() calls as fast as it can; each call prints a line
# (a printf flood of about a million events a second) and updates a 100,000-key map
# (@m[nsecs % 100000] = count()). Every INTERVAL seconds bpfscope's resident size and open
# descriptors are sampled. Reported: RSS and descriptors after the warm-up (WARMUP seconds)
# and at the end (they must stay flat), and the events the workload made (it counts them)
# against the lines printed plus the events bpfscope reported lost (every event is one or
# the other). Tracer and workload run at the same niceness (NICE), the machine being shared.
# Usage: bench/soak.sh [BPFSCOPE]; needs root. Env: DURATION (600), INTERVAL (5),
# WARMUP (30), NICE (10), WORKLOAD.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
BPFSCOPE=${1:-$root/bpfscope}
DURATION=${DURATION:-600}
INTERVAL=${INTERVAL:-5}
WARMUP=${WARMUP:-30}
NICE=${NICE:-10}
tmp=$(mktemp -d /tmp/bpfscope-soak.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# shellcheck source=../tests/runtime/lib.sh
. "$root/tests/runtime/lib.sh"
reason=$(lib_cannot_trace)
if [ -n "$reason" ]; then
	echo "soak: cannot run: $reason"
	exit 1
fi
lib_workload || exit 1

prog='tracepoint:syscalls:sys_enter_getppid /pid == cpid/
{
	printf("e %d %d\n", tid, nsecs);
	@m[nsecs % 100000] = count();
}'
echo "soak: ${DURATION}s of one printf and one update of a 100,000-key map per getppid()"
# Lines starting "e " are the flood; anything else (Attaching, Lost, the map at exit) is
# kept aside. mawk counts a million lines a second on one core.
BPFTRACE_MAP_KEYS_MAX=200000 nice -n "$NICE" "$BPFSCOPE" -B full \
	-c "$WORKLOAD flood $((DURATION * 1000))" -e "$prog" 2>"$tmp/err" |
	awk -v other="$tmp/other" '$1 == "e" { n++; next } { print > other }
		END { print n + 0 > "/dev/stderr" }' 2>"$tmp/lines" &
pipeline=$!
bpid=""
for _ in $(seq 100); do
	bpid=$(pgrep -n -f "^$BPFSCOPE -B full -c $WORKLOAD flood" || true)
	[ -n "$bpid" ] && break
	sleep 0.1
done
if [ -z "$bpid" ]; then
	echo "soak: bpfscope did not start"
	cat "$tmp/err"
	exit 1
fi

# t rss_kb fds, one line per sample, while the workload runs (at its end bpfscope detaches
# and prints the map: fewer descriptors, by design)
child=""
for _ in $(seq 100); do
	child=$(pgrep -P "$bpid" | head -n 1)
	[ -n "$child" ] && break
	sleep 0.1
done
: >"$tmp/samples"
start=$(date +%s)
while [ -n "$child" ] && kill -0 "$child" 2>/dev/null; do
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$bpid/status" 2>/dev/null)
	fds=$(find "/proc/$bpid/fd" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
	[ -n "$rss" ] && echo "$(($(date +%s) - start)) $rss $fds" >>"$tmp/samples"
	sleep "$INTERVAL"
done
wait "$pipeline"

produced=$(sed -nE 's/^produced ([0-9]+)$/\1/p' "$tmp/err" | tail -n 1)
lines=$(cat "$tmp/lines")
lost=$(cat "$tmp/other" "$tmp/err" | sed -nE 's/.*Lost ([0-9]+) events.*/\1/p' |
	awk '{ s += $1 } END { print s + 0 }')
mapped=$(grep -c '^@m\[' "$tmp/other")
awk -v warm="$WARMUP" '
	$1 >= warm && !w { wt = $1; wr = $2; wf = $3; w = 1 }
	{ lt = $1; lr = $2; lf = $3; if ($2 > mr) mr = $2; if ($3 > mf) mf = $3 }
	END {
		printf "%-22s %10s %10s\n", "sample", "RSS MB", "open fds"
		if (w) printf "%-22s %10.1f %10d\n", "after warm-up (" wt " s)", wr / 1024, wf
		printf "%-22s %10.1f %10d\n", "at the end (" lt " s)", lr / 1024, lf
		printf "%-22s %10.1f %10d\n", "highest", mr / 1024, mf
	}' "$tmp/samples"
echo "events made by the workload: ${produced:-?}"
echo "lines printed:               $lines"
echo "reported lost:               $lost"
echo "map keys printed at exit:    $mapped"
if [ -n "$produced" ] && [ "$produced" -eq $((lines + lost)) ]; then
	echo "every event is accounted for: made = printed + lost"
else
	echo "MISMATCH: made ${produced:-?} != printed $lines + lost $lost"
	grep -v '^produced' "$tmp/err" | head -n 5
	exit 1
fi
