using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Aurora.KernelImage.Tests.Qemu;
using Xunit;

namespace Aurora.KernelImage.Tests;

/// <summary>Nothing above the HAL names an architecture or uses its instructions (issue 19): the
/// portable folders (kernel/, boot/, drivers/, hal/) reach the machine through Hal.* only, so
/// each arch/ folder can supply its own bodies.</summary>
public class PortableCodeTests
{
    // Files that still name an architecture, each for a reason the port must remove; the list
    // may only shrink (a listed file that no longer needs its entry fails too). Empty since the
    // module guard and the signal frame moved into arch/ (arch/*/ModuleGuard.cs, SignalFrame.cs).
    private static readonly string[] StillArchitectureSpecific = System.Array.Empty<string>();

    // An architecture's name, or x86 instructions reached through the runtime's intrinsics
    // (System.Runtime.Intrinsics.X86: X86Base, Sse2, Aes, ...; also by a using alias).
    private static readonly Regex ArchitectureName = new(@"\bArch\s*\.\s*(X86_64|Aarch64)\b|Aurora\.Kernel\.Arch\b|Intrinsics\s*\.\s*(X86|Arm)\b");

    [Fact]
    public void Portable_kernel_code_names_no_architecture()
    {
        string root = Path.Combine(QemuBoot.RepositoryRoot, "kernel-image");
        var offenders = new[] { "kernel", "boot", "drivers", "hal" }
            .SelectMany(folder => Directory.EnumerateFiles(Path.Combine(root, folder), "*.cs", SearchOption.AllDirectories))
            .Where(file => ArchitectureName.IsMatch(File.ReadAllText(file)))
            .Select(file => Path.GetRelativePath(root, file).Replace('\\', '/'))
            .OrderBy(file => file, StringComparer.Ordinal)
            .ToArray();
        string[] unexpected = offenders.Except(StillArchitectureSpecific).ToArray();
        Assert.True(unexpected.Length == 0, "portable code names an architecture (go through Hal.*): " + string.Join(", ", unexpected));
        string[] cleaned = StillArchitectureSpecific.Except(offenders).ToArray();
        Assert.True(cleaned.Length == 0, "these files no longer name an architecture; take them off the list: " + string.Join(", ", cleaned));
    }
}
