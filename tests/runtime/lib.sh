# Helpers shared by the runtime and compatibility suites (sourced, not run): machine checks,
# the workload binary, summary counting. Callers set `root` (the repository) and `tmp`.

pass=0 fail=0 skip=0

# Prints why real probes cannot run here, or nothing when they can.
lib_cannot_trace() {
	if [ "$(id -u)" -ne 0 ]; then
		echo "not root: BPF programs need root"
		return
	fi
	if [ ! -r /sys/kernel/btf/vmlinux ]; then
		echo "kernel has no BTF (/sys/kernel/btf/vmlinux)"
		return
	fi
	if [ ! -d /sys/kernel/tracing/events ]; then
		mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
		if [ ! -d /sys/kernel/tracing/events ]; then
			echo "tracefs is not mounted and cannot be mounted at /sys/kernel/tracing"
			return
		fi
	fi
	if command -v bpftool >/dev/null && ! bpftool prog show >/dev/null 2>&1; then
		echo "the bpf() system call is not available (bpftool prog show failed)"
		return
	fi
}

# Sets WORKLOAD to a built tests/workload/workload, building it into $tmp when the make
# target's copy ($BUILD/workload) is missing or older than its source. Returns 1 on failure.
lib_workload() {
	local src="$root/tests/workload/workload.c"
	if [ -n "${WORKLOAD:-}" ] && [ -x "$WORKLOAD" ]; then
		return 0
	fi
	local built="$root/${BUILD:-build}/workload"
	if [ -x "$built" ] && [ "$built" -nt "$src" ]; then
		WORKLOAD=$built
		return 0
	fi
	WORKLOAD="$tmp/workload"
	${CC:-gcc} -std=gnu11 -O2 -static -o "$WORKLOAD" "$src" 2>"$tmp/workload.err" ||
		${CC:-gcc} -std=gnu11 -O2 -o "$WORKLOAD" "$src" 2>>"$tmp/workload.err" || {
		cat "$tmp/workload.err"
		return 1
	}
}

# Sets TARGETS to the directory `make unit` builds the traced programs into (build/uprobe/*,
# build/usdt_target, ...). Returns 1 when they are not built, so cases naming them are skipped.
lib_targets() {
	TARGETS="$root/${BUILD:-build}"
	[ -x "$TARGETS/uprobe/uprobe_target" ] && [ -x "$TARGETS/usdt_target" ]
}

lib_summary() {
	echo "$pass passed, $fail failed, $skip skipped"
}
