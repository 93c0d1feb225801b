#!/usr/bin/env bash
# Runs one command inside a QEMU guest booted on a stock Debian kernel (which has kprobes,
# fentry/fexit and, on 6.12, kprobe_multi), in the host's current directory, with the
# host's / shared read-only under a writable tmpfs overlay. Prints the command's stdout
# and stderr on the host and exits with its status.
#   Usage: tests/vm/run-in-vm.sh CMD [ARGS...]      (needs root)
# Use `env NAME=VALUE ... CMD` to give the command more environment; CASES_DIR, WORKLOAD,
# BUILD and every BPFSCOPE_* / BPFTRACE_* variable are passed on by themselves.
#   BPFSCOPE_VM_TIMEOUT  seconds before the guest is killed (default 300; exit 124)
#   BPFSCOPE_VM_KERNEL   6.12 (default) or 6.1;  BPFSCOPE_VM_CACHE: see lib.sh
#   BPFSCOPE_VM_QUIET    set: no "guest kernel: ..." line on stderr
# Exit status 125 means the guest could not be started or never ran the command.
set -u
if [ $# -eq 0 ]; then
	echo "usage: $0 CMD [ARGS...]" >&2
	exit 2
fi
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
[ "$(id -u)" -eq 0 ] || { echo "run-in-vm: needs root" >&2; exit 125; }
vm_prepare || { echo "run-in-vm: $VM_WHY" >&2; exit 125; }

share=$(mktemp -d /tmp/bpfscope-vm.XXXXXX)
trap '[ -n "${BPFSCOPE_VM_KEEP:-}" ] || rm -rf "$share"' EXIT
{
	echo 'set -u'
	for v in CASES_DIR WORKLOAD BUILD $(compgen -v | grep -E '^(BPFSCOPE|BPFTRACE)_'); do
		[ -n "${!v+x}" ] && printf 'export %s=%q\n' "$v" "${!v}"
	done
	printf 'cd %q || exit 125\n' "$PWD"
	printf 'exec'
	printf ' %q' "$@"
	echo
} >"$share/cmd.sh"

limit=${BPFSCOPE_VM_TIMEOUT:-300}
# PVH boot of the uncompressed vmlinux; the console goes to a file (serial is slow, the
# command's output travels through the results share instead).
boot() {
	timeout -k 5 "$limit" qemu-system-x86_64 \
		-accel tcg,thread=multi -cpu max -m 2G -smp 2 \
		-kernel "$VM_VMLINUX" -initrd "$VM_INITRD" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1 rdinit=/init" \
		-display none -no-reboot -monitor none -serial "file:$share/console" \
		-nic none \
		-virtfs local,path=/,mount_tag=root,security_model=none,readonly=on,multidevs=remap \
		-virtfs "local,path=$share,mount_tag=results,security_model=none,multidevs=remap" \
		</dev/null >"$share/qemu.log" 2>&1
}
start=$(date +%s.%N)
boot
qrc=$?
# A boot that died before the command started (a rare early panic under TCG) is retried
# once; its console is kept in the cache for a look.
if [ $qrc -ne 124 ] && [ ! -f "$share/uptime-start" ]; then
	cp "$share/console" "$VM_CACHE/failed-boot-console.log" 2>/dev/null
	echo "run-in-vm: the guest died while booting (console kept in $VM_CACHE/failed-boot-console.log); booting again" >&2
	boot
	qrc=$?
fi
end=$(date +%s.%N)

[ -f "$share/stdout" ] && cat "$share/stdout"
[ -f "$share/stderr" ] && cat "$share/stderr" >&2
if [ $qrc -eq 124 ] || [ $qrc -eq 137 ]; then
	echo "run-in-vm: TIMEOUT: the guest did not finish within ${limit} s (BPFSCOPE_VM_TIMEOUT); last console lines:" >&2
	tail -n 20 "$share/console" >&2
	exit 124
fi
if [ ! -f "$share/status" ]; then
	echo "run-in-vm: the guest stopped without running the command (qemu exit $qrc); last console lines:" >&2
	tail -n 20 "$share/console" "$share/qemu.log" >&2
	exit 125
fi
if [ -z "${BPFSCOPE_VM_QUIET:-}" ]; then
	printf 'guest kernel: %s (command started %.1f s after boot, ran %.1f s; %.1f s in all)\n' \
		"$(cat "$share/kernel")" "$(cat "$share/uptime-start")" \
		"$(echo "$(cat "$share/uptime-end") - $(cat "$share/uptime-start")" | bc)" \
		"$(echo "$end - $start" | bc)" >&2
fi
exit "$(cat "$share/status")"
