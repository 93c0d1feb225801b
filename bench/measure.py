#!/usr/bin/env python3
# Benchmark helper for bench/run.sh: runs a command several times and prints
# "WALL_SECONDS MAXRSS_KB" (the medians), or times a command while a tracer runs.
#   measure.py runs N CMD...                 median wall time and peak RSS of N runs
#   measure.py traced TRACER_CMD -- CMD...   start TRACER_CMD, wait until it attached, time
#                                            CMD, then stop the tracer with SIGINT; prints
#                                            "WALL_SECONDS"
#   measure.py progtime CMD... -- TRACER_CMD... [-- TRACER_CMD...]...
#                                            starts every tracer (in a random order), waits
#                                            until each attached, runs CMD once with the
#                                            kernel's BPF run-time statistics on, stops them;
#                                            prints for each tracer, in the order given, the
#                                            nanoseconds its programs ran per run of its
#                                            busiest one: the programs' own costs, measured
#                                            on the same events at the same time, so that
#                                            other work on the machine changes them alike
#   measure.py timeline N MARK CMD...        runs a tracer N times, reading its stdout as it
#                                            comes; prints the medians of "ATTACHING FIRST
#                                            TOTAL MAXRSS_KB": seconds to its "Attaching"
#                                            line, to the first line containing MARK (the
#                                            first event: every probe is attached by then),
#                                            to its exit, and its peak RSS
#   measure.py lines CMD...                  runs CMD once; prints how many lines it printed
#   measure.py cputime N CMD...              median wall time and CPU time (user + system,
#                                            all threads) of N runs: "WALL_SECONDS CPU_SECONDS";
#                                            the CPU time holds on a busy machine
import ctypes
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time


def run_once(cmd):
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, _ = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"measure.py: {cmd[0]} failed with status {status}")
    return wall, peak_rss(cmd)


def peak_rss(cmd):
    """The command's peak RSS in KiB, from a second run under /usr/bin/time. Not from wait4()
    here: a child of this process starts from Python's own ~14 MiB (the kernel carries the
    memory it had before exec into ru_maxrss), which would hide what small tools use."""
    with tempfile.NamedTemporaryFile(mode="r") as f:
        subprocess.run(["/usr/bin/time", "-f", "%M", "-o", f.name] + cmd,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return int(f.read().split()[-1])


def cmd_runs(n, cmd):
    run_once(cmd)  # warm the page cache
    walls, rss = [], []
    for _ in range(n):
        w, r = run_once(cmd)
        walls.append(w)
        rss.append(r)
    print(f"{statistics.median(walls):.6f} {int(statistics.median(rss))}")


def cmd_cputime(n, cmd):
    walls, cpus = [], []
    for _ in range(n):
        start = time.monotonic()
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(p.pid, 0)
        walls.append(time.monotonic() - start)
        cpus.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status) != 0:
            sys.exit(f"measure.py: {cmd[0]} failed with status {status}")
    print(f"{statistics.median(walls):.6f} {statistics.median(cpus):.6f}")


def prog_stats(pid):
    """(run_time_ns, run_cnt) of each BPF program pid holds, from /proc/PID/fdinfo."""
    stats = {}
    d = f"/proc/{pid}/fdinfo"
    for fd in os.listdir(d):
        try:
            with open(f"{d}/{fd}") as f:
                info = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if "prog_id" in info and "run_cnt" in info:
            stats[int(info["prog_id"])] = (int(info["run_time_ns"]), int(info["run_cnt"]))
    return stats


def enable_stats():
    """BPF_ENABLE_STATS(BPF_STATS_RUN_TIME): on while the returned descriptor is open."""
    libc = ctypes.CDLL(None, use_errno=True)
    attr = ctypes.c_uint32(0)
    fd = libc.syscall(321, 32, ctypes.byref(attr), 4)  # bpf(2) on x86-64, BPF_ENABLE_STATS
    if fd < 0:
        sys.exit(f"measure.py: BPF_ENABLE_STATS: {os.strerror(ctypes.get_errno())}")
    return fd


def ns_per_run(before, after):
    runs, ns = 0, 0
    for prog, (t, n) in after.items():
        t0, n0 = before.get(prog, (0, 0))
        ns += t - t0
        runs = max(runs, n - n0)
    return ns / runs if runs else float("nan")


def start_tracer(tracer, out):
    """Starts tracer with its stdout in the file out; returns once it printed Attaching."""
    t = subprocess.Popen(tracer, stdout=out, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        out.seek(0)
        if b"Attaching" in out.read() or t.poll() is not None:
            break
        time.sleep(0.05)
    return t


def stop_tracer(t):
    t.send_signal(signal.SIGINT)
    try:
        t.wait(timeout=30)
    except subprocess.TimeoutExpired:
        t.kill()


def cmd_traced(tracer, cmd):
    with tempfile.TemporaryFile() as out:
        t = start_tracer(tracer, out)
        time.sleep(0.5)
        if t.poll() is not None:
            sys.exit(f"measure.py: tracer {tracer[0]} exited early")
        start = time.monotonic()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        wall = time.monotonic() - start
        stop_tracer(t)
    print(f"{wall:.6f}")


def cmd_progtime(cmd, tracers):
    outs = [tempfile.TemporaryFile() for _ in tracers]
    procs = [None] * len(tracers)
    for i in random.sample(range(len(tracers)), len(tracers)):
        procs[i] = start_tracer(tracers[i], outs[i])
    time.sleep(0.5)
    for i, t in enumerate(procs):
        if t.poll() is not None:
            sys.exit(f"measure.py: tracer {tracers[i][0]} exited early")
    stats_fd = enable_stats()
    before = [prog_stats(t.pid) for t in procs]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    after = [prog_stats(t.pid) for t in procs]
    os.close(stats_fd)
    for t in procs:
        stop_tracer(t)
    for out in outs:
        out.close()
    print(" ".join(f"{ns_per_run(b, a):.2f}" for b, a in zip(before, after)))


def timeline_once(mark, cmd):
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    attaching = first = None
    for line in p.stdout:
        now = time.monotonic() - start
        if attaching is None and line.startswith(b"Attaching"):
            attaching = now
        elif first is None and mark in line:
            first = now
    _, status, usage = os.wait4(p.pid, 0)
    total = time.monotonic() - start
    if os.waitstatus_to_exitcode(status) != 0 or attaching is None or first is None:
        sys.exit(f"measure.py: {cmd[0]} failed (status {status}, attaching {attaching}, "
                 f"first event {first})")
    return attaching, first, total, usage.ru_maxrss


def cmd_timeline(n, mark, cmd):
    runs = [timeline_once(mark.encode(), cmd) for _ in range(n)]
    med = [statistics.median(r[i] for r in runs) for i in range(4)]
    print(f"{med[0]:.6f} {med[1]:.6f} {med[2]:.6f} {int(med[3])}")


def cmd_lines(cmd):
    out = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, check=True)
    print(out.stdout.count(b"\n"))


def main():
    if len(sys.argv) > 3 and sys.argv[1] == "runs":
        cmd_runs(int(sys.argv[2]), sys.argv[3:])
    elif len(sys.argv) > 4 and sys.argv[1] == "timeline":
        cmd_timeline(int(sys.argv[2]), sys.argv[3], sys.argv[4:])
    elif len(sys.argv) > 3 and sys.argv[1] == "cputime":
        cmd_cputime(int(sys.argv[2]), sys.argv[3:])
    elif len(sys.argv) > 2 and sys.argv[1] == "lines":
        cmd_lines(sys.argv[2:])
    elif len(sys.argv) > 3 and sys.argv[1] == "traced" and "--" in sys.argv:
        i = sys.argv.index("--")
        cmd_traced(sys.argv[2:i], sys.argv[i + 1:])
    elif len(sys.argv) > 4 and sys.argv[1] == "progtime" and "--" in sys.argv:
        parts, cur = [], []
        for a in sys.argv[2:] + ["--"]:
            if a == "--":
                parts.append(cur)
                cur = []
            else:
                cur.append(a)
        cmd_progtime(parts[0], parts[1:])
    else:
        sys.exit(__doc__ or "usage: measure.py runs N CMD... | traced TRACER -- CMD... | "
                 "progtime CMD... -- TRACER... [-- TRACER...]... | "
                 "timeline N MARK CMD... | lines CMD...")


if __name__ == "__main__":
    main()
