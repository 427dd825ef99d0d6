namespace Aurora.Kernel.Tests;

/// <summary>One in-kernel test: a name and a body that reports through TestRunner.Check.</summary>
internal sealed unsafe class TestCase
{
    public readonly string Name;
    public readonly delegate*<void> Body;

    public TestCase(string name, delegate*<void> body)
    {
        Name = name;
        Body = body;
    }
}
