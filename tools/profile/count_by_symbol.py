#!/usr/bin/env python3
"""Counts a RIP trace (tools/profile/trace_between_markers.py) per symbol of the kernel ELF:
the totals, then the path as runs of consecutive instructions in one symbol, then (with
--instructions) every instruction with its disassembly.
  python3 tools/profile/count_by_symbol.py artifacts/aurora.elf trace.txt [--instructions]"""
import bisect
import collections
import re
import subprocess
import sys

USER_END = 0x8000_0000_0000


def main():
    elf, trace = sys.argv[1], sys.argv[2]
    symbols = []
    for line in subprocess.run(["nm", "-n", elf], capture_output=True, text=True, check=True).stdout.splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3 and parts[1] in "tTwW":
            symbols.append((int(parts[0], 16), parts[2]))
    starts = [address for address, _ in symbols]

    def name(pc):
        if pc < USER_END:
            return "<user>"
        i = bisect.bisect_right(starts, pc) - 1
        return symbols[i][1] if i >= 0 else "?"

    rips = [int(line, 16) for line in open(trace) if line.strip()]
    print("total", len(rips))
    for symbol, count in collections.Counter(map(name, rips)).most_common():
        print("%6d %s" % (count, symbol))
    print("--- path")
    runs = []
    for pc in rips:
        if runs and runs[-1][0] == name(pc):
            runs[-1][1] += 1
        else:
            runs.append([name(pc), 1])
    for symbol, count in runs:
        print("%6d %s" % (count, symbol))
    if "--instructions" in sys.argv:
        text = subprocess.run(["objdump", "-d", "--no-show-raw-insn", "-M", "intel", elf],
                              capture_output=True, text=True, check=True).stdout
        disassembly = {}
        for line in text.splitlines():
            m = re.match(r"^\s*([0-9a-f]+):\s+(.*)$", line)
            if m:
                disassembly[int(m.group(1), 16)] = m.group(2)
        print("--- instructions")
        for pc in rips:
            print("%x  %s" % (pc, disassembly.get(pc, "(user)" if pc < USER_END else "?")))


if __name__ == "__main__":
    main()
