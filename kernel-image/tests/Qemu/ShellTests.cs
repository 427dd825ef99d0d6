using System;
using System.Collections.Generic;
using System.IO;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>
/// The reference image (artifacts/aurora.iso) as a user meets it through `./aurora run`:
/// busybox init (/sbin/init from the initramfs) starts busybox's shell on the serial console,
/// typed lines get their answers; `--init "PROGRAM ARGS"` runs a command line instead and
/// `./aurora run` exits with its status; `--add` and `--initrd` put files into the image.
/// Each test is one boot (a few seconds under TCG). Typed text waits for its cue: the console
/// echoes what is typed, so typing ahead would mix the echo into the answers.
/// </summary>
public class ShellTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(240);

    [Fact]
    public void BusyboxInitGivesAShellPromptOnTheSerialConsole()
    {
        var arguments = new List<string> { "--timeout", "200" };
        BootResult run = QemuBoot.AuroraRun(arguments, Limit, typing: new (string?, string)[]
        {
            ("root@aurora:/# ", "echo $((6*7))\n"),     // the prompt of /etc/profile's PS1
            ("42", "ls /usr/libexec/aurora | head -3\n"),
            // busybox vi on the serial terminal (raw mode, poll for the ESC key): insert a
            // line, ESC back to command mode (its status line shows "-"), write and quit.
            ("attack_elf.elf", "vi /tmp/note\n"),
            ("/tmp/note 1/1", "ihello from vi"),
            ("hello from vi", "\x1b"),
            ("- /tmp/note", ":wq\n"),
            ("root@aurora:/# ", "cat /tmp/note; echo vi-$((40+2))\n"),
        }, until: "vi-42");
        string serial = run.Serial;
        Assert.False(run.TimedOut, "no prompt or no answer:\n" + serial);
        Assert.True(serial.Contains("init: /sbin/init"), "busybox init did not start:\n" + serial);
        Assert.True(serial.Contains("root@aurora:/# "), "no prompt:\n" + serial);
        // $((6*7)), computed by the shell, on a line of its own (after the prompt when the
        // console does not echo).
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(serial, @"(\n|# )42\n"), "no answer to echo $((6*7)):\n" + serial);
        // A pipeline: the first three of our programs, sorted.
        Assert.True(serial.Contains("aslr.elf\nattack_cleanup.elf\nattack_elf.elf\n"), "ls | head gave another answer:\n" + serial);
        Assert.DoesNotContain("attack_exhaust.elf", serial);
        Assert.True(serial.Contains("hello from vi\nvi-42"), "vi did not write the line cat shows:\n" + serial);
        Assert.DoesNotContain("KERNEL PANIC", serial);
    }

    [Fact]
    public void InitCommandLineSeesFilesPutThereByAddAndInitrd()
    {
        using var host = new TemporaryDirectory();
        string added = host.Write("added.txt", "put there by --add\n");
        string plain = host.Write("plain.txt", "to /root by default\n");
        using var tree = new TemporaryDirectory();
        tree.Write("etc/from-initrd.txt", "merged by --initrd\n");
        BootResult run = QemuBoot.AuroraRun(new[]
        {
            "--timeout", "200",
            "--add", added + ":/srv/data/added.txt",
            "--add", plain,
            "--initrd", tree.Path,
            "--init", "/bin/cat /srv/data/added.txt /root/plain.txt /etc/from-initrd.txt /etc/hostname",
        }, Limit);
        string serial = run.Serial;
        Assert.Contains("put there by --add\n", serial);
        Assert.Contains("to /root by default\n", serial);
        Assert.Contains("merged by --initrd\n", serial);
        Assert.Contains("aurora\n", serial);                        // the image's own /etc stays
        Assert.Contains("init: exit status 0", serial);
        Assert.Equal(0, run.ExitCode);
    }

    [Fact]
    public void InitCommandLineIsSplitAsAShellSplitsAndItsStatusIsTheRunsStatus()
    {
        BootResult run = QemuBoot.AuroraRun(new[]
        {
            "--timeout", "200",
            "--init", "/bin/sh -c 'echo \"two  spaces,\" $((6*7)) \\$HOME; exit 7'",
        }, Limit);
        Assert.Contains("two  spaces, 42 $HOME\n", run.Serial);
        Assert.Contains("init: exit status 7", run.Serial);
        Assert.Equal(7, run.ExitCode);
    }

    [Fact]
    public void WhenTheDefaultInitExitsTheKernelPanics()
    {
        // /sbin/init replaced by a program that exits with 42 (userland/hello.c).
        string hello = Path.Combine(QemuBoot.Artifacts, "obj", "release", "userland", "hello.elf");
        BootResult run = QemuBoot.AuroraRun(new[] { "--timeout", "200", "--add", hello + ":/sbin/init" }, Limit,
            until: "init exited with status");
        Assert.Contains("init: /sbin/init", run.Serial);
        Assert.Contains("KERNEL PANIC: init exited with status 42", run.Serial);
    }

    private sealed class TemporaryDirectory : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("aurora-test-").FullName;

        /// <summary>Writes <paramref name="contents"/> to RELATIVE under the directory; its path.</summary>
        public string Write(string relative, string contents)
        {
            string file = System.IO.Path.Combine(Path, relative);
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
            File.WriteAllText(file, contents);
            return file;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
