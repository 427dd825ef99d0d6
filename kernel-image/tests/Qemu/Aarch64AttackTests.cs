using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>The attacker's suite on aarch64 (docs/security.md): the attack.* tests of the
/// aarch64 catalog (kernel-image/ktests/aarch64/TestCatalog.cs), which test=all leaves out as
/// it does on x86_64, in one boot of their own with test=attack.* (TestRunner: a selection
/// ending in * takes every name with that prefix). One boot, not one each, keeps the arm64
/// suite within its time (about 30 s under TCG, a minute or two more with the fuzzer's 200,000
/// calls and the thread storm); a test that crashes the kernel shows up as the rest not
/// reporting.</summary>
public class Aarch64AttackTests
{
    private static string TestImage => Path.Combine(QemuBoot.Artifacts, "aurora-aarch64-test.img");

    private static readonly Lazy<BootResult> s_suite = new(() =>
        Aarch64BootTests.Boot("test=attack.*", TestImage, TimeSpan.FromSeconds(600), memory: "512M"));

    public static IEnumerable<object[]> TestNames =>
        Aarch64KernelTests.ReadAllNames().Where(n => n.StartsWith("attack.", StringComparison.Ordinal)).Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(TestNames))]
    public void Attack_is_survived_and_answered_as_linux_does_on_aarch64(string name)
    {
        string serial = s_suite.Value.Serial;
        Assert.DoesNotContain("KERNEL PANIC", serial);
        Assert.True(Regex.IsMatch(serial, $@"\[test\] {Regex.Escape(name)} \.\.\. (\x1b\[32m)?PASS"), $"{name} did not pass on aarch64:\n{Tail(serial)}");
    }

    private static string Tail(string serial) => serial.Length > 8000 ? serial[^8000..] : serial;
}
