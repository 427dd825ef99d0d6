# Interface dispatch entry for NativeAOT-compiled code (System V x86-64).
#
# A call site the compiler could not devirtualise loads the address of its dispatch cell into
# r11 and calls through the cell's first word, which initially points here. We keep every
# argument register (integer and SSE) intact, ask the C# resolver for the target and jump to
# it, so the callee sees exactly the call the site made.
.intel_syntax noprefix
.text

.global RhpInitialDynamicInterfaceDispatch
.global RhpInitialInterfaceDispatch
.type RhpInitialDynamicInterfaceDispatch, @function
.type RhpInitialInterfaceDispatch, @function
RhpInitialInterfaceDispatch:
RhpInitialDynamicInterfaceDispatch:
    push rbp
    mov rbp, rsp
    push rdi
    push rsi
    push rdx
    push rcx
    push r8
    push r9
    sub rsp, 128
    movdqu [rsp + 0], xmm0
    movdqu [rsp + 16], xmm1
    movdqu [rsp + 32], xmm2
    movdqu [rsp + 48], xmm3
    movdqu [rsp + 64], xmm4
    movdqu [rsp + 80], xmm5
    movdqu [rsp + 96], xmm6
    movdqu [rsp + 112], xmm7
    # rdi already holds the receiver; a null receiver faults inside the resolver (reported
    # by the page-fault handler as a null dereference).
    mov rsi, r11
    call AuroraResolveInterfaceCall
    mov r11, rax
    movdqu xmm0, [rsp + 0]
    movdqu xmm1, [rsp + 16]
    movdqu xmm2, [rsp + 32]
    movdqu xmm3, [rsp + 48]
    movdqu xmm4, [rsp + 64]
    movdqu xmm5, [rsp + 80]
    movdqu xmm6, [rsp + 96]
    movdqu xmm7, [rsp + 112]
    add rsp, 128
    pop r9
    pop r8
    pop rcx
    pop rdx
    pop rsi
    pop rdi
    pop rbp
    jmp r11

# The compiler emits a stack-protector check once stackalloc is used; the cookie itself is
# set to a random value by the host at boot (SEC-3).
.data
.align 8
.global __security_cookie
__security_cookie:
    .quad 0x2B992DDFA232D3E1

.section .note.GNU-stack,"",@progbits
