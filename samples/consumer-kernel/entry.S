# Entry of the consumer kernel. GRUB (Multiboot2) jumps to _start in 32-bit protected mode with
# paging off, EAX = the Multiboot2 magic and EBX = the physical address of the boot information
# (Multiboot2 specification, 3.3 "I386 machine state"). The kernel is linked at 2 MiB and runs
# identity-mapped, so every address below is both virtual and physical.
#
# We zero .bss (it holds the page tables and the stack), identity-map the first 4 GiB with
# 2 MiB pages, enter long mode, enable SSE (the NativeAOT compiler's code uses it and GRUB
# leaves it off) and call consumer_main(magic, info), written in C#.
.intel_syntax noprefix

.set MB2_MAGIC, 0xE85250D6
.set MB2_LENGTH, mb2_header_end - mb2_header
.section .multiboot2, "a"
.align 8
mb2_header:                                  # Multiboot2 specification, 3.1.1
    .long MB2_MAGIC
    .long 0                                  # architecture: i386 (32-bit protected mode)
    .long MB2_LENGTH
    .long -(MB2_MAGIC + MB2_LENGTH)
    .short 0, 0                              # end tag
    .long 8
mb2_header_end:

.section .text.entry, "ax"
.code32
.global _start
_start:
    cli
    cld
    mov [boot_magic], eax
    mov [boot_info], ebx

    mov edi, offset __bss_start
    mov ecx, offset __bss_end
    sub ecx, edi
    xor eax, eax
    rep stosb

    # 4 page directories of 512 entries: 2048 x 2 MiB = 4 GiB (present, writable, 2 MiB page).
    mov edi, offset page_directories
    xor ecx, ecx
1:  mov eax, ecx
    shl eax, 21
    or eax, 0x83
    mov [edi + ecx * 8], eax
    mov eax, ecx
    shr eax, 11                              # bits 32+ of ecx << 21
    mov [edi + ecx * 8 + 4], eax
    inc ecx
    cmp ecx, 2048
    jne 1b

    mov edi, offset page_directory_pointers  # PDPT entries 0-3 -> the 4 directories
    mov eax, offset page_directories
    or eax, 0x03
    mov ecx, 4
2:  mov [edi], eax
    add eax, 4096
    add edi, 8
    loop 2b

    mov eax, offset page_directory_pointers  # PML4 entry 0 -> the PDPT
    or eax, 0x03
    mov [page_map_level4], eax

    mov eax, offset page_map_level4
    mov cr3, eax
    mov eax, cr4
    or eax, 1 << 5                           # CR4.PAE
    mov cr4, eax
    mov ecx, 0xC0000080                      # IA32_EFER.LME (Intel SDM Vol. 3A, 10.8.5)
    rdmsr
    or eax, 1 << 8
    wrmsr
    mov eax, cr0
    or eax, 1 << 31                          # CR0.PG: long mode is active from here
    mov cr0, eax
    lgdt [gdt_pointer]
    .att_syntax prefix
    ljmp $0x08, $long_mode
    .intel_syntax noprefix

.code64
long_mode:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax

    # SSE: CR0.EM off, CR0.MP on, CR4.OSFXSR and CR4.OSXMMEXCPT on (Intel SDM Vol. 3A, 13.1.3).
    mov rax, cr0
    and rax, ~(1 << 2)
    or rax, 1 << 1
    mov cr0, rax
    mov rax, cr4
    or rax, (1 << 9) | (1 << 10)
    mov cr4, rax

    lea rsp, [rip + stack_top]
    xor ebp, ebp
    mov edi, [rip + boot_magic]
    mov esi, [rip + boot_info]
    call consumer_main
3:  cli
    hlt
    jmp 3b

# ---------------------------------------------------------------- called from C#
.text
.macro FUNCTION name
.global \name
.type \name, @function
\name:
.endm

FUNCTION consumer_out8                       # (ushort port, byte value)
    mov edx, edi
    mov eax, esi
    out dx, al
    ret

FUNCTION consumer_in8                        # byte (ushort port)
    mov edx, edi
    xor eax, eax
    in al, dx
    ret

FUNCTION consumer_image_bounds               # (void*** modulesStart, void*** modulesEnd, ulong* kernelStart, ulong* kernelEnd)
    lea rax, [rip + __modules_start]
    mov [rdi], rax
    lea rax, [rip + __modules_end]
    mov [rsi], rax
    lea rax, [rip + __kernel_start]
    mov [rdx], rax
    lea rax, [rip + __kernel_end]
    mov [rcx], rax
    ret

# ---------------------------------------------------------------- data
.section .rodata
.align 16
gdt:
    .quad 0
    .quad 0x00AF9A000000FFFF                 # 0x08: 64-bit code
    .quad 0x00CF92000000FFFF                 # 0x10: data
gdt_end:
gdt_pointer:
    .short gdt_end - gdt - 1
    .long gdt

.data
boot_magic: .long 0
boot_info:  .long 0

.bss
.align 4096
page_map_level4:         .skip 4096
page_directory_pointers: .skip 4096
page_directories:        .skip 4 * 4096
stack:                   .skip 64 * 1024
stack_top:

.section .note.GNU-stack, "", @progbits
