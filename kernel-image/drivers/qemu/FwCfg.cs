using Aurora.Kernel.Hal;

namespace Aurora.Kernel.Drivers.Qemu;

/// <summary>
/// QEMU's firmware configuration device (docs/specs/fw_cfg.txt in QEMU): a selector port and a
/// data port. Aurora reads one file from it, "opt/aurora/cmdline", which the test harness uses
/// to tell a single test image which suite to run (<c>-fw_cfg name=opt/aurora/cmdline,string=...</c>).
/// </summary>
internal static unsafe class FwCfg
{
    private const ushort SelectorPort = 0x510;
    private const ushort DataPort = 0x511;
    private const ushort SignatureSelector = 0x0000;
    private const ushort FileDirectorySelector = 0x0019;

    internal static bool Present()
    {
        Io.Out16(SelectorPort, SignatureSelector);
        return Io.In8(DataPort) == (byte)'Q' && Io.In8(DataPort) == (byte)'E'
            && Io.In8(DataPort) == (byte)'M' && Io.In8(DataPort) == (byte)'U';
    }

    /// <summary>Copies the named file into the buffer; returns its length (truncated to the
    /// buffer), or -1 when there is no such file or no fw_cfg device.</summary>
    internal static int ReadFile(System.ReadOnlySpan<byte> name, System.Span<byte> buffer)
    {
        if (!Present()) return -1;
        Io.Out16(SelectorPort, FileDirectorySelector);
        uint count = ReadBigEndian32();
        for (uint i = 0; i < count && i < 4096; i++)
        {
            uint size = ReadBigEndian32();
            ushort selector = (ushort)((Io.In8(DataPort) << 8) | Io.In8(DataPort));
            Io.In8(DataPort);
            Io.In8(DataPort);
            byte* entryName = stackalloc byte[56];
            for (int j = 0; j < 56; j++) entryName[j] = Io.In8(DataPort);
            if (!NameEquals(entryName, name)) continue;
            Io.Out16(SelectorPort, selector);
            int length = (int)(size < (uint)buffer.Length ? size : (uint)buffer.Length);
            for (int j = 0; j < length; j++) buffer[j] = Io.In8(DataPort);
            return length;
        }
        return -1;
    }

    private static uint ReadBigEndian32()
    {
        uint value = 0;
        for (int i = 0; i < 4; i++) value = (value << 8) | Io.In8(DataPort);
        return value;
    }

    private static bool NameEquals(byte* entryName, System.ReadOnlySpan<byte> name)
    {
        if (name.Length >= 56) return false;
        for (int i = 0; i < name.Length; i++) if (entryName[i] != name[i]) return false;
        return entryName[name.Length] == 0;
    }
}
