#!/usr/bin/env python3
# Compares program output with a pattern file for the runtime suite (tests/runtime/run.sh).
# Each pattern line is literal text in which {{ERE}} stands for a regular expression; a line
# that is exactly {{*}} matches any number of lines. Exit 0 on a match, 1 with a report.
import re
import sys


def line_regex(pat):
    out, pos = [], 0
    for m in re.finditer(r"\{\{(.*?)\}\}(?!\})", pat):
        out.append(re.escape(pat[pos:m.start()]))
        out.append("(?:" + m.group(1) + ")")
        pos = m.end()
    out.append(re.escape(pat[pos:]))
    return re.compile("".join(out) + r"\Z")


def match(pats, lines, i=0, j=0):
    """Returns None on a match, else (pattern index, line index) of the first mismatch."""
    while i < len(pats):
        if pats[i] == "{{*}}":
            for k in range(j, len(lines) + 1):
                if match(pats, lines, i + 1, k) is None:
                    return None
            return (i, j)
        if j >= len(lines) or not line_regex(pats[i]).match(lines[j]):
            return (i, j)
        i, j = i + 1, j + 1
    return None if j == len(lines) else (i, j)


def main():
    with open(sys.argv[1], encoding="utf-8", errors="replace") as f:
        pats = f.read().split("\n")
    with open(sys.argv[2], encoding="utf-8", errors="replace") as f:
        lines = f.read().split("\n")
    # Both files end with a newline: drop the empty last element of each.
    if pats and pats[-1] == "":
        pats.pop()
    if lines and lines[-1] == "":
        lines.pop()
    bad = match(pats, lines)
    if bad is None:
        return 0
    i, j = bad
    want = pats[i] if i < len(pats) else "<end of output>"
    got = lines[j] if j < len(lines) else "<end of output>"
    print(f"  pattern line {i + 1}: {want!r}")
    print(f"  output line  {j + 1}: {got!r}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
