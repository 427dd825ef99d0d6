# Single instructions C# cannot express, as System V functions (called through
# [RuntimeImport] declarations in Cpu.cs / PortIo.cs).
.intel_syntax noprefix
.text

.macro FUNCTION name
.global \name
.type \name, @function
\name:
.endm

FUNCTION aurora_outb
    mov edx, edi
    mov eax, esi
    out dx, al
    ret
FUNCTION aurora_outw
    mov edx, edi
    mov eax, esi
    out dx, ax
    ret
FUNCTION aurora_outl
    mov edx, edi
    mov eax, esi
    out dx, eax
    ret
FUNCTION aurora_inb
    mov edx, edi
    xor eax, eax
    in al, dx
    ret
FUNCTION aurora_inw
    mov edx, edi
    xor eax, eax
    in ax, dx
    ret
FUNCTION aurora_inl
    mov edx, edi
    in eax, dx
    ret

FUNCTION aurora_read_cr0
    mov rax, cr0
    ret
FUNCTION aurora_read_cr2
    mov rax, cr2
    ret
FUNCTION aurora_read_cr3
    mov rax, cr3
    ret
FUNCTION aurora_read_cr4
    mov rax, cr4
    ret
FUNCTION aurora_write_cr0
    mov cr0, rdi
    ret
FUNCTION aurora_write_cr3
    mov cr3, rdi
    ret
FUNCTION aurora_write_cr4
    mov cr4, rdi
    ret
FUNCTION aurora_invlpg
    invlpg [rdi]
    ret

FUNCTION aurora_rdmsr
    mov ecx, edi
    rdmsr
    shl rdx, 32
    or rax, rdx
    ret
FUNCTION aurora_wrmsr
    mov ecx, edi
    mov eax, esi
    mov rdx, rsi
    shr rdx, 32
    wrmsr
    ret

# void aurora_cpuid(uint leaf, uint subleaf, uint* out4)
FUNCTION aurora_cpuid
    push rbx
    mov r8, rdx
    mov eax, edi
    mov ecx, esi
    cpuid
    mov [r8 + 0], eax
    mov [r8 + 4], ebx
    mov [r8 + 8], ecx
    mov [r8 + 12], edx
    pop rbx
    ret

FUNCTION aurora_rdtsc
    rdtsc
    shl rdx, 32
    or rax, rdx
    ret

FUNCTION aurora_read_rflags
    pushfq
    pop rax
    ret
FUNCTION aurora_read_rbp
    mov rax, rbp
    ret
FUNCTION aurora_read_rsp
    lea rax, [rsp + 8]
    ret

FUNCTION aurora_cli
    cli
    ret
FUNCTION aurora_sti
    sti
    ret
FUNCTION aurora_hlt
    hlt
    ret
# Enable interrupts and halt atomically (sti's one-instruction shadow): no wake-up is lost.
FUNCTION aurora_sti_hlt
    sti
    hlt
    ret
FUNCTION aurora_pause
    pause
    ret
# A full fence: earlier stores are visible before later loads (x86 reorders only that pair);
# a driver's "interrupts on, then look at the ring" against the device's "ring, then flags".
FUNCTION aurora_mfence
    mfence
    ret

FUNCTION aurora_lidt
    lidt [rdi]
    ret
FUNCTION aurora_ltr
    ltr di
    ret
# void aurora_load_gdt(void* pointer, ushort codeSelector, ushort dataSelector)
FUNCTION aurora_load_gdt
    lgdt [rdi]
    mov ds, dx
    mov es, dx
    mov ss, dx
    xor eax, eax
    mov fs, ax
    mov gs, ax
    # Reload CS with a far return: push selector and the address to continue at.
    pop rax
    push rsi
    push rax
    retfq

# void aurora_fxsave(void* area512Aligned16)
FUNCTION aurora_fxsave
    fxsave [rdi]
    ret

# SMAP (Intel SDM Vol. 3A 4.6.1): STAC opens supervisor access to user pages, CLAC closes it.
# Both are #UD on a CPU without SMAP; call them only where Protections says SMAP is on.
FUNCTION aurora_stac
    stac
    ret
FUNCTION aurora_clac
    clac
    ret

# bool aurora_rdrand64(ulong* value): a hardware random number (Intel SDM Vol. 1 7.3.17:
# retry a few times when CF says none was ready). Call only when CPUID reports RDRAND.
FUNCTION aurora_rdrand64
    mov ecx, 10
1:  rdrand rax
    jc 2f
    loop 1b
    xor eax, eax
    ret
2:  mov [rdi], rax
    mov eax, 1
    ret

.section .note.GNU-stack,"",@progbits
