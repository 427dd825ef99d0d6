using System;
using System.IO;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>
/// The arm64 reference image (artifacts/aurora-aarch64.img, `./aurora build --arch aarch64`) as
/// a user meets it through `./aurora run --arch aarch64`: busybox init (Debian's arm64
/// busybox-static, /sbin/init from the initramfs) starts its shell on the PL011, and lines typed
/// there get their answers, as ShellTests checks on x86_64. Typed text waits for its cue (the
/// console echoes what is typed; each cue is arithmetic the shell does, so the echo of the
/// typed line never matches it).
/// </summary>
public class Aarch64ShellTests
{
    private static string Image => Path.Combine(QemuBoot.Artifacts, "aurora-aarch64.img");

    [Fact]
    public void BusyboxInitGivesAShellOnTheSerialConsole()
    {
        var run = QemuBoot.Run(Aarch64BootTests.QemuCommand("shell-test", Image, "none"), TimeSpan.FromSeconds(480), new (string?, string)[]
        {
            ("root@aurora:/# ", "echo $((6*7))\n"),                     // the prompt of /etc/profile's PS1
            ("42", "uname -m; echo m-$((1+1))\n"),
            ("m-2", "ls / | head -3; echo ls-$((2+1))\n"),                 // a pipeline
            ("ls-3", "grep -c processor /proc/cpuinfo; echo cpu-$((3+1))\n"),
            ("cpu-4", "echo one two three | wc -w; echo wc-$((4+1))\n"),
            ("wc-5", "sh -c 'exit 3'; echo status-$?-$((5+1))\n"),         // a child's exit status
            ("status-3-6", "date +%Y; echo date-$((6+1))\n"),              // the PL031's wall clock
        }, until: "date-7");
        string serial = run.Serial.Replace("\r", "");
        Assert.False(run.TimedOut, "no prompt or no answer:\n" + serial);
        Assert.Contains("init: /sbin/init", serial);
        Assert.DoesNotContain("can't fork", serial);
        Assert.Matches(@"(\n|# )42\n", serial);
        Assert.Contains("aarch64\nm-2\n", serial);
        Assert.Contains("bin\ndev\netc\nls-3\n", serial);
        Assert.Contains("\n1\ncpu-4\n", serial);
        Assert.Contains("\n3\nwc-5\n", serial);
        Assert.Contains("status-3-6\n", serial);
        Match year = Regex.Match(serial, @"\n(\d{4})\ndate-7");
        Assert.True(year.Success && int.Parse(year.Groups[1].Value) >= 2024, "date +%Y is not this decade's year:\n" + serial);
        Assert.DoesNotContain("KERNEL PANIC", serial);
    }
}
