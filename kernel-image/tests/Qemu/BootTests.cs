using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>Whole-boot behaviour outside the test suites: the ready line, and the VGA text
/// console when the loader gives no framebuffer.</summary>
public class BootTests
{
    [Fact]
    public void KernelReachesReadyLineAndExitsWhenAsked()
    {
        BootResult run = QemuBoot.Boot(BootPath.GrubBios, "exit-after-ready");
        Assert.Contains("Aurora ready.", run.Serial);
        Assert.Equal(BootResult.TestsPassed, run.ExitCode);
    }

    [Fact]
    public void WithoutFramebufferTheVgaTextConsoleIsUsed()
    {
        BootResult run = QemuBoot.Boot(BootPath.GrubBiosTextMode, "test=console.screen_shows_log");
        Assert.Contains("console: serial COM1, VGA text console", run.Serial);
        Assert.Contains("[test] console.screen_shows_log ... PASS", run.Serial);
        Assert.Equal(BootResult.TestsPassed, run.ExitCode);
    }

    [Fact]
    public void UnknownTestNameFailsTheBoot()
    {
        BootResult run = QemuBoot.Boot(BootPath.GrubBios, "test=no.such.test");
        Assert.Contains("no test matches the selection", run.Serial);
        Assert.Equal(BootResult.TestsFailed, run.ExitCode);
    }
}
