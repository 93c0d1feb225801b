#!/bin/sh
# For -c in the uprobe_multi cases: `links.sh OUT CMD...` writes the types of the BPF links
# the tracer (this process's parent, which lets its child run once every probe is attached)
# holds, one line each, to OUT, then runs CMD.
out=$1
shift
grep -h '^link_type:' /proc/$PPID/fdinfo/* >"$out" 2>/dev/null
exec "$@"
