using System.Collections.Generic;
using System.Linq;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>Tests that must end in a kernel panic, one boot each, with the report's content
/// asserted: the cause in words, the vector and error code, CR2 for page faults, every
/// register, a backtrace, and QEMU ending with the panic code.</summary>
public class PanicReportTests
{
    public static IEnumerable<object[]> PanicTests() => KernelSuite.PanicTestNames.Select(n => new object[] { n });

    private static BootResult Run(string test)
    {
        BootResult run = QemuBoot.Boot(BootPath.GrubBios, "test=" + test);
        Assert.True(run.ExitCode == BootResult.KernelPanicked, $"{test} did not end in a panic:\n{run}");
        Assert.Contains("KERNEL PANIC: ", run.Serial);
        Assert.Contains("backtrace (return addresses):", run.Serial);
        Assert.Contains("System halted.", run.Serial);
        Assert.DoesNotContain($"[test] {test} ... PASS", run.Serial);
        return run;
    }

    private static void AssertRegisterDump(string serial)
    {
        foreach (string register in new[] { "RIP", "RSP", "RFLAGS", "RAX", "RBX", "RCX", "RDX", "RSI", "RDI", "RBP", "R8", "R9", "R10", "R11", "R12", "R13", "R14", "R15", "CS", "SS", "CR3" })
            Assert.Matches($@"\b{register}=0x[0-9a-f]{{16}}", serial);
    }

    [Theory]
    [MemberData(nameof(PanicTests))]
    public void EveryPanicTestEndsInAReport(string test) => Run(test);

    [Fact]
    public void PageFaultReportsAddressAndCause()
    {
        BootResult run = Run("panic.page_fault");
        Assert.Contains("KERNEL PANIC: Page fault (#PF)", run.Serial);
        Assert.Contains("vector 14  error code 0x0", run.Serial);
        Assert.Contains("CR2 (faulting address) 0x00007a5adead0000", run.Serial);
        Assert.Contains("cause: page not present, read, kernel mode", run.Serial);
        AssertRegisterDump(run.Serial);
    }

    [Fact]
    public void NullDereferenceIsNamed()
    {
        BootResult run = Run("panic.null_dereference");
        Assert.Contains("KERNEL PANIC: Page fault (#PF) (null dereference)", run.Serial);
        Assert.Matches(@"CR2 \(faulting address\) 0x0000000000000[0-9a-f]{3}", run.Serial);
        AssertRegisterDump(run.Serial);
    }

    [Fact]
    public void GeneralProtectionFaultIsReported()
    {
        BootResult run = Run("panic.general_protection");
        Assert.Contains("KERNEL PANIC: General protection fault (#GP)", run.Serial);
        Assert.Contains("vector 13", run.Serial);
        AssertRegisterDump(run.Serial);
    }

    [Fact]
    public void FailedBoundsCheckNamesTheException()
    {
        BootResult run = Run("panic.bounds_check");
        Assert.Contains("KERNEL PANIC: System.IndexOutOfRangeException: Index was outside the bounds of the array.", run.Serial);
    }

    [Fact]
    public void KernelStackOverflowHitsTheGuardPage()
    {
        BootResult run = Run("panic.kernel_stack_overflow");
        Assert.Contains("KERNEL PANIC: Double fault (#DF)", run.Serial);
        Assert.Matches(@"kernel stack overflow: CR2 0xffff[0-9a-f]{12} is in the unmapped guard below a thread's stack", run.Serial);
        AssertRegisterDump(run.Serial);
    }

    [Fact]
    public void DivisionByZeroIsReported()
    {
        BootResult run = Run("panic.divide_by_zero");
        Assert.Matches(@"KERNEL PANIC: (Divide error \(#DE\): division by zero|System.DivideByZeroException)", run.Serial);
    }

    [Fact]
    public void HeapWriteAfterFreeIsCaughtWithTheAddress()
    {
        BootResult run = Run("panic.heap_write_after_free");
        Assert.Matches(@"KERNEL PANIC: heap: .*(after|freed).* at 0x[0-9a-f]{16}", run.Serial);
    }

    [Fact]
    public void ThrowNamesTypeAndMessage()
    {
        BootResult run = Run("panic.thrown_exception");
        Assert.Contains("KERNEL PANIC: System.InvalidOperationException: deliberate throw from panic.thrown_exception", run.Serial);
    }
}
