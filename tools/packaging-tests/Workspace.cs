using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Aurora.Packaging.Tests;

/// <summary>One component package project of the repository: its folder under components/ and
/// the package id it must produce.</summary>
public sealed record ComponentProject(string Folder, string Id, string ProjectPath)
{
    public bool IsRuntime => Folder == "runtime";
}

/// <summary>
/// A copy of the repository (working tree and git history, no build outputs) in a temporary
/// folder, packed once with `tools/packaging.sh pack`, shared by the tests of one class. The
/// copy keeps the tests away from this tree's obj/ folders, which other test projects build
/// concurrently, and makes every package of this run come from one known state.
/// </summary>
public sealed class Workspace : IDisposable
{
    public static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(10);

    public Workspace()
    {
        Source = FindRepositoryRoot();
        Root = Path.Combine(Path.GetTempPath(), "aurora-packaging-" + Guid.NewGuid().ToString("N")[..8]);
        CopyRepository(Source, Root);
        Feed = Path.Combine(Root, "artifacts", "packages");
        Components = FindComponents(Root);

        CommandResult pack = Shell.Check("bash tools/packaging.sh pack", Root, BuildTimeout);
        PackedAt = DateTime.UtcNow;
        PackLog = pack.Output;
        Packed = Regex.Matches(pack.Output, @"^(Aurora\.\w+) (\S+)$", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        HeadCommit = Shell.Check("git rev-parse HEAD", Root, TimeSpan.FromSeconds(30)).Output.Trim();
        ExpectedVersions = Components.ToDictionary(c => c.Id, c => VersionOf(c.ProjectPath));
    }

    /// <summary>The repository the tests run from.</summary>
    public string Source { get; }

    /// <summary>The copy everything is built in.</summary>
    public string Root { get; }

    /// <summary>The copy's artifacts/packages, where pack wrote the packages.</summary>
    public string Feed { get; }

    public IReadOnlyList<ComponentProject> Components { get; }

    /// <summary>What pack printed: package id → version.</summary>
    public IReadOnlyDictionary<string, string> Packed { get; }

    public string PackLog { get; }

    /// <summary>When the pack finished: packages written later come from the tests.</summary>
    public DateTime PackedAt { get; }

    public string HeadCommit { get; }

    /// <summary>Nerdbank.GitVersioning's version for each component's own project (its folder's
    /// version.json and path filter), computed apart from packing.</summary>
    public IReadOnlyDictionary<string, string> ExpectedVersions { get; }

    /// <summary>The commit that last changed a component (what its package stamps).</summary>
    public string ComponentCommit(string folder) =>
        Shell.Check($"bash build/Packaging/component-version.sh components/{folder}", Root, TimeSpan.FromMinutes(1)).Output.Trim().Split(' ')[1];

    public PackageFile Package(string id) => new(Path.Combine(Feed, $"{id}.{Packed[id]}.nupkg"));

    public string VersionOf(string projectPath)
    {
        CommandResult result = Shell.Check(
            $"dotnet msbuild {Shell.Quote(projectPath)} -nologo -t:GetBuildVersion -getProperty:NuGetPackageVersion -p:Configuration=Release",
            Root, BuildTimeout);
        // With one -getProperty, MSBuild prints just its value.
        return result.Output.Trim().Split('\n')[^1].Trim();
    }

    public void Dispose()
    {
        if (Environment.GetEnvironmentVariable("AURORA_KEEP_TEST_FILES") == "1") return;
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    public static string FindRepositoryRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
            if (File.Exists(Path.Combine(dir, "Aurora.sln"))) return dir;
        throw new DirectoryNotFoundException("cannot find the repository root (Aurora.sln) above " + AppContext.BaseDirectory);
    }

    private static IReadOnlyList<ComponentProject> FindComponents(string root)
    {
        var list = new List<ComponentProject>
        {
            new("runtime", "Aurora.Runtime", Path.Combine(root, "components", "runtime", "pack", "Aurora.Runtime.Package.csproj")),
        };
        foreach (string dir in Directory.GetDirectories(Path.Combine(root, "components")).Order())
        {
            string src = Path.Combine(dir, "src");
            if (!Directory.Exists(src)) continue;
            foreach (string project in Directory.GetFiles(src, "Aurora.*.csproj"))
                list.Add(new(Path.GetFileName(dir), Path.GetFileNameWithoutExtension(project), project));
        }
        return list;
    }

    /// <summary>Tracked and untracked (not ignored) files, with their modes, plus the git
    /// directory for Nerdbank.GitVersioning's history walk.</summary>
    private static void CopyRepository(string from, string to)
    {
        Directory.CreateDirectory(to);
        Shell.Check("git ls-files -z --cached --others --exclude-standard | "
            + $"tar --null --files-from=- --ignore-failed-read -cf - 2>/dev/null | tar -xf - -C {Shell.Quote(to)} && "
            + $"cp -a .git {Shell.Quote(Path.Combine(to, ".git"))}",
            from, TimeSpan.FromMinutes(2));
    }
}
