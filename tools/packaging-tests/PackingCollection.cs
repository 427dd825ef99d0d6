using Xunit;

namespace Aurora.Packaging.Tests;

/// <summary>The test classes that pack or restore Aurora's packages share the machine's NuGet
/// cache, which <c>./aurora pack</c> clears entries of: xunit runs the classes of one
/// collection one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PackingCollection
{
    public const string Name = "packing (the NuGet cache is shared)";
}
