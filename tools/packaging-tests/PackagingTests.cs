using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using System.Xml.Linq;
using Xunit;

namespace Aurora.Packaging.Tests;

/// <summary>
/// The promise of issue 2, end to end on one packed copy of the repository: one package per
/// component at its own version with what a freestanding kernel needs; a kernel outside the
/// repository built from packages alone that boots; a kernel-image pinned to an older version
/// of a component that reports that version in its manifest and boot log.
/// </summary>
// ./aurora pack empties the NuGet cache's entries of what it packs, so the classes that pack
// must not run beside those that restore (a consumer build once found Aurora.Runtime's
// native/x86_64 emptied under it): one collection, run one class at a time.
[Collection(PackingCollection.Name)]
public sealed class PackagingTests : IClassFixture<Workspace>
{
    private static readonly TimeSpan BootTimeout = TimeSpan.FromSeconds(120);
    private readonly Workspace _workspace;

    public PackagingTests(Workspace workspace) => _workspace = workspace;

    [Fact]
    public void PackingMakesOnePackagePerComponentAtItsOwnVersion()
    {
        var expectedIds = _workspace.Components.Select(c => c.Id).Order().ToList();
        Assert.Equal(expectedIds, _workspace.Packed.Keys.Order().ToList());

        // Exactly one package per component from this pack (other tests may add older versions).
        var packedFiles = Directory.GetFiles(_workspace.Feed, "*.nupkg")
            .Where(f => File.GetLastWriteTimeUtc(f) <= _workspace.PackedAt)
            .Select(f => Path.GetFileName(f) ?? "").Order().ToList();
        Assert.Equal(expectedIds.Select(id => $"{id}.{_workspace.Packed[id]}.nupkg").ToList(), packedFiles);

        foreach (ComponentProject component in _workspace.Components)
        {
            PackageFile package = _workspace.Package(component.Id);
            Assert.Equal(component.Id, package.Id);
            Assert.Equal(_workspace.ExpectedVersions[component.Id], package.Version);
            Assert.Equal("MIT", package.Metadata("license"));
            Assert.Equal("expression", (string?)package.MetadataElement("license")!.Attribute("type"));
            Assert.False(string.IsNullOrWhiteSpace(package.Metadata("description")));
            Assert.NotEqual("Package Description", package.Metadata("description"));
            Assert.Equal("README.md", package.Metadata("readme"));
            XElement repository = package.MetadataElement("repository")!;
            Assert.Equal("git", (string?)repository.Attribute("type"));
            // The commit that last changed the component, not the repository's HEAD.
            Assert.Equal(_workspace.ComponentCommit(component.Folder), (string?)repository.Attribute("commit"));
            Assert.Null(repository.Attribute("branch"));
            // No AuroraRepositoryUrl in the repository (MetadataTests): no address that does not exist.
            Assert.Null(repository.Attribute("url"));
            Assert.Null(package.MetadataElement("projectUrl"));
            Assert.Equal("icon.png", package.Metadata("icon"));
            Assert.Contains("icon.png", package.Entries);
            Assert.Contains(component.Folder, package.Metadata("tags").Split(' '));
            // Release notes: the CHANGELOG's section of this version line.
            string[] line = package.Version.Split('.');
            Assert.Contains($"## [{line[0]}.{line[1]}.x]", package.Metadata("releaseNotes"));

            string symbols = Path.Combine(_workspace.Feed, $"{component.Id}.{package.Version}.snupkg");
            if (component.IsRuntime)
            {
                // The corlib ships as sources only: no assembly, so no symbols package.
                // (lib/net10.0/_._, NuGet's empty marker, names its framework.)
                Assert.Equal(new[] { "lib/net10.0/_._" }, package.Entries.Where(e => e.StartsWith("lib/")).ToArray());
                Assert.Empty(package.Dependencies);
            }
            else
            {
                Assert.True(File.Exists(symbols), $"{component.Id} has no symbols package");
                Assert.Contains($"lib/net10.0/{component.Id}.pdb", new PackageFile(symbols).Entries);
                // Dependencies on other Aurora packages are ranges within the current major version.
                // The range of the runtime's version line ([0.N.0, 0.N+1.0) before 1.0), not its exact
                // version: a runtime commit within the line leaves this package's bytes alone.
                string runtime = _workspace.Packed["Aurora.Runtime"];
                string[] parts = runtime.Split('-')[0].Split('.');
                string pre = package.Version.Contains('-') ? "-0" : "";
                string range = parts[0] == "0"
                    ? $"[0.{parts[1]}.0{pre}, 0.{int.Parse(parts[1]) + 1}.0)"
                    : $"[{parts[0]}.0.0{pre}, {int.Parse(parts[0]) + 1}.0.0)";
                Assert.Contains(("Aurora.Runtime", range), package.Dependencies);
            }
        }
    }

    [Fact]
    public void PackagesCarryWhatAFreestandingKernelNeeds()
    {
        foreach (ComponentProject component in _workspace.Components)
        {
            PackageFile package = _workspace.Package(component.Id);
            string sourceDir = Path.Combine(_workspace.Root, "components", component.Folder, "src");
            var sources = Directory.GetFiles(sourceDir, "*.cs", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(sourceDir, f).Replace('\\', '/'))
                .Where(f => !f.StartsWith("obj/") && !f.StartsWith("bin/"))
                .Select(f => "src/" + f).Order().ToList();
            Assert.Equal(sources, package.Entries.Where(e => e.StartsWith("src/")).Order().ToList());

            // Build files only under net10.0: NuGet refuses other frameworks (NU1202).
            Assert.DoesNotContain(package.Entries, e => (e.StartsWith("build/") || e.StartsWith("buildTransitive/")) && !e.Contains("/net10.0/"));
            foreach (string folder in new[] { "build/net10.0", "buildTransitive/net10.0" })
            {
                string targets = package.Texts[$"{folder}/{component.Id}.targets"];
                Assert.Contains("'$(AuroraFreestanding)' == 'true'", targets);
                Assert.Contains("../src/**/*.cs", targets);
                Assert.Contains($"<AuroraComponentManifest Include=\"{component.Id}\" Version=\"{package.Version}\" Commit=\"{_workspace.ComponentCommit(component.Folder)}\" />", targets);
            }

            string readme = package.Texts["README.md"];
            Assert.StartsWith(File.ReadAllText(Path.Combine(_workspace.Root, "components", component.Folder, "README.md")).TrimEnd(), readme);
            Assert.Contains("<AuroraFreestanding>true</AuroraFreestanding>", readme);

            if (component.IsRuntime)
            {
                Assert.Contains("native/x86_64/InterfaceDispatch.S", package.Entries);
                string targets = package.Texts["buildTransitive/net10.0/Aurora.Runtime.targets"];
                Assert.Contains("<NoStdLib>true</NoStdLib>", targets);
                Assert.Contains("<IlcSystemModule", targets);
                Assert.Contains("aurora/native/x86_64/", targets);
            }
            else
            {
                Assert.Contains($"lib/net10.0/{component.Id}.dll", package.Entries);
                Assert.Contains($"lib/net10.0/{component.Id}.xml", package.Entries);
                Assert.Contains($"<PackageReference Include=\"{component.Id}\" Version=\"{package.Version}\" />", readme);
                // Consumption with another corlib is documented where a consumer reads.
                Assert.Contains("<PackageReference Include=\"Aurora.Runtime\" Version=\"...\" ExcludeAssets=\"all\" />", readme);
            }
        }
    }

    [Fact]
    public void ConsumerKernelBuildsFromPackagesOutsideTheRepositoryAndBoots()
    {
        // A hobby-OS author's copy: the sample alone, in a folder no Aurora file is above, with
        // a nuget.config naming the folder of packages and nuget.org.
        string consumer = Path.Combine(Path.GetTempPath(), "aurora-consumer-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            Shell.Check($"cp -r {Shell.Quote(Path.Combine(_workspace.Root, "samples", "consumer-kernel"))} {Shell.Quote(consumer)}", _workspace.Root, TimeSpan.FromMinutes(1));
            Assert.False(File.Exists(Path.Combine(consumer, "packages.lock.json")));
            File.WriteAllText(Path.Combine(consumer, "nuget.config"), $"""
                <?xml version="1.0" encoding="utf-8"?>
                <configuration>
                  <packageSources>
                    <clear />
                    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
                    <add key="aurora" value="{_workspace.Feed}" />
                  </packageSources>
                  <packageSourceMapping>
                    <packageSource key="aurora"><package pattern="Aurora.*" /></packageSource>
                    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
                  </packageSourceMapping>
                </configuration>
                """);

            CommandResult run = Shell.Run("./build.sh run", consumer, Workspace.BuildTimeout + BootTimeout);
            string serial = Shell.StripAnsi(run.Output);
            Assert.True(run.ExitCode == 0, "the consumer kernel did not build, boot and pass:\n" + run);
            Assert.Contains("QEMU exit status 33 (all checks passed)", serial);
            Assert.Contains("consumer kernel: C# running on Aurora.Runtime", serial);
            Assert.Matches(@"pmm: \d+ memory map entries, (2[0-5]\d|1[3-9]\d) MiB managed, \d+ frames free", serial);
            Assert.Matches(@"pmm: allocated 8 frames from 0x[0-9a-f]+ and 2 MiB at 0x[0-9a-f]*00000\b", serial);
            Assert.Contains("pmm: freed them all; a double free was reported as AlreadyFree", serial);
            Assert.Matches(@"heap: 2 blocks live, \d+ bytes in use, \d+ pages taken from the pmm", serial);
            Assert.Contains("heap: freed both; a double free was reported", serial);
            Assert.Contains("consumer kernel: all checks passed", serial);

            // It was built from the packages in the feed, at the versions just packed.
            string locked = File.ReadAllText(Path.Combine(consumer, "packages.lock.json"));
            using JsonDocument lockFile = JsonDocument.Parse(locked);
            JsonElement dependencies = lockFile.RootElement.GetProperty("dependencies").GetProperty("net10.0");
            foreach (string id in new[] { "Aurora.Runtime", "Aurora.Pmm", "Aurora.Heap" })
                Assert.Equal(_workspace.Packed[id], dependencies.GetProperty(id).GetProperty("resolved").GetString());
        }
        finally
        {
            if (Environment.GetEnvironmentVariable("AURORA_KEEP_TEST_FILES") != "1")
                try { Directory.Delete(consumer, recursive: true); } catch (IOException) { }
        }
    }

    [Fact]
    public void KernelPinnedToAnOlderComponentVersionReportsThatVersion()
    {
        // An older release of Aurora.Pmm in the feed, next to the current one.
        const string older = "0.0.1";
        Assert.True(string.CompareOrdinal(older, _workspace.Packed["Aurora.Pmm"]) < 0);
        Shell.Check($"dotnet pack components/pmm/src/Aurora.Pmm.csproj -c Release --nologo -v quiet -p:AuroraVersionOverride=Aurora.Pmm/{older} -p:PackageOutputPath={Shell.Quote(_workspace.Feed + "/")}",
            _workspace.Root, Workspace.BuildTimeout);
        Assert.True(File.Exists(Path.Combine(_workspace.Feed, $"Aurora.Pmm.{older}.nupkg")));
        // The NuGet cache may hold an Aurora.Pmm of that version from another run: make restore
        // take this one (./aurora pack does the same for what it packs).
        Shell.Check($"rm -rf \"$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: //p')aurora.pmm/{older}\"",
            _workspace.Root, TimeSpan.FromMinutes(1));

        // The pins: every component the kernel composes at the version just packed, Pmm older.
        var pins = _workspace.Packed.Where(p => p.Key != "Aurora.Pmm").ToDictionary(p => p.Key, p => p.Value);
        pins["Aurora.Pmm"] = older;
        string pinsFile = Path.Combine(_workspace.Root, "artifacts", "test-pins", "pins.props");
        Directory.CreateDirectory(Path.GetDirectoryName(pinsFile)!);
        File.WriteAllText(pinsFile, "<Project>\n  <ItemGroup>\n"
            + string.Concat(pins.Select(p => $"    <AuroraPin Include=\"{p.Key}\" Version=\"{p.Value}\" />\n"))
            + "  </ItemGroup>\n</Project>\n");

        Shell.Check($"./aurora build --from-packages --pins {Shell.Quote(pinsFile)}", _workspace.Root, Workspace.BuildTimeout);

        // The manifest lists what went in.
        using JsonDocument manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(_workspace.Root, "artifacts", "aurora.manifest.json")));
        Assert.Equal("package", manifest.RootElement.GetProperty("componentSource").GetString());
        var listed = manifest.RootElement.GetProperty("components").EnumerateArray()
            .ToDictionary(c => c.GetProperty("id").GetString()!, c => (Version: c.GetProperty("version").GetString()!, Commit: c.GetProperty("commit").GetString()!));
        Assert.Equal(older, listed["Aurora.Pmm"].Version);
        foreach (var (id, version) in listed.Where(l => l.Key != "Aurora.Pmm"))
            Assert.Equal(pins[id], version.Version);
        foreach (ComponentProject component in _workspace.Components)
            Assert.Equal(_workspace.ComponentCommit(component.Folder), listed[component.Id].Commit);

        // The restore is locked to exactly those packages.
        string lockFile = Path.ChangeExtension(pinsFile, ".lock.json");
        using (JsonDocument locked = JsonDocument.Parse(File.ReadAllText(lockFile)))
        {
            JsonElement pmm = locked.RootElement.GetProperty("dependencies").GetProperty("net10.0").GetProperty("Aurora.Pmm");
            Assert.Equal(older, pmm.GetProperty("resolved").GetString());
            Assert.False(string.IsNullOrEmpty(pmm.GetProperty("contentHash").GetString()));
        }

        // The booted image says the same in its boot log.
        CommandResult boot = Shell.Run(
            "qemu-system-x86_64 -M q35 -cpu max -m 256M -smp 1 -cdrom artifacts/aurora.iso -no-reboot -display none -serial stdio -monitor none "
            + "-device isa-debug-exit,iobase=0xf4,iosize=0x04 -fw_cfg name=opt/aurora/cmdline,string=exit-after-ready",
            _workspace.Root, BootTimeout);
        string serial = Shell.StripAnsi(boot.Output);
        Assert.True(boot.ExitCode == 33, "the pinned kernel did not reach its ready line:\n" + boot);
        string Short(string id) => listed[id].Commit[..7];
        Assert.Contains($"component Aurora.Pmm {older} (commit {Short("Aurora.Pmm")})", serial);
        foreach (var (id, version) in pins.Where(p => p.Key != "Aurora.Pmm"))
            Assert.Contains($"component {id} {version} (commit {Short(id)})", serial);
        Assert.Contains("Aurora ready.", serial);
    }

    [Fact]
    public void AComponentVersionMovesOnlyWhenItsOwnFolderChanges()
    {
        // A throw-away clone of the copy with one more commit that touches only components/pmm.
        string clone = _workspace.Root + "-clone";
        try
        {
            Shell.Check($"git clone -q {Shell.Quote(_workspace.Root)} {Shell.Quote(clone)}", _workspace.Root, TimeSpan.FromMinutes(2));
            Dictionary<string, string> before = TreeVersions(clone);
            Shell.Check("echo >> components/pmm/README.md && git -c user.name=test -c user.email=test@example.invalid commit -qam 'pmm only'", clone, TimeSpan.FromMinutes(1));
            Dictionary<string, string> after = TreeVersions(clone);

            Assert.Equal(before.Keys.Order(), after.Keys.Order());
            foreach (string id in before.Keys)
            {
                if (id == "Aurora.Pmm")
                    Assert.Equal(Bump(before[id]), after[id]);
                else
                    Assert.Equal(before[id], after[id]);
            }
        }
        finally
        {
            try { Directory.Delete(clone, recursive: true); } catch (IOException) { }
        }

        static string Bump(string version)
        {
            string[] parts = version.Split('-')[0].Split('.');
            return $"{parts[0]}.{parts[1]}.{int.Parse(parts[2]) + 1}";
        }
    }

    /// <summary>Each component's version in a tree, as the kernel's build manifest computes it
    /// in project mode (Nerdbank.GitVersioning per component folder).</summary>
    private static Dictionary<string, string> TreeVersions(string root)
    {
        CommandResult result = Shell.Check(
            "dotnet msbuild kernel-image/Aurora.Kernel.csproj -nologo -restore -t:AuroraComponentVersionsFromTree -getItem:AuroraComponentManifest",
            root, Workspace.BuildTimeout);
        string json = result.Output[result.Output.IndexOf('{')..];
        using JsonDocument document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("Items").GetProperty("AuroraComponentManifest").EnumerateArray()
            .ToDictionary(i => i.GetProperty("Identity").GetString()!, i => i.GetProperty("Version").GetString()!.Split('-')[0]);
    }
}
