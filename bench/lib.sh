# shellcheck shell=bash disable=SC2034  # the variables are read by the scripts that source it
# Set-up shared by bench/run.sh and bench/probes.sh (sourced with the script's arguments
# [BPFSCOPE] [BPFTRACE]): sets here, root, BPFSCOPE, BPFTRACE, tmp (removed at exit) and
# tools (those of the two that exist); defines measure, ratio and name. Exits when this
# machine cannot trace.
set -u
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/.." && pwd)
BPFSCOPE=${1:-$root/bpfscope}
BPFTRACE=${2:-/usr/bin/bpftrace}
tmp=$(mktemp -d /tmp/bpfscope-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# bpfscope's compile cache: the benchmark's own, empty at start (a run's first, warming
# run fills it; --no-cache measures a compile).
export BPFSCOPE_CACHE_DIR=$tmp/cache
# shellcheck source=../tests/runtime/lib.sh
. "$root/tests/runtime/lib.sh"
measure() { python3 "$here/measure.py" "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
name() { basename "$1"; }
# ms SECONDS [DECIMALS]: the seconds in milliseconds, with DECIMALS (0) decimals
ms() { awk -v s="$1" -v d="${2:-0}" 'BEGIN { printf "%.*f", d, s * 1000 }'; }

reason=$(lib_cannot_trace)
if [ -n "$reason" ]; then
	echo "bench: cannot run: $reason"
	exit 1
fi
tools=()
for t in "$BPFSCOPE" "$BPFTRACE"; do
	if [ -x "$t" ]; then
		tools+=("$t")
	else
		echo "bench: $t not found, left out"
	fi
done
[ ${#tools[@]} -gt 0 ] || exit 1

# The hand-written C references (bench/ref, `make bench-ref`); ref NAME prints the path of
# one when it is built, nothing otherwise.
REF_DIR=${REF_DIR:-$root/build/bench-ref}
ref() { [ -x "$REF_DIR/$1" ] && echo "$REF_DIR/$1"; }
