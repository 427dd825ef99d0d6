using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>
/// C# on a C# kernel (issue 12, item 5): kernel-image/userland/dotnet/ is an ordinary .NET
/// console program, published by NativeAOT for linux-x64 exactly as `dotnet publish` makes it
/// (glibc, dynamically linked). It runs here on the host and on Aurora (the reference image,
/// `./aurora run --add-host-program`), and both must print the same lines: the collector ran
/// many times, exceptions were caught, threads and tasks computed the same sums, LINQ over a
/// Dictionary gave the same answer, files were written and read back, and the checksum of it all.
/// </summary>
public class DotnetProgramTests
{
    private static readonly Lazy<string> s_program = new(Publish);

    private static string Publish()
    {
        string project = Path.Combine(QemuBoot.RepositoryRoot, "kernel-image", "userland", "dotnet", "DotnetSample.csproj");
        string output = Path.Combine(QemuBoot.Artifacts, "obj", "dotnet-sample");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "publish", project, "-c", "Release", "-o", output, "--nologo" }) info.ArgumentList.Add(a);
        foreach (string key in info.Environment.Keys.ToList())
            if (key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
                info.Environment.Remove(key);
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(600_000)) { process.Kill(true); throw new TimeoutException("dotnet publish took more than 10 minutes"); }
        string program = Path.Combine(output, "dotnet-sample");
        if (process.ExitCode != 0 || !File.Exists(program))
            throw new InvalidOperationException($"dotnet publish failed ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        return program;
    }

    private static IReadOnlyList<string> Lines(string text) =>
        text.Replace("\r", "").Split('\n').Where(l => System.Text.RegularExpressions.Regex.IsMatch(l, "^(gc|exceptions|threads|linq|files|checksum): ")).ToList();

    [Fact]
    public void NativeAotProgramPrintsOnAuroraWhatItPrintsOnLinux()
    {
        string program = s_program.Value;
        string dir = Directory.CreateTempSubdirectory("aurora-dotnet-").FullName;
        var info = new ProcessStartInfo(program) { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(dir);
        using var host = Process.Start(info)!;
        string hostOutput = host.StandardOutput.ReadToEnd();
        host.WaitForExit();
        Directory.Delete(dir, true);
        IReadOnlyList<string> expected = Lines(hostOutput);
        Assert.Equal(0, host.ExitCode);
        Assert.Equal(8, expected.Count);

        BootResult run = QemuBoot.AuroraRun(new[]
        {
            "--timeout", "900",
            "--add-host-program", program,
            "--init", program + " /root",
        }, TimeSpan.FromSeconds(960));
        Assert.DoesNotContain("KERNEL PANIC", run.Serial);
        // The program's lines come after the kernel's "init: PROGRAM" line (the kernel's own
        // log has "files:" lines too).
        string serial = run.Serial.Replace("\r", "");
        int start = serial.IndexOf("init: " + program, StringComparison.Ordinal);
        Assert.True(start >= 0, "the program did not start:\n" + serial);
        Assert.Equal(expected, Lines(serial[start..]));
        Assert.Equal(0, run.ExitCode);
    }
}
