using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.Packaging.Tests;

/// <summary>
/// Issue 16, items 1, 2 and 5, on a clone of the packed copy: the same component version packs to
/// the same bytes across a commit that does not touch it; the kernel pinned to the committed
/// versions, locked to the committed lock file, still builds and boots from packages after such
/// a commit (<c>./aurora run --from-packages</c>); a public API break fails the pack until the
/// component's version line moves; a consumer of another framework gets NuGet's NU1202.
/// </summary>
// ./aurora pack empties the NuGet cache's entries of what it packs, so the classes that pack
// must not run beside those that restore (a consumer build once found Aurora.Runtime's
// native/x86_64 emptied under it): one collection, run one class at a time.
[Collection(PackingCollection.Name)]
public sealed class ReleaseTests : IClassFixture<Workspace>
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromMinutes(2);
    private readonly Workspace _workspace;

    public ReleaseTests(Workspace workspace) => _workspace = workspace;

    [Fact]
    public void PackagesKeepTheirBytesAcrossCommitsElsewhereAndThePinnedKernelStillBoots()
    {
        string clone = CloneOfWorkspace("repro");
        try
        {
            Dictionary<string, (string Version, string Hash)> first = Pack(clone);
            Assert.Equal(_workspace.Components.Select(c => c.Id).Order(), first.Keys.Order());

            Commit(clone, "echo >> components/pmm/README.md", "pmm only");
            Dictionary<string, (string Version, string Hash)> second = Pack(clone);

            foreach (string id in first.Keys.Where(id => id != "Aurora.Pmm"))
            {
                Assert.Equal(first[id].Version, second[id].Version);
                Assert.True(first[id].Hash == second[id].Hash, $"{id} {first[id].Version} changed its bytes after a commit that touched only pmm");
            }
            Assert.Equal(NextPatch(first["Aurora.Pmm"].Version), second["Aurora.Pmm"].Version);

            // The committed pins and lock file, restored in locked mode (CI=true), after that commit:
            // the build from packages and the boot to the ready line.
            string pinsBefore = File.ReadAllText(Path.Combine(clone, "kernel-image", "component-pins.props"));
            CommandResult run = Shell.Run("CI=true ./aurora run --from-packages --exit-after-ready --timeout 300", clone,
                Workspace.BuildTimeout + TimeSpan.FromMinutes(5));
            Assert.True(run.ExitCode == 0, "the pinned kernel did not build from packages and boot:\n" + Tail(run.ToString()));
            Assert.Equal(pinsBefore, File.ReadAllText(Path.Combine(clone, "kernel-image", "component-pins.props")));
            Assert.Equal("", Shell.Check("git status --porcelain kernel-image/component-pins.lock.json", clone, GitTimeout).Output.Trim());

            using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(clone, "artifacts", "aurora.manifest.json")));
            Assert.Equal("package", manifest.RootElement.GetProperty("componentSource").GetString());
            var pins = Regex.Matches(pinsBefore, "<AuroraPin Include=\"([^\"]+)\" Version=\"([^\"]+)\"")
                .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            foreach (JsonElement component in manifest.RootElement.GetProperty("components").EnumerateArray())
                Assert.Equal(pins[component.GetProperty("id").GetString()!], component.GetProperty("version").GetString());
        }
        finally
        {
            Delete(clone);
        }
    }

    [Fact]
    public void APublicApiBreakFailsThePackUntilTheVersionLineMoves()
    {
        string clone = CloneOfWorkspace("break");
        try
        {
            // The pinned release of pmm (the baseline) into the clone's feed: the committed pins are
            // the tree's versions, so packing pmm as it is makes it (ensure_pinned_packages would
            // pack it from its pin's commit otherwise).
            string feed = Path.Combine(clone, "artifacts", "packages");
            Shell.Check($"dotnet pack components/pmm/src/Aurora.Pmm.csproj -c Release --nologo -v quiet -p:PublicRelease=true -p:PackageOutputPath={Shell.Quote(feed + "/")}",
                clone, Workspace.BuildTimeout);
            string pinned = Regex.Match(File.ReadAllText(Path.Combine(clone, "kernel-image", "component-pins.props")),
                "<AuroraPin Include=\"Aurora.Pmm\" Version=\"([^\"]+)\"").Groups[1].Value;
            if (!File.Exists(Path.Combine(feed, $"Aurora.Pmm.{pinned}.nupkg")))
                Pack(clone); // pins older than the tree: ./aurora pack packs them from their commits
            Assert.True(File.Exists(Path.Combine(feed, $"Aurora.Pmm.{pinned}.nupkg")));

            // A public method renamed: the old name is gone, a break.
            string source = Path.Combine(clone, "components", "pmm", "src", "FrameAllocator.cs");
            string text = File.ReadAllText(source);
            Assert.Contains("public readonly bool IsFree(ulong physicalAddress)", text);
            File.WriteAllText(source, text.Replace("public readonly bool IsFree(ulong physicalAddress)", "public readonly bool IsFrameFree(ulong physicalAddress)"));
            Commit(clone, "true", "pmm: rename IsFree (a break)");

            string output = Path.Combine(clone, "artifacts", "break-out");
            string pack = $"dotnet pack components/pmm/src/Aurora.Pmm.csproj -c Release --nologo -v quiet -p:PublicRelease=true -p:PackageOutputPath={Shell.Quote(output + "/")}";
            CommandResult broken = Shell.Run(pack, clone, Workspace.BuildTimeout);
            Assert.True(broken.ExitCode != 0, "the pack of a broken API passed:\n" + Tail(broken.ToString()));
            Assert.Contains("CP0002", broken.Output);
            Assert.Contains("Aurora.Pmm.FrameAllocator.IsFree(ulong)", broken.Output);

            // A new version line (0.x: the minor) lets the break through.
            string versionJson = Path.Combine(clone, "components", "pmm", "version.json");
            string[] line = pinned.Split('.');
            string next = $"{line[0]}.{int.Parse(line[1]) + 1}";
            File.WriteAllText(versionJson, Regex.Replace(File.ReadAllText(versionJson), "\"version\": \"[0-9.]+\"", $"\"version\": \"{next}\""));
            Commit(clone, $"sed -i 's/^## \\[Unreleased\\]$/## [Unreleased]\\n\\n## [{next}.x]\\n\\n- `IsFree` is `IsFrameFree`./' components/pmm/CHANGELOG.md", "pmm " + next);
            CommandResult bumped = Shell.Run(pack, clone, Workspace.BuildTimeout);
            Assert.True(bumped.ExitCode == 0, "the pack after the minor bump failed:\n" + Tail(bumped.ToString()));
            Assert.True(File.Exists(Path.Combine(output, $"Aurora.Pmm.{next}.1.nupkg")), "no Aurora.Pmm " + next + ".1 in " + output);
        }
        finally
        {
            Delete(clone);
        }
    }

    [Fact]
    public void AConsumerOfAnotherFrameworkGetsNuGetsNotCompatibleError()
    {
        string consumer = Path.Combine(Path.GetTempPath(), "aurora-net8-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(consumer);
            File.WriteAllText(Path.Combine(consumer, "nuget.config"), NugetConfig(_workspace.Feed));
            File.WriteAllText(Path.Combine(consumer, "Old.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup><TargetFramework>net8.0</TargetFramework></PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Aurora.Pmm" Version="{_workspace.Packed["Aurora.Pmm"]}" />
                    <PackageReference Include="Aurora.Runtime" Version="{_workspace.Packed["Aurora.Runtime"]}" />
                  </ItemGroup>
                </Project>
                """);
            CommandResult restore = Shell.Run("dotnet restore --nologo", consumer, Workspace.BuildTimeout);
            Assert.NotEqual(0, restore.ExitCode);
            Assert.Contains("NU1202", restore.Output);
            Assert.Matches(@"Package Aurora\.Pmm [^ ]+ is not compatible with net8\.0", restore.Output);
            Assert.Matches(@"Package Aurora\.Runtime [^ ]+ is not compatible with net8\.0", restore.Output);
        }
        finally
        {
            Delete(consumer);
        }
    }

    /// <summary>Issue 16, item 5: consumption with another corlib, as docs/components.md ("With
    /// another corlib") and each package README document it. A freestanding project outside the
    /// repository takes every component package with Aurora.Runtime's assets excluded and
    /// compiles them against its own corlib (the contract's stand-in, contract-corlib/). Without
    /// ExcludeAssets="all" the runtime's corlib comes in too and the two collide, which is why
    /// the documentation asks for it.</summary>
    [Fact]
    public void AKernelWithItsOwnCorlibCompilesTheComponentPackagesWithTheRuntimeExcluded()
    {
        string consumer = Path.Combine(Path.GetTempPath(), "aurora-owncorlib-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Directory.CreateDirectory(Path.Combine(consumer, "corlib"));
            foreach (string file in Directory.GetFiles(Path.Combine(_workspace.Root, "tools", "packaging-tests", "contract-corlib"), "*.cs"))
                File.Copy(file, Path.Combine(consumer, "corlib", Path.GetFileName(file)));
            File.WriteAllText(Path.Combine(consumer, "nuget.config"), NugetConfig(_workspace.Feed));
            string components = string.Join("\n", _workspace.Components.Where(c => !c.IsRuntime)
                .Select(c => $"    <PackageReference Include=\"{c.Id}\" Version=\"{_workspace.Packed[c.Id]}\" />"));
            string Project(string runtimeAssets) => $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <AuroraFreestanding>true</AuroraFreestanding>
                    <!-- Its own corlib: no BCL, the corlib's sources compiled in. -->
                    <NoStdLib>true</NoStdLib>
                    <NoConfig>true</NoConfig>
                    <RuntimeMetadataVersion>v4.0.30319</RuntimeMetadataVersion>
                    <GenerateAssemblyInfo>false</GenerateAssemblyInfo>
                    <GenerateTargetFrameworkAttribute>false</GenerateTargetFrameworkAttribute>
                    <ImplicitUsings>disable</ImplicitUsings>
                    <Nullable>enable</Nullable>
                    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
                    <NoWarn>$(NoWarn);CS0626;CS8021;CS0436;CS0649;CS0169</NoWarn>
                  </PropertyGroup>
                  <ItemGroup>
                    <PackageReference Include="Aurora.Runtime" Version="{_workspace.Packed["Aurora.Runtime"]}"{runtimeAssets} />
                {components}
                  </ItemGroup>
                  <Target Name="NoFrameworkReferences" AfterTargets="FindReferenceAssembliesForReferences" BeforeTargets="CoreCompile">
                    <ItemGroup>
                      <ReferencePathWithRefAssemblies Remove="@(ReferencePathWithRefAssemblies)" />
                      <ReferencePath Remove="@(ReferencePath)" />
                    </ItemGroup>
                  </Target>
                </Project>
                """;

            File.WriteAllText(Path.Combine(consumer, "OwnCorlib.csproj"), Project(" ExcludeAssets=\"all\""));
            CommandResult build = Shell.Run("dotnet build -c Release --nologo", consumer, Workspace.BuildTimeout);
            Assert.True(build.ExitCode == 0, "the components did not compile against another corlib:\n" + Tail(build.ToString()));

            // Without the switch the runtime's build file compiles its corlib in as well.
            Shell.Check("rm -rf obj bin", consumer, GitTimeout);
            File.WriteAllText(Path.Combine(consumer, "OwnCorlib.csproj"), Project(""));
            CommandResult clash = Shell.Run("dotnet build -c Release --nologo", consumer, Workspace.BuildTimeout);
            Assert.NotEqual(0, clash.ExitCode);
            Assert.Contains("CS0101", clash.Output); // a type defined twice: System.Object and the rest
        }
        finally
        {
            Delete(consumer);
        }
    }

    [Fact]
    public void TheSigningToolInstallsAsADotnetToolAndSignsAndVerifies()
    {
        string feed = Path.Combine(_workspace.Root, "artifacts", "tool-feed");
        string tools = Path.Combine(_workspace.Root, "artifacts", "tool-install");
        Shell.Check($"dotnet pack tools/modsign/Aurora.Modsign.Cli.csproj -c Release --nologo -v quiet -o {Shell.Quote(feed)}", _workspace.Root, Workspace.BuildTimeout);
        string package = Directory.GetFiles(feed, "Aurora.Modsign.Tool.*.nupkg").Single();
        string version = Path.GetFileNameWithoutExtension(package)["Aurora.Modsign.Tool.".Length..];
        var nuspec = new PackageFile(package);
        Assert.Equal("MIT", nuspec.Metadata("license"));
        Assert.Contains(nuspec.Nuspec.Descendants(), e => e.Name.LocalName == "packageType" && (string?)e.Attribute("name") == "DotnetTool");

        // A configuration of its own: package source mapping (the repository's nuget.config) forbids --add-source.
        string config = Path.Combine(_workspace.Root, "artifacts", "tool-nuget.config");
        File.WriteAllText(config, NugetConfig(feed));
        Shell.Check($"dotnet tool install Aurora.Modsign.Tool --version {version} --tool-path {Shell.Quote(tools)} --configfile {Shell.Quote(config)}",
            _workspace.Root, Workspace.BuildTimeout);
        string tool = Shell.Quote(Path.Combine(tools, "aurora-modsign"));
        string work = Path.Combine(_workspace.Root, "artifacts", "tool-work");
        Directory.CreateDirectory(work);
        File.WriteAllBytes(Path.Combine(work, "module.bin"), Enumerable.Range(0, 5000).Select(i => (byte)(i * 7)).ToArray());
        Shell.Check($"{tool} keygen --out-dir keys && {tool} sign --key keys/private.pem module.bin -o module.signed", work, TimeSpan.FromMinutes(2));
        CommandResult good = Shell.Run($"{tool} verify --key keys/public.pem module.signed", work, TimeSpan.FromMinutes(1));
        Assert.True(good.ExitCode == 0, good.ToString());
        Assert.Contains("OK", good.Output);
        // One byte changed after signing: status 1.
        byte[] signed = File.ReadAllBytes(Path.Combine(work, "module.signed"));
        signed[100] ^= 0x40;
        File.WriteAllBytes(Path.Combine(work, "module.tampered"), signed);
        Assert.Equal(1, Shell.Run($"{tool} verify --key keys/public.pem module.tampered", work, TimeSpan.FromMinutes(1)).ExitCode);
    }

    [Fact]
    public void TheApiReferenceSiteIsBuiltWithDocfxAndHasNoBrokenLinks()
    {
        CommandResult docs = Shell.Run("./aurora docs", _workspace.Root, Workspace.BuildTimeout);
        Assert.True(docs.ExitCode == 0, "./aurora docs failed:\n" + Tail(docs.ToString()));
        string site = Path.Combine(_workspace.Root, "artifacts", "docs");
        Assert.True(File.Exists(Path.Combine(site, "index.html")));
        // A page per component README and the API of every component with a host build.
        foreach (ComponentProject component in _workspace.Components)
        {
            Assert.True(File.Exists(Path.Combine(site, "components", component.Folder + ".html")), "no page for " + component.Id);
            if (!component.IsRuntime)
                Assert.NotEmpty(Directory.GetFiles(Path.Combine(site, "api"), component.Id + ".*.html"));
        }
        Assert.True(File.Exists(Path.Combine(site, "api", "Aurora.Pmm.FrameAllocator.html")));

        // Every link inside the site leads to a file of the site.
        var broken = new List<string>();
        var link = new Regex("(?:href|src)=\"([^\"#?]+)[^\"]*\"");
        foreach (string page in Directory.GetFiles(site, "*.html", SearchOption.AllDirectories))
        {
            foreach (Match m in link.Matches(File.ReadAllText(page)))
            {
                string target = System.Net.WebUtility.HtmlDecode(m.Groups[1].Value);
                if (target.Contains("://") || target.StartsWith("mailto:") || target.StartsWith("data:") || target.StartsWith("javascript:")) continue;
                string path = target.StartsWith('/') ? Path.Combine(site, target.TrimStart('/')) : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(page)!, target));
                if (!File.Exists(path) && !File.Exists(Path.Combine(path, "index.html")))
                    broken.Add($"{Path.GetRelativePath(site, page)} -> {target}");
            }
        }
        Assert.True(broken.Count == 0, "broken links:\n" + string.Join("\n", broken.Distinct().Take(50)));
    }

    [Fact]
    public void DotnetNewAuroraKernelMakesAKernelFromThePackagesThatBoots()
    {
        string feed = Path.Combine(_workspace.Root, "artifacts", "template-feed");
        string hive = Path.Combine(_workspace.Root, "artifacts", "template-hive");
        string kernel = Path.Combine(Path.GetTempPath(), "aurora-hello-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Shell.Check($"dotnet pack tools/templates/Aurora.Templates.csproj -c Release --nologo -v quiet -o {Shell.Quote(feed)}", _workspace.Root, Workspace.BuildTimeout);
            string package = Directory.GetFiles(feed, "Aurora.Templates.*.nupkg").Single();
            Shell.Check($"dotnet new install {Shell.Quote(package)} --debug:custom-hive {Shell.Quote(hive)}", _workspace.Root, Workspace.BuildTimeout);
            Shell.Check($"dotnet new aurora-kernel -n HelloKernel -o {Shell.Quote(kernel)} --debug:custom-hive {Shell.Quote(hive)}", _workspace.Root, Workspace.BuildTimeout);

            Assert.True(File.Exists(Path.Combine(kernel, "HelloKernel.csproj")));
            Assert.Contains("namespace HelloKernel;", File.ReadAllText(Path.Combine(kernel, "src", "Kernel.cs")));
            Assert.False(Directory.Exists(Path.Combine(kernel, ".template.config")));
            File.WriteAllText(Path.Combine(kernel, "nuget.config"), NugetConfig(_workspace.Feed));

            CommandResult run = Shell.Run("bash build.sh run", kernel, Workspace.BuildTimeout + TimeSpan.FromMinutes(3));
            Assert.True(run.ExitCode == 0, "the kernel made by dotnet new did not build and boot:\n" + Tail(run.ToString()));
            Assert.Contains("all checks passed", run.Output);
        }
        finally
        {
            Delete(kernel);
        }
    }

    internal static string NugetConfig(string feed) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <configuration>
          <packageSources>
            <clear />
            <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
            <add key="aurora" value="{feed}" />
          </packageSources>
          <packageSourceMapping>
            <packageSource key="aurora"><package pattern="Aurora.*" /></packageSource>
            <packageSource key="nuget.org"><package pattern="*" /></packageSource>
          </packageSourceMapping>
        </configuration>
        """;

    /// <summary>A git clone of the packed copy (its committed state), on main as a release is made.</summary>
    private string CloneOfWorkspace(string name)
    {
        string clone = $"{_workspace.Root}-{name}";
        Shell.Check($"git clone -q {Shell.Quote(_workspace.Root)} {Shell.Quote(clone)}", _workspace.Root, GitTimeout);
        Shell.Check("git checkout -q -B main", clone, GitTimeout);
        return clone;
    }

    private static void Commit(string clone, string change, string message) =>
        Shell.Check($"{change} && git add -A && git -c user.name=test -c user.email=test@example.invalid commit -qm {Shell.Quote(message)}", clone, GitTimeout);

    /// <summary>./aurora pack into the clone's feed: package id → (version, SHA-256 of the .nupkg).</summary>
    private static Dictionary<string, (string Version, string Hash)> Pack(string clone)
    {
        CommandResult pack = Shell.Check("bash tools/packaging.sh pack", clone, Workspace.BuildTimeout);
        return Regex.Matches(pack.Output, @"^(Aurora\.\w+) (\S+)$", RegexOptions.Multiline).ToDictionary(
            m => m.Groups[1].Value,
            m => (m.Groups[2].Value, Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(
                Path.Combine(clone, "artifacts", "packages", $"{m.Groups[1].Value}.{m.Groups[2].Value}.nupkg"))))));
    }

    private static string NextPatch(string version)
    {
        string[] parts = version.Split('-')[0].Split('.');
        return $"{parts[0]}.{parts[1]}.{int.Parse(parts[2]) + 1}";
    }

    private static string Tail(string text) => text.Length <= 6000 ? text : "…" + text[^6000..];

    private static void Delete(string path)
    {
        if (Environment.GetEnvironmentVariable("AURORA_KEEP_TEST_FILES") == "1") return;
        Shell.Run($"git -C {Shell.Quote(path)} worktree prune", Path.GetTempPath(), TimeSpan.FromSeconds(30));
        try { Directory.Delete(path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
