namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>The GICv2 interrupt controller (Arm IHI 0048B): the distributor routes interrupts,
/// the CPU interface delivers them to this processor. QEMU's virt machine has a GICv2 unless
/// asked for gic-version=3.</summary>
internal static class Gic
{
    // Distributor (§4.3) and CPU interface (§4.4) register offsets.
    private const ulong DistributorControl = 0x000, DistributorType = 0x004, SetEnable = 0x100, ClearEnable = 0x180,
                        ClearPending = 0x280, Priority = 0x400, Targets = 0x800, Configuration = 0xC00;
    private const ulong CpuControl = 0x00, PriorityMask = 0x04, AcknowledgeRegister = 0x0C, EndOfInterrupt = 0x10;

    internal const uint Spurious = 1023;

    private static ulong s_distributor, s_cpu;
    internal static int Lines;

    internal static void Initialize()
    {
        s_distributor = DeviceTree.GicDistributor;
        s_cpu = DeviceTree.GicCpuInterface;
        Hal.Mmio.Write32(s_distributor + DistributorControl, 0);
        Lines = (int)(((Hal.Mmio.Read32(s_distributor + DistributorType) & 0x1F) + 1) * 32);
        // Whatever the firmware left enabled or pending is not ours.
        for (int i = 0; i < Lines / 32; i++)
        {
            Hal.Mmio.Write32(s_distributor + ClearEnable + (ulong)i * 4, 0xFFFF_FFFF);
            Hal.Mmio.Write32(s_distributor + ClearPending + (ulong)i * 4, 0xFFFF_FFFF);
        }
        // Every line at one middle priority (lower value = more urgent), all below the mask.
        for (int i = 0; i < Lines / 4; i++) Hal.Mmio.Write32(s_distributor + Priority + (ulong)i * 4, 0xA0A0_A0A0);
        Hal.Mmio.Write32(s_cpu + PriorityMask, 0xF0);
        Hal.Mmio.Write32(s_cpu + CpuControl, 1);
        Hal.Mmio.Write32(s_distributor + DistributorControl, 1);
    }

    /// <summary>Enables interrupt <paramref name="id"/> (a PPI 16-31 or an SPI 32+).</summary>
    internal static void Unmask(uint id) => Hal.Mmio.Write32(s_distributor + SetEnable + id / 32 * 4, 1u << (int)(id % 32));

    /// <summary>Makes SPI <paramref name="id"/> level-sensitive (GICD_ICFGR: bit 2n+1 clear,
    /// §4.3.13; PCI INTx is level, active high) and delivered to this processor (GICD_ITARGETSR
    /// byte = CPU interface 0's bit, §4.3.12), before it is unmasked.</summary>
    internal static void RouteLevelToThisProcessor(uint id)
    {
        if (id < 32 || id >= (uint)Lines) return;
        ulong configuration = s_distributor + Configuration + id / 16 * 4;
        int bit = (int)(id % 16 * 2 + 1);
        Hal.Mmio.Write32(configuration, Hal.Mmio.Read32(configuration) & ~(1u << bit));
        ulong targets = s_distributor + Targets + id / 4 * 4;
        int shift = (int)(id % 4 * 8);
        Hal.Mmio.Write32(targets, (Hal.Mmio.Read32(targets) & ~(0xFFu << shift)) | (1u << shift));
    }

    internal static void Mask(uint id) => Hal.Mmio.Write32(s_distributor + ClearEnable + id / 32 * 4, 1u << (int)(id % 32));

    /// <summary>Takes the highest-priority pending interrupt (its id, or <see cref="Spurious"/>);
    /// the value goes back to <see cref="Complete"/>.</summary>
    internal static uint Acknowledge() => Hal.Mmio.Read32(s_cpu + AcknowledgeRegister);

    internal static void Complete(uint acknowledged) => Hal.Mmio.Write32(s_cpu + EndOfInterrupt, acknowledged);
}
