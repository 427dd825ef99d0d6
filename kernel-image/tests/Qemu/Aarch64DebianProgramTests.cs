using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>
/// Debian's own dynamically linked programs on aarch64: the Debian suite's command lines
/// (userland/debian-suite/commands.txt) run by the same runner built for arm64 in one boot of
/// the arm64 Debian image (artifacts/aurora-aarch64-test-debian.img: the test kernel with
/// Debian's arm64 dash, bash, coreutils, findutils, diffutils, grep, sed, tar, gzip, mawk, perl
/// and python3, glibc's ld-linux-aarch64.so.1 and their libraries in an initramfs GRUB loads as
/// its initrd; tools/aarch64.sh, stage_aarch64_debian_root), each record compared with the
/// host's run of the same commands on its x86-64 Debian programs of the same release
/// (DebianProgramTests' host run). The one answer that depends on the machine is named here:
/// <c>uname -m</c> says aarch64. The one command naming x86-64's loader names arm64's there.
/// </summary>
public class Aarch64DebianProgramTests
{
    internal static string DebianImage => Path.Combine(QemuBoot.Artifacts, "aurora-aarch64-test-debian.img");

    /// <summary>149 commands take about 40 s alone under TCG; several times that when other QEMUs
    /// share the cores.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(900);

    private static readonly Lazy<(BootResult Boot, IReadOnlyDictionary<int, BusyboxSuiteTests.Record> Records)> s_aurora = new(() =>
    {
        BootResult boot = Aarch64BootTests.Boot("test=" + DebianProgramTests.KernelTest, DebianImage, BootTimeout, memory: "512M");
        return (boot, DebianProgramTests.Parse(boot.Serial));
    });

    /// <summary>What the host's record becomes on arm64: the machine's name where a command
    /// prints it (the command with <c>/usr/bin/uname -m</c>).</summary>
    internal static BusyboxSuiteTests.Record OnAarch64(string command, BusyboxSuiteTests.Record host) =>
        command.Contains("/usr/bin/uname -m", StringComparison.Ordinal)
            ? host with { Output = host.Output.Replace("\\nx86_64\\n", "\\naarch64\\n", StringComparison.Ordinal) }
            : host;

    public static IEnumerable<object[]> Commands() => DebianProgramTests.Commands();

    [Aarch64DebianTheory]
    [MemberData(nameof(Commands))]
    public void CommandPrintsWhatItPrintsOnLinux_on_aarch64(int number, string command)
    {
        Assert.True(DebianProgramTests.HostRecords.TryGetValue(number, out BusyboxSuiteTests.Record? host), $"command {number} has no record from the host run");
        BusyboxSuiteTests.Record expected = OnAarch64(command, host!);
        (BootResult boot, IReadOnlyDictionary<int, BusyboxSuiteTests.Record> aurora) = s_aurora.Value;
        BusyboxSuiteTests.AssertSameAsHost(number, command, expected, boot, aurora, "Aurora (aarch64)");
    }

    [Fact]
    public void UnameMachineIsTheOnlyNamedDifference()
    {
        var commands = DebianProgramTests.Commands().Select(c => (string)c[1]).ToList();
        string uname = Assert.Single(commands, c => c.Contains("/usr/bin/uname -m", StringComparison.Ordinal));
        var record = new BusyboxSuiteTests.Record("exit 0", "root\\nx86_64\\n5\\n");
        Assert.Equal(new BusyboxSuiteTests.Record("exit 0", "root\\naarch64\\n5\\n"), OnAarch64(uname, record));
        Assert.Equal(record, OnAarch64("/usr/bin/uname -s", record));
    }

    /// <summary>The arm64 side ran every command and ended well: no panic, the runner's wait
    /// status 0, and every frame and heap block back afterwards (the in-kernel test checks);
    /// the kernel took its initramfs from GRUB's initrd (the device tree's /chosen).</summary>
    [Aarch64DebianFact]
    public void SuiteRunsToTheEndOnAarch64()
    {
        (BootResult boot, IReadOnlyDictionary<int, BusyboxSuiteTests.Record> records) = s_aurora.Value;
        string tail = boot.Serial.Length > 4000 ? boot.Serial[^4000..] : boot.Serial;
        Assert.False(boot.Serial.Contains("KERNEL PANIC", StringComparison.Ordinal), "the kernel panicked:\n" + tail);
        Assert.False(boot.TimedOut, $"the boot did not end within {BootTimeout.TotalSeconds} s:\n{tail}");
        Assert.Matches(@"initrd: \d+ KiB at 0x[0-9a-f]+ \(the device tree's /chosen\), the initramfs", boot.Serial);
        Assert.Matches(@"files: initramfs\.cpio unpacked into /: \d+ directories", boot.Serial);
        int count = DebianProgramTests.Commands().Count();
        Assert.Contains($"bbsuite: done {count}", boot.Serial);
        Match verdict = Regex.Match(boot.Serial, @"^\[test\] " + Regex.Escape(DebianProgramTests.KernelTest) + @" \.\.\. (.*?)\r?$", RegexOptions.Multiline);
        Assert.True(verdict.Success && verdict.Groups[1].Value == "PASS", $"{DebianProgramTests.KernelTest}: {(verdict.Success ? verdict.Groups[1].Value : "no verdict")}\n{tail}");
        Assert.Equal(count, records.Count);
    }
}

/// <summary>Why an arm64 Debian test is skipped: the image is made only where the arm64 Debian
/// packages could be fetched (tools/aarch64.sh, fetch_aarch64_debian); null when it is there.</summary>
internal static class Aarch64DebianImage
{
    internal static string? SkipReason => File.Exists(Aarch64DebianProgramTests.DebianImage) ? null :
        "skipped: artifacts/aurora-aarch64-test-debian.img was not built: ./aurora build --arch aarch64 --test makes it where " +
        "apt-get download can fetch Debian's arm64 packages (dpkg --add-architecture arm64; ./aurora setup)";
}

public sealed class Aarch64DebianFactAttribute : FactAttribute
{
    public Aarch64DebianFactAttribute() => Skip = Aarch64DebianImage.SkipReason;
}

public sealed class Aarch64DebianTheoryAttribute : TheoryAttribute
{
    public Aarch64DebianTheoryAttribute() => Skip = Aarch64DebianImage.SkipReason;
}
