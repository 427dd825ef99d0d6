# Interrupt and exception entry stubs (Intel SDM Vol. 3A 6.12).
#
# Every vector gets a stub that makes the stack uniform (a zero error code where the CPU
# pushes none), pushes its vector number and joins interrupt_common, which saves the general
# registers and the SSE state (the C# handler uses SSE), calls interrupt_dispatch with a
# pointer to the saved frame, and returns with iretq. The frame layout is mirrored by
# InterruptFrame in Interrupts.cs.
#
# Page-table isolation (PageTableIsolation.cs; Linux's SWITCH_TO_KERNEL_CR3 and
# SWITCH_TO_USER_CR3 in arch/x86/entry/): with aurora_pti_enabled set, an entry that finds the
# user root in CR3 loads the kernel root first, and an entry from user mode that arrived on the
# entry stack (TSS.RSP0) moves its frame to the thread's kernel stack; every return to user
# mode copies its IRETQ frame to the entry stack, restores the registers, loads the user root
# and only then executes iretq. This file is in .entry.text, mapped in both roots. With the
# flag clear the cost is one test and a branch not taken per entry.
.intel_syntax noprefix

# The general registers in the frame's order (InterruptFrame in Interrupts.cs), restored.
.macro pop_general_registers
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
    pop rax
.endm

# The general registers in the frame's order, saved.
.macro push_general_registers
    push rax
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
.endm
#include "rflags.h"

.section .entry.text, "ax", @progbits
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
1:  test byte ptr [rip + aurora_pti_enabled], 1
    jnz .Lisolated_entry
.Lentered:
    push_general_registers
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
    # Frame words from rsp: r15..rax 0-14, vector 15, error code 16, rip 17, cs 18, rflags 19,
    # rsp 20, ss 21.
    test byte ptr [rsp + 18*8], 3            # CS of the interrupted code
    jz .Lreturn
    # Back to user mode: RFLAGS from the user-changeable bits only (syscall.S USER_FLAGS), as
    # on every return to user; a signal delivery may have rewritten the frame.
    mov rax, [rsp + 19*8]
    and rax, USER_FLAGS
    or rax, USER_FLAGS_FORCED
    mov [rsp + 19*8], rax
    test byte ptr [rip + aurora_pti_enabled], 1
    jnz .Lisolated_return
.Lreturn:
    pop_general_registers
    add rsp, 16                              # vector and error code
    iretq

# Isolation on, an entry: stack = [rax rbx] vector error rip cs rflags rsp ss. The user root
# in CR3 means user mode (or an NMI/#MC/#DF in the first or last instructions of an entry or
# exit): load the kernel root. On the entry stack exactly where RSP0 puts a frame from user
# mode: move the seven words to the running thread's kernel stack, where they would have been
# without isolation, and go on there. Anything else (kernel code interrupted, IST vectors)
# stays on its stack.
.Lisolated_entry:
    push rax
    push rbx
    mov rax, cr3
    cmp rax, [rip + aurora_pti_user_cr3]
    jne 2f
    mov [rip + aurora_pti_last_entry_cr3], rax
    inc qword ptr [rip + aurora_pti_entries]
    mov rax, [rip + aurora_pti_kernel_cr3]
    mov cr3, rax
2:  lea rax, [rip + aurora_entry_stack_top - 9*8]
    cmp rsp, rax
    jne 3f
    mov rax, [rip + aurora_syscall_kernel_stack]
    sub rax, 7*8
    mov rbx, [rsp + 2*8]
    mov [rax + 0*8], rbx
    mov rbx, [rsp + 3*8]
    mov [rax + 1*8], rbx
    mov rbx, [rsp + 4*8]
    mov [rax + 2*8], rbx
    mov rbx, [rsp + 5*8]
    mov [rax + 3*8], rbx
    mov rbx, [rsp + 6*8]
    mov [rax + 4*8], rbx
    mov rbx, [rsp + 7*8]
    mov [rax + 5*8], rbx
    mov rbx, [rsp + 8*8]
    mov [rax + 6*8], rbx
    mov rsp, rax
    mov rbx, [rip + aurora_entry_stack_top - 9*8]
    mov rax, [rip + aurora_entry_stack_top - 8*8]
    jmp .Lentered
3:  pop rbx
    pop rax
    jmp .Lentered

# Isolation on, a return to user mode: the IRETQ frame goes to the entry stack (the thread's
# stack is not mapped in the user root), the registers come back from the thread's stack,
# then the user root is loaded and nothing but the entry stack is touched until iretq.
.Lisolated_return:
    lea rdi, [rip + aurora_entry_stack_top - 5*8]
    mov rax, [rsp + 17*8]
    mov [rdi + 0*8], rax
    mov rax, [rsp + 18*8]
    mov [rdi + 1*8], rax
    mov rax, [rsp + 19*8]
    mov [rdi + 2*8], rax
    mov rax, [rsp + 20*8]
    mov [rdi + 3*8], rax
    mov rax, [rsp + 21*8]
    mov [rdi + 4*8], rax
    pop_general_registers
    lea rsp, [rip + aurora_entry_stack_top - 5*8]
    push rax
    mov rax, [rip + aurora_pti_user_cr3]
    mov cr3, rax
    pop rax
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
