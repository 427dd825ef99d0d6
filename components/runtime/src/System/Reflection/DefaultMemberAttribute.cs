namespace System.Reflection;

/// <summary>The C# compiler marks types with indexers with this.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface)]
public sealed class DefaultMemberAttribute : Attribute
{
    /// <summary>The indexer's metadata name, <paramref name="memberName"/>.</summary>
    public DefaultMemberAttribute(string memberName) { MemberName = memberName; }
    /// <summary>The indexer's metadata name ("Item" unless IndexerName says otherwise).</summary>
    public string MemberName { get; }
}
