using System;
using System.IO;
using Xunit;

namespace Aurora.Packaging.Tests;

/// <summary>
/// build/Packaging/component-version.sh on a small repository of its own (issue 16, "moves only
/// when its own files, or its dependency's public API, change"): a component's version moves
/// when a package it depends on starts a new version line (what a public API change of that
/// package must do), found from its ProjectReferences and the implicit Aurora.Runtime, and
/// does not move for a commit inside the dependency that keeps its line. No build: git and bash
/// only, so it runs in seconds.
/// </summary>
public sealed class ComponentVersionTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private readonly string _root = Path.Combine(Path.GetTempPath(), "aurora-versions-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly string _script = Path.Combine(Workspace.FindRepositoryRoot(), "build", "Packaging", "component-version.sh");

    public ComponentVersionTests()
    {
        Directory.CreateDirectory(_root);
        Git("init -q -b main .");
        Git("config user.email test@example.invalid");
        Git("config user.name test");
        Git("config commit.gpgsign false");
        Write("components/runtime/version.json", Version("0.1"));
        Write("components/runtime/src/Object.cs", "// corlib");
        Write("components/pmm/version.json", Version("0.2"));
        Write("components/pmm/src/Aurora.Pmm.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        Write("components/pmm/src/FrameAllocator.cs", "// v1");
        // vmm names pmm the two ways the repository's projects do: relative and from $(RepoRoot).
        Write("components/vmm/version.json", Version("0.5"));
        Write("components/vmm/src/Aurora.Vmm.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup>\n    <ProjectReference Include=\"../../pmm/src/Aurora.Pmm.csproj\" />\n  </ItemGroup>\n</Project>");
        Write("components/heap/version.json", Version("0.3"));
        Write("components/heap/src/Aurora.Heap.csproj",
            "<Project Sdk=\"Microsoft.NET.Sdk\">\n  <ItemGroup>\n    <ProjectReference Include=\"$(RepoRoot)components/pmm/src/Aurora.Pmm.csproj\" />\n  </ItemGroup>\n</Project>");
        Write("components/caps/version.json", Version("1.0"));
        Write("components/caps/src/Aurora.Caps.csproj", "<Project Sdk=\"Microsoft.NET.Sdk\" />");
        Commit("all components");
    }

    [Fact]
    public void ANewVersionLineOfADependencyMovesTheDependentsVersionAndNothingElse()
    {
        var (vmm, vmmCommit) = VersionOf("vmm");
        var (heap, _) = VersionOf("heap");
        var (caps, capsCommit) = VersionOf("caps");
        Assert.Equal("0.5.1", vmm);
        Assert.Equal("0.3.1", heap);
        Assert.Equal("1.0.1", caps);

        // A commit inside pmm that keeps its line (a fix): the dependents keep version and stamp.
        Write("components/pmm/src/FrameAllocator.cs", "// v2, a fix");
        Commit("pmm: a fix");
        Assert.Equal(("0.2.2", Head()), VersionOf("pmm"));
        Assert.Equal((vmm, vmmCommit), VersionOf("vmm"));

        // pmm's public API changes, so its line moves (0.2 → 0.3): vmm and heap, which depend on
        // it, move too and stamp that commit; caps, which does not, keeps its version and stamp.
        Write("components/pmm/src/FrameAllocator.cs", "// v3, a new signature");
        Write("components/pmm/version.json", Version("0.3"));
        Commit("pmm: an API break, a new line");
        string bump = Head();
        Assert.Equal(("0.3.1", bump), VersionOf("pmm"));
        Assert.Equal(("0.5.2", bump), VersionOf("vmm"));
        Assert.Equal(("0.3.2", bump), VersionOf("heap"));
        Assert.Equal((caps, capsCommit), VersionOf("caps"));
    }

    [Fact]
    public void EveryComponentMovesWithANewLineOfTheRuntimeItImplicitlyDependsOn()
    {
        var (caps, _) = VersionOf("caps");
        var (runtime, _) = VersionOf("runtime");

        // Inside the runtime's line: nobody else moves.
        Write("components/runtime/src/Object.cs", "// a fix");
        Commit("runtime: a fix");
        Assert.Equal(caps, VersionOf("caps").Version);

        Write("components/runtime/version.json", Version("0.2"));
        Commit("runtime: a new line");
        string bump = Head();
        Assert.Equal(("0.2.1", bump), VersionOf("runtime"));
        Assert.NotEqual(runtime, VersionOf("runtime").Version);
        foreach (string component in new[] { "caps", "pmm", "vmm", "heap" })
            Assert.Equal(bump, VersionOf(component).Commit);
        Assert.Equal("1.0.2", VersionOf("caps").Version);
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private (string Version, string Commit) VersionOf(string component)
    {
        string[] words = Shell.Check($"bash {Shell.Quote(_script)} components/{component}", _root, Limit).Output.Trim().Split(' ');
        return (words[0], words[1]);
    }

    private static string Version(string line) =>
        "{\n  \"version\": \"" + line + "\",\n  \"pathFilters\": [ \".\" ]\n}\n";

    private void Write(string path, string text)
    {
        string full = Path.Combine(_root, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, text);
    }

    private void Commit(string message) => Git($"add -A && git commit -q -m {Shell.Quote(message)}");

    private string Head() => Git("rev-parse HEAD").Trim();

    private string Git(string arguments) => Shell.Check("git " + arguments, _root, Limit).Output;
}
