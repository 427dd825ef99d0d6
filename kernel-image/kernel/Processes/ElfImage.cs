using System;
using Aurora.Vmm;

namespace Aurora.Kernel.Processes;

/// <summary>Why a program could not be loaded.</summary>
internal enum LoadError
{
    None,
    NotElf,
    Unsupported,      // not ELF64, little-endian, x86-64, executable
    Malformed,        // headers or segments outside the file, overlapping the kernel half, ...
    OutOfMemory,
}

/// <summary>
/// Loads a statically linked ELF64 x86-64 executable (System V gABI, "ELF-64 Object File
/// Format" 1.5): every PT_LOAD segment is mapped page by page into the user half with the
/// segment's rights (W^X kept: writable pages are never executable unless the segment asks
/// for both), file bytes copied, the rest zeroed. Every header field is checked against the
/// file before it is used; a bad file is an error, never a kernel fault.
/// </summary>
internal static unsafe class ElfImage
{
    private const ushort TypeExecutable = 2, MachineX86_64 = 62;
    private const uint ProgramLoad = 1, ProgramInterpreter = 3;
    private const uint FlagExecute = 1, FlagWrite = 2;
    internal const int ProgramHeaderSize = 56;

    internal struct Layout
    {
        public ulong Entry;
        public ulong ProgramHeaders;   // user address of the program headers (AT_PHDR), or 0
        public ulong ProgramHeaderCount;
        public ulong End;              // first page above every segment: where brk starts
    }

    internal static LoadError Load(ReadOnlySpan<byte> file, AddressSpace space, ref UserRegions regions, out Layout layout)
    {
        layout = default;
        if (file.Length < 64 || file[0] != 0x7F || file[1] != (byte)'E' || file[2] != (byte)'L' || file[3] != (byte)'F')
            return LoadError.NotElf;
        if (file[4] != 2 || file[5] != 1 || file[6] != 1 || Read16(file, 16) != TypeExecutable || Read16(file, 18) != MachineX86_64)
            return LoadError.Unsupported;

        ulong entry = Read64(file, 24);
        ulong headerOffset = Read64(file, 32);
        ulong headerSize = Read16(file, 54);
        ulong headerCount = Read16(file, 56);
        if (headerSize != ProgramHeaderSize || headerCount == 0 || headerCount > 64 ||
            headerOffset > (ulong)file.Length || headerCount * headerSize > (ulong)file.Length - headerOffset)
            return LoadError.Malformed;

        // A program that names an interpreter (PT_INTERP: dynamically linked) cannot run
        // without it, and there is no dynamic loader yet: refused before anything is mapped
        // (Linux answers a bad PT_INTERP with ENOEXEC too), never run as if static.
        for (ulong i = 0; i < headerCount; i++)
        {
            ReadOnlySpan<byte> header = file.Slice((int)(headerOffset + (i * headerSize)), ProgramHeaderSize);
            if (Read32(header, 0) == ProgramInterpreter) return LoadError.Unsupported;
        }

        bool entryExecutable = false;
        for (ulong i = 0; i < headerCount; i++)
        {
            ReadOnlySpan<byte> header = file.Slice((int)(headerOffset + (i * headerSize)), ProgramHeaderSize);
            if (Read32(header, 0) != ProgramLoad) continue;
            uint flags = Read32(header, 4);
            ulong offset = Read64(header, 8), address = Read64(header, 16);
            ulong fileSize = Read64(header, 32), memorySize = Read64(header, 40);
            if (memorySize == 0) continue;
            if (fileSize > memorySize || offset > (ulong)file.Length || fileSize > (ulong)file.Length - offset ||
                address >= UserMemory.UserLimit || memorySize > UserMemory.UserLimit - address || address < UserMemory.PageSize ||
                (address & (UserMemory.PageSize - 1)) != (offset & (UserMemory.PageSize - 1)))
                return LoadError.Malformed;

            PageFlags protection = PageFlags.User;
            if ((flags & FlagWrite) != 0) protection |= PageFlags.Writable;
            if ((flags & FlagExecute) == 0) protection |= PageFlags.NoExecute;
            ulong start = address & ~(UserMemory.PageSize - 1);
            ulong end = (address + memorySize + UserMemory.PageSize - 1) & ~(UserMemory.PageSize - 1);
            if (!UserMemory.MapZeroed(space, start, end, protection)) return LoadError.OutOfMemory;
            if (!AddRegion(ref regions, start, end, flags)) return LoadError.OutOfMemory;
            if (!UserMemory.Fill(space, address, file.Slice((int)offset, (int)fileSize)))
                return LoadError.OutOfMemory;

            if (end > layout.End) layout.End = end;
            if ((flags & FlagExecute) != 0 && entry >= address && entry < address + memorySize) entryExecutable = true;
            if (headerOffset >= offset && headerOffset + (headerCount * headerSize) <= offset + fileSize)
                layout.ProgramHeaders = address + (headerOffset - offset);
        }

        if (!entryExecutable) return LoadError.Malformed;
        layout.Entry = entry;
        layout.ProgramHeaderCount = headerCount;
        return LoadError.None;
    }

    /// <summary>The segment's pages as an image region; a page an earlier segment already
    /// covers (segments may share one) stays in that segment's region.</summary>
    private static bool AddRegion(ref UserRegions regions, ulong start, ulong end, uint flags)
    {
        RegionAccess access = RegionAccess.Read;
        if ((flags & FlagWrite) != 0) access |= RegionAccess.Write;
        if ((flags & FlagExecute) != 0) access |= RegionAccess.Execute;
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
