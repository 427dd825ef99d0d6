# Limine boot protocol requests: the common ones (boot/limine_requests.inc) and x86_64's paging
# mode. LimineBoot.cs reads them through aurora_limine_requests(), which returns the table of
# request addresses.
.intel_syntax noprefix

#include "../../boot/limine_requests.inc"

LIMINE_COMMON_REQUESTS
# Paging mode: ask for 4-level explicitly (mode, max_mode, min_mode = 0).
REQUEST paging_mode_request,     0x95c1a0edab0944cb, 0xa4e5cb3842f7488a, 3

LIMINE_COMMON_TABLE

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
