using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.Packaging.Tests;

/// <summary>
/// Issue 16: "every README code sample is compiled (and where it runs, run) by the test suite".
/// The C# blocks of the top README, docs/components.md and every component README each say what
/// they are in the fence's info string (tools/packaging-tests/samples/README.md):
/// <c>csharp sample</c> (host code: compiled against the components' host builds and run),
/// <c>csharp kernel</c> (a kernel's code: compiled against the components with the stand-ins of
/// samples/KernelStandIns.cs), <c>csharp freestanding</c> (compiled against Aurora.Runtime alone
/// with samples/FreestandingStandIns.cs) or <c>csharp api</c> (a summary of declarations, not
/// code). An unmarked C# block fails the test, so none escapes. Package references in the same
/// files name versions the component has had.
/// </summary>
public sealed class ReadmeSamplesTests : IClassFixture<ReadmeSamplesTests.Folder>
{
    private static readonly string Root = Workspace.FindRepositoryRoot();
    private static readonly TimeSpan BuildLimit = TimeSpan.FromMinutes(10);
    private static readonly string[] Kinds = { "sample", "kernel", "freestanding", "api" };
    private readonly string _work;

    public ReadmeSamplesTests(Folder folder) => _work = folder.Path;

    /// <summary>One temporary folder for the class: the components' libraries are built once
    /// and shared by the host and kernel sample projects.</summary>
    public sealed class Folder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "aurora-samples-" + Guid.NewGuid().ToString("N")[..8]);

        public void Dispose()
        {
            if (Environment.GetEnvironmentVariable("AURORA_KEEP_TEST_FILES") == "1") return;
            try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>One fenced C# block: where it is, what it says it is, its lines.</summary>
    private sealed record Block(string File, int Line, string Component, string Kind, IReadOnlyList<string> Lines)
    {
        public string Id => $"{Component}_line{Line}";
        public string Where => $"{File}:{Line}";
    }

    /// <summary>A sample split the way the wrappers need it (see samples/README.md).</summary>
    private sealed record Parts(List<string> Usings, List<string> Types, List<string> Members, List<string> Statements);

    [Fact]
    public void EveryCSharpBlockSaysWhatItIs()
    {
        var unmarked = new List<string>();
        foreach (string file in DocumentFiles())
        {
            string[] lines = File.ReadAllLines(Path.Combine(Root, file));
            for (int i = 0; i < lines.Length; i++)
            {
                Match fence = Regex.Match(lines[i], @"^```\s*(csharp|cs|c#)\b\s*(\S*)", RegexOptions.IgnoreCase);
                if (fence.Success && !Kinds.Contains(fence.Groups[2].Value)) unmarked.Add($"{file}:{i + 1}: ```{fence.Groups[1].Value} {fence.Groups[2].Value}");
            }
        }
        Assert.True(unmarked.Count == 0, "C# blocks without a kind (" + string.Join(", ", Kinds) + "):\n" + string.Join("\n", unmarked));
        // The component READMEs show both ways of using a component.
        foreach (string readme in ComponentReadmes())
        {
            List<Block> blocks = BlocksOf(readme);
            Assert.True(blocks.Any(b => b.Kind is "sample" or "kernel" or "freestanding"), $"{readme} has no compiled sample");
        }
    }

    [Fact]
    public void PackageReferencesInTheDocsNameVersionsTheComponentHasHad()
    {
        var wrong = new List<string>();
        foreach (string file in DocumentFiles())
        {
            string text = File.ReadAllText(Path.Combine(Root, file));
            foreach (Match m in Regex.Matches(text, @"<PackageReference\s+Include=""(Aurora\.(\w+))""\s+Version=""([^""]+)"""))
            {
                string id = m.Groups[1].Value, version = m.Groups[3].Value;
                string folder = m.Groups[2].Value.ToLowerInvariant();
                string component = Path.Combine(Root, "components", folder);
                if (!Directory.Exists(component)) { wrong.Add($"{file}: {id} is no component"); continue; }
                string current = Shell.Check($"bash build/Packaging/component-version.sh components/{folder}", Root, TimeSpan.FromMinutes(1)).Output.Trim().Split(' ')[0];
                string changelog = File.ReadAllText(Path.Combine(component, "CHANGELOG.md"));
                bool ok;
                if (Regex.IsMatch(version, @"^\d+(\.\d+)?\.\*$"))
                {
                    // A floating version (NuGet's 2.* or 0.6.*): some released line matches it.
                    ok = changelog.Contains("## [" + version[..^1]);
                }
                else if (Regex.IsMatch(version, @"^\d+\.\d+\.\d+$"))
                {
                    // An exact version: its line was released and, on the current line, it is not ahead.
                    int[] v = version.Split('.').Select(int.Parse).ToArray(), c = current.Split('.').Select(int.Parse).ToArray();
                    ok = changelog.Contains($"## [{v[0]}.{v[1]}.x]")
                        && (v[0] < c[0] || (v[0] == c[0] && v[1] < c[1]) || (v[0] == c[0] && v[1] == c[1] && v[2] <= c[2]));
                }
                else ok = false; // not a NuGet version a consumer could write (0.6.x)
                if (!ok) wrong.Add($"{file}: {id} {version} (the component is at {current})");
            }
        }
        Assert.True(wrong.Count == 0, "package versions that never existed:\n" + string.Join("\n", wrong));
    }

    [Fact]
    public void HostSamplesCompileAgainstTheComponentsAndRun()
    {
        List<Block> samples = AllBlocks().Where(b => b.Kind == "sample").ToList();
        Assert.NotEmpty(samples);
        string project = Path.Combine(_work, "host");
        Directory.CreateDirectory(project);
        WriteProject(project, "Samples.Host", exe: true);

        var cases = new StringBuilder();
        foreach (IGrouping<string, Block> readme in samples.GroupBy(b => b.File))
        {
            var earlierTypes = new List<string>();
            foreach (Block block in readme)
            {
                Parts parts = Split(block.Lines);
                earlierTypes.AddRange(parts.Types);
                var file = new StringBuilder();
                AppendUsings(file, block, parts);
                file.AppendLine($"namespace AuroraReadmeSamples.{block.Id};").AppendLine();
                // The types of this README's earlier samples too: the README reads as one story.
                foreach (string line in earlierTypes) file.AppendLine(line);
                file.AppendLine("static unsafe class Sample").AppendLine("{");
                foreach (string line in parts.Members) file.AppendLine(line);
                file.AppendLine("    public static void Run()").AppendLine("    {").AppendLine($"#line {block.Line + 1} \"{Path.Combine(Root, block.File)}\"");
                foreach (string line in parts.Statements) file.AppendLine(line);
                file.AppendLine("#line default").AppendLine("    }").AppendLine("}");
                File.WriteAllText(Path.Combine(project, block.Id + ".cs"), file.ToString());
                if (parts.Statements.Any(s => s.Trim().Length > 0 && !s.Trim().StartsWith("//")))
                    cases.AppendLine($"            case \"{block.Id}\": AuroraReadmeSamples.{block.Id}.Sample.Run(); return 0;");
            }
        }
        File.WriteAllText(Path.Combine(project, "Program.cs"),
            "static class Program\n{\n    static int Main(string[] args)\n    {\n        switch (args[0])\n        {\n" + cases +
            "            default: return 2;\n        }\n    }\n}\n");

        Build(project);
        string dll = Path.Combine(project, "bin", "Samples.Host.dll");
        foreach (Match m in Regex.Matches(cases.ToString(), "case \"([^\"]+)\""))
        {
            CommandResult run = Shell.Run($"dotnet {Shell.Quote(dll)} {m.Groups[1].Value}", project, TimeSpan.FromMinutes(2));
            Block block = samples.First(b => b.Id == m.Groups[1].Value);
            Assert.True(run.ExitCode == 0, $"the sample at {block.Where} failed when run:\n{run}");
        }
    }

    [Fact]
    public void KernelSamplesCompileAgainstTheComponentsWithTheDocumentedStandIns()
    {
        List<Block> samples = AllBlocks().Where(b => b.Kind == "kernel").ToList();
        Assert.NotEmpty(samples);
        string project = Path.Combine(_work, "kernel");
        Directory.CreateDirectory(project);
        WriteProject(project, "Samples.Kernel", exe: false);
        File.Copy(Path.Combine(Root, "tools", "packaging-tests", "samples", "KernelStandIns.cs"), Path.Combine(project, "KernelStandIns.cs"));
        foreach (Block block in samples)
            File.WriteAllText(Path.Combine(project, block.Id + ".cs"), WrapInClass(block, "Aurora.Samples.KernelStandIns", extraUsings: new[] { "Aurora.Heap", "Aurora.Pmm" }));
        Build(project);
    }

    [Fact]
    public void FreestandingSamplesCompileAgainstAuroraRuntimeAlone()
    {
        List<Block> samples = AllBlocks().Where(b => b.Kind == "freestanding").ToList();
        Assert.NotEmpty(samples);
        string sources = Path.Combine(_work, "freestanding", "src") + "/";
        Directory.CreateDirectory(sources);
        File.Copy(Path.Combine(Root, "tools", "packaging-tests", "samples", "FreestandingStandIns.cs"), Path.Combine(sources, "FreestandingStandIns.cs"));
        foreach (Block block in samples)
            File.WriteAllText(Path.Combine(sources, block.Id + ".cs"), WrapInClass(block, "Aurora.Samples.FreestandingStandIns", extraUsings: Array.Empty<string>(), bcl: false));
        string obj = Path.Combine(_work, "freestanding", "obj") + "/";
        CommandResult build = Shell.Run(
            $"dotnet build build/freestanding-check/Aurora.FreestandingCheck.csproj -c Release --nologo -v quiet -p:AuroraCheckDocs=false -p:ComponentDir={Shell.Quote(sources)} "
            + $"-p:MSBuildProjectExtensionsPath={Shell.Quote(obj + "ext/")} -p:IntermediateOutputPath={Shell.Quote(obj)} -p:OutputPath={Shell.Quote(Path.Combine(_work, "freestanding", "bin") + "/")}",
            Root, BuildLimit);
        Assert.True(build.ExitCode == 0, "the freestanding samples do not compile against Aurora.Runtime:\n" + build);
    }

    // ---- the documents and their blocks ------------------------------------------------------

    private static IEnumerable<string> DocumentFiles() =>
        new[] { "README.md", "docs/components.md" }.Concat(ComponentReadmes());

    private static IEnumerable<string> ComponentReadmes() =>
        Directory.GetDirectories(Path.Combine(Root, "components")).Order()
            .Where(d => File.Exists(Path.Combine(d, "README.md")))
            .Select(d => $"components/{Path.GetFileName(d)}/README.md");

    private static IEnumerable<Block> AllBlocks() => DocumentFiles().SelectMany(BlocksOf);

    private static List<Block> BlocksOf(string file)
    {
        string component = file.StartsWith("components/") ? file.Split('/')[1] : Path.GetFileNameWithoutExtension(file).ToLowerInvariant();
        var blocks = new List<Block>();
        string[] lines = File.ReadAllLines(Path.Combine(Root, file));
        for (int i = 0; i < lines.Length; i++)
        {
            Match fence = Regex.Match(lines[i], @"^```\s*(csharp|cs|c#)\b\s*(\S*)", RegexOptions.IgnoreCase);
            if (!fence.Success) continue;
            int start = i;
            var body = new List<string>();
            for (i++; i < lines.Length && !lines[i].StartsWith("```"); i++) body.Add(lines[i]);
            blocks.Add(new Block(file, start + 1, component, fence.Groups[2].Value, body));
        }
        return blocks;
    }

    /// <summary>
    /// Splits a sample at column 0: <c>using</c> directives; type declarations (with the doc
    /// comments and attributes just above them, to their closing brace); static fields; and
    /// everything else, which is statements and local functions.
    /// </summary>
    private static Parts Split(IReadOnlyList<string> lines)
    {
        var parts = new Parts(new(), new(), new(), new());
        var pending = new List<string>();
        for (int i = 0; i < lines.Count; i++)
        {
            string line = lines[i];
            if (Regex.IsMatch(line, @"^using\s+[\w.]+\s*;")) { parts.Usings.Add(line); continue; }
            if (Regex.IsMatch(line, @"^(///|\[)")) { pending.Add(line); continue; }
            if (Regex.IsMatch(line, @"^((public|internal|static|unsafe|readonly|ref|partial|sealed|abstract)\s+)*(struct|class|interface|enum|record)\s"))
            {
                parts.Types.AddRange(pending); pending.Clear();
                int depth = 0; bool opened = false;
                for (; i < lines.Count; i++)
                {
                    parts.Types.Add(lines[i]);
                    string code = CodeOf(lines[i]);
                    depth += code.Count(ch => ch == '{') - code.Count(ch => ch == '}');
                    opened |= code.Contains('{');
                    if (opened && depth <= 0) break;
                }
                continue;
            }
            if (Regex.IsMatch(line, @"^static\s+[^(]*;\s*(//.*)?$")) { parts.Members.AddRange(pending); pending.Clear(); parts.Members.Add(line); continue; }
            parts.Statements.AddRange(pending); pending.Clear();
            parts.Statements.Add(line);
        }
        parts.Statements.AddRange(pending);
        return parts;
    }

    /// <summary>A line without its // comment and string literals, for counting braces.</summary>
    private static string CodeOf(string line)
    {
        string code = Regex.Replace(line, @"""(\\.|[^""\\])*""", "\"\"");
        int comment = code.IndexOf("//", StringComparison.Ordinal);
        return comment >= 0 ? code[..comment] : code;
    }

    private static void AppendUsings(StringBuilder file, Block block, Parts parts, IEnumerable<string>? extra = null, bool bcl = true)
    {
        var usings = new List<string>();
        if (bcl) usings.AddRange(new[] { "using System;", "using System.Runtime.CompilerServices;", "using System.Runtime.InteropServices;", "using System.Security.Cryptography;" });
        else usings.AddRange(new[] { "using System;", "using Internal.Runtime;" });
        string ns = "Aurora." + char.ToUpperInvariant(block.Component[0]) + block.Component[1..];
        if (block.File.StartsWith("components/") && block.Component != "runtime") usings.Add($"using {ns};");
        foreach (string name in extra ?? Array.Empty<string>()) usings.Add($"using {name};");
        foreach (string line in usings.Concat(parts.Usings).Distinct()) file.AppendLine(line);
        file.AppendLine();
    }

    /// <summary>The kernel and freestanding wrapper: a class deriving from the stand-ins, the
    /// sample's types and static fields its members, the statements one method's body.</summary>
    private static string WrapInClass(Block block, string baseClass, IEnumerable<string> extraUsings, bool bcl = true)
    {
        Parts parts = Split(block.Lines);
        var file = new StringBuilder();
        AppendUsings(file, block, parts, extraUsings, bcl);
        file.AppendLine($"namespace AuroraReadmeSamples.{block.Id};").AppendLine();
        file.AppendLine($"unsafe class Sample : {baseClass}").AppendLine("{");
        foreach (string line in parts.Types.Concat(parts.Members)) file.AppendLine(line);
        file.AppendLine("    void Body()").AppendLine("    {").AppendLine($"#line {block.Line + 1} \"{Path.Combine(Root, block.File)}\"");
        foreach (string line in parts.Statements) file.AppendLine(line);
        file.AppendLine("#line default").AppendLine("    }").AppendLine("}");
        return file.ToString();
    }

    // ---- building ----------------------------------------------------------------------------

    /// <summary>A project outside the repository (no obj/ of the tree touched, no repository
    /// build settings) that compiles each component's sources as its own library, the way its
    /// host build does, and references them; internal members stay invisible to the samples.</summary>
    private void WriteProject(string folder, string name, bool exe)
    {
        var references = new StringBuilder();
        foreach (string dir in Directory.GetDirectories(Path.Combine(Root, "components")).Order())
        {
            string component = Path.GetFileName(dir);
            if (component == "runtime" || !Directory.Exists(Path.Combine(dir, "src"))) continue;
            string id = "Aurora." + char.ToUpperInvariant(component[0]) + component[1..];
            string library = Path.Combine(_work, "lib", id);
            Directory.CreateDirectory(library);
            string src = Path.Combine(dir, "src");
            string defines = component == "modsign" ? "<DefineConstants>$(DefineConstants);AURORA_MODSIGN_HOST_INTRINSICS</DefineConstants>" : "";
            string libraryProject = Path.Combine(library, id + ".csproj");
            references.AppendLine($"    <ProjectReference Include=\"{libraryProject}\" />");
            if (File.Exists(libraryProject)) continue; // written (and maybe built) by the other test
            File.WriteAllText(libraryProject, $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <TargetFramework>net10.0</TargetFramework>
                    <AssemblyName>{id}</AssemblyName>
                    <LangVersion>latest</LangVersion>
                    <Nullable>enable</Nullable>
                    <ImplicitUsings>disable</ImplicitUsings>
                    <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
                    <EnableDefaultCompileItems>false</EnableDefaultCompileItems>
                    {defines}
                  </PropertyGroup>
                  <ItemGroup>
                    <Compile Include="{src}/**/*.cs" Exclude="{src}/obj/**;{src}/bin/**" />
                  </ItemGroup>
                </Project>
                """);
        }
        File.WriteAllText(Path.Combine(folder, name + ".csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <OutputType>{(exe ? "Exe" : "Library")}</OutputType>
                <LangVersion>latest</LangVersion>
                <Nullable>enable</Nullable>
                <ImplicitUsings>disable</ImplicitUsings>
                <AllowUnsafeBlocks>true</AllowUnsafeBlocks>
                <OutputPath>bin/</OutputPath>
                <AppendTargetFrameworkToOutputPath>false</AppendTargetFrameworkToOutputPath>
                <!-- Samples show a use, not a finished program: unused values and hidden
                     stand-ins are fine; only errors count. -->
                <TreatWarningsAsErrors>false</TreatWarningsAsErrors>
                <NoWarn>$(NoWarn);CS0108;CS0168;CS0169;CS0219;CS0414;CS0649;CS8321;CS9124</NoWarn>
              </PropertyGroup>
              <ItemGroup>
            {references}  </ItemGroup>
            </Project>
            """);
    }

    private static void Build(string project)
    {
        CommandResult build = Shell.Run("dotnet build -c Release --nologo -v quiet", project, BuildLimit);
        string errors = string.Join("\n", build.Output.Split('\n').Where(l => l.Contains("error")).Distinct());
        Assert.True(build.ExitCode == 0, "README samples do not compile:\n" + (errors.Length > 0 ? errors : build.ToString()));
    }
}
