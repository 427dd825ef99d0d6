using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>KASLR (SEC-1, docs/security.md): each boot puts the kernel, the direct map and the
/// kernel's windows somewhere else; kaslr=off keeps the link address; a panic's addresses
/// symbolise with the slide it prints (./aurora symbolize).</summary>
public class KaslrTests
{
    private const ulong LinkBase = 0xFFFF_FFFF_8020_0000;

    private sealed record Layout(ulong Kernel, ulong Physical, ulong DirectMap, string KaslrLine);

    private static Layout Read(BootResult run)
    {
        string serial = QemuBoot.StripAnsi(run.Serial);
        Match kernel = Regex.Match(serial, @"kernel: 0x([0-9a-f]+) \(physical 0x([0-9a-f]+)\), direct map at 0x([0-9a-f]+)");
        Assert.True(kernel.Success, $"no kernel line:\n{run}");
        Match kaslr = Regex.Match(serial, @"kaslr: [^\r\n]*");
        Assert.True(kaslr.Success, $"no kaslr line:\n{run}");
        return new Layout(System.Convert.ToUInt64(kernel.Groups[1].Value, 16), System.Convert.ToUInt64(kernel.Groups[2].Value, 16),
            System.Convert.ToUInt64(kernel.Groups[3].Value, 16), kaslr.Value);
    }

    private static Layout BootOnce(BootPath path, string options)
    {
        BootResult run = QemuBoot.Boot(path, options);
        Assert.True(run.ExitCode == BootResult.TestsPassed, $"the boot did not pass:\n{run}");
        return Read(run);
    }

    private static void AssertSlid(Layout layout)
    {
        Assert.StartsWith("kaslr: slide 0x", layout.KaslrLine);
        Assert.NotEqual(LinkBase, layout.Kernel);
        Assert.True(layout.Kernel >= 0xFFFF_FFFF_8000_0000 && layout.Kernel % (2UL << 20) == 0, $"kernel base {layout.Kernel:x} not a 2 MiB slot of the top 2 GiB");
        Match slide = Regex.Match(layout.KaslrLine, @"slide 0x([0-9a-f]+)");
        Assert.Equal(LinkBase + System.Convert.ToUInt64(slide.Groups[1].Value, 16), layout.Kernel);
        Match positions = Regex.Match(layout.KaslrLine, @"one of (\d+) positions");
        Assert.True(positions.Success && int.Parse(positions.Groups[1].Value) >= 512, $"fewer than 9 bits of text entropy: {layout.KaslrLine}");
        Assert.True(layout.DirectMap >= 0xFFFF_8000_0000_0000 && layout.DirectMap < 0xFFFF_C000_0000_0000, $"direct map at {layout.DirectMap:x}");
    }

    [Theory]
    [InlineData(BootPath.GrubBios)]
    [InlineData(BootPath.GrubUefi)]
    [InlineData(BootPath.LimineBios)]   // only when the build made a Limine image (LIMINE_DIR)
    [InlineData(BootPath.LimineUefi)]
    public void TwoBootsPutTheKernelAtDifferentAddresses(BootPath path)
    {
        if (!QemuBoot.Available(path)) return;
        Layout first = BootOnce(path, "test=boot.kernel_layout_is_consistent");
        Layout second = BootOnce(path, "test=boot.kernel_layout_is_consistent");
        AssertSlid(first);
        AssertSlid(second);
        Assert.Equal(first.Physical, second.Physical);   // only the virtual address moves
        // About a thousand positions: two boots agree one time in a thousand; a third must differ.
        if (first.Kernel == second.Kernel) second = BootOnce(path, "test=boot.kernel_layout_is_consistent");
        Assert.NotEqual(first.Kernel, second.Kernel);
    }

    [Fact]
    public void KaslrOffKeepsTheLinkAddress()
    {
        foreach (string option in new[] { "kaslr=off", "nokaslr" })
        {
            Layout layout = BootOnce(BootPath.GrubBios, option + " test=boot.kernel_layout_is_consistent");
            Assert.Equal(LinkBase, layout.Kernel);
            Assert.Equal(0xFFFF_8000_0000_0000UL, layout.DirectMap);
            Assert.StartsWith("kaslr: off (kaslr=off)", layout.KaslrLine);
        }
    }

    [Fact]
    public void SymbolizeNamesTheFunctionOfAPanicWithItsSlide()
    {
        BootResult run = QemuBoot.Boot(BootPath.GrubBios, "test=panic.page_fault");
        Assert.True(run.ExitCode == BootResult.KernelPanicked, $"no panic:\n{run}");
        string serial = QemuBoot.StripAnsi(run.Serial);
        Assert.Matches(@"kernel slide 0x[0-9a-f]{16} \(link base 0xffffffff80200000\)", serial);
        Match rip = Regex.Match(serial, @"RIP=0x([0-9a-f]{16})");
        Assert.True(rip.Success, $"no RIP in the report:\n{run}");

        var info = new ProcessStartInfo(Path.Combine(QemuBoot.RepositoryRoot, "aurora"))
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("symbolize");
        info.ArgumentList.Add("--elf");
        info.ArgumentList.Add(Path.Combine(QemuBoot.Artifacts, "aurora-test.elf"));
        using Process symbolize = Process.Start(info)!;
        symbolize.StandardInput.Write(serial);
        symbolize.StandardInput.Close();
        string output = symbolize.StandardOutput.ReadToEnd();
        string errors = symbolize.StandardError.ReadToEnd();
        Assert.True(symbolize.WaitForExit(60_000), "symbolize did not finish");
        Assert.True(symbolize.ExitCode == 0, $"symbolize failed: {errors}\n{output}");
        // The faulting instruction is in the test's own function; the backtrace ends where every
        // boot starts.
        Assert.Matches($@"0x{rip.Groups[1].Value}  0xffffffff80[0-9a-f]{{6}}  \S*PanicTests__PageFault\+0x", output);
        Assert.Matches(@"0xffffffff[0-9a-f]{8}  0xffffffff80[0-9a-f]{6}  kernel_entry64\+0x", output);
    }
}
