using System.Collections.Generic;
using System.IO;
using System.IO.Compression;
using System.Linq;
using System.Xml.Linq;

namespace Aurora.Packaging.Tests;

/// <summary>A .nupkg read as what it is: a zip with a .nuspec manifest.</summary>
public sealed class PackageFile
{
    public PackageFile(string path)
    {
        Path = path;
        using ZipArchive zip = ZipFile.OpenRead(path);
        Entries = zip.Entries.Select(e => e.FullName).ToList();
        ZipArchiveEntry nuspec = zip.Entries.Single(e => e.FullName.EndsWith(".nuspec") && !e.FullName.Contains('/'));
        using (var reader = new StreamReader(nuspec.Open())) Nuspec = XDocument.Parse(reader.ReadToEnd());
        Texts = new Dictionary<string, string>();
        foreach (ZipArchiveEntry entry in zip.Entries.Where(e => e.FullName.EndsWith(".md") || e.FullName.EndsWith(".targets") || e.FullName.EndsWith(".cs") || e.FullName.EndsWith(".S")))
        {
            using var reader = new StreamReader(entry.Open());
            Texts[entry.FullName] = reader.ReadToEnd();
        }
    }

    public string Path { get; }

    public IReadOnlyList<string> Entries { get; }

    public XDocument Nuspec { get; }

    /// <summary>Text entries (README, targets, sources) by path inside the package.</summary>
    public Dictionary<string, string> Texts { get; }

    public string Metadata(string name) =>
        Nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata").Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value ?? "";

    public XElement? MetadataElement(string name) =>
        Nuspec.Root!.Elements().Single(e => e.Name.LocalName == "metadata").Elements().FirstOrDefault(e => e.Name.LocalName == name);

    public string Id => Metadata("id");

    public string Version => Metadata("version");

    /// <summary>(id, version range) of every dependency, all target framework groups.</summary>
    public IReadOnlyList<(string Id, string Range)> Dependencies =>
        Nuspec.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => ((string)e.Attribute("id")!, (string)e.Attribute("version")!)).ToList();
}
