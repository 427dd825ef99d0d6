using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace Aurora.Packaging.Tests;

/// <summary>
/// Issue 16, item 5: the contract's list of allowed APIs (docs/components.md, "What a component
/// may use") is complete. contract-corlib/ is a corlib of exactly that list (Contract.cs) plus
/// what the C# compiler needs of any corlib (Language.cs); every component's src/ must compile
/// against it alone, as build/freestanding-check compiles it against Aurora.Runtime. A component
/// that starts using an API the list does not name fails here, and the list (and the stand-in)
/// grow in the same change, or the component finds another way. Compiles only; nothing runs.
/// </summary>
public sealed class ContractCorlibTests : IDisposable
{
    private static readonly string Root = Workspace.FindRepositoryRoot();
    private static readonly string Corlib = Path.Combine(Root, "tools", "packaging-tests", "contract-corlib") + "/";
    private readonly string _work = Path.Combine(Path.GetTempPath(), "aurora-contract-" + Guid.NewGuid().ToString("N")[..8]);

    public static IEnumerable<object[]> Components() =>
        Directory.GetDirectories(Path.Combine(Root, "components")).Order()
            .Where(d => Path.GetFileName(d) != "runtime" && Directory.Exists(Path.Combine(d, "src")))
            .Select(d => new object[] { Path.GetFileName(d) });

    [Theory]
    [MemberData(nameof(Components))]
    public void EveryComponentCompilesAgainstACorlibOfTheContractAlone(string component)
    {
        CommandResult build = CompileAgainstContract(Path.Combine(Root, "components", component, "src") + "/", component);
        Assert.True(build.ExitCode == 0,
            $"components/{component} uses something the contract (docs/components.md, \"What a component may use\") does not list:\n"
            + string.Join("\n", build.Output.Split('\n').Where(l => l.Contains("error")).Distinct()));
    }

    /// <summary>The stand-in is not Aurora.Runtime under another name: an API the runtime has and
    /// the contract does not list (MemoryExtensions.AsSpan) is refused.</summary>
    [Fact]
    public void AnApiOutsideTheContractDoesNotCompileAgainstIt()
    {
        string probe = Path.Combine(_work, "probe") + "/";
        Directory.CreateDirectory(probe);
        File.WriteAllText(Path.Combine(probe, "Probe.cs"),
            "namespace Probe;\npublic static class Outside\n{\n    public static System.Span<int> View(int[] values) => values.AsSpan();\n}\n");
        Assert.True(File.ReadAllText(Path.Combine(Root, "components", "runtime", "src", "System", "Span.cs")).Contains("AsSpan"),
            "the probe needs an API Aurora.Runtime has; pick another");
        CommandResult build = CompileAgainstContract(probe, "probe");
        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("AsSpan", build.Output);
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("AURORA_KEEP_TEST_FILES") == "1") return;
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    /// <summary>build/freestanding-check (what `./aurora check` runs) with the corlib swapped:
    /// AuroraRuntimeDir names the sources compiled in as the corlib. Outputs, intermediates and
    /// the restore go to this test's folder, never the tree's obj/.</summary>
    private CommandResult CompileAgainstContract(string sources, string name)
    {
        string obj = Path.Combine(_work, name, "obj") + "/";
        return Shell.Run(
            "dotnet build build/freestanding-check/Aurora.FreestandingCheck.csproj -c Release --nologo -v quiet"
            + $" -p:ComponentDir={Shell.Quote(sources)} -p:AuroraRuntimeDir={Shell.Quote(Corlib)} -p:AuroraCheckDocs=false"
            + $" -p:MSBuildProjectExtensionsPath={Shell.Quote(obj + "ext/")} -p:IntermediateOutputPath={Shell.Quote(obj)}"
            + $" -p:OutputPath={Shell.Quote(Path.Combine(_work, name, "bin") + "/")}",
            Root, Workspace.BuildTimeout);
    }
}
