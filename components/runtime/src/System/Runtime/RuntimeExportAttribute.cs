namespace System.Runtime;

/// <summary>Gives a method a fixed native symbol name (the compiler honours this only in
/// input modules of the compilation).</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class RuntimeExportAttribute : Attribute
{
    public RuntimeExportAttribute(string entry) { }
}

[AttributeUsage(AttributeTargets.Method)]
internal sealed class RuntimeImportAttribute : Attribute
{
    public RuntimeImportAttribute(string entry) { }
    public RuntimeImportAttribute(string dllName, string entry) { }
}
