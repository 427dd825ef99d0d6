using System;
using Aurora.Kernel.Arch.X86_64;
using Aurora.Kernel.Drivers.Net;
using Aurora.Kernel.Drivers.Pci;
using static Aurora.Kernel.Tests.TestRunner;
using Timer = Aurora.Kernel.Hal.Timer;

namespace Aurora.Kernel.Tests;

/// <summary>The driver model on x86_64: the PCI registry, the e1000 on its interrupt and MSI
/// (DriverModelTests has the portable bodies: the registry's binding rules, DMA memory).
/// Test boots run QEMU q35 with <c>-device e1000</c> (so also the ICH9 AHCI controller at
/// 00:1f.2, which has an MSI capability, and the 82540EM, which has none).</summary>
internal static unsafe class DriverTests
{
    private const ushort VendorIntel = 0x8086, Q35HostBridge = 0x29C0, Ich9Ahci = 0x2922;

    internal static void RegistryBindsTheE1000ById()
    {
        PciDevice? function = PciDrivers.Find(E1000.VendorIntel, E1000.Device82540EM);
        Check(function != null, "the 82540EM was not enumerated");
        if (function == null) return;
        Check(function.Driver == E1000Driver.Instance, "the e1000 driver is not bound to the 82540EM");
        Check(function.DriverData is E1000, "the bound driver left no E1000 object");
        Check(NetworkDevices.First == function.DriverData, "the e1000 is not the first network device");
        Check(Net.NetworkStack.Device == function.DriverData, "the stack does not drive the registered device");
        Check(PciDrivers.DeviceCount >= 3, "fewer than three PCI functions on a q35 machine");
    }

    /// <summary>The q35 host bridge (8086:29c0) has no driver: DriverModelTests binds a
    /// test driver to it and lets it go.</summary>
    internal static void UnknownIdIsNotProbedAndRemoveUnbinds() =>
        DriverModelTests.UnknownIdIsNotProbedAndRemoveUnbinds(VendorIntel, Q35HostBridge, "q35 host bridge");

    /// <summary>An ARP exchange with QEMU's gateway goes out through the device interface; the
    /// reply arrives on the card's interrupt and the network thread, woken by it, hands it to
    /// the stack. Then a second of idle: the thread must not wake on ticks.</summary>
    internal static void E1000ReceivesOnItsInterrupt()
    {
        var nic = NetworkDevices.First as E1000;
        Check(nic != null && nic.InterruptDriven, "the e1000 is not interrupt driven");
        if (nic == null) return;
        Check(!nic.Pci.HasMsi, "QEMU's 82540EM unexpectedly has an MSI capability");
        ulong interrupts = nic.InterruptCount, frames = nic.ReceivedFrames, wakeUps = Net.NetworkStack.WakeUps;
        ulong lineCount = DeviceInterrupts.Count(Interrupts.IrqBase + nic.Pci.InterruptLine);
        Net.NetworkStack.Lock();
        ulong stackFrames = Net.NetworkStack.Interface.Statistics.FramesReceived;
        bool lent = nic.TryReserveTransmit(out Span<byte> frame);
        if (lent)
        {
            frame.Slice(0, 60).Clear();
            byte* mac = stackalloc byte[6];
            nic.MacAddress(new Span<byte>(mac, 6));
            for (int i = 0; i < 6; i++) { frame[i] = 0xFF; frame[6 + i] = mac[i]; frame[22 + i] = mac[i]; }
            frame[12] = 0x08; frame[13] = 0x06; frame[15] = 1; frame[16] = 0x08;
            frame[18] = 6; frame[19] = 4; frame[21] = 1;
            frame[28] = 10; frame[30] = 2; frame[31] = 15;    // sender 10.0.2.15
            frame[38] = 10; frame[40] = 2; frame[41] = 2;     // target 10.0.2.2
            nic.Transmit(60);
        }

        Net.NetworkStack.Unlock();
        Check(lent, "no transmit buffer was lent");
        // QEMU's e1000 holds received frames for 1 s after the receiver is enabled (its
        // flush_queue_timer), so right after boot the reply takes about that long.
        ulong start = Timer.Ticks();
        while (nic.ReceivedFrames == frames && Timer.Ticks() - start < 2000) Tasks.Scheduler.Sleep(10);
        ulong answeredAfter = Timer.Ticks() - start;
        Tasks.Scheduler.Sleep(1000);
        ulong ticks = Timer.Ticks() - start;
        Net.NetworkStack.Lock();
        ulong stackGot = Net.NetworkStack.Interface.Statistics.FramesReceived - stackFrames;
        Net.NetworkStack.Unlock();
        ulong irqs = nic.InterruptCount - interrupts, woke = Net.NetworkStack.WakeUps - wakeUps;
        Log.Write("  e1000 IRQ ");
        Log.WriteDecimal((long)nic.Pci.InterruptLine);
        Log.Write(": ");
        Log.WriteDecimal((long)irqs);
        Log.Write(" interrupts, ");
        Log.WriteDecimal((long)(nic.ReceivedFrames - frames));
        Log.Write(" frames received, ");
        Log.WriteDecimal((long)woke);
        Log.Write(" network-thread wake-ups in ");
        Log.WriteDecimal((long)ticks);
        Log.Write(" ticks (reply after ");
        Log.WriteDecimal((long)answeredAfter);
        Log.WriteLine(" ms)");
        Check(irqs > 0, "no e1000 interrupt");
        Check(DeviceInterrupts.Count(Interrupts.IrqBase + nic.Pci.InterruptLine) > lineCount, "nothing dispatched on the e1000's line");
        Check((nic.CausesSeen & E1000.CauseRxt0) != 0, "no receive-timer cause (RXT0) seen");
        Check(nic.ReceivedFrames > frames, "the gateway's ARP reply was not received");
        Check(stackGot > 0, "the stack was not given the received frame");
        Check(woke > 0, "the network thread never woke");
        Check(woke * 20 < ticks, "the network thread woke on ticks, not on events");
    }

    private static int s_msiCalls;

    private static bool CountMsi(object context)
    {
        s_msiCalls++;
        return true;
    }

    /// <summary>The capability walk finds MSI on the ICH9 AHCI controller and the message is
    /// programmed to a free vector on this processor's local APIC; disabling gives the vector
    /// back. Delivery is not exercised: no device in the test machine raises MSI without a
    /// driver for it (the AHCI controller's interrupts stay off).</summary>
    internal static void MsiCapabilityIsFoundAndProgrammed()
    {
        PciDevice? ahci = PciDrivers.Find(VendorIntel, Ich9Ahci);
        Check(ahci != null, "no ICH9 AHCI controller (8086:2922) on the q35 machine");
        if (ahci == null) return;
        Check(ahci.HasMsi, "the capability walk did not find MSI on the AHCI controller");
        object context = ahci;
        bool enabled = ahci.EnableMsi(&CountMsi, context);
        Check(enabled, "MSI could not be enabled");
        if (!enabled) return;
        int vector = ahci.MsiVector;
        Check(vector >= DeviceInterrupts.FirstMessageVector && vector < DeviceInterrupts.FirstMessageVector + DeviceInterrupts.MessageVectors,
            "the MSI vector is outside the message range");
        ahci.ReadMsi(out ulong address, out ushort data, out bool on);
        CheckEqual((long)(0xFEE0_0000UL | ((ulong)LocalApic.Id << 12)), (long)address, "MSI address");
        CheckEqual(vector, data, "MSI data (the vector)");
        Check(on, "MSI Enable is not set");
        Check((PciBus.Read16(ahci.Address, PciBus.Command) & PciBus.InterruptDisable) != 0, "INTx was not disabled");
        ahci.DisableMsi();
        ahci.ReadMsi(out _, out _, out on);
        Check(!on, "MSI is still enabled after DisableMsi");
        Check((PciBus.Read16(ahci.Address, PciBus.Command) & PciBus.InterruptDisable) == 0, "INTx was not enabled again");
        // The vector is free again: the next allocation gets the same one.
        Check(ahci.EnableMsi(&CountMsi, context) && ahci.MsiVector == vector, "the vector was not given back");
        ahci.DisableMsi();
        CheckEqual(0, s_msiCalls, "MSI handler calls from a controller that never signals");
    }
}
