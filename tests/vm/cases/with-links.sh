#!/bin/sh
# For the kprobe_multi case's -c: records the BPF links attached at this moment (the tracer
# has attached everything before it lets its child run) in /tmp/bpfscope-vm-links, then
# runs the command given.
bpftool link list >/tmp/bpfscope-vm-links 2>&1
exec "$@"
