#!/usr/bin/env bash
# Proves the VM harness end to end with bpftrace 0.17 (the host's /usr/bin/bpftrace, seen
# by the guest through the shared root): in ONE guest, a kprobe and a kfunc one-liner whose
# output is checked here, then the cases of tests/vm/cases that bpftrace 0.17 can run
# (old probe names, args->), through tests/runtime/run.sh. bpfscope's cases share their
# expected outputs, so this also proves those outputs right.
#   Usage: tests/vm/selftest.sh          (needs root; exit 0 when everything passed)
set -u
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BPFTRACE=${BPFTRACE:-/usr/bin/bpftrace}
# The cases bpftrace 0.17 understands (fentry/fexit and args.NAME came later; it reports
# the banned kretprobe without a location).
BPFTRACE_CASES="kprobe kprobe_args kretprobe_retval kprobe_wildcard kprobe_offset kfunc
	kretfunc kprobe_multi"

if [ "${1:-}" = --inside ]; then
	# In the guest. bpftrace 0.17's -c wants a full path.
	W=$WORKLOAD
	echo "--- kprobe"
	timeout 60 "$BPFTRACE" -e 'kprobe:do_nanosleep { if (pid == cpid) { @n = count(); } }' \
		-c "$W sleep 10" 2>&1
	echo "--- kfunc"
	timeout 60 "$BPFTRACE" -e 'kfunc:vfs_read /pid == cpid && comm == "workload"/ { @[args->count] = count(); }' \
		-c "$W read 100 200 200" 2>&1
	echo "--- cases"
	# shellcheck disable=SC2086
	CASES_DIR=$here/cases "$root/tests/runtime/run.sh" "$BPFTRACE" $BPFTRACE_CASES
	exit
fi

[ -x "$BPFTRACE" ] || { echo "selftest: skipped: no $BPFTRACE"; exit 0; }
cd "$root" || exit 1
make -s build/workload >/dev/null || exit 1
out=$(WORKLOAD=$root/build/workload BPFTRACE=$BPFTRACE "$here/run-in-vm.sh" bash "$here/selftest.sh" --inside)
rc=$?
echo "$out"
want_kprobe='--- kprobe
Attaching 1 probe...


@n: 1'
want_kfunc='--- kfunc
Attaching 1 probe...


@[100]: 1
@[200]: 2'
# Prints the lines of $out from "--- $1" up to (without) "--- $2".
section() { sed -n "/^--- $1\$/,/^--- $2\$/p" <<<"$out" | sed '$d'; }
fail=0
[ "$(section kprobe kfunc)" = "$want_kprobe" ] ||
	{ echo "selftest: FAIL: the kprobe one-liner printed something else"; fail=1; }
[ "$(section kfunc cases)" = "$want_kfunc" ] ||
	{ echo "selftest: FAIL: the kfunc one-liner printed something else"; fail=1; }
n=$(wc -w <<<"$BPFTRACE_CASES")
[ "$(tail -n 1 <<<"$out")" = "$n passed, 0 failed, 0 skipped" ] ||
	{ echo "selftest: FAIL: bpftrace did not pass all $n cases it can run"; fail=1; }
[ $rc -eq 0 ] || { echo "selftest: FAIL: exit status $rc in the guest"; fail=1; }
[ $fail -eq 0 ] && echo "selftest: ok (bpftrace $("$BPFTRACE" --version 2>/dev/null | awk '{print $2}'))"
exit $fail
