using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>
/// The busybox suite (issue 11, item 6): every command line of
/// kernel-image/userland/busybox-suite/commands.txt must print what the same busybox binary
/// prints natively on this Linux host, with the same exit status. The runner
/// (userland/busybox_suite.c, a static program) runs here with the host's /bin/busybox and in
/// one Aurora boot (<c>test=bbsuite.commands_run_to_the_end</c>) with the same binary as
/// /bin/busybox.elf; each prints one record per command, and each command is one case here,
/// so the number of matches is the number of passing cases.
/// </summary>
public class BusyboxSuiteTests
{
    internal const string KernelTest = "bbsuite.commands_run_to_the_end";

    private static string SuiteFile => Path.Combine(QemuBoot.RepositoryRoot, "kernel-image", "userland", "busybox-suite", "commands.txt");

    private static string Runner => Path.Combine(QemuBoot.Artifacts, "obj", "test", "modules", "busybox_suite.elf");

    /// <summary>Three hundred shells take about two and a half minutes alone under TCG (the
    /// commands that hang today wait out the runner's 12 s limit each), several times that when
    /// other QEMUs share the cores.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(1200);

    private static readonly Lazy<IReadOnlyDictionary<int, Record>> s_host = new(RunOnHost);

    /// <summary>The host's records (one run per test process; the arm64 suite compares with them too).</summary>
    internal static IReadOnlyDictionary<int, Record> HostRecords => s_host.Value;
    private static readonly Lazy<(BootResult Boot, IReadOnlyDictionary<int, Record> Records)> s_aurora = new(RunInAurora);

    /// <summary>What one command printed: "exit N", "signal N" or "timeout", and its output
    /// escaped as the runner prints it (\n, \t, \\, \xHH).</summary>
    public sealed record Record(string Status, string Output);

    public static IEnumerable<object[]> Commands() =>
        ReadCommands(File.ReadAllText(SuiteFile)).Select((command, i) => new object[] { i + 1, command });

    /// <summary>The suite file's commands, by the runner's rules: "#" and blank lines skipped,
    /// "applets:" lines are set-up, a block "&lt;&lt;&lt;" ... "&gt;&gt;&gt;" is one command.</summary>
    public static IReadOnlyList<string> ReadCommands(string text)
    {
        var commands = new List<string>();
        string[] lines = text.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0 || line.StartsWith('#') || line.StartsWith("applets:", StringComparison.Ordinal)) continue;
            if (line == "<<<")
            {
                int end = Array.IndexOf(lines, ">>>", i + 1);
                if (end < 0) throw new InvalidDataException($"{SuiteFile}: a <<< block at line {i + 1} has no >>>");
                commands.Add(string.Join("\n", lines[(i + 1)..end]));
                i = end;
                continue;
            }

            commands.Add(line);
        }

        return commands;
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void CommandPrintsWhatBusyboxPrintsOnLinux(int number, string command)
    {
        IReadOnlyDictionary<int, Record> host = s_host.Value;
        (BootResult boot, IReadOnlyDictionary<int, Record> aurora) = s_aurora.Value;
        Assert.True(host.TryGetValue(number, out Record? expected), $"command {number} has no record from the host run");
        AssertSameAsHost(number, command, expected!, boot, aurora, "Aurora");
    }

    /// <summary>The suites' one comparison: command <paramref name="number"/>'s record on
    /// Aurora (<paramref name="side"/> names which) must equal <paramref name="expected"/>,
    /// the host's; a missing record names how the boot ended and the last record it gave.</summary>
    internal static void AssertSameAsHost(int number, string command, Record expected, BootResult boot, IReadOnlyDictionary<int, Record> aurora, string side)
    {
        string shown = $"command {number}: {command}\n  Linux:  {expected.Status}: {expected.Output}\n";
        if (!aurora.TryGetValue(number, out Record? actual))
        {
            Assert.Fail(shown + $"  {side}: no record (the boot ended: {(boot.TimedOut ? "timed out" : "exit " + boot.ExitCode)}; " +
                        $"last record {(aurora.Count == 0 ? 0 : aurora.Keys.Max())})");
        }

        Assert.True(expected == actual, shown + $"  {side}: {actual!.Status}: {actual.Output}");
    }

    /// <summary>The Aurora side ran every command and ended well: no panic, the runner's wait
    /// status 0, and every frame and heap block back afterwards (the in-kernel test checks).</summary>
    [Fact]
    public void SuiteRunsToTheEndInAurora()
    {
        (BootResult boot, IReadOnlyDictionary<int, Record> records) = s_aurora.Value;
        string tail = boot.Serial.Length > 4000 ? boot.Serial[^4000..] : boot.Serial;
        Assert.False(boot.Serial.Contains("KERNEL PANIC", StringComparison.Ordinal), "the kernel panicked:\n" + tail);
        Assert.False(boot.TimedOut, $"the boot did not end within {BootTimeout.TotalSeconds} s:\n{tail}");
        Assert.Contains($"bbsuite: done {Commands().Count()}", boot.Serial);
        Match verdict = Regex.Match(boot.Serial, @"^\[test\] " + Regex.Escape(KernelTest) + @" \.\.\. (.*)$", RegexOptions.Multiline);
        Assert.True(verdict.Success && verdict.Groups[1].Value == "PASS", $"{KernelTest}: {(verdict.Success ? verdict.Groups[1].Value : "no verdict")}\n{tail}");
        Assert.Equal(Commands().Count(), records.Count);
    }

    private static IReadOnlyDictionary<int, Record> RunOnHost()
    {
        if (!File.Exists("/bin/busybox")) throw new FileNotFoundException("the suite's peer is the host's /bin/busybox (Debian busybox-static: ./aurora setup)");
        if (!File.Exists(Runner)) throw new FileNotFoundException($"{Runner} is missing: build it with `./aurora build --test`");
        // tmpfs where the host has one, as Aurora's root is: sizes and link counts are tmpfs's.
        string scratch = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"aurora-bbsuite-{Environment.ProcessId}");
        var info = new ProcessStartInfo(Runner) { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(SuiteFile);
        info.ArgumentList.Add(scratch);
        using var process = Process.Start(info)!;
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0 || !output.Contains("bbsuite: done ", StringComparison.Ordinal))
            throw new InvalidOperationException($"the runner failed on the host (exit {process.ExitCode}):\n{output}");
        return Parse(output);
    }

    private static (BootResult, IReadOnlyDictionary<int, Record>) RunInAurora()
    {
        BootResult boot = QemuBoot.Boot(BootPath.GrubBios, "test=" + KernelTest, BootTimeout);
        return (boot, Parse(boot.Serial));
    }

    internal static IReadOnlyDictionary<int, Record> Parse(string output)
    {
        var records = new Dictionary<int, Record>();
        foreach (Match m in Regex.Matches(output, @"^bbsuite: (\d+) (exit \d+|signal \d+|timeout) ?(.*?)\r?$", RegexOptions.Multiline))
            records[int.Parse(m.Groups[1].Value)] = new Record(m.Groups[2].Value, m.Groups[3].Value);
        return records;
    }
}
