# The atomic step of a spin lock (Intel SDM Vol. 3A 9.1.2.1: XCHG with a memory operand is
# always locked). Interrupts are the caller's business (SpinLock.cs turns them off first).
.intel_syntax noprefix
.text

# void aurora_spin_acquire(int* word): sets the word from 0 to 1, waiting while another
# processor holds it (reads until it looks free, then tries the exchange again).
.global aurora_spin_acquire
.type aurora_spin_acquire, @function
aurora_spin_acquire:
    mov eax, 1
    xchg eax, [rdi]
    test eax, eax
    jnz 1f
    ret
1:  pause
    cmp dword ptr [rdi], 0
    jne 1b
    jmp aurora_spin_acquire

# void aurora_spin_release(int* word): a plain store releases on x86 (stores are not
# reordered with earlier loads or stores, SDM Vol. 3A 9.2.2).
.global aurora_spin_release
.type aurora_spin_release, @function
aurora_spin_release:
    mov dword ptr [rdi], 0
    ret

.section .note.GNU-stack,"",@progbits
