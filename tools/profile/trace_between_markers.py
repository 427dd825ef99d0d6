# gdb -batch -nx -x tools/profile/trace_between_markers.py, against QEMU started with -gdb tcp::PORT -S
# and -icount shift=0 (docs/performance.md, "How to profile a path"). Single-steps the guest from
# the return to user mode after one getppid (110, the marker) to the SYSCALL entry of the next,
# and writes every RIP, one hex address a line: the operation between the two markers, kernel and
# user code both. gdb's single step masks interrupts, so no tick lands in it.
#   AURORA_ENTRY  the address of the SYSCALL entry LSTAR holds (nm: aurora_syscall_entry; boot
#                 with kaslr=off so the link address is the address)
#   AURORA_OUT    where to write the RIPs (default trace.txt)
#   AURORA_PORT   the gdb stub's port (default 1234)
#   AURORA_MARKER the marker's call number (default 110, getppid)
import os

import gdb

entry = int(os.environ["AURORA_ENTRY"], 16)
out = os.environ.get("AURORA_OUT", "trace.txt")
marker = int(os.environ.get("AURORA_MARKER", "110"))
USER_END = 0x8000_0000_0000
LIMIT = 200_000  # steps: a runaway trace ends here


def reg(name):
    # The type after connecting: before, gdb's default architecture may have a 32-bit long.
    return int(gdb.parse_and_eval("$" + name).cast(gdb.lookup_type("unsigned long")))


def step():
    gdb.execute("stepi", to_string=True)


gdb.execute("set pagination off")
gdb.execute("target remote :%s" % os.environ.get("AURORA_PORT", "1234"))
gdb.execute("hbreak *0x%x if $rax == %d" % (entry, marker))
gdb.execute("continue")
gdb.execute("delete")
steps = 0
while reg("pc") >= USER_END and steps < LIMIT:  # the first marker's way back to user mode
    step()
    steps += 1
rips = []
while len(rips) < LIMIT:
    pc = reg("pc")
    if pc == entry and reg("rax") == marker:
        break
    rips.append(pc)
    step()
with open(out, "w") as f:
    f.writelines("%x\n" % pc for pc in rips)
gdb.execute("kill")
