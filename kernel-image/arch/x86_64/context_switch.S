# Kernel thread context switch.
#
# A switch happens inside an ordinary (System V) call, so only what that ABI says a callee must
# preserve is saved on the old thread's stack: rbx, rbp, r12-r15, the MXCSR control bits and
# the x87 control word, plus RFLAGS. The caller-saved registers (including all of xmm0-15) are
# already dead or saved by the caller; a thread preempted by an interrupt has its complete state
# in the interrupt frame interrupt_common pushed (general registers and fxsave area).
#
# RFLAGS is per thread (as Linux's __switch_to_asm once did with pushfq/popfq): whatever one
# thread's kernel path has in NT, AC or DF must not leak into the thread it switches to. NT set
# in a thread that then returns through iretq is a #GP in ring 0 (Intel SDM Vol. 2A IRET:
# "IF NT = 1 in IA-32e mode THEN #GP(0)").
#
# Saved frame, lowest address first (mirrored by ThreadContext.PrepareStack):
#   [mxcsr:4][x87 cw:2][pad:2] rflags r15 r14 r13 r12 rbx rbp return-address
.intel_syntax noprefix
.text

# void aurora_switch_context(ulong* saveStackPointer, ulong newStackPointer)
# Interrupts are off (the scheduler's rule); the new thread's own path restores its flags.
.global aurora_switch_context
.type aurora_switch_context, @function
aurora_switch_context:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    pushfq
    sub rsp, 8
    stmxcsr [rsp]
    fnstcw [rsp + 4]
    mov [rdi], rsp
    mov rsp, rsi
    ldmxcsr [rsp]
    fldcw [rsp + 4]
    add rsp, 8
    popfq                        # the new thread's flags (IF is still off: saved with it off)
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

# First code of a new thread: the prepared frame "returns" here with r12 = entry point,
# r13 = its argument and r14 = the exit routine. The stack is 16-byte aligned at this point,
# so the calls below see the ABI's alignment. Interrupts were off across the switch; a new
# thread starts with them on (the timer's end-of-interrupt was sent before any switch).
.global aurora_thread_start
.type aurora_thread_start, @function
aurora_thread_start:
    xor ebp, ebp                 # ends backtraces here
    sti
    mov rdi, r13
    call r12
    mov rdi, rax                 # the entry's return value is the exit code
    call r14
    ud2                          # the exit routine never returns

# void* aurora_thread_start_address(void): where PrepareStack points a new thread's frame.
.global aurora_thread_start_address
.type aurora_thread_start_address, @function
aurora_thread_start_address:
    lea rax, [rip + aurora_thread_start]
    ret

.section .note.GNU-stack,"",@progbits
