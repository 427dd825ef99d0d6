// Limine boot protocol requests for the aarch64 kernel (base revision 2; limine-protocol.md
// sections 1-2, PROTOCOL.md "Device Tree Blob Feature"). The loader finds them by scanning the
// file-backed data between the start and end markers (linker.ld keeps them in .data) and fills
// in each request's response pointer (at offset 40). boot/LimineBoot.cs reads them through
// aurora_limine_requests(), the table below: the x86_64 table's order (arch/x86_64/limine.S),
// then the device tree blob. Under GRUB nobody answers and every response stays null.

.set COMMON_MAGIC_0, 0xc7b1dd30df4c8b88
.set COMMON_MAGIC_1, 0x0a82e883a194f07b

.macro REQUEST name, id2, id3
.balign 8
\name:
    .quad COMMON_MAGIC_0, COMMON_MAGIC_1, \id2, \id3
    .quad 0                                  // revision
    .quad 0                                  // response
.endm

.section .limine_requests_start, "aw"
.balign 8
    .quad 0xf6b8f4b39de7d1ae, 0xfab91a6940fcb9cf, 0x785c6ed015d3e316, 0x181e920a7852b9d9

.section .limine_requests, "aw"
.balign 8
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
REQUEST dtb_request,             0xb40ddb48fb54bac7, 0x545081493f81ffb7

.section .limine_requests_end, "aw"
.balign 8
    .quad 0xadc0e0531bb10d03, 0x9572709f31764c62

.section .rodata
.balign 8
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
    .quad dtb_request

.text
// void** aurora_limine_requests(void): the request table above.
.global aurora_limine_requests
.type aurora_limine_requests, %function
aurora_limine_requests:
    adrp x0, limine_request_table
    add x0, x0, :lo12:limine_request_table
    ret

.section .note.GNU-stack, "", %progbits
