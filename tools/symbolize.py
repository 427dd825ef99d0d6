#!/usr/bin/env python3
"""./aurora symbolize: kernel addresses from a panic report -> function names (KASLR-aware).

usage: ./aurora symbolize [--elf FILE] [--slide HEX] [ADDRESS...]
  Without addresses, reads a pasted panic report (or a whole serial log) from stdin: the
  "kernel slide 0x..." line gives the slide, and every kernel-text address in the report
  (backtrace lines, RIP=...) is listed with its function. With addresses, --slide says the
  slide (default 0: a boot with kaslr=off). --elf defaults to artifacts/aurora.elf, or
  artifacts/aurora-test.elf when the report comes from the test image ("[test]" lines).
Names come from the ELF's symbol table (nm); file:line from its debug information
(addr2line) where it has any (the assembly files).
"""
import bisect
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOP_TWO_GIB = 0xFFFFFFFF80000000
ADDRESS = re.compile(r"0x(ffffffff[89a-f][0-9a-f]{7})\b")
SLIDE = re.compile(r"kernel slide 0x([0-9a-f]+)")


def symbols(elf):
    out = subprocess.run(["nm", "-n", "--defined-only", elf], capture_output=True, text=True, check=True).stdout
    starts, names = [], []
    for line in out.splitlines():
        parts = line.split()
        if len(parts) != 3 or parts[1] not in "tTwW":
            continue
        starts.append(int(parts[0], 16))
        names.append(parts[2])
    return starts, names


def text_range(elf):
    out = subprocess.run(["readelf", "-lW", elf], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.split()
        if parts and parts[0] == "LOAD" and "E" in parts[6:-1]:
            return int(parts[2], 16), int(parts[2], 16) + int(parts[5], 16)
    return TOP_TWO_GIB, 1 << 64


def lines_of(elf, addresses):
    if not addresses:
        return {}
    out = subprocess.run(["addr2line", "-e", elf] + [hex(a) for a in addresses], capture_output=True, text=True).stdout.splitlines()
    return {a: l for a, l in zip(addresses, out) if not l.startswith("??")}


def main(argv):
    elf, slide, given = None, None, []
    i = 0
    while i < len(argv):
        if argv[i] == "--elf" and i + 1 < len(argv):
            elf = argv[i + 1]
            i += 2
        elif argv[i] == "--slide" and i + 1 < len(argv):
            try:
                slide = int(argv[i + 1], 16)
            except ValueError:
                print(f"symbolize: not a hex slide: {argv[i + 1]}", file=sys.stderr)
                return 2
            i += 2
        elif argv[i] in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            try:
                given.append(int(argv[i], 16))
            except ValueError:
                print(f"symbolize: not a hex address: {argv[i]} (./aurora symbolize --help)", file=sys.stderr)
                return 2
            i += 1

    report = "" if given else sys.stdin.read()
    if slide is None:
        found = SLIDE.findall(report)
        slide = int(found[-1], 16) if found else 0
    if elf is None:
        name = "aurora-test.elf" if "[test]" in report else "aurora.elf"
        elf = os.path.join(ROOT, "artifacts", name)
    if not os.path.exists(elf):
        print(f"symbolize: no kernel ELF at {elf} (--elf FILE)", file=sys.stderr)
        return 1

    addresses = list(given)
    if not given:
        seen = set()
        for match in ADDRESS.findall(report):
            a = int(match, 16)
            if a not in seen:
                seen.add(a)
                addresses.append(a)

    starts, names = symbols(elf)
    text_start, text_end = text_range(elf)
    linked = [a - slide for a in addresses]
    where = lines_of(elf, [a for a in linked if text_start <= a < text_end])
    print(f"slide {slide:#x}, {elf}")
    for address, link in zip(addresses, linked):
        if not text_start <= link < text_end:
            if given:   # a report's other numbers (stack, data pointers) are left out
                print(f"{address:#018x}  (not kernel text at slide {slide:#x})")
            continue
        at = bisect.bisect_right(starts, link) - 1
        name = f"{names[at]}+{link - starts[at]:#x}" if at >= 0 else "?"
        line = f"  {where[link]}" if link in where else ""
        print(f"{address:#018x}  {link:#018x}  {name}{line}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
