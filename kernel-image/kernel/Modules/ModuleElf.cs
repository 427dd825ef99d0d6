using System;

namespace Aurora.Kernel.Modules;

/// <summary>
/// What the loader needs from a module file once its signature is good (docs/modules.md): an
/// ELF shared object for the kernel's own machine (ET_DYN x86-64 or arm64, linked -shared
/// -Bsymbolic, so the only relocations are R_X86_64_RELATIVE or R_AARCH64_RELATIVE), read
/// strictly. Every offset, size and address is checked against the file or the image span
/// before use; anything unexpected (a writable and executable segment,
/// overlapping pages, a relocation of another kind or pointing outside the image, a needed
/// library, a text relocation) is ENOEXEC. Nothing here maps or runs anything.
/// </summary>
internal unsafe ref struct ModuleElf
{
    /// <summary>Largest image (the span of its segments' addresses) a module may have.</summary>
    internal const ulong MaxImageBytes = 8UL << 20;
    internal const int MaxSegments = 8;
    private const int MaxSections = 128;

    private const uint LoadSegment = 1, DynamicSegment = 2;
    private const uint FlagExecute = 1, FlagWrite = 2;
    private const long DtNull = 0, DtNeeded = 1, DtPltRelSize = 2, DtRela = 7, DtRelaSize = 8, DtRelaEntry = 9,
        DtRel = 17, DtRelSize = 18, DtTextRel = 22, DtJmpRel = 23;
    private const uint RelocationNone = 0;

    /// <summary>e_machine of the two architectures the kernel runs on (ELF gABI; Hal.Cpu.ElfMachine).</summary>
    internal const ushort MachineX86_64 = 62, MachineAarch64 = 183;
    // R_X86_64_RELATIVE (System V x86-64 psABI §4.4.1) and R_AARCH64_RELATIVE (ELF for the Arm
    // 64-bit Architecture, §5.7.12, dynamic relocations): base + addend, no symbol.
    private const uint RelativeX86_64 = 8, RelativeAarch64 = 1027;

    internal struct Segment
    {
        public ulong Address, FileOffset, FileSize, MemorySize;
        public bool Writable, Executable;
    }

    private ReadOnlySpan<byte> _file;
    private Segment _s0, _s1, _s2, _s3, _s4, _s5, _s6, _s7;

    internal int SegmentCount;
    /// <summary>Page-rounded span of the segments' addresses (the image starts at 0).</summary>
    internal ulong ImageBytes;
    internal ulong Entry;
    /// <summary>The one relocation kind this machine's modules may carry (its RELATIVE).</summary>
    private uint _relative;
    internal ulong RelocationsAddress, RelocationsBytes;
    /// <summary>The runtime start-up list (__modules) inside the image, or 0 and 0.</summary>
    internal ulong ModulesAddress, ModulesBytes;
    /// <summary>Where the .modinfo strings are in the file.</summary>
    internal int InfoOffset, InfoBytes;

    internal readonly Segment SegmentAt(int index) => index switch
    {
        0 => _s0, 1 => _s1, 2 => _s2, 3 => _s3, 4 => _s4, 5 => _s5, 6 => _s6, _ => _s7,
    };

    private void SetSegment(int index, in Segment segment)
    {
        switch (index)
        {
            case 0: _s0 = segment; break;
            case 1: _s1 = segment; break;
            case 2: _s2 = segment; break;
            case 3: _s3 = segment; break;
            case 4: _s4 = segment; break;
            case 5: _s5 = segment; break;
            case 6: _s6 = segment; break;
            default: _s7 = segment; break;
        }
    }

    internal ReadOnlySpan<byte> Info => _file.Slice(InfoOffset, InfoBytes);

    /// <summary>Reads the headers; null when the file is a module this loader takes on
    /// <paramref name="machine"/> (the kernel's e_machine), else the reason (for the log line;
    /// the call answers ENOEXEC).</summary>
    internal string? Parse(ReadOnlySpan<byte> file, ushort machine)
    {
        _file = file;
        _relative = machine == MachineX86_64 ? RelativeX86_64 : machine == MachineAarch64 ? RelativeAarch64 : 0;
        if (_relative == 0) return "no module loader for this machine";
        if (file.Length < 64) return "shorter than an ELF header";
        if (file[0] != 0x7F || file[1] != (byte)'E' || file[2] != (byte)'L' || file[3] != (byte)'F') return "not an ELF file";
        if (file[4] != 2 || file[5] != 1 || file[6] != 1) return "not a little-endian ELF64 file";
        if (U16(16) != 3) return "not a shared object (ET_DYN)";
        if (U16(18) != machine) return machine == MachineX86_64 ? "not an x86-64 object" : "not an arm64 object";
        ulong programHeaders = U64(32), sectionHeaders = U64(40);
        int programSize = U16(54), programCount = U16(56), sectionSize = U16(58), sectionCount = U16(60), names = U16(62);
        if (programSize != 56 || programCount == 0 || programCount > 32) return "bad program header table";
        if (!Inside(programHeaders, (ulong)programCount * 56)) return "program headers outside the file";
        Entry = U64(24);

        ulong dynamicOffset = 0, dynamicBytes = 0;
        for (int i = 0; i < programCount; i++)
        {
            int at = (int)programHeaders + (i * 56);
            uint type = U32(at), flags = U32(at + 4);
            if (type == DynamicSegment)
            {
                dynamicOffset = U64(at + 8);
                dynamicBytes = U64(at + 32);
                continue;
            }

            if (type != LoadSegment || U64(at + 40) == 0) continue;
            if (SegmentCount == MaxSegments) return "too many segments";
            Segment segment = default;
            segment.FileOffset = U64(at + 8);
            segment.Address = U64(at + 16);
            segment.FileSize = U64(at + 32);
            segment.MemorySize = U64(at + 40);
            segment.Writable = (flags & FlagWrite) != 0;
            segment.Executable = (flags & FlagExecute) != 0;
            if (segment.Writable && segment.Executable) return "a segment is both writable and executable";
            if (segment.FileSize > segment.MemorySize || !Inside(segment.FileOffset, segment.FileSize)) return "a segment lies outside the file";
            if (segment.Address >= MaxImageBytes || segment.MemorySize > MaxImageBytes - segment.Address) return "image too large";
            if ((segment.Address & 4095) != (segment.FileOffset & 4095)) return "a segment is misaligned";
            SetSegment(SegmentCount++, segment);
            ulong end = (segment.Address + segment.MemorySize + 4095) & ~4095UL;
            if (end > ImageBytes) ImageBytes = end;
        }

        if (SegmentCount == 0) return "no loadable segment";
        // Each page belongs to one segment, so each page has one set of permissions.
        for (int i = 0; i < SegmentCount; i++)
        {
            for (int j = i + 1; j < SegmentCount; j++)
            {
                Segment a = SegmentAt(i);
                Segment b = SegmentAt(j);
                if (FirstPage(a) < EndPage(b) && FirstPage(b) < EndPage(a)) return "two segments share a page";
            }
        }

        if (!InExecutable(Entry)) return "the entry point is not in executable code";
        string? dynamic = ReadDynamic(dynamicOffset, dynamicBytes);
        if (dynamic != null) return dynamic;
        if (sectionSize != 64 || sectionCount == 0 || sectionCount > MaxSections || names >= sectionCount) return "bad section header table";
        if (!Inside(sectionHeaders, (ulong)sectionCount * 64)) return "section headers outside the file";
        return ReadSections((int)sectionHeaders, sectionCount, names);
    }

    private static ulong FirstPage(in Segment s) => s.Address & ~4095UL;

    private static ulong EndPage(in Segment s) => (s.Address + s.MemorySize + 4095) & ~4095UL;

    /// <summary>The segment whose memory holds [address, address + length), or -1.</summary>
    internal int SegmentOf(ulong address, ulong length)
    {
        for (int i = 0; i < SegmentCount; i++)
        {
            Segment s = SegmentAt(i);
            if (address >= s.Address && length <= s.MemorySize && address - s.Address <= s.MemorySize - length) return i;
        }

        return -1;
    }

    private bool InExecutable(ulong address)
    {
        int index = SegmentOf(address, 1);
        return index >= 0 && SegmentAt(index).Executable;
    }

    private string? ReadDynamic(ulong offset, ulong bytes)
    {
        if (bytes == 0) return null; // nothing to relocate
        if (!Inside(offset, bytes) || bytes % 16 != 0) return "bad dynamic section";
        ulong relocationEntry = 24;
        for (ulong at = offset; at < offset + bytes; at += 16)
        {
            long tag = (long)U64((int)at);
            ulong value = U64((int)at + 8);
            if (tag == DtNull) break;
            switch (tag)
            {
                case DtNeeded: return "needs a shared library";
                case DtRel: case DtRelSize: return "REL relocations (only RELA is taken)";
                case DtTextRel: return "relocations in its code";
                case DtPltRelSize: case DtJmpRel: if (value != 0) return "PLT relocations (link with -z now -Bsymbolic)"; break;
                case DtRela: RelocationsAddress = value; break;
                case DtRelaSize: RelocationsBytes = value; break;
                case DtRelaEntry: relocationEntry = value; break;
            }
        }

        if (relocationEntry != 24) return "bad relocation entry size";
        if (RelocationsBytes % 24 != 0) return "bad relocation table size";
        if (RelocationsBytes != 0 && SegmentOf(RelocationsAddress, RelocationsBytes) < 0) return "relocation table outside the image";
        return null;
    }

    private string? ReadSections(int table, int count, int names)
    {
        int namesAt = table + (names * 64);
        ulong namesOffset = U64(namesAt + 24), namesBytes = U64(namesAt + 32);
        if (!Inside(namesOffset, namesBytes)) return "section names outside the file";
        for (int i = 1; i < count; i++)
        {
            int at = table + (i * 64);
            uint name = U32(at);
            ulong address = U64(at + 16), offset = U64(at + 24), size = U64(at + 32);
            if (name >= namesBytes) return "bad section name";
            ReadOnlySpan<byte> sectionName = _file.Slice((int)namesOffset + (int)name, (int)(namesBytes - name));
            if (NameIs(sectionName, ".modinfo"u8))
            {
                if (!Inside(offset, size) || size > 4096) return "bad .modinfo section";
                InfoOffset = (int)offset;
                InfoBytes = (int)size;
            }
            else if (NameIs(sectionName, "__modules"u8))
            {
                if (size % 8 != 0 || SegmentOf(address, size) < 0 || !SegmentAt(SegmentOf(address, size)).Writable)
                    return "bad __modules section";
                ModulesAddress = address;
                ModulesBytes = size;
            }
        }

        return InfoBytes == 0 ? "no .modinfo section (not built by ./aurora module)" : null;
    }

    private static bool NameIs(ReadOnlySpan<byte> text, ReadOnlySpan<byte> name) =>
        text.Length > name.Length && text[name.Length] == 0 && text.Slice(0, name.Length).SequenceEqual(name);

    /// <summary>Applies the relocations to the image laid out at <paramref name="image"/>
    /// (<see cref="ImageBytes"/> long, to run at <paramref name="runAt"/>); null or the reason.
    /// Only the machine's RELATIVE into a writable segment, its target inside the image.</summary>
    internal string? Relocate(byte* image, ulong runAt)
    {
        for (ulong at = 0; at < RelocationsBytes; at += 24)
        {
            byte* entry = image + RelocationsAddress + at;
            ulong offset = *(ulong*)entry, info = *(ulong*)(entry + 8);
            long addend = *(long*)(entry + 16);
            uint type = (uint)info;
            if (type == RelocationNone) continue;
            if (type != _relative || (info >> 32) != 0) return "a relocation of a kind other than RELATIVE";
            int segment = SegmentOf(offset, 8);
            if (segment < 0 || !SegmentAt(segment).Writable) return "a relocation outside the module's data";
            if (addend < 0 || (ulong)addend >= ImageBytes) return "a relocation pointing outside the module";
            *(ulong*)(image + offset) = runAt + (ulong)addend;
        }

        return null;
    }

    /// <summary>Copies the segments' file bytes into <paramref name="image"/> (zeroed,
    /// <see cref="ImageBytes"/> long); the rest of each segment stays zero (.bss).</summary>
    internal void Lay(byte* image)
    {
        for (int i = 0; i < SegmentCount; i++)
        {
            Segment s = SegmentAt(i);
            _file.Slice((int)s.FileOffset, (int)s.FileSize).CopyTo(new Span<byte>(image + s.Address, (int)s.FileSize));
        }
    }

    /// <summary>The value of "key=" in .modinfo (NUL-separated key=value strings), or empty.</summary>
    internal ReadOnlySpan<byte> InfoValue(ReadOnlySpan<byte> key)
    {
        ReadOnlySpan<byte> info = Info;
        int start = 0;
        for (int i = 0; i <= info.Length; i++)
        {
            if (i < info.Length && info[i] != 0) continue;
            ReadOnlySpan<byte> entry = info.Slice(start, i - start);
            if (entry.Length > key.Length && entry[key.Length] == (byte)'=' && entry.Slice(0, key.Length).SequenceEqual(key))
                return entry.Slice(key.Length + 1);
            start = i + 1;
        }

        return default;
    }

    private bool Inside(ulong offset, ulong length) => offset <= (ulong)_file.Length && length <= (ulong)_file.Length - offset;

    private ushort U16(int at) => (ushort)(_file[at] | (_file[at + 1] << 8));

    private uint U32(int at) => (uint)(U16(at) | (U16(at + 2) << 16));

    private ulong U64(int at) => U32(at) | ((ulong)U32(at + 4) << 32);
}
