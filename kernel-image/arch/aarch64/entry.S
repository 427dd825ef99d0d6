// The kernel's first instructions on aarch64: from the loader to C# (BringUp.Main).
.equ BOOT_L3_TABLES, 16             // 2 MiB of image each (linker.ld checks the image fits)
.text

// UEFI entry (the PE AddressOfEntryPoint): x0 = EFI_HANDLE of this image, x1 = EFI_SYSTEM_TABLE*,
// x30 = the firmware's return address. Position-independent until it jumps to the higher half:
// the image is relocated for KERNEL_VMA (0xFFFF_FFFF_8000_0000, as on x86_64), where TTBR1
// maps it, and C# starts there with the firmware still usable through its own TTBR0.
.global efi_entry
.type efi_entry, %function
efi_entry:
    mov x19, x0
    mov x20, x1
    adr x21, _head                  // the load address: the image is linked at 0
    // Zero .bss first: the boot tables below live there.
    adrp x2, __bss_start
    add x2, x2, :lo12:__bss_start
    adrp x3, __bss_end
    add x3, x3, :lo12:__bss_end
1:  cmp x2, x3
    b.hs 2f
    str xzr, [x2], #8
    b 1b
2:  msr daifset, #0xf               // no interrupts until our vectors are in place
    // The higher half: TTBR1 maps KERNEL_VMA.. onto the image, 4 KiB pages through one
    // table per level above sixteen consecutive level-3 tables (L0[511] -> L1[510] ->
    // L2[0..15] -> L3, an image of at most 32 MiB: the portable kernel is compiled in), with
    // the firmware's TTBR0 (its identity map: firmware, RAM, devices) left as it is. The leaf
    // attributes: access flag, inner shareable, and whichever MAIR_EL1 index the firmware
    // programmed as normal write-back memory (0xFF).
    mov x0, #0xff
    bl mair_index
    lsl x5, x0, #2                  // AttrIndx, bits 4:2
    mov x6, #0x703                  // page | valid, SH inner (3 << 8), AF (1 << 10)
    orr x5, x5, x6
    adrp x7, boot_leaf_bits         // kept for the heap's boot mapping (Paging.MapBootHeap)
    str x5, [x7, :lo12:boot_leaf_bits]
    adrp x7, boot_table_l3
    add x7, x7, :lo12:boot_table_l3
    adrp x8, __image_end
    add x8, x8, :lo12:__image_end
    sub x8, x8, x21                 // bytes to map
    mov x9, #0                      // offset
5:  cmp x9, x8
    b.hs 6f
    add x10, x21, x9
    orr x10, x10, x5
    lsr x11, x9, #12
    str x10, [x7, x11, lsl #3]
    add x9, x9, #4096
    b 5b
6:  adrp x8, boot_table_l2
    add x8, x8, :lo12:boot_table_l2
    mov x9, #0
61: orr x10, x7, #3                 // table descriptor
    str x10, [x8, x9, lsl #3]       // L2[i] -> the i-th L3 table
    add x7, x7, #4096
    add x9, x9, #1
    cmp x9, #BOOT_L3_TABLES
    b.lo 61b
    adrp x7, boot_table_l1
    add x7, x7, :lo12:boot_table_l1
    orr x10, x8, #3
    str x10, [x7, #510 * 8]         // L1[510] -> L2
    adrp x8, boot_table_l0
    add x8, x8, :lo12:boot_table_l0
    orr x10, x7, #3
    str x10, [x8, #511 * 8]         // L0[511] -> L1
    dsb ish
    msr ttbr1_el1, x8
    // TCR_EL1: the TTBR1 half as 48 bits with 4 KiB granules and write-back walks; the
    // firmware's TTBR0 fields stay. T1SZ = 16 (21:16), EPD1 = 0 (23), IRGN1/ORGN1 = 1
    // (25:24, 27:26), SH1 = 3 (29:28), TG1 = 0b10 (31:30).
    mrs x10, tcr_el1
    mov x11, #0xffff0000
    bic x10, x10, x11
    mov x11, #0xb5100000            // TG1=2, SH1=3, ORGN1=1, IRGN1=1, EPD1=0, A1=0, T1SZ=16
    orr x10, x10, x11
    msr tcr_el1, x10
    isb
    tlbi vmalle1
    dsb nsh
    isb
    // Apply the R_AARCH64_RELATIVE relocations (ELF for the Arm 64-bit Architecture, §5.7.12)
    // for the address the image runs at, writing through the identity map:
    // *(load + offset) = KERNEL_VMA + addend. Other kinds would mean a symbol left for a
    // dynamic linker, which a static PIE must not have: stop there.
    movz x22, #0x8000, lsl #16
    movk x22, #0xffff, lsl #32
    movk x22, #0xffff, lsl #48      // x22 = KERNEL_VMA = 0xFFFF_FFFF_8000_0000
    adrp x2, __rela_start
    add x2, x2, :lo12:__rela_start
    adrp x3, __rela_end
    add x3, x3, :lo12:__rela_end
7:  cmp x2, x3
    b.hs 8f
    ldp x4, x5, [x2]
    ldr x6, [x2, #16]
    add x2, x2, #24
    cmp w5, #1027                   // R_AARCH64_RELATIVE
    b.ne hang
    add x6, x6, x22
    str x6, [x21, x4]
    b 7b
8:  dsb ish
    ic iallu                        // the relocated words are data, but be exact
    dsb ish
    isb
    // Continue in the higher half: the same code at KERNEL_VMA + its offset.
    adr x2, 9f
    sub x2, x2, x21
    add x2, x2, x22
    br x2
9:  adrp x2, __boot_stack_top       // PC-relative, so already a higher-half address
    add x2, x2, :lo12:__boot_stack_top
    mov sp, x2
    bl aurora_a64_seed_stack_cookie // before the first C# frame checks it
    mov x29, xzr                    // the end of the frame-pointer chain for backtraces
    mov x30, xzr
    mov x0, x19
    mov x1, x20
    mov x2, x21
    bl aurora_aarch64_main
hang:
    wfi
    b hang

// mair_index: x0 = the first MAIR_EL1 index (0-7) whose attribute byte is x0 (0xFF: normal
// write-back; 0x00: Device-nGnRnE), or to hang when none is. Uses x1-x3 only.
mair_index:
    mrs x1, mair_el1
    mov x2, #0
1:  and x3, x1, #0xff
    cmp x3, x0
    b.eq 2f
    lsr x1, x1, #8
    add x2, x2, #1
    cmp x2, #8
    b.lo 1b
    b hang                          // no such type: nothing sane to map with
2:  mov x0, x2
    ret

// Limine entry (the ELF entry point of the Limine link, tools/aarch64.sh; PROTOCOL.md,
// "Entry machine state", aarch64): EL1, MMU and caches on, the image already at its link
// address (KERNEL_VMA) in Limine's TTBR1 tables beside its HHDM, TTBR0 free for the kernel
// (base revision 2), interrupts masked, SP on Limine's stack in bootloader-reclaimable memory.
// The bring-up after this is GRUB's (BringUp.cs): it reads the devices and the firmware
// configuration device, and builds its tables, through an identity map of the low half. So:
// the boot stack in the image (Limine's goes with its tables), then a TTBR0 identity map of
// the first 4 GiB in 1 GiB blocks, the first as Device-nGnRnE (QEMU virt's devices,
// VirtMachine.cs; its RAM begins at 1 GiB) and the rest normal write-back, as Limine's own
// revision-0 identity map was. Paging.Initialize replaces it with the memory map's ranges.
.global limine_entry
.type limine_entry, %function
limine_entry:
    msr daifset, #0xf
    // Limine enters at EL1t (PSTATE.SP = 0: the stack pointer is SP_EL0). The kernel runs on
    // SP_EL1 (EL1h) as under UEFI: SP_EL0 is the user stack pointer, which entering EL0 sets
    // and every exception from EL0 saves, so a kernel stack there would be lost to the first
    // process.
    msr spsel, #1
    adrp x2, __boot_stack_top
    add x2, x2, :lo12:__boot_stack_top
    mov sp, x2
    mov x29, xzr
    mov x30, xzr
    // The image's physical address: the MMU's own walk of its first page (AT S1E1R).
    adr x20, _head
    at s1e1r, x20
    isb
    mrs x21, par_el1
    tbnz x21, #0, hang              // the image's first page does not translate
    and x21, x21, #0x0000fffffffff000
    sub x22, x21, x20               // physical minus virtual, for the tables' addresses
    mov x0, #0xff
    bl mair_index
    lsl x19, x0, #2                 // AttrIndx of normal write-back memory
    mov x6, #0x703                  // page | valid, SH inner, AF (for Paging.MapBootHeap)
    orr x6, x19, x6
    adrp x7, boot_leaf_bits
    str x6, [x7, :lo12:boot_leaf_bits]
    mov x0, #0
    bl mair_index
    lsl x23, x0, #2                 // AttrIndx of Device-nGnRnE
    // Block descriptors (bits 1:0 = 01), AF, never executable (PXN bit 53, UXN bit 54).
    mov x8, #0x401                  // block | valid, AF
    orr x8, x8, #(3 << 53)
    adrp x9, boot_identity_l1
    add x9, x9, :lo12:boot_identity_l1
    orr x10, x8, x23                // 0-1 GiB: devices
    str x10, [x9]
    orr x10, x8, x19                // 1-4 GiB: normal write-back, inner shareable
    orr x10, x10, #(3 << 8)
    mov x11, #1
1:  add x12, x10, x11, lsl #30
    str x12, [x9, x11, lsl #3]
    add x11, x11, #1
    cmp x11, #4
    b.lo 1b
    adrp x10, boot_identity_l0
    add x10, x10, :lo12:boot_identity_l0
    add x11, x9, x22                // L0[0] -> L1, by its physical address
    orr x11, x11, #3
    str x11, [x10]
    add x10, x10, x22
    dsb ish
    msr ttbr0_el1, x10
    isb
    tlbi vmalle1
    dsb nsh
    isb
    bl aurora_a64_seed_stack_cookie // before the first C# frame checks it
    mov x30, xzr
    mov x0, x21
    bl aurora_aarch64_limine_main
    b hang

// void aurora_a64_boot_tables(ulong** l0, ulong** directTables, ulong* leafBits): the boot
// TTBR1 root, the three spare tables for the heap's direct-map window (one level 1, two level
// 2) and the page descriptor bits efi_entry chose, for Paging.MapBootHeap.
.global aurora_a64_boot_tables
.type aurora_a64_boot_tables, %function
aurora_a64_boot_tables:
    adrp x3, boot_table_l0
    add x3, x3, :lo12:boot_table_l0
    str x3, [x0]
    adrp x3, boot_direct_tables
    add x3, x3, :lo12:boot_direct_tables
    str x3, [x1]
    adrp x3, boot_leaf_bits
    ldr x3, [x3, :lo12:boot_leaf_bits]
    str x3, [x2]
    ret

// A plain Image boot (QEMU -kernel without firmware, MMU off) is not supported yet: there is
// no UEFI to ask for memory and the C# code needs the MMU on (normal memory). Park the CPU.
.global image_entry
image_entry:
    wfe
    b image_entry

// ulong aurora_a64_image_size(void): the bytes from the header to the end of .bss.
.global aurora_a64_image_size
.type aurora_a64_image_size, %function
aurora_a64_image_size:
    adrp x0, __image_end
    add x0, x0, :lo12:__image_end
    adr x1, _head
    sub x0, x0, x1
    ret

// void aurora_modules_bounds(void*** start, void*** end): the __modules section the runtime walks.
.global aurora_modules_bounds
.type aurora_modules_bounds, %function
aurora_modules_bounds:
    adrp x2, __modules_start
    add x2, x2, :lo12:__modules_start
    str x2, [x0]
    adrp x2, __modules_end
    add x2, x2, :lo12:__modules_end
    str x2, [x1]
    ret

.section .bss
// The tables that put the image in the higher half before any C# runs (efi_entry).
.balign 4096
boot_table_l0: .skip 4096
boot_table_l1: .skip 4096
boot_table_l2: .skip 4096
boot_table_l3: .skip 4096 * BOOT_L3_TABLES
// The boot's identity map under Limine (limine_entry).
boot_identity_l0: .skip 4096
boot_identity_l1: .skip 4096
// The runtime's first heap at DirectMapBase + its physical address (Paging.MapBootHeap):
// one level-1 table under L0[256] and up to two level-2 tables of 2 MiB blocks.
boot_direct_tables: .skip 4096 * 3
.balign 8
boot_leaf_bits: .skip 8
.balign 16
.global __boot_stack_bottom
__boot_stack_bottom:
    .skip 65536
.global __boot_stack_top
__boot_stack_top:

.section .note.GNU-stack, "", %progbits
