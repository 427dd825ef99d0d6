// Limine boot protocol requests for the aarch64 kernel: the common ones
// (boot/limine_requests.inc; linker.ld keeps them in .data), then the device tree blob
// (PROTOCOL.md "Device Tree Blob Feature"). boot/LimineBoot.cs reads them through
// aurora_limine_requests(). Under GRUB nobody answers and every response stays null.

#include "../../boot/limine_requests.inc"

LIMINE_COMMON_REQUESTS
REQUEST dtb_request,             0xb40ddb48fb54bac7, 0x545081493f81ffb7

LIMINE_COMMON_TABLE
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
