using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>The reference image's shell (userland/sh.c, started with init=/bin/sh.elf) driven
/// through the serial console: typed lines reach read(0) through the kernel's line
/// discipline, built-ins answer, and programs from /bin run with fork + execve. Each command
/// is typed once the previous one has answered (the console echoes what is typed, so typing
/// ahead would mix the echo into the answers, as on any terminal).</summary>
public class ShellTests
{
    [Fact]
    public void TypedCommandsRunBuiltInsAndPrograms()
    {
        BootResult run = QemuBoot.Boot(BootPath.GrubBios, "init=/bin/sh.elf exit-after-ready", typing: new (string?, string)[]
        {
            ("Aurora shell", "echo typed   on the console\n"),
            ("typed on the console", "ls /bin\n"),                  // the answer, not the echo (three spaces)
            ("syscall_errors.elf", "hello\n"),
            ("[hello exited with 42]", "segfault\n"),
            ("[segfault killed by signal 11]", "nosuchprogram\n"),
            ("nosuchprogram: not found", "exit\n"),
        });
        string serial = run.Serial;
        Assert.True(serial.Contains("typed on the console"), "echo's answer is missing:\n" + serial);
        Assert.Contains("hello.elf", serial);                          // ls /bin
        Assert.Contains("hello from musl: hello, argc 1", serial);     // a program from /bin
        Assert.Contains("[hello exited with 42]", serial);
        Assert.Contains("[segfault killed by signal 11]", serial);
        Assert.Contains("nosuchprogram: not found", serial);
        Assert.Contains("bye", serial);
        Assert.Contains("init: exit status 0", serial);
        Assert.Equal(BootResult.TestsPassed, run.ExitCode);
    }
}
