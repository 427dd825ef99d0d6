using BenchmarkDotNet.Running;

namespace Aurora.Modsign.Bench;

internal static class Program
{
    // dotnet run -c Release --project components/modsign/bench -- --filter '*' --job short
    private static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
