using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>
/// Debian's stress-ng against the kernel (docs/security.md, the attacker's suite): the runner
/// kernel-image/userland/stressng_run.c runs a fixed list of stressors, each
/// `stress-ng --NAME 2 -t 2`, in one boot of the stress-ng image
/// (<c>test=stressng.stressors_end_and_give_memory_back</c>, which fails on a stressor that hangs,
/// needs SIGKILL or leaves a process or file behind, and on any frame or heap block not back
/// afterwards), and natively on this host. Each stressor must end with the exit status it has
/// on Linux.
/// </summary>
public class StressNgTests
{
    internal const string KernelTest = "stressng.stressors_end_and_give_memory_back";

    private static string RunnerSource => Path.Combine(QemuBoot.RepositoryRoot, "kernel-image", "userland", "stressng_run.c");

    private static string Runner => Path.Combine(QemuBoot.Artifacts, "obj", "test", "modules", "stressng_run.elf");

    /// <summary>55 stressors of about 2 s each take about 2.5 minutes under TCG alone (4.5 with
    /// the build and the host's run beside it on a shared machine); more when other QEMUs share
    /// the cores. The runner's own deadlines (60 s a stressor, 20 s
    /// after SIGKILL) end a hang well before this.</summary>
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(900);

    private static readonly Lazy<IReadOnlyDictionary<string, string>> s_host = new(RunOnHost);
    private static readonly Lazy<(BootResult Boot, IReadOnlyDictionary<string, string> Statuses)> s_aurora = new(RunInAurora);

    /// <summary>Each stressor's status on this host (the runner with the host's stress-ng), which
    /// the arm64 run (Aarch64StressNgTests) is compared with too.</summary>
    internal static IReadOnlyDictionary<string, string> HostStatuses => s_host.Value;

    /// <summary>The runner's list, read from its source (the array <c>stressors</c>).</summary>
    public static IEnumerable<object[]> Stressors()
    {
        string source = File.ReadAllText(RunnerSource);
        Match list = Regex.Match(source, @"stressors\[\] = \{(.*?)\};", RegexOptions.Singleline);
        if (!list.Success) throw new InvalidOperationException($"{RunnerSource} has no stressors[] array");
        return Regex.Matches(list.Groups[1].Value, "\"([a-z0-9-]+)\"").Select(m => new object[] { m.Groups[1].Value });
    }

    [Theory]
    [MemberData(nameof(Stressors))]
    public void StressorEndsAsOnLinux(string stressor)
    {
        IReadOnlyDictionary<string, string> host = s_host.Value;
        (BootResult boot, IReadOnlyDictionary<string, string> aurora) = s_aurora.Value;
        Assert.True(host.TryGetValue(stressor, out string? expected), $"{stressor} has no line from the host run");
        if (!aurora.TryGetValue(stressor, out string? actual))
        {
            Assert.Fail($"{stressor}: no line from Aurora (the boot ended: {(boot.TimedOut ? "timed out" : "exit " + boot.ExitCode)})\n{Tail(boot.Serial)}");
        }

        Assert.True(expected == actual, $"{stressor}: Linux {expected}, Aurora {actual}\n{Lines(boot.Serial, stressor)}");
    }

    /// <summary>No panic, the runner reached its end, and the in-kernel test passed: no stressor
    /// hung or left anything behind, and every frame and heap block came back.</summary>
    [Fact]
    public void StressorsEndAndGiveMemoryBack()
    {
        (BootResult boot, _) = s_aurora.Value;
        Assert.False(boot.Serial.Contains("KERNEL PANIC", StringComparison.Ordinal), "the kernel panicked:\n" + Tail(boot.Serial));
        Assert.False(boot.TimedOut, $"the boot did not end within {BootTimeout.TotalSeconds} s:\n{Tail(boot.Serial)}");
        Assert.Contains($"stressng: done {Stressors().Count()}", boot.Serial);
        Match verdict = Regex.Match(boot.Serial, @"^\[test\] " + Regex.Escape(KernelTest) + @" \.\.\. (.*?)\r?$", RegexOptions.Multiline);
        Assert.True(verdict.Success && verdict.Groups[1].Value == "PASS", $"{KernelTest}: {(verdict.Success ? verdict.Groups[1].Value : "no verdict")}\n{Tail(boot.Serial)}");
        Assert.Equal(BootResult.TestsPassed, boot.ExitCode);
    }

    internal static string Tail(string serial) => serial.Length > 6000 ? serial[^6000..] : serial;

    /// <summary>The runner's lines about one stressor (its status and, on a failure, the last
    /// line stress-ng printed).</summary>
    internal static string Lines(string serial, string stressor) =>
        Regex.Match(serial, @"^stressng: " + Regex.Escape(stressor) + @" .*\r?\n(stressng:   .*\r?\n)?", RegexOptions.Multiline).Value;

    private static IReadOnlyDictionary<string, string> RunOnHost()
    {
        if (!File.Exists("/usr/bin/stress-ng")) throw new FileNotFoundException("/usr/bin/stress-ng is missing (Debian stress-ng: ./aurora setup)");
        if (!File.Exists(Runner)) throw new FileNotFoundException($"{Runner} is missing: build it with `./aurora build --test`");
        // tmpfs where the host has one, as Aurora's /tmp is.
        string scratch = Path.Combine(Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"aurora-stressng-{Environment.ProcessId}");
        Directory.CreateDirectory(scratch);
        try
        {
            var info = new ProcessStartInfo(Runner) { RedirectStandardOutput = true, UseShellExecute = false };
            info.ArgumentList.Add("/usr/bin/stress-ng");
            info.ArgumentList.Add(scratch);
            using var process = Process.Start(info)!;
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0 || !output.Contains("stressng: done ", StringComparison.Ordinal))
                throw new InvalidOperationException($"the runner failed on the host (exit {process.ExitCode}):\n{output}");
            return Parse(output);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    private static (BootResult, IReadOnlyDictionary<string, string>) RunInAurora()
    {
        if (!QemuBoot.Available(BootPath.StressNg))
            throw new FileNotFoundException($"{QemuBoot.IsoFor(BootPath.StressNg)} is missing: `./aurora build --test` makes it where stress-ng is installed (./aurora setup)");
        BootResult boot = QemuBoot.Boot(BootPath.StressNg, "test=" + KernelTest, BootTimeout);
        return (boot, Parse(boot.Serial));
    }

    /// <summary>"stressng: NAME exit N (T ms)" and the like: NAME → "exit N", "signal N", "hang",
    /// "unkillable", "stragglers".</summary>
    internal static IReadOnlyDictionary<string, string> Parse(string output)
    {
        var statuses = new Dictionary<string, string>();
        foreach (Match m in Regex.Matches(output, @"^stressng: ([a-z0-9-]+) (exit \d+|signal \d+|hang|unkillable|stragglers) \(\d+ ms\)\r?$", RegexOptions.Multiline))
            statuses[m.Groups[1].Value] = m.Groups[2].Value;
        return statuses;
    }
}
