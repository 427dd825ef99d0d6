# Interrupt and exception entry stubs (Intel SDM Vol. 3A 6.12).
#
# Every vector gets a stub that makes the stack uniform (a zero error code where the CPU
# pushes none), pushes its vector number and joins interrupt_common, which saves the general
# registers and the SSE state (the C# handler uses SSE), calls interrupt_dispatch with a
# pointer to the saved frame, and returns with iretq. The frame layout is mirrored by
# InterruptFrame in Interrupts.cs.
.intel_syntax noprefix
#include "rflags.h"

.bss
.global aurora_smap_enabled
aurora_smap_enabled: .byte 0

.text
# byte* aurora_smap_flag_address(void): for Protections.Enable.
.global aurora_smap_flag_address
.type aurora_smap_flag_address, @function
aurora_smap_flag_address:
    lea rax, [rip + aurora_smap_enabled]
    ret

.macro STUB vector, has_error_code
.align 16
interrupt_stub_\vector:
.if \has_error_code == 0
    push 0
.endif
    push \vector
    jmp interrupt_common
.endm

# Vectors that push an error code: 8, 10-14, 17, 21, 29, 30.
.altmacro
.macro STUBS from, to
.if \from <= \to
  .if (\from == 8) || (\from >= 10 && \from <= 14) || (\from == 17) || (\from == 21) || (\from == 29) || (\from == 30)
    STUB \from, 1
  .else
    STUB \from, 0
  .endif
  STUBS %(\from + 1), \to
.endif
.endm

STUBS 0, 63
STUBS 64, 127
STUBS 128, 191
STUBS 192, 255

interrupt_common:
    # SMAP: an interrupt from user code with RFLAGS.AC set would run the kernel with
    # supervisor access to user pages open (the CPU does not clear AC on delivery). CLAC is
    # #UD without SMAP, hence the flag (set by Protections.Enable).
    test byte ptr [rip + aurora_smap_enabled], 1
    jz 1f
    clac
1:  push rax
    push rbx
    push rcx
    push rdx
    push rsi
    push rdi
    push rbp
    push r8
    push r9
    push r10
    push r11
    push r12
    push r13
    push r14
    push r15
    mov rdi, rsp                             # InterruptFrame*
    mov rbx, rsp
    sub rsp, 512
    and rsp, -16
    fxsave [rsp]
    fninit                                   # no pending x87 exception of the interrupted code
    ldmxcsr [rip + aurora_kernel_mxcsr]      # fires in the handler (see syscall.S)
    cld
    call interrupt_dispatch
    fxrstor [rsp]
    mov rsp, rbx
    pop r15
    pop r14
    pop r13
    pop r12
    pop r11
    pop r10
    pop r9
    pop r8
    pop rbp
    pop rdi
    pop rsi
    pop rdx
    pop rcx
    pop rbx
    # Back to user mode: RFLAGS from the user-changeable bits only (syscall.S USER_FLAGS), as
    # on every return to user; a signal delivery may have rewritten the frame.
    test byte ptr [rsp + 4*8], 3             # CS of the interrupted code
    jz 2f
    mov rax, [rsp + 5*8]
    and rax, USER_FLAGS
    or rax, USER_FLAGS_FORCED
    mov [rsp + 5*8], rax
2:  pop rax
    add rsp, 16                              # vector and error code
    iretq

# Table of the 256 stub addresses, read by the IDT setup.
.section .rodata
.align 8
.global interrupt_stub_table
interrupt_stub_table:
.macro STUB_ADDRESS vector
    .quad interrupt_stub_\vector
.endm
.macro STUB_ADDRESSES from, to
.if \from <= \to
    STUB_ADDRESS %(\from)
    STUB_ADDRESSES %(\from + 1), \to
.endif
.endm
STUB_ADDRESSES 0, 63
STUB_ADDRESSES 64, 127
STUB_ADDRESSES 128, 191
STUB_ADDRESSES 192, 255

.section .note.GNU-stack,"",@progbits
