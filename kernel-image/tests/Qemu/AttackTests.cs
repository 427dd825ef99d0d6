using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>The attacker's suite (issue 9): each attack.* in-kernel test in a boot of its own
/// (GRUB, BIOS), since any of them may crash the kernel. A test passes when its boot printed
/// "[test] NAME ... PASS", QEMU ended with the pass code, and there was no panic. The fuzzer
/// gets a new seed every run (printed, with the command that replays it).</summary>
public class AttackTests
{
    private readonly ITestOutputHelper _output;

    public AttackTests(ITestOutputHelper output) => _output = output;

    public static IEnumerable<object[]> Cases() => KernelSuite.AttackTestNames.Select(n => new object[] { n });

    /// <summary>Serial output kept for a report: the kernel's lines and the programs' WRONG
    /// lines fit; a flood does not.</summary>
    private const int SerialCap = 60_000;

    [Theory]
    [MemberData(nameof(Cases))]
    public void AttackIsSurvivedAndAnsweredAsLinuxDoes(string test)
    {
        string options = "test=" + test;
        string? replay = null;
        if (test is "attack.syscall_fuzzer" or "attack.thread_storm")
        {
            string? fixedSeed = Environment.GetEnvironmentVariable("AURORA_ATTACK_SEED");
            ulong seed = fixedSeed is { Length: > 0 } ? Convert.ToUInt64(fixedSeed, 16) : (ulong)Random.Shared.NextInt64(1, long.MaxValue);
            options += $" attack-seed=0x{seed:x}";
            replay = $"AURORA_ATTACK_SEED={seed:x} dotnet test kernel-image/tests/Aurora.KernelImage.Tests.csproj -c Release --filter \"DisplayName~{test}\"\n" +
                     $"  or by hand: ./aurora build --test && qemu-system-x86_64 -M q35 -cpu max -m 256M -smp 1 -cdrom artifacts/aurora-test.iso -display none -serial stdio -no-reboot " +
                     $"-device isa-debug-exit,iobase=0xf4,iosize=0x04 -netdev user,id=net0 -device e1000,netdev=net0,romfile= -fw_cfg name=opt/aurora/cmdline,string=\"{options}\" {(test == "attack.syscall_fuzzer" ? " (add attack-fuzz-trace=BATCH to print every call of one batch)" : "")}";
            _output.WriteLine($"{test} seed 0x{seed:x}; replay: {replay}");
        }

        var started = DateTime.UtcNow;
        BootResult run = QemuBoot.Boot(BootPath.GrubBios, options, TimeSpan.FromSeconds(600));
        _output.WriteLine($"{test}: {(DateTime.UtcNow - started).TotalSeconds:F1} s, exit {run.ExitCode}{(run.TimedOut ? " (timed out)" : "")}");
        string serial = run.Serial;
        int begin = serial.IndexOf("[test] begin", StringComparison.Ordinal);
        string report = begin >= 0 ? serial[begin..] : serial;
        if (report.Length > SerialCap) report = report[..(SerialCap / 2)] + "\n[... cut ...]\n" + report[^(SerialCap / 2)..];
        string context = $"\n{(replay is null ? "" : "replay: " + replay + "\n")}exit {run.ExitCode}{(run.TimedOut ? " (timed out)" : "")}\n{report}";

        Assert.False(serial.Contains("KERNEL PANIC", StringComparison.Ordinal), $"{test}: the kernel panicked{context}");
        Assert.False(run.TimedOut, $"{test}: the boot did not end within 240 s{context}");
        Match line = Regex.Match(serial, @"^\[test\] " + Regex.Escape(test) + @" \.\.\. (.*)$", RegexOptions.Multiline);
        Assert.True(line.Success, $"{test} did not report (the kernel died or hung){context}");
        Assert.True(line.Groups[1].Value == "PASS", $"{test}: {line.Groups[1].Value}{context}");
        Assert.Equal(BootResult.TestsPassed, run.ExitCode);
    }
}
