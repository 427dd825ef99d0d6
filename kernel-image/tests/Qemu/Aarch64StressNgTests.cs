using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>
/// Debian's stress-ng on aarch64: the same runner (userland/stressng_run.c, built for arm64)
/// and the same stressors as StressNgTests, in one boot of the arm64 stress-ng image
/// (artifacts/aurora-aarch64-test-stressng.img: the test kernel with Debian's stress-ng:arm64,
/// a dynamically linked glibc program, and its libraries in an initramfs GRUB loads as its
/// initrd; tools/aarch64.sh, stage_aarch64_stressng_root). The in-kernel test fails on a
/// stressor that hangs, needs SIGKILL or leaves a process or file behind, and on any frame or
/// heap block not back afterwards; each stressor must end with the exit status it has on this
/// Linux host (StressNgTests' host run of x86-64's stress-ng of the same Debian version).
/// </summary>
public class Aarch64StressNgTests
{
    internal static string StressNgImage => Path.Combine(QemuBoot.Artifacts, "aurora-aarch64-test-stressng.img");

    /// <summary>55 stressors of about 2 s each: about 2.5 minutes under TCG alone, 4 on a loaded
    /// machine; the runner's own deadlines end a hang well before this.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(900);

    private static readonly Lazy<(BootResult Boot, IReadOnlyDictionary<string, string> Statuses)> s_aurora = new(() =>
    {
        BootResult boot = Aarch64BootTests.Boot("test=" + StressNgTests.KernelTest, StressNgImage, BootTimeout, memory: "512M");
        return (boot, StressNgTests.Parse(boot.Serial));
    });

    public static IEnumerable<object[]> Stressors() => StressNgTests.Stressors();

    [Aarch64StressNgTheory]
    [MemberData(nameof(Stressors))]
    public void StressorEndsAsOnLinux_on_aarch64(string stressor)
    {
        Assert.True(StressNgTests.HostStatuses.TryGetValue(stressor, out string? expected), $"{stressor} has no line from the host run");
        (BootResult boot, IReadOnlyDictionary<string, string> aurora) = s_aurora.Value;
        if (!aurora.TryGetValue(stressor, out string? actual))
        {
            Assert.Fail($"{stressor}: no line from Aurora on aarch64 (the boot ended: {(boot.TimedOut ? "timed out" : "exit " + boot.ExitCode)})\n{StressNgTests.Tail(boot.Serial)}");
        }

        Assert.True(expected == actual, $"{stressor}: Linux {expected}, Aurora (aarch64) {actual}\n{StressNgTests.Lines(boot.Serial, stressor)}");
    }

    /// <summary>No panic, the runner reached its end, and the in-kernel test passed: no stressor
    /// hung or left anything behind, and every frame and heap block came back; the kernel took
    /// its initramfs from GRUB's initrd.</summary>
    [Aarch64StressNgFact]
    public void StressorsEndAndGiveMemoryBack_on_aarch64()
    {
        (BootResult boot, _) = s_aurora.Value;
        Assert.False(boot.Serial.Contains("KERNEL PANIC", StringComparison.Ordinal), "the kernel panicked:\n" + StressNgTests.Tail(boot.Serial));
        Assert.False(boot.TimedOut, $"the boot did not end within {BootTimeout.TotalSeconds} s:\n{StressNgTests.Tail(boot.Serial)}");
        Assert.Matches(@"initrd: \d+ KiB at 0x[0-9a-f]+ \(the device tree's /chosen\), the initramfs", boot.Serial);
        Assert.Contains($"stressng: done {Stressors().Count()}", boot.Serial);
        Match verdict = Regex.Match(boot.Serial, @"^\[test\] " + Regex.Escape(StressNgTests.KernelTest) + @" \.\.\. (.*?)\r?$", RegexOptions.Multiline);
        Assert.True(verdict.Success && verdict.Groups[1].Value == "PASS",
            $"{StressNgTests.KernelTest}: {(verdict.Success ? verdict.Groups[1].Value : "no verdict")}\n{StressNgTests.Tail(boot.Serial)}");
        Assert.Equal(0, boot.ExitCode);   // PSCI SYSTEM_OFF after the summary
    }
}

/// <summary>Why an arm64 stress-ng test is skipped: the image is made only where Debian's arm64
/// stress-ng and its libraries could be fetched (tools/aarch64.sh, fetch_aarch64_debian); null
/// when it is there.</summary>
internal static class Aarch64StressNgImage
{
    internal static string? SkipReason => File.Exists(Aarch64StressNgTests.StressNgImage) ? null :
        "skipped: artifacts/aurora-aarch64-test-stressng.img was not built: ./aurora build --arch aarch64 --test makes it where " +
        "apt-get download can fetch Debian's stress-ng:arm64 and its libraries (dpkg --add-architecture arm64; ./aurora setup)";
}

public sealed class Aarch64StressNgFactAttribute : FactAttribute
{
    public Aarch64StressNgFactAttribute() => Skip = Aarch64StressNgImage.SkipReason;
}

public sealed class Aarch64StressNgTheoryAttribute : TheoryAttribute
{
    public Aarch64StressNgTheoryAttribute() => Skip = Aarch64StressNgImage.SkipReason;
}
