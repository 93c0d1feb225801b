#!/usr/bin/env bash
# Regenerates src/codegen/hot-functions.txt: the functions of bpfscope-codegen.so (LLVM's and
# codegen's own) that compiling typical scripts runs, found with callgrind. The Makefile
# places them together at the start of the object's code: the kernel maps 64 KiB around
# every page fault of a file mapping, so code spread over all of LLVM's 24 MiB maps nearly
# all of it; gathered, a compile maps about 6 MiB (peak RSS of `BEGIN { exit(); }` 38 -> 25
# MiB). A function missing from the list costs memory, never correctness: rerun this after
# an LLVM upgrade or a big codegen change, and read the size change of the list.
# Usage: bench/hot-functions.sh [BPFSCOPE]   (root for tracefs; needs valgrind, python3)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bpfscope=$(realpath "${1:-$root/bpfscope}")
out=$root/src/codegen/hot-functions.txt
tmp=$(mktemp -d /tmp/bpfscope-hot.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
command -v valgrind >/dev/null || { echo "needs valgrind (apt-get install valgrind)"; exit 1; }

# What a compile does: the examples, and one-liners for the constructs they lack.
scripts=("$root"/examples/*.bt)
i=0
while IFS= read -r line; do
	i=$((i + 1))
	printf '%s\n' "$line" >"$tmp/line$i.bt"
	scripts+=("$tmp/line$i.bt")
done <<'LINES'
BEGIN { exit(); }
BEGIN { printf("hello %s %d\n", "world", 42); exit(); }
tracepoint:syscalls:sys_enter_openat { @[comm, str(args.filename)] = count(); @s = stats(args.flags); @a = avg(pid); @m = max(tid); }
tracepoint:sched:sched_switch { @h = hist(args.prev_pid); @l = lhist(args.next_pid, 0, 1000, 10); @q[args.next_comm] = sum(1); }
tracepoint:raw_syscalls:sys_enter /pid > 100 && comm != "bash"/ { $i = 0; while ($i < 8) { $i++; @c[$i % 3] = count(); } if (args.id == 1) { printf("%d %s %x\n", args.id, comm, args.args[0]); } else { @x = args.id; } }
profile:hz:99 { @st[kstack, ustack(5)] = count(); @t = (pid, comm, nsecs); }
interval:s:1 { @st = count(); print(@st); clear(@st); time("%H:%M:%S\n"); }
profile:hz:99 { @k[ksym(reg("ip"))] = count(); @e[tid] = nsecs; delete(@e[tid]); }
tracepoint:syscalls:sys_exit_read /args.ret > 0/ { @bytes[comm] = sum(args.ret); @sz = hist(args.ret); }
END { @bytes[1] = 2; print(@bytes, 10); printf("%s\n", strftime("%Y", nsecs)); }
LINES

n=0
for s in "${scripts[@]}"; do
	n=$((n + 1))
	valgrind --tool=callgrind --demangle=no --callgrind-out-file="$tmp/cg.$n" \
		"$bpfscope" --dry-run "$s" >/dev/null 2>"$tmp/vg.$n" ||
		echo "warning: $(basename "$s") did not compile: $(grep -m1 error "$tmp/vg.$n")" >&2
done

# callgrind names each function once per object (ob=, fn= and cfn= lines define the
# numbers later lines use); keep those run in the codegen object, the ones every script
# runs first, so that a small script touches the fewest pages. GCC and clang place a
# constructor or destructor in the section named after one of its variants (C1/C2, D1/D2),
# whichever callgrind names: list them all.
python3 - "$tmp"/cg.* >"$out" <<'PY'
import collections, re, sys
uses = collections.Counter()
for path in sys.argv[1:]:
    hot = set()
    names, objs, cur = {}, {}, None
    for line in open(path, errors="replace"):
        m = re.match(r"^(c?ob|c?fn)=\((\d+)\)(?: (.*))?$", line.rstrip("\n"))
        if not m:
            continue
        kind, num, name = m.groups()
        table = objs if kind.endswith("ob") else names
        if name:
            table[num] = name
        if kind == "ob":
            cur = objs[num]
        elif kind == "fn" and cur.endswith("/bpfscope-codegen.so"):
            hot.add(names[num].split("'")[0])
    for name in list(hot):
        m = re.search(r"(?<=[0-9A-Za-z_])([CD])[0-3](?=E)", name)
        if m:
            for v in ("123" if m.group(1) == "C" else "012"):
                hot.add(name[:m.start() + 1] + v + name[m.end():])
    uses.update(n for n in hot if not n.startswith("0x"))
for name in sorted(uses, key=lambda n: (-uses[n], n)):
    print(name)
PY
echo "$(wc -l <"$out") functions in $out from ${#scripts[@]} scripts"
