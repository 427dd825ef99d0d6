// Calls into a loadable module that a fault inside the module cannot turn into a kernel panic
// (kernel/Modules/ModuleGuard.cs): the call saves the callee-saved registers (AAPCS64 §6.1.1:
// x19-x29 and the low halves of v8-v15) and its stack pointer; when the exception handler finds
// a fault at an address in module code while such a call is active, it returns from the
// exception to aurora_module_call_recover with the saved stack pointer in x0, which cuts the
// module's frames off at once and returns -EFAULT.
.text

// long aurora_module_call(void* target, ulong a0, ulong a1, ulong a2, ulong* savedSp)
.global aurora_module_call
.type aurora_module_call, %function
aurora_module_call:
    stp x29, x30, [sp, #-160]!
    mov x29, sp
    stp x19, x20, [sp, #16]
    stp x21, x22, [sp, #32]
    stp x23, x24, [sp, #48]
    stp x25, x26, [sp, #64]
    stp x27, x28, [sp, #80]
    stp d8, d9, [sp, #96]
    stp d10, d11, [sp, #112]
    stp d12, d13, [sp, #128]
    stp d14, d15, [sp, #144]
    mov x9, sp
    str x9, [x4]
    mov x9, x0
    mov x0, x1
    mov x1, x2
    mov x2, x3
    blr x9
aurora_module_call_return:
    ldp d14, d15, [sp, #144]
    ldp d12, d13, [sp, #128]
    ldp d10, d11, [sp, #112]
    ldp d8, d9, [sp, #96]
    ldp x27, x28, [sp, #80]
    ldp x25, x26, [sp, #64]
    ldp x23, x24, [sp, #48]
    ldp x21, x22, [sp, #32]
    ldp x19, x20, [sp, #16]
    ldp x29, x30, [sp], #160
    ret

// Entered from the exception return (ELR_EL1) or from aurora_module_call_abort, x0 = the
// stack pointer aurora_module_call saved.
.global aurora_module_call_recover
.type aurora_module_call_recover, %function
aurora_module_call_recover:
    mov sp, x0
    mov x0, #-14                // -EFAULT
    b aurora_module_call_return

// void aurora_module_call_abort(ulong savedSp): from a kernel service the module called, when
// the module's runtime cannot go on (ModuleServices.Fail): drops every frame above the call
// (the service's and the module's; none holds a lock) and returns -EFAULT from it.
.global aurora_module_call_abort
.type aurora_module_call_abort, %function
aurora_module_call_abort:
    b aurora_module_call_recover

// ulong aurora_module_call_recover_address(void)
.global aurora_module_call_recover_address
.type aurora_module_call_recover_address, %function
aurora_module_call_recover_address:
    adr x0, aurora_module_call_recover
    ret

.section .note.GNU-stack, "", %progbits
