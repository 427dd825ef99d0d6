namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>Where QEMU's virt machine puts its devices (hw/arm/virt.c, the memory map
/// a15memmap[]): the defaults DeviceTree.cs replaces with what the device tree says.</summary>
internal static class VirtMachine
{
    internal const ulong GicDistributor = 0x0800_0000;
    internal const ulong GicCpuInterface = 0x0801_0000;
    internal const ulong Uart = 0x0900_0000;
    internal const ulong FirmwareConfig = 0x0902_0000;
    internal const ulong Rtc = 0x0901_0000;
    /// <summary>The UART's interrupt: virt's a15irqmap[VIRT_UART], SPI 1, interrupt id 32 + 1.</summary>
    internal const uint UartInterrupt = 33;
}
