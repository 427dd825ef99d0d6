namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>Where QEMU's virt machine puts its devices (hw/arm/virt.c, the memory map
/// a15memmap[]; also in the device tree and the ACPI tables the firmware passes on, which the
/// bring-up kernel does not read yet).</summary>
internal static class VirtMachine
{
    internal const ulong GicDistributor = 0x0800_0000;
    internal const ulong GicCpuInterface = 0x0801_0000;
    internal const ulong Uart = 0x0900_0000;
    internal const ulong FirmwareConfig = 0x0902_0000;
}
