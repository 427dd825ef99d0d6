# Calls into a loadable module that a fault inside the module cannot turn into a kernel
# panic (kernel/Modules/ModuleGuard.cs): the call saves the callee-saved registers and its
# stack pointer in a context; when the exception handler finds a fault at an address in
# module code while such a call is active, it resumes at aurora_module_call_recover with the
# saved stack pointer, which unwinds the module's frames at once and returns -EFAULT.
.intel_syntax noprefix
.text

# long aurora_module_call(void* target, ulong a0, ulong a1, ulong a2, ulong* savedRsp)
.global aurora_module_call
.type aurora_module_call, @function
aurora_module_call:
    push rbp
    push rbx
    push r12
    push r13
    push r14
    push r15
    sub rsp, 8                  # 16-byte alignment at the call
    mov [r8], rsp
    mov rax, rdi
    mov rdi, rsi
    mov rsi, rdx
    mov rdx, rcx
    call rax
.global aurora_module_call_return
aurora_module_call_return:
    add rsp, 8
    pop r15
    pop r14
    pop r13
    pop r12
    pop rbx
    pop rbp
    ret

# Entered from the exception handler's iretq with rsp = the saved value.
.global aurora_module_call_recover
.type aurora_module_call_recover, @function
aurora_module_call_recover:
    mov rax, -14                # -EFAULT
    jmp aurora_module_call_return

# void aurora_module_call_abort(ulong savedRsp): from a kernel service the module called, when
# the module's runtime cannot go on (ModuleServices.Fail): drops every frame above the call
# (the service's and the module's; none holds a lock) and returns -EFAULT from it.
.global aurora_module_call_abort
.type aurora_module_call_abort, @function
aurora_module_call_abort:
    mov rsp, rdi
    jmp aurora_module_call_recover

# ulong aurora_module_call_recover_address(void)
.global aurora_module_call_recover_address
.type aurora_module_call_recover_address, @function
aurora_module_call_recover_address:
    lea rax, [rip + aurora_module_call_recover]
    ret

.section .note.GNU-stack,"",@progbits
