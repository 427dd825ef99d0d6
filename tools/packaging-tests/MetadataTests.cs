using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using Xunit;

namespace Aurora.Packaging.Tests;

/// <summary>
/// The repository address of every package this repository makes comes from one property,
/// AuroraRepositoryUrl (Directory.Build.props): empty by default, because the repository has no
/// public home of record and a package must not name one that does not exist; set by the
/// publisher once, it reaches every package alike. Evaluation only (no build), so it is quick;
/// PackagingTests checks the packed nuspecs of the default.
/// </summary>
public sealed class MetadataTests
{
    private static readonly string Root = Workspace.FindRepositoryRoot();
    private const string Url = "https://example.invalid/someone/aurora";

    /// <summary>Every project that makes a package, and the folder its project page names.</summary>
    public static IEnumerable<object[]> PackageProjects()
    {
        foreach (string dir in Directory.GetDirectories(Path.Combine(Root, "components")).Order())
        {
            string name = Path.GetFileName(dir);
            foreach (string project in Directory.GetFiles(Path.Combine(dir, name == "runtime" ? "pack" : "src"), "*.csproj"))
                yield return new object[] { Path.GetRelativePath(Root, project), "components/" + name };
        }
        yield return new object[] { "tools/modsign/Aurora.Modsign.Cli.csproj", "tools/modsign" };
        yield return new object[] { "tools/templates/Aurora.Templates.csproj", "tools/templates" };
    }

    [Theory]
    [MemberData(nameof(PackageProjects))]
    public void TheRepositoryUrlComesFromOnePropertyForEveryPackage(string project, string folder)
    {
        // Set, with a trailing slash a person might type: the same address everywhere.
        Dictionary<string, string> set = Evaluate(project, Url + "/");
        Assert.Equal("true", set["IsPackable"], ignoreCase: true);
        Assert.Equal(Url + ".git", set["RepositoryUrl"]);
        Assert.Equal("git", set["RepositoryType"]);
        Assert.Equal($"{Url}/tree/main/{folder}", set["PackageProjectUrl"]);
        // The clone's remote never leaks in (the bytes would depend on the clone).
        Assert.NotEqual("true", set["PublishRepositoryUrl"], StringComparer.OrdinalIgnoreCase);

        // Unset (the repository's default): no address at all, and no Source Link to nowhere.
        Dictionary<string, string> unset = Evaluate(project, null);
        Assert.Equal("", unset["AuroraRepositoryUrl"]);
        Assert.Equal("", unset["RepositoryUrl"]);
        Assert.Equal("", unset["PackageProjectUrl"]);
        if (folder.StartsWith("components/")) Assert.Equal("false", unset["EnableSourceLink"]);
    }

    /// <summary>Issue 16: 100% XML docs on public members. Every component with a host build
    /// writes its XML docs and fails on a public type or member without them (CS1591 as an
    /// error, not silenced), whatever TreatWarningsAsErrors says.</summary>
    [Theory]
    [MemberData(nameof(PackageProjects))]
    public void EveryComponentFailsItsBuildOnAPublicMemberWithoutXmlDocs(string project, string folder)
    {
        if (!folder.StartsWith("components/") || folder == "components/runtime") return; // the corlib has no host build
        Dictionary<string, string> properties = Evaluate(project, null, "-p:TreatWarningsAsErrors=false",
            "GenerateDocumentationFile", "WarningsAsErrors", "NoWarn");
        Assert.Equal("true", properties["GenerateDocumentationFile"], ignoreCase: true);
        Assert.Contains("CS1591", properties["WarningsAsErrors"].Split(';', StringSplitOptions.TrimEntries));
        Assert.DoesNotContain("CS1591", properties["NoWarn"].Split(';', StringSplitOptions.TrimEntries));
    }

    private static Dictionary<string, string> Evaluate(string project, string? url) =>
        Evaluate(project, url, "", "IsPackable", "AuroraRepositoryUrl", "RepositoryUrl", "RepositoryType", "PackageProjectUrl", "PublishRepositoryUrl", "EnableSourceLink");

    private static Dictionary<string, string> Evaluate(string project, string? url, string options, params string[] names)
    {
        var environment = new Dictionary<string, string> { ["AuroraRepositoryUrl"] = url ?? "" };
        CommandResult result = Shell.Check(
            $"dotnet msbuild {Shell.Quote(project)} -nologo -p:Configuration=Release {options} " + string.Join(' ', names.Select(n => "-getProperty:" + n)),
            Root, TimeSpan.FromMinutes(2), environment);
        string json = result.Output[result.Output.IndexOf('{')..];
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("Properties").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? "");
    }
}
