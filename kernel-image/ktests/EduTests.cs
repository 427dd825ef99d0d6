using Aurora.Kernel.Arch.X86_64;
using Aurora.Kernel.Drivers.Pci;
using Aurora.Kernel.Hal;
using static Aurora.Kernel.Tests.TestRunner;
using Timer = Aurora.Kernel.Hal.Timer;

namespace Aurora.Kernel.Tests;

/// <summary>MSI delivery end to end, on QEMU's edu device (<c>-device edu</c> in every test
/// boot, kernel-image/tests/Qemu/QemuBoot.cs): the test driver <see cref="EduDriver"/> binds it
/// through the registry, takes its interrupt with <see cref="PciDevice.RequestInterrupt"/>
/// (MSI), and each write of the device's interrupt-raise register must reach the handler once,
/// on the allocated vector, through the local APIC.</summary>
internal static unsafe class EduTests
{
    private const int Raises = 5;
    private const ulong WaitMs = 1000;

    private static bool NoHandler(object context) => false;

    internal static void MsiIsDeliveredToTheDriver()
    {
        PciDevice? function = PciDrivers.Find(Edu.Vendor, Edu.Device);
        Check(function != null, "no edu device (1234:11e8): QEMU needs -device edu");
        if (function == null) return;
        Check(function.Driver == null, "the edu was bound before its driver was registered");
        Check(function.HasMsi, "the edu has no MSI capability");
        CheckEqual(1, PciDrivers.Register(EduDriver.Instance), "functions the edu driver bound");
        var edu = function.DriverData as Edu;
        Check(function.Driver == EduDriver.Instance && edu != null, "the edu driver is not bound to 1234:11e8");
        if (edu == null)
        {
            PciDrivers.Unregister(EduDriver.Instance);
            return;
        }

        // The registers answer: identification 0x010000ed (version 1.0), liveness inverts.
        CheckEqual(0x010000ED, edu.Read(Edu.Identification), "edu identification register");
        edu.Write(Edu.Liveness, 0x1234_5678);
        CheckEqual(~0x1234_5678u, edu.Read(Edu.Liveness), "edu liveness register (inverted)");

        // The interrupt is an MSI, not INTx: a vector in the message range, programmed in the
        // capability with MSI Enable and INTx Disable set.
        Check(edu.InterruptDriven, "RequestInterrupt failed for the edu");
        int vector = function.MsiVector;
        Check(DeviceInterrupts.IsMessageVector(vector), "the edu's interrupt is not on an MSI vector (INTx used?)");
        function.ReadMsi(out ulong address, out ushort data, out bool enabled);
        Check(enabled, "MSI Enable is not set in the edu's capability");
        CheckEqual((long)(0xFEE0_0000UL | ((ulong)LocalApic.Id << 12)), (long)address, "edu MSI address");
        CheckEqual(vector, data, "edu MSI data (the vector)");
        Check((PciBus.Read16(function.Address, PciBus.Command) & PciBus.InterruptDisable) != 0, "INTx is not disabled on the edu");

        // N raises, each waited for: exactly N handler calls and N dispatches on the vector.
        int handled = edu.Interrupts;
        ulong dispatched = DeviceInterrupts.Count(vector);
        int delivered = 0;
        ulong slowest = 0;
        for (int i = 0; i < Raises; i++)
        {
            uint value = 0x1000u << i;
            int before = edu.Interrupts;
            ulong start = Timer.Ticks();
            edu.Write(Edu.InterruptRaise, value);
            while (edu.Interrupts == before && Timer.Ticks() - start < WaitMs) Tasks.Scheduler.Sleep(1);
            ulong took = Timer.Ticks() - start;
            if (took > slowest) slowest = took;
            if (edu.Interrupts != before) delivered++;
            CheckEqual(value, edu.LastAcknowledged, "status value the handler acknowledged");
            CheckEqual(0, edu.Read(Edu.InterruptStatus), "edu interrupt status after the acknowledgement");
        }

        Tasks.Scheduler.Sleep(50);   // nothing more may arrive
        int handlerCalls = edu.Interrupts - handled;
        ulong onVector = DeviceInterrupts.Count(vector) - dispatched;
        Log.Write("  edu MSI on vector ");
        Log.WriteHex((ulong)vector, 2);
        Log.Write(" (address ");
        Log.WriteHex(address, 8);
        Log.Write(", data ");
        Log.WriteHex(data, 4);
        Log.Write("): raised ");
        Log.WriteDecimal((long)Raises);
        Log.Write(", expected ");
        Log.WriteDecimal((long)Raises);
        Log.Write(" handler calls and dispatches; actual ");
        Log.WriteDecimal((long)handlerCalls);
        Log.Write(" handler calls, ");
        Log.WriteDecimal((long)onVector);
        Log.Write(" dispatches, each within ");
        Log.WriteDecimal((long)slowest);
        Log.WriteLine(" ms");
        CheckEqual(Raises, delivered, "raises that reached the handler within 1 s");
        CheckEqual(Raises, handlerCalls, "edu handler calls");
        CheckEqual(Raises, (long)onVector, "interrupts dispatched on the MSI vector");
        CheckEqual(0, edu.Empty, "handler calls with nothing raised");
        CheckEqual(0x1F000, edu.AllAcknowledged, "every raised bit acknowledged (OR)");

        // The factorial unit as a sanity check, reporting completion by its own interrupt (1).
        int beforeFactorial = edu.Interrupts;
        edu.Write(Edu.Status, Edu.StatusInterruptOnFactorial);
        edu.Write(Edu.Factorial, 10);
        ulong factorialStart = Timer.Ticks();
        while (edu.Interrupts == beforeFactorial && Timer.Ticks() - factorialStart < WaitMs) Tasks.Scheduler.Sleep(1);
        uint factorial = edu.Read(Edu.Factorial);
        Log.Write("  edu 10! expected 3628800, actual ");
        Log.WriteDecimal((long)factorial);
        Log.Write(", completion interrupts ");
        Log.WriteDecimal((long)(edu.Interrupts - beforeFactorial));
        Log.WriteLine();
        CheckEqual(1, edu.Interrupts - beforeFactorial, "factorial completion interrupts");
        CheckEqual(Edu.FactorialInterrupt, edu.LastAcknowledged, "status value of the factorial interrupt");
        CheckEqual(3628800, factorial, "10! computed by the edu");
        CheckEqual(0, edu.Read(Edu.Status) & Edu.StatusComputing, "edu still computing");
        edu.Write(Edu.Status, 0);

        // Unbinding frees the vector: MSI off, INTx back, and the next allocation gets it.
        PciDrivers.Unbind(function);
        Check(function.Driver == null && function.DriverData == null, "unbind left the edu bound");
        CheckEqual(0, function.MsiVector, "the edu's MSI vector after unbind");
        function.ReadMsi(out _, out _, out enabled);
        Check(!enabled, "MSI is still enabled on the edu after unbind");
        Check((PciBus.Read16(function.Address, PciBus.Command) & PciBus.InterruptDisable) == 0, "INTx was not enabled again");
        object probe = function;
        bool got = InterruptController.AllocateMessage(&NoHandler, probe, out MessageTarget target);
        Check(got, "no MSI vector free after unbind");
        if (got)
        {
            CheckEqual(vector, target.Vector, "the vector allocated after unbind (the edu's, freed)");
            InterruptController.FreeMessage(target);
        }

        // Bound again, the device delivers again; then the driver goes away.
        Check(PciDrivers.Rebind(function) && function.Driver == EduDriver.Instance, "the edu was not bound again");
        if (function.DriverData is Edu again)
        {
            CheckEqual(vector, function.MsiVector, "the edu's vector after rebind");
            ulong count = DeviceInterrupts.Count(vector);
            ulong start = Timer.Ticks();
            again.Write(Edu.InterruptRaise, 1);
            while (again.Interrupts == 0 && Timer.Ticks() - start < WaitMs) Tasks.Scheduler.Sleep(1);
            CheckEqual(1, again.Interrupts, "edu handler calls after rebind");
            CheckEqual(1, (long)(DeviceInterrupts.Count(vector) - count), "dispatches on the vector after rebind");
        }

        PciDrivers.Unregister(EduDriver.Instance);
        Check(function.Driver == null, "unregister left the edu bound");
        CheckEqual(0, function.MsiVector, "the edu's MSI vector after unregister");
    }
}
