// The kernel's first instructions on aarch64: from the loader to C# (BringUp.Main).
.text

// UEFI entry (the PE AddressOfEntryPoint): x0 = EFI_HANDLE of this image, x1 = EFI_SYSTEM_TABLE*,
// x30 = the firmware's return address. Position-independent until the relocations are applied.
.global efi_entry
.type efi_entry, %function
efi_entry:
    mov x19, x0
    mov x20, x1
    adr x21, _head                  // the load base: the image is linked at 0
    // Apply the R_AARCH64_RELATIVE relocations (ELF for the Arm 64-bit Architecture, §5.7.12):
    // *(base + offset) = base + addend. Other kinds would mean a symbol left for a dynamic
    // linker, which a static PIE must not have: stop there.
    adrp x2, __rela_start
    add x2, x2, :lo12:__rela_start
    adrp x3, __rela_end
    add x3, x3, :lo12:__rela_end
1:  cmp x2, x3
    b.hs 3f
    ldp x4, x5, [x2]
    ldr x6, [x2, #16]
    add x2, x2, #24
    cmp w5, #1027                   // R_AARCH64_RELATIVE
    b.ne 2f
    add x6, x6, x21
    str x6, [x21, x4]
    b 1b
2:  wfe                             // a relocation we cannot apply: nothing sane to run
    b 2b
3:  // Zero .bss (inside the file, so a loader that copies the file leaves it zeroed already;
    // the firmware's own loader may not).
    adrp x2, __bss_start
    add x2, x2, :lo12:__bss_start
    adrp x3, __bss_end
    add x3, x3, :lo12:__bss_end
4:  cmp x2, x3
    b.hs 5f
    str xzr, [x2], #8
    b 4b
5:  msr daifset, #0xf               // no interrupts until our vectors are in place
    adrp x2, __boot_stack_top
    add x2, x2, :lo12:__boot_stack_top
    mov sp, x2
    mov x29, xzr                    // the end of the frame-pointer chain for backtraces
    mov x30, xzr
    mov x0, x19
    mov x1, x20
    mov x2, x21
    bl aurora_aarch64_main
6:  wfi
    b 6b

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
.balign 16
.global __boot_stack_bottom
__boot_stack_bottom:
    .skip 65536
.global __boot_stack_top
__boot_stack_top:

.section .note.GNU-stack, "", %progbits
