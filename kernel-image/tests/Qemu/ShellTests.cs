using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>The reference image's shell (userland/sh.c, started with init=/bin/sh.elf) driven
/// through the serial console: typed lines reach read(0) through the kernel's line
/// discipline, built-ins answer, and programs from /bin run with fork + execve.</summary>
public class ShellTests
{
    [Fact]
    public void TypedCommandsRunBuiltInsAndPrograms()
    {
        BootResult run = QemuBoot.Boot(BootPath.GrubBios, "init=/bin/sh.elf exit-after-ready",
            // A blank line first: under heavy load the first keys typed while the shell starts
            // have been seen to go missing (not reproduced in isolation; see the closing note).
            serialInput: "\necho typed   on the console\nls /bin\nhello\nsegfault\nnosuchprogram\nexit\n", typeAfter: "Aurora shell");
        string serial = run.Serial;
        Assert.Contains("Aurora shell", serial);
        Assert.True(serial.Contains("typed on the console"), "echo's answer is missing:\n" + serial); // words re-joined
        Assert.Contains("hello.elf", serial);                     // ls /bin
        Assert.Contains("hello from musl: hello, argc 1", serial); // a program from /bin
        Assert.Contains("[hello exited with 42]", serial);
        Assert.Contains("[segfault killed by signal 11]", serial);
        Assert.Contains("nosuchprogram: not found", serial);
        Assert.Contains("bye", serial);
        Assert.Contains("init: exit status 0", serial);
        Assert.Equal(BootResult.TestsPassed, run.ExitCode);
    }
}
