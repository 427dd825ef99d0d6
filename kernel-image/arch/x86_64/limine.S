# Limine boot protocol requests (base revision 2; limine-protocol.md sections 1-2). The
# bootloader finds them by scanning file-backed data between the start and end markers and
# fills in each request's response pointer (at offset 40). LimineBoot.cs reads them through
# aurora_limine_requests(), which returns the table of request addresses below.
.intel_syntax noprefix

.set COMMON_MAGIC_0, 0xc7b1dd30df4c8b88
.set COMMON_MAGIC_1, 0x0a82e883a194f07b

.macro REQUEST name, id2, id3, extra=0
.align 8
\name:
    .quad COMMON_MAGIC_0, COMMON_MAGIC_1, \id2, \id3
    .quad 0                                  # revision
    .quad 0                                  # response
.if \extra
    .skip \extra * 8
.endif
.endm

.section .limine_requests_start, "aw"
.align 8
    .quad 0xf6b8f4b39de7d1ae, 0xfab91a6940fcb9cf, 0x785c6ed015d3e316, 0x181e920a7852b9d9

.section .limine_requests, "aw"
.align 8
.global limine_base_revision
limine_base_revision:
    .quad 0xf9562b2d5c95a6c8, 0x6a7b384944536bdc, 2

REQUEST bootloader_info_request, 0xf55038d8e2a1202f, 0x279426fcf5f59740
REQUEST firmware_type_request,   0x8c2f75d90bef28a8, 0x7045a4688eac00c3
REQUEST hhdm_request,            0x48dcf1cb8ad2b852, 0x63984e959a98244b
REQUEST framebuffer_request,     0x9d5827dcd881dd75, 0xa3148604f6fab11b
REQUEST memmap_request,          0x67cf3d9d378a806f, 0xe304acdfc50c3c62
REQUEST kernel_file_request,     0xad97e90e83f1ed67, 0x31eb5d1c5ff23b69
REQUEST module_request,          0x3e7e279702be32af, 0xca1c4f3bd1280cee
REQUEST rsdp_request,            0xc5e77b6b397e7b43, 0x27637845accdcf3c
REQUEST kernel_address_request,  0x71ba76863cc55f63, 0xb2644a48c516a487
# Paging mode: ask for 4-level explicitly (mode, max_mode, min_mode = 0).
REQUEST paging_mode_request,     0x95c1a0edab0944cb, 0xa4e5cb3842f7488a, 3

.section .limine_requests_end, "aw"
.align 8
    .quad 0xadc0e0531bb10d03, 0x9572709f31764c62

.section .rodata
.align 8
limine_request_table:
    .quad limine_base_revision
    .quad bootloader_info_request
    .quad firmware_type_request
    .quad hhdm_request
    .quad framebuffer_request
    .quad memmap_request
    .quad kernel_file_request
    .quad module_request
    .quad rsdp_request
    .quad kernel_address_request

.text
.global aurora_limine_requests
.type aurora_limine_requests, @function
aurora_limine_requests:
    lea rax, [rip + limine_request_table]
    ret

# Bounds of the compiler's module-header section, for the runtime's start-up.
.global aurora_modules_bounds
.type aurora_modules_bounds, @function
aurora_modules_bounds:
    lea rax, [rip + __modules_start]
    mov [rdi], rax
    lea rax, [rip + __modules_end]
    mov [rsi], rax
    ret

# Kernel image bounds and sections, for the boot layer and the page-table builder.
.global aurora_kernel_layout
.type aurora_kernel_layout, @function
aurora_kernel_layout:
    lea rax, [rip + __kernel_start]
    mov [rdi + 0], rax
    lea rax, [rip + __text_end]
    mov [rdi + 8], rax
    lea rax, [rip + __rodata_start]
    mov [rdi + 16], rax
    lea rax, [rip + __rodata_end]
    mov [rdi + 24], rax
    lea rax, [rip + __data_start]
    mov [rdi + 32], rax
    lea rax, [rip + __kernel_end]
    mov [rdi + 40], rax
    lea rax, [rip + kernel_stack_bottom]
    mov [rdi + 48], rax
    lea rax, [rip + kernel_stack_top]
    mov [rdi + 56], rax
    lea rax, [rip + interrupt_stub_table]
    mov [rdi + 64], rax
    ret

.section .note.GNU-stack,"",@progbits
