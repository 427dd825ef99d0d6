namespace Aurora.Wasm.Playground;

/// <summary>The page starts the runtime and then calls the [JSExport] methods; Main has nothing to do.</summary>
public static class Program
{
    public static void Main()
    {
    }
}
