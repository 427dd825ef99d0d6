// The first page of the aarch64 kernel image: an arm64 Linux Image header (the 64 bytes GRUB's
// `linux` command and QEMU's -kernel look for; Linux Documentation/arch/arm64/booting.rst)
// whose first two bytes are also the "MZ" of a PE/COFF header, so the same file is an EFI
// application (UEFI 2.10 §2.1.1; PE format: Microsoft "PE Format", optional header PE32+).
// GRUB for arm64 has no multiboot2: its `linux` command accepts only images with this EFI stub
// and starts them at the PE entry point with (ImageHandle, SystemTable), as the firmware does.
//
// The image is linked at address 0 as a static PIE: efi_entry applies its own
// R_AARCH64_RELATIVE relocations for wherever the loader put it, then runs C# on the
// firmware's identity mapping (UEFI 2.10 §2.3.6: MMU on, caches on, FP/SIMD enabled, EL1 or EL2).

.section .head.text, "ax"
.global _head
_head:
    .long 0xfa405a4d                // "MZ", and as an instruction a harmless ccmp (Linux's trick)
    b image_entry                   // code1: where a plain Image boot (MMU off) starts
    .quad 0                         // text_offset
    .quad __image_size              // image_size
    .quad 0xa                       // flags: little-endian, 4 KiB pages, placed anywhere
    .quad 0, 0, 0                   // res2-res4
    .ascii "ARM\x64"                // magic, at 0x38
    .long pe_header - _head         // PE header offset, at 0x3c

    .align 3
pe_header:
    .ascii "PE\0\0"
    .short 0xaa64                   // Machine: ARM64
    .short 1                        // NumberOfSections
    .long 0, 0, 0                   // TimeDateStamp, PointerToSymbolTable, NumberOfSymbols
    .short section_table - optional_header   // SizeOfOptionalHeader
    .short 0x0206                   // EXECUTABLE_IMAGE | LINE_NUMS_STRIPPED | DEBUG_STRIPPED
optional_header:
    .short 0x20b                    // PE32+
    .byte 2, 40                     // linker version (informational)
    .long __image_size - 0x1000     // SizeOfCode
    .long 0                         // SizeOfInitializedData
    .long 0                         // SizeOfUninitializedData
    .long __pe_entry                // AddressOfEntryPoint
    .long 0x1000                    // BaseOfCode
    .quad 0                         // ImageBase (we relocate ourselves; no base relocations)
    .long 0x1000                    // SectionAlignment
    .long 0x1000                    // FileAlignment: file offsets equal RVAs (GRUB loads the flat file)
    .short 0, 0, 0, 0, 0, 0         // OS, image, subsystem versions
    .long 0                         // Win32VersionValue
    .long __image_size              // SizeOfImage
    .long 0x1000                    // SizeOfHeaders
    .long 0                         // CheckSum
    .short 10                       // Subsystem: EFI application
    .short 0                        // DllCharacteristics
    .quad 0, 0, 0, 0                // stack and heap reserve/commit
    .long 0                         // LoaderFlags
    .long 6                         // NumberOfRvaAndSizes
    .quad 0, 0, 0, 0, 0, 0          // export, import, resource, exception, certificate, base relocation
section_table:
    .ascii ".text\0\0\0"
    .long __image_size - 0x1000     // VirtualSize
    .long 0x1000                    // VirtualAddress
    .long __image_size - 0x1000     // SizeOfRawData
    .long 0x1000                    // PointerToRawData
    .long 0, 0                      // relocations, line numbers
    .short 0, 0
    .long 0xe0000020                // code, execute, read, write (one section: the relocation pass writes data)

.section .note.GNU-stack, "", %progbits
