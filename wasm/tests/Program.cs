using System;
using System.Threading.Tasks;

namespace Aurora.Wasm.Tests;

/// <summary>
/// Runs the components' xunit suites inside WebAssembly. Started by wasm/tests/run.mjs under
/// Node.js: `node run.mjs [--suite NAME]... [--filter TEXT] [--all]` (--all: the slow randomized tests too). Prints one line per failure, one
/// line per suite and the closing "N passed, N failed, N skipped"; exits 1 when a test failed.
/// </summary>
public static class Program
{
    /// <summary>The suites, by assembly name: the same assemblies `dotnet test` runs on the host.</summary>
    private static readonly string[] s_suites =
    [
        "Aurora.Pmm.Tests", "Aurora.Vmm.Tests", "Aurora.Heap.Tests", "Aurora.Sched.Tests",
        "Aurora.Vfs.Tests", "Aurora.Net.Tests", "Aurora.Caps.Tests", "Aurora.Modsign.Tests",
    ];

    public static async Task<int> Main(string[] args)
    {
        var suites = new System.Collections.Generic.List<string>();
        string? filter = null;
        bool list = false;
        for (int i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--suite" when i + 1 < args.Length: suites.Add(args[++i]); break;
                case "--filter" when i + 1 < args.Length: filter = args[++i]; break;
                case "--list": list = true; break;
                case "--all": LeftOut.RunSlow = true; break;
                default:
                    Console.Error.WriteLine($"usage: run.mjs [--suite NAME]... [--filter TEXT] [--list] [--all] (unknown: {args[i]})");
                    return 2;
            }
        }
        if (suites.Count == 0)
        {
            suites.AddRange(s_suites);
        }

        var runner = new TestRunner(filter, list);
        foreach (string suite in suites)
        {
            string name = suite.StartsWith("Aurora.", StringComparison.Ordinal) ? suite : Array.Find(s_suites, s => s.Equals($"Aurora.{suite}.Tests", StringComparison.OrdinalIgnoreCase)) ?? suite;
            await runner.RunSuiteAsync(name);
        }
        return runner.Finish();
    }
}
