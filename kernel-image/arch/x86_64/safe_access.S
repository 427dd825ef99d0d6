# Memory accesses that may fault on purpose: a probe of an address that might be unmapped or
# protected. The page-fault handler (SafeAccess.cs) recognises a fault at one of the *_access
# labels, or an instruction fetch while a safe call is armed, and resumes at the landing,
# which returns the "faulted" result. (User-copy routines will use the same mechanism.)
.intel_syntax noprefix
.text

# bool aurora_safe_read64(ulong address, ulong* value): true when the read succeeded.
.global aurora_safe_read64
.type aurora_safe_read64, @function
aurora_safe_read64:
.global aurora_safe_read64_access
aurora_safe_read64_access:
    mov rax, [rdi]
    mov [rsi], rax
    mov eax, 1
    ret

# bool aurora_safe_read64_user(ulong address, ulong* value): the same read of a user address
# with SMAP's supervisor access to user pages opened for it (STAC ... CLAC): the shape every
# deliberate kernel access to user memory through a user address must have. SMAP only.
.global aurora_safe_read64_user
.type aurora_safe_read64_user, @function
aurora_safe_read64_user:
    stac
.global aurora_safe_read64_user_access
aurora_safe_read64_user_access:
    mov rax, [rdi]
    clac
    mov [rsi], rax
    mov eax, 1
    ret

# bool aurora_safe_write8(ulong address, byte value)
.global aurora_safe_write8
.type aurora_safe_write8, @function
aurora_safe_write8:
.global aurora_safe_write8_access
aurora_safe_write8_access:
    mov [rdi], sil
    mov eax, 1
    ret

# bool aurora_safe_call(ulong address): calls code at address; false if fetching it faulted.
.global aurora_safe_call
.type aurora_safe_call, @function
# No frame of its own: after a recovered fetch fault the landing's ret must find the
# caller's return address on top of the stack.
aurora_safe_call:
    call rdi
    mov eax, 1
    ret

# Where a recovered fault resumes: the faulting probe's return value is false. CLAC when SMAP
# is on: a fault inside a STAC bracket must not leave user access open.
.global aurora_safe_access_landing
.type aurora_safe_access_landing, @function
aurora_safe_access_landing:
    test byte ptr [rip + aurora_smap_enabled], 1
    jz 1f
    clac
1:  xor eax, eax
    ret

.section .note.GNU-stack,"",@progbits

.text
# void aurora_safe_access_labels(ulong* out4): read access, write access, landing, user read access.
.global aurora_safe_access_labels
.type aurora_safe_access_labels, @function
aurora_safe_access_labels:
    lea rax, [rip + aurora_safe_read64_access]
    mov [rdi], rax
    lea rax, [rip + aurora_safe_write8_access]
    mov [rdi + 8], rax
    lea rax, [rip + aurora_safe_access_landing]
    mov [rdi + 16], rax
    lea rax, [rip + aurora_safe_read64_user_access]
    mov [rdi + 24], rax
    ret
.section .note.GNU-stack,"",@progbits
