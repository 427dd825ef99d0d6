// Bulk memory for NativeEntryPoints (memcpy, memmove, memset) on AArch64 (AAPCS64): 16 bytes
// a step with a load/store pair, then 8, then single bytes. The kernel runs with the MMU on and
// normal memory, so unaligned pairs are allowed (ARM ARM B2.5.2) and need no alignment prologue.
.text

// void aurora_runtime_copy_forward(byte* destination, byte* source, nuint count)
// Lowest address first: right for separate ranges and for destination below source.
.global aurora_runtime_copy_forward
.type aurora_runtime_copy_forward, %function
aurora_runtime_copy_forward:
1:  cmp x2, #16
    b.lo 2f
    ldp x3, x4, [x1], #16
    stp x3, x4, [x0], #16
    sub x2, x2, #16
    b 1b
2:  cbz x2, 3f
    ldrb w3, [x1], #1
    strb w3, [x0], #1
    sub x2, x2, #1
    b 2b
3:  ret

// void aurora_runtime_fill(byte* destination, ulong pattern, nuint count): pattern is the byte
// repeated eight times.
.global aurora_runtime_fill
.type aurora_runtime_fill, %function
aurora_runtime_fill:
1:  cmp x2, #16
    b.lo 2f
    stp x1, x1, [x0], #16
    sub x2, x2, #16
    b 1b
2:  cbz x2, 3f
    strb w1, [x0], #1
    sub x2, x2, #1
    b 2b
3:  ret

.section .note.GNU-stack, "", %progbits
