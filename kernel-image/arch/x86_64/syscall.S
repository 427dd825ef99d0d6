# SYSCALL entry and the first entry to user mode (Intel SDM Vol. 2B SYSCALL/SYSRET, Vol. 3A
# 6.14 for the IRETQ frame).
#
# SYSCALL leaves the user stack pointer in place, the user RIP in rcx and RFLAGS in r11, and
# masks RFLAGS with IA32_FMASK (IF among them), so the entry runs with interrupts off until it
# is on the thread's kernel stack. One processor: the kernel stack top of the running thread
# is a plain variable the scheduler updates at every switch (no per-CPU area, no swapgs yet).
#
# Frame on the kernel stack, lowest address first (mirrored by SyscallFrame in UserMode.cs):
#   rax(number) rdi rsi rdx r10 r8 r9 rbx rbp r12 r13 r14 r15 rip(rcx) rflags(r11) rsp
.intel_syntax noprefix

# From a syscall frame at rdi (layout above): the IRETQ frame pushed on the current stack and
# every register but rax and rdi loaded, rcx = rip and r11 = rflags as SYSCALL left them.
.macro iret_frame_from_syscall_frame
    push 0x1b                    # SS
    push qword ptr [rdi + 15*8]  # RSP
    push qword ptr [rdi + 14*8]  # RFLAGS
    push 0x23                    # CS
    push qword ptr [rdi + 13*8]  # RIP
    mov rsi, [rdi + 2*8]
    mov rdx, [rdi + 3*8]
    mov r10, [rdi + 4*8]
    mov r8,  [rdi + 5*8]
    mov r9,  [rdi + 6*8]
    mov rbx, [rdi + 7*8]
    mov rbp, [rdi + 8*8]
    mov r12, [rdi + 9*8]
    mov r13, [rdi + 10*8]
    mov r14, [rdi + 11*8]
    mov r15, [rdi + 12*8]
    mov rcx, [rdi + 13*8]        # as SYSCALL left them: rcx = rip, r11 = rflags
    mov r11, [rdi + 14*8]
.endm

#include "rflags.h"

# The flags the kernel leaves user mode with until iretq loads the user's: interrupts off
# and everything else clear, NT above all (IRETQ with NT set is #GP(0) in 64-bit mode).
.macro KERNEL_FLAGS_FOR_IRET
    push 2
    popfq
.endm

# Page-table isolation (PageTableIsolation.cs, interrupts.S): the paths below that build an
# IRETQ frame build it on the entry stack, and load the user root just before iretq. Both
# macros cost one test and a branch not taken while isolation is off.
.macro PTI_USE_ENTRY_STACK
    test byte ptr [rip + aurora_pti_enabled], 1
    jz 98f
    lea rsp, [rip + aurora_entry_stack_top]
98:
.endm

.macro PTI_LOAD_USER_ROOT
    test byte ptr [rip + aurora_pti_enabled], 1
    jz 99f
    push rax
    mov rax, [rip + aurora_pti_user_cr3]
    mov cr3, rax
    pop rax
99:
.endm

.section .rodata
.align 4
.global aurora_kernel_mxcsr
aurora_kernel_mxcsr: .long 0x1F80        # power-on MXCSR: every SIMD exception masked

# The stack variables live in the entry area (entry_area.S). All code below is entry code,
# mapped in the user root too when page-table isolation is on.
#
# Two copies of the SYSCALL entry, one with page-table isolation and one without: isolation is
# decided once at boot, before UserMode.Initialize points IA32_LSTAR at the copy that matches
# (issue 17: the two run-time tests of the flag were paid on every call; the interrupt paths
# still test it).
.macro SYSCALL_ENTRY pti
    mov [rip + aurora_syscall_user_stack], rsp
.if \pti
    # Page-table isolation: the user's rsp is saved, so rsp is the scratch register for
    # loading the kernel root (as Linux's SWITCH_TO_KERNEL_CR3 scratch_reg=%rsp). Flags may
    # change: the user's are in r11.
    mov rsp, cr3
    mov [rip + aurora_pti_last_entry_cr3], rsp
    inc qword ptr [rip + aurora_pti_entries]
    mov rsp, [rip + aurora_pti_kernel_cr3]
    mov cr3, rsp
.endif
    mov rsp, [rip + aurora_syscall_kernel_stack]
    push qword ptr [rip + aurora_syscall_user_stack]
    push r11
    push rcx
    push r15
    push r14
    push r13
    push r12
    push rbp
    push rbx
    push r9
    push r8
    push r10
    push rdx
    push rsi
    push rdi
    push rax
    mov rdi, rsp                 # SyscallFrame*
    mov rbx, rsp                 # 16 frame words keep rsp 16-byte aligned; rbx is callee-saved
    # The Linux ABI keeps every register but rax, rcx and r11 across a syscall, SSE included;
    # the C# handlers use SSE registers freely. The kernel then runs on a clean x87/SSE control
    # state: a pending unmasked x87 exception or unmasked SIMD exceptions the user left behind
    # must not fire in kernel code (an x87 "waiting" instruction such as the switch's fldcw).
    sub rsp, 512
    fxsave [rsp]
    fninit
    ldmxcsr [rip + aurora_kernel_mxcsr]
    sti
    call syscall_dispatch        # returns the result in rax
    cli
    fxrstor [rsp]
    mov rsp, rbx
    # Return to user. RFLAGS is rebuilt from the user-changeable bits only (IF on, IOPL 0, NT 0;
    # in r11 below, in the frame on the IRETQ path), and Linux's rule for SYSRET (arch/x86/entry/
    # entry_64.S, syscall_return_via_sysret) applies: only when RCX == RIP and R11 == RFLAGS
    # (true here by construction: both are reloaded from the frame's rip and rflags), RIP is canonical (on Intel CPUs SYSRET to a non-canonical RIP
    # raises #GP in ring 0 on the user's stack: CVE-2012-0217), and neither RF nor TF is set
    # (SYSRET cannot restore RF, and TF would trap on the instruction after it). Otherwise the
    # return goes through IRETQ. The C# side (UserMode.CheckReturnAddress) has already refused a
    # non-canonical RIP; the test here is the last line.
    mov rdi, [rsp + 14*8]
    test rdi, FLAG_TF | FLAG_RF  # both user-changeable: the same answer before the rebuild
    jnz .Lsyscall_return_via_iret
    mov rdi, [rsp + 13*8]
    shr rdi, 47                  # user half: bits 63..47 all zero
    jnz .Lsyscall_return_via_iret
    add rsp, 8                   # the number's slot
    pop rdi
    pop rsi
    pop rdx
    pop r10
    pop r8
    pop r9
    pop rbx
    pop rbp
    pop r12
    pop r13
    pop r14
    pop r15
    pop rcx
    pop r11
    and r11, USER_FLAGS
    or r11, USER_FLAGS_FORCED
    # SYSRET loads RFLAGS from r11, so the flags are free here.
.if \pti
    # The user's rsp goes through the entry area, so rsp can carry the user root.
    pop qword ptr [rip + aurora_syscall_user_stack]
    mov rsp, [rip + aurora_pti_user_cr3]
    mov cr3, rsp
    mov rsp, [rip + aurora_syscall_user_stack]
.else
    pop rsp
.endif
    sysretq
.endm

.section .entry.text, "ax", @progbits
.global aurora_syscall_entry
.type aurora_syscall_entry, @function
aurora_syscall_entry:
    SYSCALL_ENTRY 0

.global aurora_syscall_entry_pti
.type aurora_syscall_entry_pti, @function
aurora_syscall_entry_pti:
    SYSCALL_ENTRY 1

# Both entries' rare exit: TF or RF set, or a non-canonical RIP (the frame is complete).
.Lsyscall_return_via_iret:
    mov rdi, [rsp + 14*8]
    and rdi, USER_FLAGS
    or rdi, USER_FLAGS_FORCED
    mov [rsp + 14*8], rdi
    mov rdi, rsp                 # the syscall frame
    PTI_USE_ENTRY_STACK          # else the IRETQ frame goes just below the syscall frame
    iret_frame_from_syscall_frame
    mov rdi, [rdi + 1*8]
    PTI_LOAD_USER_ROOT
    iretq

# void aurora_enter_user(ulong rip, ulong rsp): leaves the kernel for good on this thread's
# current stack frame; user code starts with interrupts on, every general register zero and
# the x87/SSE state in its initial state (no kernel values in xmm0-15).
.global aurora_enter_user
.type aurora_enter_user, @function
aurora_enter_user:
    KERNEL_FLAGS_FOR_IRET
    fninit
    ldmxcsr [rip + aurora_kernel_mxcsr]
    pxor xmm0, xmm0
    pxor xmm1, xmm1
    pxor xmm2, xmm2
    pxor xmm3, xmm3
    pxor xmm4, xmm4
    pxor xmm5, xmm5
    pxor xmm6, xmm6
    pxor xmm7, xmm7
    pxor xmm8, xmm8
    pxor xmm9, xmm9
    pxor xmm10, xmm10
    pxor xmm11, xmm11
    pxor xmm12, xmm12
    pxor xmm13, xmm13
    pxor xmm14, xmm14
    pxor xmm15, xmm15
    PTI_USE_ENTRY_STACK
    push 0x1b                    # SS: user data (GDT entry 3, RPL 3)
    push rsi                     # RSP
    push 0x202                   # RFLAGS: IF
    push 0x23                    # CS: user code (GDT entry 4, RPL 3)
    push rdi                     # RIP
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    xor r8d, r8d
    xor r9d, r9d
    xor r10d, r10d
    xor r11d, r11d
    xor r12d, r12d
    xor r13d, r13d
    xor r14d, r14d
    xor r15d, r15d
    PTI_LOAD_USER_ROOT
    iretq

# void aurora_set_syscall_stack(ulong top)
.global aurora_set_syscall_stack
.type aurora_set_syscall_stack, @function
aurora_set_syscall_stack:
    mov [rip + aurora_syscall_kernel_stack], rdi
    ret

# void aurora_resume_user(ulong* frame, void* fxsaveArea, ulong rax): back to user code with
# the registers of a saved syscall frame (layout above) and SSE state, rax replaced: how a
# forked child leaves the kernel for the first time. Uses iretq (which restores RFLAGS, IF
# included) rather than sysretq, so nothing depends on rcx/r11.
.global aurora_resume_user
.type aurora_resume_user, @function
aurora_resume_user:
    KERNEL_FLAGS_FOR_IRET
    fxrstor [rsi]
    mov rax, [rdi + 14*8]        # RFLAGS, sanitised as on every return to user
    and rax, USER_FLAGS
    or rax, USER_FLAGS_FORCED
    mov [rdi + 14*8], rax
    mov rax, rdx
    PTI_USE_ENTRY_STACK
    iret_frame_from_syscall_frame
    mov rdi, [rdi + 1*8]
    PTI_LOAD_USER_ROOT
    iretq

# void aurora_resume_user_full(ulong* gregs, void* fxsaveArea): back to user code with every
# general register from a Linux-order register block (struct sigcontext: r8 r9 r10 r11 r12
# r13 r14 r15 rdi rsi rbp rbx rdx rax rcx rsp rip eflags), rcx and r11 included: how
# rt_sigreturn resumes whatever the signal interrupted.
.global aurora_resume_user_full
.type aurora_resume_user_full, @function
aurora_resume_user_full:
    KERNEL_FLAGS_FOR_IRET
    fxrstor [rsi]
    mov rax, [rdi + 17*8]        # RFLAGS, sanitised as on every return to user
    and rax, USER_FLAGS
    or rax, USER_FLAGS_FORCED
    mov [rdi + 17*8], rax
    PTI_USE_ENTRY_STACK
    push 0x1b                    # SS
    push qword ptr [rdi + 15*8]  # RSP
    push qword ptr [rdi + 17*8]  # RFLAGS
    push 0x23                    # CS
    push qword ptr [rdi + 16*8]  # RIP
    mov r8,  [rdi + 0*8]
    mov r9,  [rdi + 1*8]
    mov r10, [rdi + 2*8]
    mov r11, [rdi + 3*8]
    mov r12, [rdi + 4*8]
    mov r13, [rdi + 5*8]
    mov r14, [rdi + 6*8]
    mov r15, [rdi + 7*8]
    mov rsi, [rdi + 9*8]
    mov rbp, [rdi + 10*8]
    mov rbx, [rdi + 11*8]
    mov rdx, [rdi + 12*8]
    mov rax, [rdi + 13*8]
    mov rcx, [rdi + 14*8]
    mov rdi, [rdi + 8*8]
    PTI_LOAD_USER_ROOT
    iretq

# void* aurora_syscall_entry_address(int pti): the entry for IA32_LSTAR, with isolation or without
.global aurora_syscall_entry_address
.type aurora_syscall_entry_address, @function
aurora_syscall_entry_address:
    lea rax, [rip + aurora_syscall_entry]
    test edi, edi
    jz 1f
    lea rax, [rip + aurora_syscall_entry_pti]
1:  ret

.section .note.GNU-stack,"",@progbits
