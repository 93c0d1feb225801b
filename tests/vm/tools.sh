#!/usr/bin/env bash
# Debian's bpftrace tools through `bpfscope --dry-run` inside the QEMU guest (stock Debian
# kernel: kprobes and fentry exist there), checked against tests/tools/expected-vm by
# tests/tools/run.sh. Part of `make test-vm`; `make tools-update-vm` rewrites the file.
#   Usage: tests/vm/tools.sh [--update] BPFSCOPE
# Skips (exit 0, "test-vm tools: skipped: REASON") when the machine cannot run a guest.
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
update=()
if [ "${1:-}" = --update ]; then
	update=(--update)
	shift
fi
if [ $# -ne 1 ]; then
	echo "usage: $0 [--update] BPFSCOPE" >&2
	exit 2
fi
BPFSCOPE=$1
case "$BPFSCOPE" in
/*) ;;
*) BPFSCOPE="$PWD/$BPFSCOPE" ;;
esac
skip() {
	echo "test-vm tools: skipped: $*"
	echo "0 passed, 0 failed, 1 skipped"
	exit 0
}
[ "$(id -u)" -eq 0 ] || skip "not root (QEMU's 9p shares and BPF in the guest need root)"
# shellcheck source=lib.sh
. "$here/lib.sh"
if ! vm_prepare; then
	[ "$VM_BROKEN" = 1 ] && { echo "test-vm tools: FAIL: $VM_WHY"; exit 1; }
	skip "$VM_WHY"
fi
echo "test-vm tools: booting $VM_KVER under QEMU (TCG) for the Debian bpftrace tools"
cd "$root" || exit 1
# The guest sees the host's root read-only: with --update the results come back on stdout.
if [ ${#update[@]} -gt 0 ]; then
	out=$(BPFSCOPE_VM_TIMEOUT=${BPFSCOPE_VM_TIMEOUT:-400} "$here/run-in-vm.sh" \
		env EXPECTED=- tests/tools/run.sh --update "$BPFSCOPE" 2>/dev/null)
	rc=$?
	[ $rc -eq 0 ] || { echo "test-vm tools: FAIL: the guest exited $rc"; exit 1; }
	echo "$out" >"$root/tests/tools/expected-vm"
	echo "test-vm tools: wrote tests/tools/expected-vm" \
		"($(grep -c ': ok$' "$root/tests/tools/expected-vm") ok)"
	exit 0
fi
BPFSCOPE_VM_TIMEOUT=${BPFSCOPE_VM_TIMEOUT:-400} "$here/run-in-vm.sh" env EXPECTED="$root/tests/tools/expected-vm" \
	tests/tools/run.sh "$BPFSCOPE" 2>&1
