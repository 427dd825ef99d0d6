namespace System.Reflection;

/// <summary>The C# compiler marks types with indexers with this.</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct | AttributeTargets.Interface)]
public sealed class DefaultMemberAttribute : Attribute
{
    public DefaultMemberAttribute(string memberName) { MemberName = memberName; }
    public string MemberName { get; }
}
