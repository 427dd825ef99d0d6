# Kernel entry for both boot protocols.
#
#  * Limine (base revision 2) jumps to limine_entry in 64-bit long mode, already in the higher
#    half, with its own page tables and an HHDM at 0xFFFF800000000000 (or wherever it says).
#  * Multiboot2 (GRUB) jumps to mb2_entry32 in 32-bit protected mode with paging off. We build
#    the same environment Limine gives: physical 0-4 GiB identity-mapped (transition only),
#    the same 4 GiB at the HHDM offset 0xFFFF800000000000, and the kernel's 2 GiB at
#    0xFFFFFFFF80000000 -> physical 0. Then long mode, and the common 64-bit entry.
#
# Both reach kernel_entry64 with rdi = loader kind (1 Limine, 2 Multiboot2) and rsi = the
# Multiboot2 information address (physical) or 0. It enables SSE (the compiled C# uses it and
# neither loader turns it on), switches to the kernel stack, clears .bss and calls kernel_main.

.intel_syntax noprefix
.set KERNEL_VMA, 0xFFFFFFFF80000000
.set HHDM_BASE, 0xFFFF800000000000
.set MB2_MAGIC, 0xE85250D6
# ---------------------------------------------------------------- Multiboot2 headers (spec 3.1)
# Two complete headers; the linker script keeps one. The usual one asks for a framebuffer
# (optional, 1024x768x32); the text-mode one does not, so GRUB leaves the VGA text mode on
# (how the VGA console fallback is tested).
.set MB2_HEADER_LENGTH, mb2_header_end - mb2_header_start
.set MB2_TEXT_HEADER_LENGTH, mb2_text_header_end - mb2_text_header_start

.section .multiboot2.graphics, "a"
.align 8
mb2_header_start:
    .long MB2_MAGIC
    .long 0                                  # architecture: i386 (32-bit protected mode)
    .long MB2_HEADER_LENGTH
    .long -(MB2_MAGIC + MB2_HEADER_LENGTH)
    .align 8
    .short 3, 0                              # entry address tag: GRUB must enter here, not
    .long 12                                 # at e_entry (the 64-bit Limine entry)
    .long mb2_entry32 - KERNEL_VMA
    .align 8
    .short 5, 1                              # framebuffer tag (optional): 1024x768x32
    .long 20
    .long 1024, 768, 32
    .align 8
    .short 0, 0                              # end tag
    .long 8
mb2_header_end:

.section .multiboot2.text, "a"
.align 8
mb2_text_header_start:
    .long MB2_MAGIC
    .long 0
    .long MB2_TEXT_HEADER_LENGTH
    .long -(MB2_MAGIC + MB2_TEXT_HEADER_LENGTH)
    .align 8
    .short 3, 0
    .long 12
    .long mb2_entry32 - KERNEL_VMA
    .align 8
    .short 4, 0                              # console flags tag: EGA text supported
    .long 12
    .long 2
    .align 8
    .short 0, 0
    .long 8
mb2_text_header_end:

# ---------------------------------------------------------------- 32-bit Multiboot2 entry
.section .boot.text, "ax"
.code32
.global mb2_entry32
mb2_entry32:
    cli
    cld
    mov esp, offset boot_stack_top - KERNEL_VMA
    mov ebp, ebx                             # keep the information address across the setup
    cmp eax, 0x36D76289                      # the loader's magic
    jne .Lno_multiboot

    # Clear the 7 table pages (they are nobits, but GRUB does not promise zeroes beyond filesz).
    mov edi, offset boot_page_tables - KERNEL_VMA
    mov ecx, 7 * 4096 / 4
    xor eax, eax
    rep stosd

    # PD0..PD3: 2048 entries of 2 MiB pages covering physical 0-4 GiB (present, writable, huge).
    mov edi, offset boot_pd - KERNEL_VMA
    xor ecx, ecx
1:  mov eax, ecx
    shl eax, 21
    or eax, 0x83
    mov [edi + ecx * 8], eax
    mov eax, ecx
    shr eax, 11                              # high 32 bits of (ecx << 21)
    mov [edi + ecx * 8 + 4], eax
    inc ecx
    cmp ecx, 2048
    jne 1b

    # Low PDPT: entries 0-3 -> PD0..PD3.
    mov edi, offset boot_pdpt_low - KERNEL_VMA
    mov eax, offset boot_pd - KERNEL_VMA
    or eax, 0x03
    mov [edi + 0], eax
    add eax, 4096
    mov [edi + 8], eax
    add eax, 4096
    mov [edi + 16], eax
    add eax, 4096
    mov [edi + 24], eax

    # High PDPT: entries 510, 511 -> PD0, PD1 (kernel 2 GiB window onto physical 0-2 GiB).
    mov edi, offset boot_pdpt_high - KERNEL_VMA
    mov eax, offset boot_pd - KERNEL_VMA
    or eax, 0x03
    mov [edi + 510 * 8], eax
    add eax, 4096
    mov [edi + 511 * 8], eax

    # PML4: 0 (identity) and 256 (HHDM) -> low PDPT; 511 -> high PDPT.
    mov edi, offset boot_pml4 - KERNEL_VMA
    mov eax, offset boot_pdpt_low - KERNEL_VMA
    or eax, 0x03
    mov [edi + 0], eax
    mov [edi + 256 * 8], eax
    mov eax, offset boot_pdpt_high - KERNEL_VMA
    or eax, 0x03
    mov [edi + 511 * 8], eax

    mov eax, offset boot_pml4 - KERNEL_VMA
    mov cr3, eax
    mov eax, cr4
    or eax, 1 << 5                           # PAE
    mov cr4, eax

    # EFER: long mode enable, and no-execute enable when the CPU has it (CPUID 80000001h EDX.20).
    mov eax, 0x80000001
    cpuid
    xor esi, esi
    test edx, 1 << 20
    jz 2f
    mov esi, 1 << 11
2:  mov ecx, 0xC0000080
    rdmsr
    or eax, 1 << 8
    or eax, esi
    wrmsr

    mov eax, cr0
    or eax, (1 << 31) | (1 << 16)            # paging, write protect
    mov cr0, eax

    lgdt [boot_gdt_pointer - KERNEL_VMA]
    .att_syntax prefix
    ljmp $0x08, $(mb2_entry64_low - KERNEL_VMA)
    .intel_syntax noprefix

.Lno_multiboot:
    hlt
    jmp .Lno_multiboot

.code64
mb2_entry64_low:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor ax, ax
    mov fs, ax
    mov gs, ax
    movabs rax, offset mb2_entry64_high
    jmp rax

# ---------------------------------------------------------------- 64-bit entries (higher half)
.text
mb2_entry64_high:
    mov edi, 2
    mov esi, ebp                             # Multiboot2 information (physical)
    jmp kernel_entry64

.global limine_entry
.type limine_entry, @function
limine_entry:
    cli
    cld
    mov edi, 1
    xor esi, esi
    jmp kernel_entry64

kernel_entry64:
    # SSE: CR0.EM off, CR0.MP on; CR4.OSFXSR and CR4.OSXMMEXCPT on (Intel SDM Vol. 3A 13.1.3).
    # CR0.NE: x87 errors as #MF, not the legacy FERR#/IRQ 13 path (Vol. 3A 2.5); CR0.WP: the
    # kernel obeys read-only pages too (Vol. 3A 4.6). Neither loader promises either.
    mov rax, cr0
    and rax, ~(1 << 2)
    or rax, (1 << 1) | (1 << 5) | (1 << 16)
    mov cr0, rax
    mov rax, cr4
    or rax, (1 << 9) | (1 << 10)
    mov cr4, rax

    lea rsp, [rip + kernel_stack_top]
    xor ebp, ebp
    mov r12, rdi
    mov r13, rsi

    # The compiler's stack cookie (SEC-3) gets a random value before any C# runs: RDRAND
    # when the CPU has it (CPUID.01H:ECX bit 30), else the time-stamp counter.
    mov eax, 1
    cpuid
    bt ecx, 30
    jnc 5f
    mov ecx, 10
4:  rdrand rax
    jc 6f
    loop 4b
5:  rdtsc
    shl rdx, 32
    or rax, rdx
    movabs rdx, 0x9E3779B97F4A7C15
    imul rax, rdx
6:  mov [rip + __security_cookie], rax

    lea rdi, [rip + __bss_start]
    lea rcx, [rip + __bss_end]
    sub rcx, rdi
    xor eax, eax
    rep stosb

    # KASLR (Kaslr.cs): still at the link address, Prepare picks the slide, adds it to every
    # absolute address in the image and builds tables that map the image at both addresses.
    # It returns their root (0: kaslr=off, or no room) and stores the slide. The stack is part
    # of the image, so it continues at the same offset in the slid alias.
    sub rsp, 16
    mov rdi, r12
    mov rsi, r13
    mov rdx, rsp
    call aurora_kaslr_prepare
    mov rdx, [rsp]
    add rsp, 16
    test rax, rax
    jz 7f
    mov cr3, rax
    add rsp, rdx
    lea rax, [rip + 7f]
    add rax, rdx
    jmp rax
7:  mov rdi, r12
    mov rsi, r13
    call kernel_main
3:  cli
    hlt
    jmp 3b

# ---------------------------------------------------------------- boot GDT (trampoline only)
.section .rodata
.align 16
boot_gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF                 # 0x08: 64-bit code
    .quad 0x00CF92000000FFFF                 # 0x10: data
boot_gdt_end:
boot_gdt_pointer:
    .short boot_gdt_end - boot_gdt - 1
    .long boot_gdt - KERNEL_VMA

# ---------------------------------------------------------------- boot page tables and stacks
# Not in .bss: the 64-bit entry clears .bss while these are live.
.section .bootstack, "aw", @nobits
.align 4096
boot_page_tables:
boot_pml4:      .skip 4096
boot_pdpt_low:  .skip 4096
boot_pdpt_high: .skip 4096
boot_pd:        .skip 4 * 4096
boot_stack:     .skip 4096
boot_stack_top:
.global kernel_stack_bottom
kernel_stack_bottom:
    .skip 128 * 1024
.global kernel_stack_top
kernel_stack_top:

.section .note.GNU-stack,"",@progbits
