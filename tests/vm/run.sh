#!/usr/bin/env bash
# `make test-vm`: the kernel-probe cases (tests/vm/cases: kprobe, kretprobe, fentry/fexit,
# kprobe_multi) run by tests/runtime/run.sh inside ONE QEMU guest booted on a stock
# Debian kernel, because the host kernel has no kprobes and refuses fentry.
#   Usage: tests/vm/run.sh BPFSCOPE [CASE_NAME...]
# Prints the suite's report and its summary line "N passed, N failed, N skipped"; exits
# non-zero on a failure. When the machine cannot run a guest (not root, apt cannot fetch
# a kernel or install QEMU) it says "test-vm: skipped: REASON" and exits 0.
# BPFSCOPE_VM_TIMEOUT (default here 400 s) bounds the whole guest.
set -u
if [ $# -eq 0 ]; then
	echo "usage: $0 BPFSCOPE [CASE_NAME...]" >&2
	exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BPFSCOPE=$1
shift
case "$BPFSCOPE" in
/*) ;;
*) BPFSCOPE="$PWD/$BPFSCOPE" ;;
esac
skip() {
	echo "test-vm: skipped: $*"
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "not root (QEMU's 9p shares and BPF in the guest need root)"
[ -x "$BPFSCOPE" ] || { echo "test-vm: $BPFSCOPE is not an executable (run make)"; exit 1; }
# shellcheck source=lib.sh
. "$here/lib.sh"
if ! vm_prepare; then
	[ "$VM_BROKEN" = 1 ] && { echo "test-vm: FAIL: $VM_WHY"; exit 1; }
	skip "$VM_WHY"
fi

# The workload the cases trace; built on the host (the guest's root is read-only).
built="$root/${BUILD:-build}/workload"
if [ -z "${WORKLOAD:-}" ]; then
	if [ ! -x "$built" ] || [ "$root/tests/workload/workload.c" -nt "$built" ]; then
		make -C "$root" -s "${BUILD:-build}/workload" >/dev/null ||
			{ echo "test-vm: cannot build the workload"; exit 1; }
	fi
	WORKLOAD=$built
fi
export WORKLOAD

echo "test-vm: booting $VM_KVER under QEMU (TCG) for the cases in tests/vm/cases"
start=$(date +%s)
cd "$root" || exit 1
# run-in-vm.sh prints the guest's output only once the guest is done.
out=$(BPFSCOPE_VM_TIMEOUT=${BPFSCOPE_VM_TIMEOUT:-400} CASES_DIR="$here/cases" \
	"$here/run-in-vm.sh" tests/runtime/run.sh "$BPFSCOPE" "$@" 2>&1)
rc=$?
echo "$out"
echo "test-vm: $(($(date +%s) - start)) s in all"
case $rc in
0) ;;
124) echo "test-vm: FAIL: the guest timed out" ;;
125) echo "test-vm: FAIL: the guest did not run the suite" ;;
*) echo "test-vm: FAIL: the suite failed in the guest (exit $rc)" ;;
esac
# The suite's summary line last, as the other suites end.
grep -E '^[0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' <<<"$out" | tail -n 1
exit $rc
