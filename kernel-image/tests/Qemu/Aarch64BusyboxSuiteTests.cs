using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>
/// The busybox suite on aarch64: the same command lines (userland/busybox-suite/commands.txt)
/// run by the same runner built for arm64 with Debian's busybox-static:arm64 in one boot of
/// the arm64 test image (<c>test=bbsuite.commands_run_to_the_end</c>), each record compared
/// with the host's x86-64 busybox of the same Debian version (BusyboxSuiteTests' host run).
/// The one answer that depends on the machine is named here: <c>uname -m</c> says aarch64.
/// </summary>
public class Aarch64BusyboxSuiteTests
{
    private static string TestImage => Path.Combine(QemuBoot.Artifacts, "aurora-aarch64-test.img");

    /// <summary>As BusyboxSuiteTests' boot: three hundred shells, several minutes under TCG.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(1500);

    private static readonly Lazy<(BootResult Boot, IReadOnlyDictionary<int, BusyboxSuiteTests.Record> Records)> s_aurora = new(() =>
    {
        BootResult boot = Aarch64BootTests.Boot("test=" + BusyboxSuiteTests.KernelTest, TestImage, BootTimeout, memory: "512M");
        return (boot, BusyboxSuiteTests.Parse(boot.Serial));
    });

    /// <summary>What the host's record becomes on arm64: the machine's name where a command prints it.</summary>
    internal static BusyboxSuiteTests.Record OnAarch64(string command, BusyboxSuiteTests.Record host) =>
        command == "uname -m" ? host with { Output = host.Output.Replace("x86_64", "aarch64", StringComparison.Ordinal) } : host;

    public static IEnumerable<object[]> Commands() => BusyboxSuiteTests.Commands();

    [Theory]
    [MemberData(nameof(Commands))]
    public void CommandPrintsWhatBusyboxPrintsOnLinux_on_aarch64(int number, string command)
    {
        Assert.True(BusyboxSuiteTests.HostRecords.TryGetValue(number, out BusyboxSuiteTests.Record? host), $"command {number} has no record from the host run");
        BusyboxSuiteTests.Record expected = OnAarch64(command, host!);
        (BootResult boot, IReadOnlyDictionary<int, BusyboxSuiteTests.Record> aurora) = s_aurora.Value;
        BusyboxSuiteTests.AssertSameAsHost(number, command, expected, boot, aurora, "Aurora (aarch64)");
    }

    [Fact]
    public void UnameMachineIsTheOnlyNamedDifference()
    {
        var commands = BusyboxSuiteTests.Commands().Select(c => (string)c[1]).ToList();
        Assert.Single(commands, c => c == "uname -m");
        var record = new BusyboxSuiteTests.Record("exit 0", "x86_64\\n");
        Assert.Equal(new BusyboxSuiteTests.Record("exit 0", "aarch64\\n"), OnAarch64("uname -m", record));
        Assert.Equal(record, OnAarch64("uname -s", record));
    }

    [Fact]
    public void SuiteRunsToTheEndOnAarch64()
    {
        (BootResult boot, IReadOnlyDictionary<int, BusyboxSuiteTests.Record> records) = s_aurora.Value;
        string tail = boot.Serial.Length > 4000 ? boot.Serial[^4000..] : boot.Serial;
        Assert.False(boot.Serial.Contains("KERNEL PANIC", StringComparison.Ordinal), "the kernel panicked:\n" + tail);
        Assert.False(boot.TimedOut, $"the boot did not end within {BootTimeout.TotalSeconds} s:\n{tail}");
        int count = BusyboxSuiteTests.Commands().Count();
        Assert.Contains($"bbsuite: done {count}", boot.Serial);
        Match verdict = Regex.Match(boot.Serial, @"^\[test\] " + Regex.Escape(BusyboxSuiteTests.KernelTest) + @" \.\.\. (.*)$", RegexOptions.Multiline);
        Assert.True(verdict.Success && verdict.Groups[1].Value == "PASS", $"{BusyboxSuiteTests.KernelTest}: {(verdict.Success ? verdict.Groups[1].Value : "no verdict")}\n{tail}");
        Assert.Equal(count, records.Count);
    }
}
