#!/usr/bin/env python3
# For the usdt leak cases: `sem.py PID BINARY SYMBOL` prints the 2-byte USDT semaphore SYMBOL
# of BINARY (a PIE) as mapped in process PID: the kernel raises it in every process mapping
# the binary while a probe with that semaphore is attached, and lowers it when detached.
import subprocess
import sys

pid, binary, symbol = sys.argv[1], sys.argv[2], sys.argv[3]
nm = subprocess.run(["nm", binary], capture_output=True, text=True, check=True).stdout
value = next(int(w[0], 16) for w in (l.split() for l in nm.splitlines()) if w[-1] == symbol)
with open(f"/proc/{pid}/maps") as maps:
    base = next(int(l.split("-")[0], 16) for l in maps
                if l.rstrip().endswith(binary) and l.split()[2] == "00000000")
with open(f"/proc/{pid}/mem", "rb") as mem:
    mem.seek(base + value)
    print(int.from_bytes(mem.read(2), "little"))
