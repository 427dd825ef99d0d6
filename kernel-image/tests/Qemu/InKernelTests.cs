using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>Every in-kernel test, by name, on every boot path: each is one xunit case that
/// passes only if that boot printed "[test] NAME ... PASS".</summary>
public class InKernelTests
{
    public static IEnumerable<object[]> Cases() =>
        from path in KernelSuite.Paths
        from name in KernelSuite.OrdinaryTestNames
        select new object[] { path, name };

    public static IEnumerable<object[]> PathCases() => KernelSuite.Paths.Select(p => new object[] { p });

    [Theory]
    [MemberData(nameof(Cases))]
    public void InKernelTestPasses(BootPath path, string test)
    {
        BootResult run = KernelSuite.SuiteRun(path);
        Match line = Regex.Match(run.Serial, @"^\[test\] " + Regex.Escape(test) + @" \.\.\. (.*)$", RegexOptions.Multiline);
        Assert.True(line.Success, $"{test} did not report on {path}:\n{run}");
        Assert.True(line.Groups[1].Value == "PASS", $"{test} on {path}: {line.Groups[1].Value}\n{TestOutput(run.Serial, test, line.Index)}");
    }

    /// <summary>What the suite printed between a test's start line and its result (its
    /// program's lines, the expected and actual values of its checks), at most 8 KiB: a failure
    /// in a loaded CI run is then explained by the run itself.</summary>
    private static string TestOutput(string serial, string test, int resultIndex)
    {
        int start = serial.LastIndexOf("[test] > " + test, resultIndex, StringComparison.Ordinal);
        if (start < 0) return "";
        string text = serial[start..resultIndex];
        return text.Length <= 8192 ? text : text[..4096] + "\n[...]\n" + text[^4096..];
    }

    [Theory]
    [MemberData(nameof(PathCases))]
    public void SuiteReportsSummaryAndExitsWithPassCode(BootPath path)
    {
        BootResult run = KernelSuite.SuiteRun(path);
        int count = KernelSuite.OrdinaryTestNames.Count();
        Assert.Contains($"{count} passed, 0 failed", run.Serial);
        Assert.Equal(BootResult.TestsPassed, run.ExitCode);
    }

    /// <summary>The test images carry two boot modules (tools/aurora.sh): one signed with the
    /// development key, one with a byte changed after signing. The kernel checks both at boot
    /// with its own verifier and built-in key.</summary>
    [Theory]
    [MemberData(nameof(PathCases))]
    public void BootModulesAreCheckedAgainstTheBuiltInKey(BootPath path)
    {
        BootResult run = KernelSuite.SuiteRun(path);
        Assert.Matches(@"modules: 1 trusted RSA-2048 key, id [0-9a-f]{16}\.\.\.", run.Serial);
        Assert.Contains("module 0: signature valid", run.Serial);
        Assert.Contains("module 1: REJECTED, signed data was modified", run.Serial);
    }

    [Theory]
    [MemberData(nameof(PathCases))]
    public void BootLogNamesLoaderMemoryConsoleAndTimer(BootPath path)
    {
        BootResult run = KernelSuite.SuiteRun(path);
        string loader = path is BootPath.LimineBios or BootPath.LimineUefi
            ? @"booted by Limine 8\.\d+\.\d+ \((BIOS|UEFI)\) via the Limine protocol"
            : @"booted by GRUB 2\.\S+ \((BIOS|UEFI)\) via Multiboot2";
        Assert.Matches(loader, run.Serial);
        Assert.Contains(QemuBoot.IsUefi(path) ? "(UEFI)" : "(BIOS)", run.Serial);
        Assert.Matches(@"memory: (2[0-5][0-9]|1[3-9][0-9]) MiB usable in \d+ map entries", run.Serial);
        Assert.Contains("console: serial COM1, framebuffer console", run.Serial);
        Assert.Contains("timer: PIT at 1000 Hz; scheduler: preemptive, CFS run queue", run.Serial);
    }

    /// <summary>The test images carry the static musl programs of kernel-image/userland as boot
    /// modules; the loader names them, the kernel tells them from signed kernel modules and
    /// puts each in /bin of the root tmpfs.</summary>
    [Theory]
    [MemberData(nameof(PathCases))]
    public void UserProgramsAreNamedAndPlacedInBin(BootPath path)
    {
        BootResult run = KernelSuite.SuiteRun(path);
        string[] programs = System.IO.Directory.GetFiles(System.IO.Path.Combine(QemuBoot.RepositoryRoot, "kernel-image", "userland"), "*.c");
        Assert.NotEmpty(programs);
        foreach (string program in programs)
            Assert.Matches(@"module \d+: user program " + Regex.Escape(System.IO.Path.GetFileNameWithoutExtension(program)) + @"\.elf", run.Serial);
        // Debian's busybox-static rides along as /bin/busybox.elf when the host has it (./aurora setup).
        int busybox = Regex.IsMatch(run.Serial, @"module \d+: user program busybox\.elf") ? 1 : 0;
        Assert.Contains($"files: tmpfs at /, {programs.Length + busybox} programs in /bin", run.Serial);
    }
}
