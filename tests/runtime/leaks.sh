# Leak checks for the runtime suite (sourced by run.sh): while bpfscope runs, the kernel
# objects it holds are sampled from /proc/PID/fd and fdinfo; after it is gone, none of them
# may be left, no process may hold a perf event attached to its programs, and no tracefs probe
# event naming its pid may remain. Other suites may run beside this one, so only objects
# bpfscope itself held (ids from its fdinfo) or named (its pid) are considered.

# The tracefs files that list probe events created through tracefs (libbpf's legacy
# kprobe/uprobe attach writes there; perf-event and multi-link probes do not).
leaks_event_files() {
	local d
	for d in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -r "$d/uprobe_events" ] || continue
		echo "$d/uprobe_events" "$d/kprobe_events" "$d/dynamic_events"
		return
	done
}

# Prints every probe event defined in tracefs, one per line, sorted.
leaks_probe_events() {
	# shellcheck disable=SC2046
	cat $(leaks_event_files) 2>/dev/null | sort -u
}

# Appends the objects pid $1 holds to file $2: "prog ID", "map ID", "link ID" and one
# "perf PID/FD" line per perf event descriptor.
leaks_sample() {
	grep -h -E '^(prog_id|map_id|link_id):' /proc/"$1"/fdinfo/* 2>/dev/null |
		sed -E 's/^([a-z]+)_id:\s*/\1 /' >>"$2"
	local fd
	for fd in /proc/"$1"/fd/*; do
		[ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:[perf_event]" ] &&
			echo "perf $1/${fd##*/}" >>"$2"
	done
	return 0
}

# Samples pid $1 into file $2 every 50 ms until it has exited (run in the background).
leaks_watch() {
	while [ -d /proc/"$1" ] && [ "$(awk '{ print $3 }' /proc/"$1"/stat 2>/dev/null)" != Z ]
	do
		leaks_sample "$1" "$2"
		sleep 0.05
	done
}

# Prints what is left of the objects in sample file $1 of pid $2, whose tracefs probe events
# before it started are in file $3, and which of the kinds in "$4" (prog map link perf) were
# never seen held; prints nothing when all is well. Waits up to 5 s for the kernel to free
# programs and maps, which it does after an RCU grace period.
leaks_check() {
	local samples=$1 pid=$2 before=$3 kinds=$4 left kind id i
	sort -u -o "$samples" "$samples"
	for kind in $kinds; do
		grep -q "^$kind " "$samples" || echo "no $kind was seen held while running"
	done
	for i in $(seq 50); do
		left=""
		while read -r kind id; do
			[ "$kind" = perf ] && continue
			bpftool "$kind" show id "$id" >/dev/null 2>&1 && left+="$kind $id; "
		done <"$samples"
		[ -z "$left" ] && break
		sleep 0.1
	done
	[ -n "$left" ] && echo "BPF objects left after exit: ${left%; }"
	# A perf event keeps its program loaded, so a perf event left in some other process
	# (an fd the -c child inherited) would show here with one of our program ids.
	local progs
	progs=$(awk '$1 == "prog" { printf "%s%s", sep, $2; sep = "|" }' "$samples")
	if [ -n "$progs" ]; then
		bpftool -j perf 2>/dev/null | tr '{' '\n' |
			grep -E "\"prog_id\":($progs)[,}]" | sed 's/^/perf event left: /'
	fi
	# libbpf names the tracefs events it creates after the creating pid (libbpf_PID_...).
	leaks_probe_events | comm -13 "$before" - | grep -E "(^|[^0-9])$pid([^0-9]|$)" |
		sed 's/^/probe event left: /'
	return 0
}
