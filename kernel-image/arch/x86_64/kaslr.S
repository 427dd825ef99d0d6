# KASLR (docs/security.md, "KASLR"): what Kaslr.cs needs from the linker and the CPU before
# any address of the kernel is taken. Kaslr.Prepare runs at the link address, called from
# kernel_entry64 (boot.S), which then switches to the tables it built and jumps to the slid
# alias.
.intel_syntax noprefix
.text

# void aurora_kaslr_image(ulong* out): out[0] = __kernel_start, [1] = __kernel_end,
# [2] = __kaslr_relocs_start, [3] = __kaslr_relocs_end, [4] = the transition tables (4 pages).
.global aurora_kaslr_image
.type aurora_kaslr_image, @function
aurora_kaslr_image:
    lea rax, [rip + __kernel_start]
    mov [rdi + 0], rax
    lea rax, [rip + __kernel_end]
    mov [rdi + 8], rax
    lea rax, [rip + __kaslr_relocs_start]
    mov [rdi + 16], rax
    lea rax, [rip + __kaslr_relocs_end]
    mov [rdi + 24], rax
    lea rax, [rip + kaslr_tables]
    mov [rdi + 32], rax
    ret

# int aurora_kaslr_entropy(ulong* value): 64 random bits and where they came from:
# 2 RDSEED (CPUID.(EAX=07H,ECX=0):EBX bit 18), 1 RDRAND (CPUID.01H:ECX bit 30), 0 neither
# (the time-stamp counter, multiplied by a 64-bit odd constant to spread its low bits).
# Intel SDM Vol. 1 7.3.17: both may report no value (CF=0); retry a few times.
.global aurora_kaslr_entropy
.type aurora_kaslr_entropy, @function
aurora_kaslr_entropy:
    push rbx
    mov r8, rdi
    mov eax, 7
    xor ecx, ecx
    cpuid
    bt ebx, 18
    jnc 2f
    mov ecx, 32
1:  rdseed rax
    jc 5f
    pause
    loop 1b
2:  mov eax, 1
    cpuid
    bt ecx, 30
    jnc 4f
    mov ecx, 32
3:  rdrand rax
    jc 6f
    loop 3b
4:  rdtsc
    shl rdx, 32
    or rax, rdx
    movabs rdx, 0x9E3779B97F4A7C15
    imul rax, rdx
    mov [r8], rax
    xor eax, eax
    pop rbx
    ret
5:  mov [r8], rax
    mov eax, 2
    pop rbx
    ret
6:  mov [r8], rax
    mov eax, 1
    pop rbx
    ret

# ulong aurora_kaslr_read_cr3(void): the loader's page-table root, for Kaslr.Prepare
.global aurora_kaslr_read_cr3
.type aurora_kaslr_read_cr3, @function
aurora_kaslr_read_cr3:
    mov rax, cr3
    ret

# The transition tables: a PML4, the top PDPT and its two page directories (the top 2 GiB).
# Not in .bss: kernel_entry64 clears .bss, and the boot runs on them until the kernel's own
# tables are built (KernelMemory.BuildKernelAddressSpace).
.section .bootstack, "aw", @nobits
.align 4096
.global kaslr_tables
kaslr_tables:
    .skip 4 * 4096

.section .note.GNU-stack,"",@progbits
