using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>x86_64's PanicReportTests on aarch64: each panic.* test of the aarch64 catalog
/// (kernel-image/ktests/aarch64/TestCatalog.cs) ends its own boot in a readable panic (about
/// 7 s each under TCG): the cause in words, the syndrome decoded for aborts, every register,
/// a backtrace, and PSCI SYSTEM_OFF after it (status 0; the verdict is the serial log's).</summary>
public class Aarch64PanicReportTests
{
    private static string TestImage => Path.Combine(QemuBoot.Artifacts, "aurora-aarch64-test.img");

    /// <summary>The panic.* names of the catalog but the PAN one, which needs `-cpu max`
    /// (<see cref="Aarch64ProtectionTests"/>).</summary>
    public static IEnumerable<object[]> PanicTests() => Aarch64KernelTests.ReadAllNames()
        .Where(n => n.StartsWith("panic.", StringComparison.Ordinal) && !n.Contains("under_pan", StringComparison.Ordinal))
        .Select(n => new object[] { n });

    internal static BootResult Run(string test, string cpu = "cortex-a72")
    {
        BootResult run = Aarch64BootTests.Boot("test=" + test, TestImage, TimeSpan.FromSeconds(120), memory: "512M", cpu: cpu);
        Assert.False(run.TimedOut, $"{test} did not end (a silent hang):\n{Tail(run.Serial)}");
        Assert.Equal(0, run.ExitCode);   // PSCI SYSTEM_OFF after the report
        Assert.Contains($"[test] > {test}", run.Serial);
        Assert.Contains("KERNEL PANIC: ", run.Serial);
        Assert.Contains("backtrace (return addresses", run.Serial);
        Assert.Contains("System halted.", run.Serial);
        Assert.DoesNotContain($"[test] {test} ...", run.Serial);
        return run;
    }

    internal static void AssertRegisterDump(string serial)
    {
        for (int i = 0; i < 31; i++) Assert.Matches($@"\bx{i} 0x[0-9a-f]{{16}}", serial);
        Assert.Matches(@"ELR 0x[0-9a-f]{16}  SPSR 0x[0-9a-f]{8}  SP 0x[0-9a-f]{16}  SP_EL0 0x[0-9a-f]{16}", serial);
    }

    private static string Tail(string serial) => serial.Length > 6000 ? serial[^6000..] : serial;

    [Theory]
    [MemberData(nameof(PanicTests))]
    public void Every_panic_test_ends_in_a_report_on_aarch64(string test) => Run(test);

    [Fact]
    public void A_read_of_an_unmapped_address_is_a_decoded_translation_fault()
    {
        string serial = Run("panic.page_fault").Serial;
        Assert.Contains("KERNEL PANIC: data abort (synchronous, EL1)", serial);
        Assert.Contains("FAR 0x00007a5adead0000", serial);
        Assert.Contains("read: translation fault at level", serial);
        AssertRegisterDump(serial);
    }

    [Fact]
    public void A_null_dereference_is_named()
    {
        string serial = Run("panic.null_dereference").Serial;
        Assert.Contains("KERNEL PANIC: data abort (synchronous, EL1) (null dereference)", serial);
        Assert.Matches(@"FAR 0x0000000000000[0-9a-f]{3}", serial);
        AssertRegisterDump(serial);
    }

    [Fact]
    public void A_failed_bounds_check_names_the_exception() =>
        Assert.Contains("KERNEL PANIC: System.IndexOutOfRangeException: Index was outside the bounds of the array.", Run("panic.bounds_check").Serial);

    /// <summary>arm64's SDIV gives 0 for a zero divisor, no trap: the .NET check throws.</summary>
    [Fact]
    public void A_division_by_zero_is_the_runtimes_exception() =>
        Assert.Contains("KERNEL PANIC: System.DivideByZeroException", Run("panic.divide_by_zero").Serial);

    [Fact]
    public void A_throw_names_type_and_message() =>
        Assert.Contains("KERNEL PANIC: System.InvalidOperationException: deliberate throw from panic.thrown_exception", Run("panic.thrown_exception").Serial);

    [Fact]
    public void A_heap_write_after_free_is_caught_with_the_address() =>
        Assert.Matches(@"KERNEL PANIC: heap: .*(after|freed).* at 0x[0-9a-f]{16}", Run("panic.heap_write_after_free").Serial);

    /// <summary>The guard page below a thread's kernel stack: vectors.S sees the frame would
    /// land in it and reports on a stack of its own. Before: each nested exception's frame
    /// faulted a frame lower until one landed on the stack below the guard (another thread's),
    /// and the report was of the vectors' own store, its backtrace looping.</summary>
    [Fact]
    public void A_kernel_stack_overflow_hits_the_guard_page_and_is_reported()
    {
        string serial = Run("panic.kernel_stack_overflow").Serial;
        Assert.Matches(@"KERNEL PANIC: kernel stack overflow: SP 0xffff[0-9a-f]{12}, FAR 0xffff[0-9a-f]{12} is in the unmapped guard below a thread's stack", serial);
        Assert.Contains("write: translation fault at level 3", serial);
        AssertRegisterDump(serial);
    }
}

/// <summary>PAN (ARMv8.1), which QEMU's cortex-a72 lacks: two boots under `-cpu max`
/// (pointer authentication's QARMA is slow under TCG, so pauth-impdef=on): the hardening.*
/// tests, whose PAN checks prove something only there, and a kernel read of a user page
/// outside a PAN window, which must be a readable panic. About 10 s each.</summary>
public class Aarch64ProtectionTests
{
    internal const string CpuWithPan = "max,pauth-impdef=on";

    private static string TestImage => Path.Combine(QemuBoot.Artifacts, "aurora-aarch64-test.img");

    [Fact]
    public void The_hardening_tests_pass_with_PAN_on()
    {
        BootResult run = Aarch64BootTests.Boot("test=hardening.*", TestImage, TimeSpan.FromSeconds(180), memory: "512M", cpu: CpuWithPan);
        string serial = run.Serial;
        Assert.False(run.TimedOut, serial);
        Assert.Contains("PAN on (SCTLR_EL1.SPAN clear", serial);
        Assert.Contains("PAN offered (ID_AA64MMFR1_EL1.PAN) / on: expected 0x11, actual 0x11", serial);
        int count = Aarch64KernelTests.ReadAllNames().Count(n => n.StartsWith("hardening.", StringComparison.Ordinal));
        Assert.Contains($"{count} passed, 0 failed", serial);
        Assert.DoesNotContain("KERNEL PANIC", serial);
    }

    [Fact]
    public void A_kernel_read_of_a_user_page_under_PAN_is_a_readable_panic()
    {
        string serial = Aarch64PanicReportTests.Run("panic.a64_kernel_read_of_user_page_under_pan", CpuWithPan).Serial;
        Assert.Contains("KERNEL PANIC: data abort (synchronous, EL1)", serial);
        Assert.Contains("read: permission fault at level 3", serial);
        Assert.Contains("FAR 0x0000004000000008", serial);
        Aarch64PanicReportTests.AssertRegisterDump(serial);
    }
}
