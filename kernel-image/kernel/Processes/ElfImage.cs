using System;
using Aurora.Vmm;

namespace Aurora.Kernel.Processes;

/// <summary>Why a program could not be loaded.</summary>
internal enum LoadError
{
    None,
    NotElf,
    Unsupported,      // not ELF64, little-endian, this processor's (Hal.Cpu.ElfMachine), executable or shared object
    Malformed,        // headers or segments outside the file, overlapping, out of order, ...
    OutOfMemory,
    ShortRead,        // a header points past the end of the file where Linux's elf_read fails: EIO
}

/// <summary>
/// ELF64 x86-64 programs (System V gABI, "ELF-64 Object File Format" 1.5; x86-64 psABI §5):
/// <see cref="Parse"/> checks every header field against the file and learns the image's
/// shape (fixed or position independent, the interpreter it names, its span and alignment)
/// without touching memory; <see cref="Map"/> then maps each PT_LOAD segment at the load bias
/// with the segment's rights (W^X kept: writable pages are never executable unless the segment
/// asks for both), as a private mapping of the file or as copied bytes, the rest zeroed — the
/// bss, including the tail of the last file page, reads as zeros as after Linux's padzero. A
/// bad file is an error, never a kernel fault.
/// </summary>
internal static unsafe class ElfImage
{
    private const ushort TypeExecutable = 2, TypeShared = 3;
    private const uint ProgramLoad = 1, ProgramInterpreter = 3, ProgramHeaderTable = 6, ProgramGnuStack = 0x6474E551;
    private const uint FlagExecute = 1, FlagWrite = 2;
    internal const int ProgramHeaderSize = 56;

    /// <summary>Linux's load_elf_phdrs bound: the table is at most 64 KiB.</summary>
    internal const int MaxProgramHeaders = 65536 / ProgramHeaderSize;

    /// <summary>Linux's bound on PT_INTERP's size (PATH_MAX with its NUL).</summary>
    internal const int MaxInterpreterPath = 4096;

    /// <summary>The largest segment alignment honoured for a position-independent image (Linux
    /// honours any; past 1 GiB the base would lose its randomness).</summary>
    private const ulong MaxAlignment = 1UL << 30;

    /// <summary>What <see cref="Parse"/> learnt; addresses are the file's (before the bias).</summary>
    internal struct Image
    {
        public bool PositionIndependent; // ET_DYN: loaded at a bias the kernel chooses
        public ulong Entry;
        public ulong First, End;         // page-aligned span of every PT_LOAD segment
        public ulong Alignment;          // the largest p_align (a power of two, at least a page)
        public ulong ProgramHeaders;     // address of the program headers in memory, or 0
        public ulong ProgramHeaderCount;
        public int InterpreterOffset;    // PT_INTERP's path in the file (no NUL), or length 0
        public int InterpreterLength;
        public bool ExecutableStack;     // PT_GNU_STACK with PF_X
        public bool HasInterpreter => InterpreterLength > 0;
        public ulong Span => End - First;
    }

    /// <summary>Where an image went (addresses after the bias).</summary>
    internal struct Layout
    {
        public ulong Entry;              // where the thread starts: the interpreter's entry when there is one
        public ulong ProgramEntry;       // the program's own entry (AT_ENTRY)
        public ulong ProgramHeaders;     // user address of the program headers (AT_PHDR), or 0
        public ulong ProgramHeaderCount;
        public ulong End;                // first page above every segment of the program: where brk starts
        public ulong InterpreterBase;    // AT_BASE: the interpreter's bias, 0 without one
        public bool ExecutableStack;
    }

    /// <summary>Checks the headers of <paramref name="file"/> and describes the image. Order
    /// and answers follow Linux's load_elf_binary where both check: magic (NotElf), class,
    /// byte order, type and machine (Unsupported), the program-header table (Malformed).
    /// Stricter than Linux where Linux would fail only after the point of no return: segments
    /// outside the file, out of order or overlapping, an entry point in no executable segment
    /// are refused here, so execve returns an error to a caller that is still whole.</summary>
    internal static LoadError Parse(ReadOnlySpan<byte> file, out Image image)
    {
        image = default;
        if (file.Length < 64 || file[0] != 0x7F || file[1] != (byte)'E' || file[2] != (byte)'L' || file[3] != (byte)'F')
            return LoadError.NotElf;
        ushort type = Read16(file, 16);
        if (file[4] != 2 || file[5] != 1 || file[6] != 1 || (type != TypeExecutable && type != TypeShared) || Read16(file, 18) != Hal.Cpu.ElfMachine())
            return LoadError.Unsupported;
        image.PositionIndependent = type == TypeShared;

        ulong entry = Read64(file, 24);
        ulong headerOffset = Read64(file, 32);
        ulong headerSize = Read16(file, 54);
        ulong headerCount = Read16(file, 56);
        if (headerSize != ProgramHeaderSize || headerCount == 0 || headerCount > MaxProgramHeaders ||
            headerOffset > (ulong)file.Length || headerCount * headerSize > (ulong)file.Length - headerOffset)
            return LoadError.Malformed;

        const ulong Page = UserMemory.PageSize;
        ulong previousEnd = 0, tableAddress = 0;
        bool anyLoad = false, entryExecutable = false;
        image.Alignment = Page;
        for (ulong i = 0; i < headerCount; i++)
        {
            ReadOnlySpan<byte> header = file.Slice((int)(headerOffset + (i * headerSize)), ProgramHeaderSize);
            uint kind = Read32(header, 0), flags = Read32(header, 4);
            ulong offset = Read64(header, 8), address = Read64(header, 16);
            ulong fileSize = Read64(header, 32), memorySize = Read64(header, 40), align = Read64(header, 48);
            if (kind == ProgramInterpreter && image.InterpreterLength == 0)
            {
                // Linux: 2..PATH_MAX bytes (else ENOEXEC), read from the file (a short read is
                // EIO), ending in NUL (else ENOEXEC).
                if (fileSize < 2 || fileSize > MaxInterpreterPath) return LoadError.Malformed;
                if (offset > (ulong)file.Length || fileSize > (ulong)file.Length - offset) return LoadError.ShortRead;
                if (file[(int)(offset + fileSize - 1)] != 0) return LoadError.Malformed;
                int length = 0;
                while (file[(int)offset + length] != 0) length++;
                if (length == 0) return LoadError.Malformed;
                image.InterpreterOffset = (int)offset;
                image.InterpreterLength = length;
                continue;
            }

            if (kind == ProgramGnuStack)
            {
                image.ExecutableStack = (flags & FlagExecute) != 0;
                continue;
            }

            if (kind == ProgramHeaderTable)
            {
                tableAddress = address;
                continue;
            }

            if (kind != ProgramLoad || memorySize == 0) continue;
            // The gABI wants PT_LOAD entries sorted by address; overlapping ones would map one
            // segment's bytes over another's. A segment with no file bytes (only .bss) reads
            // nothing, so its offset may lie past the end as Linux allows (elf_map maps nothing
            // then): arm64's linker, aligning to 64 KiB, puts such an offset past a small file.
            if (fileSize > memorySize || (fileSize > 0 && (offset > (ulong)file.Length || fileSize > (ulong)file.Length - offset)) ||
                address >= UserMemory.UserLimit || memorySize > UserMemory.UserLimit - address ||
                (address & (Page - 1)) != (offset & (Page - 1)) || (anyLoad && address < previousEnd))
                return LoadError.Malformed;
            if (!image.PositionIndependent && address < Page) return LoadError.Malformed;
            if (align > image.Alignment && (align & (align - 1)) == 0) image.Alignment = Math.Min(align, MaxAlignment);

            ulong start = address & ~(Page - 1);
            ulong end = (address + memorySize + Page - 1) & ~(Page - 1);
            if (!anyLoad) image.First = start;
            image.End = end;
            previousEnd = address + memorySize;
            anyLoad = true;
            if ((flags & FlagExecute) != 0 && entry >= address && entry < address + memorySize) entryExecutable = true;
            if (tableAddress == 0 && headerOffset >= offset && headerOffset + (headerCount * headerSize) <= offset + fileSize)
                image.ProgramHeaders = address + (headerOffset - offset);
        }

        if (!anyLoad || !entryExecutable) return LoadError.Malformed;
        if (tableAddress != 0) image.ProgramHeaders = tableAddress; // PT_PHDR names it (as Linux 6.x)
        image.Entry = entry;
        image.ProgramHeaderCount = headerCount;
        return LoadError.None;
    }

    /// <summary>The interpreter's path PT_INTERP names (without its NUL).</summary>
    internal static ReadOnlySpan<byte> InterpreterPath(ReadOnlySpan<byte> file, in Image image) =>
        file.Slice(image.InterpreterOffset, image.InterpreterLength);

    /// <summary>Whether the image fits at <paramref name="bias"/>: every page in the user half,
    /// none below the first page, none already in <paramref name="regions"/>.</summary>
    internal static bool Fits(in Image image, ulong bias, in UserRegions regions)
    {
        ulong start = image.First + bias, end = image.End + bias;
        return start >= image.First && end >= start && start >= UserMemory.PageSize && end <= UserMemory.UserLimit &&
               !regions.Overlaps(start, end);
    }

    /// <summary>Maps every PT_LOAD segment of a parsed image at <paramref name="bias"/> (0 for
    /// a fixed image) into <paramref name="space"/> and adds its regions. With
    /// <paramref name="backing"/> (the file open for reading, one that can be mapped) a
    /// segment's file pages are a private file mapping (as Linux's elf_map: MAP_PRIVATE of the
    /// file, filled in on first touch, copy-on-write, shared with every other process running
    /// the program), the partial page where the file part ends is a private copy with zeros
    /// after it (Linux's padzero) and the rest of the bss zero-fill on demand. Without one, or
    /// where segments share a page, the bytes are copied into private pages at once.</summary>
    internal static LoadError Map(ReadOnlySpan<byte> file, in Image image, ulong bias, AddressSpace space, ref UserRegions regions,
        Files.OpenFileDescription* backing = null)
    {
        ulong headerOffset = Read64(file, 32);
        ulong headerCount = Read16(file, 56);
        const ulong Page = UserMemory.PageSize;
        for (ulong i = 0; i < headerCount; i++)
        {
            ReadOnlySpan<byte> header = file.Slice((int)(headerOffset + (i * ProgramHeaderSize)), ProgramHeaderSize);
            if (Read32(header, 0) != ProgramLoad) continue;
            uint flags = Read32(header, 4);
            ulong offset = Read64(header, 8), address = Read64(header, 16) + bias;
            ulong fileSize = Read64(header, 32), memorySize = Read64(header, 40);
            if (memorySize == 0) continue;

            PageFlags protection = PageFlags.User;
            if ((flags & FlagWrite) != 0) protection |= PageFlags.Writable;
            if ((flags & FlagExecute) == 0) protection |= PageFlags.NoExecute;
            ulong start = address & ~(Page - 1);
            ulong end = (address + memorySize + Page - 1) & ~(Page - 1);
            // A segment without file bytes is all bss (its offset may be past the file: Parse).
            if (fileSize > 0 && backing != null && backing->Operations->Map != null && !regions.Overlaps(start, end))
            {
                LoadError mapped = MapFromFile(file, space, ref regions, backing, flags, protection, offset, address, fileSize, memorySize, end);
                if (mapped != LoadError.None) return mapped;
                continue;
            }

            if (!UserMemory.MapZeroed(space, start, end, protection)) return LoadError.OutOfMemory;
            if (!AddRegion(ref regions, start, end, flags)) return LoadError.OutOfMemory;
            if (fileSize > 0 && !UserMemory.Fill(space, address, file.Slice((int)offset, (int)fileSize)))
                return LoadError.OutOfMemory;
        }

        return LoadError.None;
    }

    /// <summary>One segment over free addresses as a private mapping of the file (see
    /// <see cref="Map"/>): [start, file end rounded down) maps the file, the page where the
    /// file part ends is copied now with zeros after it, the pages after it are the bss.</summary>
    private static LoadError MapFromFile(ReadOnlySpan<byte> file, AddressSpace space, ref UserRegions regions,
        Files.OpenFileDescription* backing, uint flags, PageFlags protection, ulong offset, ulong address, ulong fileSize, ulong memorySize, ulong end)
    {
        const ulong Page = UserMemory.PageSize;
        const RegionAccess All = RegionAccess.Read | RegionAccess.Write | RegionAccess.Execute;
        RegionAccess access = Access(flags);
        ulong start = address & ~(Page - 1);
        ulong fileEnd = address + fileSize;
        // The file maps up to where the file part ends: rounded up when no bss follows (the
        // last page then shows the file's next bytes, as on Linux), else rounded down, and the
        // page it ends in is the bss's first, copied below.
        bool bssFollows = memorySize > fileSize;
        ulong mappedEnd = bssFollows ? fileEnd & ~(Page - 1) : (fileEnd + Page - 1) & ~(Page - 1);
        if (mappedEnd > end) mappedEnd = end;
        if (mappedEnd > start)
        {
            var region = new Region(start, mappedEnd, access, All, RegionKind.ObjectPrivate);
            region.Tag = (ulong)backing;
            region.Offset = offset & ~(Page - 1);
            Files.OpenFileDescription.Retain(backing); // the region's own reference
            if (regions.Insert(region) != VmmError.None)
            {
                Files.OpenFileDescription.Release(backing);
                return LoadError.OutOfMemory;
            }
        }

        ulong rest = mappedEnd > start ? mappedEnd : start;
        if (rest >= end) return LoadError.None;
        // Linux's heuristic overcommit, as for mmap: a bss larger than all of memory can never
        // be backed (Linux's vm_brk fails it with ENOMEM).
        if (end - rest > Memory.KernelMemory.Frames.TotalBytes) return LoadError.OutOfMemory;
        if (regions.Insert(new Region(rest, end, access, All, RegionKind.Image)) != VmmError.None) return LoadError.OutOfMemory;
        if (fileEnd > rest)
        {
            // The page where the file part ends: its bytes, then zeros (Linux's padzero).
            if (!UserMemory.MapZeroed(space, rest, rest + Page, protection)) return LoadError.OutOfMemory;
            ulong from = address > rest ? address : rest;
            if (!UserMemory.Fill(space, from, file.Slice((int)(offset + (from - address)), (int)(fileEnd - from))))
                return LoadError.OutOfMemory;
        }

        return LoadError.None;
    }

    private static RegionAccess Access(uint flags)
    {
        RegionAccess access = RegionAccess.Read;
        if ((flags & FlagWrite) != 0) access |= RegionAccess.Write;
        if ((flags & FlagExecute) != 0) access |= RegionAccess.Execute;
        return access;
    }

    /// <summary>The load bias that puts a position-independent image's first page at
    /// <paramref name="address"/> rounded down to the image's alignment.</summary>
    internal static ulong Bias(in Image image, ulong address) => (address & ~(image.Alignment - 1)) - image.First;

    /// <summary>The layout of the main program loaded at <paramref name="bias"/>, before any
    /// interpreter.</summary>
    internal static Layout ProgramLayout(in Image image, ulong bias)
    {
        Layout layout = default;
        layout.Entry = layout.ProgramEntry = image.Entry + bias;
        layout.ProgramHeaders = image.ProgramHeaders == 0 ? 0 : image.ProgramHeaders + bias;
        layout.ProgramHeaderCount = image.ProgramHeaderCount;
        layout.End = image.End + bias;
        layout.ExecutableStack = image.ExecutableStack;
        return layout;
    }

    /// <summary>The segment's pages as an image region; a page an earlier segment already
    /// covers (segments may share one) stays in that segment's region.</summary>
    private static bool AddRegion(ref UserRegions regions, ulong start, ulong end, uint flags)
    {
        RegionAccess access = Access(flags);
        const RegionAccess All = RegionAccess.Read | RegionAccess.Write | RegionAccess.Execute;
        for (ulong page = start; page < end;)
        {
            int index = regions.IndexOf(page);
            if (index >= 0)
            {
                page = regions[index].End;
                continue;
            }
            int next = regions.FirstEndingAfter(page);
            ulong stop = next < regions.Count && regions[next].Start < end ? regions[next].Start : end;
            if (regions.Insert(new Region(page, stop, access, All, RegionKind.Image)) != VmmError.None) return false;
            page = stop;
        }

        return true;
    }

    private static ushort Read16(ReadOnlySpan<byte> b, int at) => (ushort)(b[at] | (b[at + 1] << 8));

    private static uint Read32(ReadOnlySpan<byte> b, int at) => (uint)(Read16(b, at) | ((uint)Read16(b, at + 2) << 16));

    private static ulong Read64(ReadOnlySpan<byte> b, int at) => Read32(b, at) | ((ulong)Read32(b, at + 4) << 32);
}
