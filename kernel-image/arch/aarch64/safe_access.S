// Memory accesses that may fault on purpose (x86_64's safe_access.S on arm64): probes of an
// address that might be unmapped or protected. Exceptions.Dispatch hands a data or
// instruction abort taken at EL1 to SafeAccess.TryRecover, which recognises a fault at one of
// the *_access labels, or an instruction fetch at the armed target of a safe call, and
// resumes at the matching landing, which returns the "faulted" result.
.arch armv8.1-a
.text

// bool aurora_a64_safe_read64(ulong address, ulong* value): true when the read succeeded.
.global aurora_a64_safe_read64
.type aurora_a64_safe_read64, %function
aurora_a64_safe_read64:
.global aurora_a64_safe_read64_access
aurora_a64_safe_read64_access:
    ldr x2, [x0]
    str x2, [x1]
    mov w0, #1
    ret

// bool aurora_a64_safe_read64_user(ulong address, ulong* value): the same read of a user
// address with PAN's bar on EL1 access to EL0's pages lifted for it (PSTATE.PAN 0 ... 1): the
// shape every deliberate kernel access to user memory through a user address must have, as
// x86's STAC ... CLAC. PAN only (MSR PAN is UNDEFINED without FEAT_PAN).
.global aurora_a64_safe_read64_user
.type aurora_a64_safe_read64_user, %function
aurora_a64_safe_read64_user:
    msr pan, #0
.global aurora_a64_safe_read64_user_access
aurora_a64_safe_read64_user_access:
    ldr x2, [x0]
    msr pan, #1
    str x2, [x1]
    mov w0, #1
    ret

// bool aurora_a64_safe_write8(ulong address, byte value)
.global aurora_a64_safe_write8
.type aurora_a64_safe_write8, %function
aurora_a64_safe_write8:
.global aurora_a64_safe_write8_access
aurora_a64_safe_write8_access:
    strb w1, [x0]
    mov w0, #1
    ret

// bool aurora_a64_safe_call(ulong address): calls code at address; false if fetching it
// faulted. A frame record of its own: after a recovered fetch fault the landing unwinds it.
.global aurora_a64_safe_call
.type aurora_a64_safe_call, %function
aurora_a64_safe_call:
    stp x29, x30, [sp, #-16]!
    mov x29, sp
    blr x0
    mov w0, #1
    ldp x29, x30, [sp], #16
    ret
.global aurora_a64_safe_call_landing
aurora_a64_safe_call_landing:
    mov w0, #0
    ldp x29, x30, [sp], #16
    ret

// Where a recovered read or write resumes: the probe's result is false. PAN back on where the
// kernel turned it on: a fault inside the user read's window must not leave it open.
.global aurora_a64_safe_access_landing
.type aurora_a64_safe_access_landing, %function
aurora_a64_safe_access_landing:
    adrp x1, aurora_a64_pan_enabled
    ldrb w1, [x1, :lo12:aurora_a64_pan_enabled]
    cbz w1, 1f
    msr pan, #1
1:  mov w0, #0
    ret

// void aurora_a64_safe_access_labels(ulong* out5): read access, write access, access landing,
// user read access, call landing.
.global aurora_a64_safe_access_labels
.type aurora_a64_safe_access_labels, %function
aurora_a64_safe_access_labels:
    adr x1, aurora_a64_safe_read64_access
    str x1, [x0]
    adr x1, aurora_a64_safe_write8_access
    str x1, [x0, #8]
    adr x1, aurora_a64_safe_access_landing
    str x1, [x0, #16]
    adr x1, aurora_a64_safe_read64_user_access
    str x1, [x0, #24]
    adr x1, aurora_a64_safe_call_landing
    str x1, [x0, #32]
    ret

// Whether PAN is on (Hal.Cpu.EnableProtections sets it, Protections.cs): the landing's test.
.data
.global aurora_a64_pan_enabled
aurora_a64_pan_enabled:
    .byte 0

.section .note.GNU-stack, "", %progbits
