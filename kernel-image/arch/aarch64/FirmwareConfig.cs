namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>
/// QEMU's firmware configuration device on the virt machine (QEMU docs/specs/fw_cfg.rst, the
/// MMIO interface): where the kernel options of a test or script boot come from, the same
/// `-fw_cfg name=opt/aurora/cmdline` item the x86_64 kernel reads through I/O ports.
/// </summary>
internal static class FirmwareConfig
{
    // Data (byte reads stream the selected item), selector (16-bit, big-endian).
    private const ulong Data = 0x0, Selector = 0x8;
    private const ushort SignatureItem = 0x0000, FileDirectory = 0x0019;

    private static ulong Base => DeviceTree.FirmwareConfig;

    /// <summary>Copies the named file's contents (at most <paramref name="capacity"/> bytes)
    /// into <paramref name="buffer"/>; the length, or -1 when QEMU has no such item.</summary>
    internal static unsafe int Read(string name, byte* buffer, int capacity)
    {
        Select(SignatureItem);
        if (ReadByte() != (byte)'Q' || ReadByte() != (byte)'E' || ReadByte() != (byte)'M' || ReadByte() != (byte)'U') return -1;
        Select(FileDirectory);
        uint count = ReadBigEndian32();
        for (uint i = 0; i < count && i < 4096; i++)
        {
            uint size = ReadBigEndian32();
            ushort select = (ushort)(ReadByte() << 8 | ReadByte());
            ReadByte(); ReadByte();
            bool match = true;
            for (int c = 0; c < 56; c++)
            {
                byte b = ReadByte();
                byte expected = c < name.Length ? (byte)name[c] : (byte)0;
                if (b != expected) match = false;
            }
            if (!match) continue;
            Select(select);
            int length = (int)(size < (uint)capacity ? size : (uint)capacity);
            for (int k = 0; k < length; k++) buffer[k] = ReadByte();
            return length;
        }
        return -1;
    }

    // The selector is big-endian on the MMIO interface (fw_cfg.rst, "MMIO Register Details").
    private static void Select(ushort item) => Hal.Mmio.Write16(Base + Selector, (ushort)(item >> 8 | item << 8));

    private static byte ReadByte() => Hal.Mmio.Read8(Base + Data);

    private static uint ReadBigEndian32() => (uint)ReadByte() << 24 | (uint)ReadByte() << 16 | (uint)ReadByte() << 8 | ReadByte();
}
