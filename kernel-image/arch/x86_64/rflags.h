# RFLAGS bits (Intel SDM Vol. 1 3.4.3), shared by the paths that return to user mode
# (syscall.S, interrupts.S).
#
# USER_FLAGS: what user code may carry back from the kernel: CF PF AF ZF SF TF DF OF, RF, AC,
# ID. Never IOPL, NT, VM, VIF, VIP. Every return to user builds RFLAGS as
# (flags & USER_FLAGS) | IF | bit 1.
.set FLAG_TF, 1 << 8
.set FLAG_IF, 1 << 9
.set FLAG_RF, 1 << 16
.set USER_FLAGS, 0x1 | 0x4 | 0x10 | 0x40 | 0x80 | 0x100 | 0x400 | 0x800 | 0x10000 | 0x40000 | 0x200000
.set USER_FLAGS_FORCED, FLAG_IF | 0x2
