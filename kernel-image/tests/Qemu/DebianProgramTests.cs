using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>
/// Debian's own programs on Aurora (issue 12, items 3 and 4): every command line of
/// kernel-image/userland/debian-suite/commands.txt — Debian's dynamically linked dash, bash,
/// coreutils, findutils, diffutils, grep, sed, tar, gzip, mawk, perl and python3 (with glibc's
/// ld.so and their libraries and modules, copied from this host into the Debian test image (artifacts/aurora-test-debian.iso) by
/// ./aurora build --test: tools/aurora.sh, TEST_HOST_PROGRAMS) and musl's static-PIE and dynamic samples
/// (userland/pie/hello_aux.c) — must print on Aurora what it prints on this Linux host, with the
/// same exit status. The runner (userland/debian_suite.c, the busybox suite's runner) runs here
/// on the host's programs and in one Aurora boot
/// (<c>test=bbsuite.debian_commands_run_to_the_end</c>) on the copies; each command is one case.
/// </summary>
public class DebianProgramTests
{
    internal const string KernelTest = "bbsuite.debian_commands_run_to_the_end";

    private static string SuiteFile => Path.Combine(QemuBoot.RepositoryRoot, "kernel-image", "userland", "debian-suite", "commands.txt");

    private static string Runner => Path.Combine(QemuBoot.Artifacts, "obj", "test", "modules", "debian_suite.elf");

    /// <summary>The musl samples as the test image has them (built by ./aurora build --test).</summary>
    private static string Samples => Path.Combine(QemuBoot.Artifacts, "obj", "test", "initramfs", "root", "opt", "dynelf");

    /// <summary>The 149 commands take about a minute alone under TCG; several times that when
    /// other QEMUs share the cores.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(900);

    private static readonly Lazy<IReadOnlyDictionary<int, BusyboxSuiteTests.Record>> s_host = new(RunOnHost);
    private static readonly Lazy<(BootResult Boot, IReadOnlyDictionary<int, BusyboxSuiteTests.Record> Records)> s_aurora = new(RunInAurora);

    /// <summary>The host's records (the runner on this Linux host's Debian programs), which the
    /// arm64 run (Aarch64DebianProgramTests) is compared with too.</summary>
    internal static IReadOnlyDictionary<int, BusyboxSuiteTests.Record> HostRecords => s_host.Value;

    public static IEnumerable<object[]> Commands() =>
        BusyboxSuiteTests.ReadCommands(File.ReadAllText(SuiteFile)).Select((command, i) => new object[] { i + 1, command });

    [Theory]
    [MemberData(nameof(Commands))]
    public void CommandPrintsWhatItPrintsOnLinux(int number, string command)
    {
        IReadOnlyDictionary<int, BusyboxSuiteTests.Record> host = s_host.Value;
        (BootResult boot, IReadOnlyDictionary<int, BusyboxSuiteTests.Record> aurora) = s_aurora.Value;
        Assert.True(host.TryGetValue(number, out BusyboxSuiteTests.Record? expected), $"command {number} has no record from the host run");
        BusyboxSuiteTests.AssertSameAsHost(number, command, expected!, boot, aurora, "Aurora");
    }

    /// <summary>The samples check themselves (auxiliary vector, ASLR, bss, TLS, NX stack):
    /// "0 wrong" on the host too, or the comparison above would compare two failures.</summary>
    [Fact]
    public void MuslSamplesPassOnTheHost()
    {
        IReadOnlyDictionary<int, BusyboxSuiteTests.Record> host = s_host.Value;
        string[] commands = Commands().Select(c => (string)c[1]).ToArray();
        int staticPie = Array.FindIndex(commands, c => c.StartsWith("../extra/hello-static-pie", StringComparison.Ordinal)) + 1;
        Assert.True(staticPie > 0, "the suite has no static-PIE command");
        Assert.EndsWith("\\n0 wrong\\n", host[staticPie].Output);
        if (File.Exists("/lib/ld-musl-x86_64.so.1"))
        {
            int dynamic = Array.FindIndex(commands, c => c.StartsWith("../extra/hello-musl", StringComparison.Ordinal)) + 1;
            Assert.EndsWith("\\n0 wrong\\n", host[dynamic].Output);
        }
    }

    /// <summary>The Aurora side ran every command and ended well: no panic, the runner's wait
    /// status 0, and every frame and heap block back afterwards (the in-kernel test checks).</summary>
    [Fact]
    public void SuiteRunsToTheEndInAurora()
    {
        (BootResult boot, IReadOnlyDictionary<int, BusyboxSuiteTests.Record> records) = s_aurora.Value;
        string tail = boot.Serial.Length > 4000 ? boot.Serial[^4000..] : boot.Serial;
        Assert.False(boot.Serial.Contains("KERNEL PANIC", StringComparison.Ordinal), "the kernel panicked:\n" + tail);
        Assert.False(boot.TimedOut, $"the boot did not end within {BootTimeout.TotalSeconds} s:\n{tail}");
        Assert.Contains($"bbsuite: done {Commands().Count()}", boot.Serial);
        Match verdict = Regex.Match(boot.Serial, @"^\[test\] " + Regex.Escape(KernelTest) + @" \.\.\. (.*)$", RegexOptions.Multiline);
        Assert.True(verdict.Success && verdict.Groups[1].Value == "PASS", $"{KernelTest}: {(verdict.Success ? verdict.Groups[1].Value : "no verdict")}\n{tail}");
        Assert.Equal(Commands().Count(), records.Count);
    }

    private static IReadOnlyDictionary<int, BusyboxSuiteTests.Record> RunOnHost()
    {
        if (!File.Exists("/bin/busybox")) throw new FileNotFoundException("the runner's shell is the host's /bin/busybox (Debian busybox-static: ./aurora setup)");
        if (!File.Exists(Runner)) throw new FileNotFoundException($"{Runner} is missing: build it with `./aurora build --test`");
        // tmpfs where the host has one, as Aurora's root is.
        string scratch = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"aurora-dsuite-{Environment.ProcessId}");
        var info = new ProcessStartInfo(Runner) { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(SuiteFile);
        info.ArgumentList.Add(scratch);
        info.ArgumentList.Add(Samples);
        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || !output.Contains("bbsuite: done ", StringComparison.Ordinal))
            throw new InvalidOperationException($"the runner failed on the host (exit {process.ExitCode}):\n{output}");
        return Parse(output);
    }

    private static (BootResult, IReadOnlyDictionary<int, BusyboxSuiteTests.Record>) RunInAurora()
    {
        BootResult boot = QemuBoot.Boot(BootPath.Debian, "test=" + KernelTest, BootTimeout);
        return (boot, Parse(boot.Serial));
    }

    internal static IReadOnlyDictionary<int, BusyboxSuiteTests.Record> Parse(string output)
    {
        var records = new Dictionary<int, BusyboxSuiteTests.Record>();
        foreach (Match m in Regex.Matches(output, @"^bbsuite: (\d+) (exit \d+|signal \d+|timeout) ?(.*?)\r?$", RegexOptions.Multiline))
            records[int.Parse(m.Groups[1].Value)] = new BusyboxSuiteTests.Record(m.Groups[2].Value, m.Groups[3].Value);
        return records;
    }
}
