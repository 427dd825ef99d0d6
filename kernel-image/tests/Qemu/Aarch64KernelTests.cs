using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>The in-kernel tests on aarch64: the test image (artifacts/aurora-aarch64-test.img,
/// `./aurora build --arch aarch64 --test`) boots once with test=all and runs every test of its
/// catalog (kernel-image/ktests/aarch64/TestCatalog.cs, the x86_64 tests whose code runs there
/// so far); each shows up here under its own name. About two and a half minutes alone under
/// TCG (test=all with the network tests: 2 min 11-23 s of wall time on this 2-core host); 512 MiB
/// (see Aarch64BootTests.Boot's memory).</summary>
public class Aarch64KernelTests
{
    private static string TestImage => Path.Combine(QemuBoot.Artifacts, "aurora-aarch64-test.img");

    /// <summary>Generous for a loaded 2-core host (two QEMUs under TCG): a hang still ends here.</summary>
    private static readonly Lazy<BootResult> s_suite = new(() => Aarch64BootTests.Boot("test=all", TestImage, TimeSpan.FromSeconds(600), memory: "512M", typing: ConsoleLines));

    /// <summary>The lines the console-input tests ask for (ktests/ConsoleTyping.cs: QEMU's PL011
    /// has no loopback, so the host types, in catalog order, each after the kernel's cue).</summary>
    internal static readonly (string? After, string Text)[] ConsoleLines =
    {
        ("[console] type hi for wait.console_input_arrives_by_interrupt", "hi\n"),
        ("[console] type hi for poll.poll_wakes_on_console_input", "hi\n"),
    };

    private static IReadOnlyList<string> Catalog { get; } = ReadCatalog();

    public static IEnumerable<object[]> TestNames => Catalog.Select(name => new object[] { name });

    [Theory]
    [MemberData(nameof(TestNames))]
    public void Passes_on_aarch64(string name)
    {
        string serial = s_suite.Value.Serial;
        Assert.True(serial.Contains($"[test] > {name}\n") || serial.Contains($"[test] > {name}\r\n"), $"{name} did not run on aarch64:\n{Tail(serial)}");
        Assert.True(Regex.IsMatch(serial, $@"\[test\] {Regex.Escape(name)} \.\.\. (\x1b\[32m)?PASS"), $"{name} did not pass on aarch64:\n{Tail(serial)}");
    }

    [Fact]
    public void The_suite_runs_its_whole_catalog_and_powers_off()
    {
        BootResult run = s_suite.Value;
        Assert.False(run.TimedOut, $"the aarch64 test boot did not end:\n{Tail(run.Serial)}");
        Assert.Equal(0, run.ExitCode);   // PSCI SYSTEM_OFF after the summary
        Assert.Contains($"{Catalog.Count} passed, 0 failed", run.Serial);
        Assert.DoesNotContain("KERNEL PANIC", run.Serial);
    }

    /// <summary>The same suite on the Limine test image (aurora-aarch64-test-limine.img): the
    /// programs come as Limine's modules there, not from the image.</summary>
    [LimineFact]
    public void The_suite_passes_when_Limine_boots_the_kernel()
    {
        string image = Path.Combine(QemuBoot.Artifacts, "aurora-aarch64-test-limine.img");
        BootResult run = Aarch64BootTests.Boot("test=all", image, TimeSpan.FromSeconds(600), typing: ConsoleLines);
        Assert.False(run.TimedOut, $"the aarch64 test boot through Limine did not end:\n{Tail(run.Serial)}");
        Assert.Equal(0, run.ExitCode);
        Assert.Contains("via the Limine protocol", run.Serial);
        Assert.Contains($"{Catalog.Count} passed, 0 failed", run.Serial);
        Assert.DoesNotContain("KERNEL PANIC", run.Serial);
    }

    private static string Tail(string serial) => serial.Length > 6000 ? serial[^6000..] : serial;

    private static IReadOnlyList<string> ReadCatalog()
    {
        string catalog = Path.Combine(QemuBoot.RepositoryRoot, "kernel-image", "ktests", "aarch64", "TestCatalog.cs");
        // hostnet.* need the host's half and a boot of their own (Aarch64HostNetworkTests), as on
        // x86_64 (KernelSuite); bbsuite.* runs in a boot of its own (TestRunner's rule, as on
        // x86_64): Aarch64BusyboxSuiteTests, Aarch64DebianProgramTests; attack.* too
        // (Aarch64AttackTests), and stressng.* in the stress-ng image (Aarch64StressNgTests).
        var names = ReadAllNames().Where(name => !name.StartsWith("hostnet.", StringComparison.Ordinal)
            && !name.StartsWith("bbsuite.", StringComparison.Ordinal) && !name.StartsWith("attack.", StringComparison.Ordinal)
            && !name.StartsWith("stressng.", StringComparison.Ordinal)).ToList();
        if (names.Count == 0) throw new InvalidDataException("no tests found in " + catalog);
        return names;
    }

    /// <summary>Every name of the aarch64 catalog, the attack.* tests (their own boot:
    /// <see cref="Aarch64AttackTests"/>) included.</summary>
    internal static IReadOnlyList<string> ReadAllNames()
    {
        string catalog = Path.Combine(QemuBoot.RepositoryRoot, "kernel-image", "ktests", "aarch64", "TestCatalog.cs");
        return Regex.Matches(File.ReadAllText(catalog), @"T\(""([a-z0-9_.]+)"", &[A-Z]").Select(m => m.Groups[1].Value).ToList();
    }
}
