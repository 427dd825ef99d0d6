using System;
using System.Reflection;

namespace Aurora.Wasm.Tests;

/// <summary>
/// The tests not run inside WebAssembly, each with its reason. Everything else in the suites
/// runs. A reason is about the test's harness (what it needs from the host), never about the
/// component: the component code under test is the same in every target.
/// </summary>
internal static class LeftOut
{
    private static readonly (string Name, string Reason)[] s_entries =
    [
        ("Aurora.Modsign.Tests.CliTests",
         "drives the aurora-modsign command-line tool: files, a child process, .NET's RSA"),
        ("Aurora.Modsign.Tests.OpenSslInteropTests",
         "runs the openssl program, and WebAssembly has no processes"),
        ("Aurora.Modsign.Tests.KeyParsingTests",
         "the test makes its keys or signatures with .NET's RSA (System.Security.Cryptography), which browser-wasm does not offer; the verifier itself runs in WebAssembly in the playground test (tools/wasm-tests)"),
        ("Aurora.Modsign.Tests.KeyRingTests",
         "the test makes its keys or signatures with .NET's RSA (System.Security.Cryptography), which browser-wasm does not offer; the verifier itself runs in WebAssembly in the playground test (tools/wasm-tests)"),
        ("Aurora.Modsign.Tests.ModuleSignatureTests",
         "the test makes its keys or signatures with .NET's RSA (System.Security.Cryptography), which browser-wasm does not offer; the verifier itself runs in WebAssembly in the playground test (tools/wasm-tests)"),
        ("Aurora.Modsign.Tests.Pkcs1Sha256Tests",
         "the test makes its keys or signatures with .NET's RSA (System.Security.Cryptography), which browser-wasm does not offer; the verifier itself runs in WebAssembly in the playground test (tools/wasm-tests)"),
        ("Aurora.Modsign.Tests.ContractTests.KeyRingWorksAsAStaticFieldOfStructType",
         "the test makes its keys or signatures with .NET's RSA (System.Security.Cryptography), which browser-wasm does not offer; the verifier itself runs in WebAssembly in the playground test (tools/wasm-tests)"),
        ("Aurora.Modsign.Tests.PemTests.NonCanonicalLastCharacterIsRejected",
         "the test makes its keys or signatures with .NET's RSA (System.Security.Cryptography), which browser-wasm does not offer; the verifier itself runs in WebAssembly in the playground test (tools/wasm-tests)"),
        ("Aurora.Modsign.Tests.PemTests.RandomCorruptionNeverCrashes",
         "the test makes its keys or signatures with .NET's RSA (System.Security.Cryptography), which browser-wasm does not offer; the verifier itself runs in WebAssembly in the playground test (tools/wasm-tests)"),
        ("Aurora.Modsign.Tests.PemTests.RejectsPemBodiesThatAreNotTheKey",
         "the test makes its keys or signatures with .NET's RSA (System.Security.Cryptography), which browser-wasm does not offer; the verifier itself runs in WebAssembly in the playground test (tools/wasm-tests)"),
        ("Aurora.Modsign.Tests.PemTests.RejectsWrongFraming",
         "the test makes its keys or signatures with .NET's RSA (System.Security.Cryptography), which browser-wasm does not offer; the verifier itself runs in WebAssembly in the playground test (tools/wasm-tests)"),
        ("Aurora.Modsign.Tests.Sha256BlockFunctionTests.EveryWholeBlockGoesThroughTheBlockFunction",
         "hands Sha256 an [UnmanagedCallersOnly] C# method through an unmanaged function pointer; browser-wasm without AOT compilation has no native-to-managed thunk for it, so the installed function is never reached (the portable path it checks against runs in every other test)"),
        ("Aurora.Modsign.Tests.Sha256BlockFunctionTests.NullGoesBackToThePortableCode",
         "installs an [UnmanagedCallersOnly] block function first (see the test above), which browser-wasm without AOT cannot call"),
        ("Aurora.Vfs.Tests.CpioTests.AnArchiveWrittenByGnuCpioMountsAndReads",
         "reads its fixture (Fixtures/sample.cpio) from the host's file system, which the runtime's in-memory file system does not hold"),
        ("Aurora.Heap.Tests.MisuseTests.FreeOfAPointerFromOutsideTheHeapReportsInvalidPointer",
         "it also frees the non-canonical x86-64 address (void*)0x8000_0000_0000_0000, which with 32-bit pointers (wasm32) is null, and freeing null is rightly no error"),
        ("Aurora.Heap.Tests.AllocationTests.BadAlignmentsAndImpossibleSizesReturnNull",
         "its impossible requests are written (nuint)1 << 41 and (nuint)1 << 62, which with a 32-bit nuint (wasm32, shift taken mod 32) are 512 bytes and 1 GiB: possible requests"),
        ("Aurora.Heap.Tests.RandomizedTests",
         "minutes under the Mono interpreter on this 2-core machine (the randomized model run); it runs on the host (dotnet test) and the component code is the same"),
        ("Aurora.Pmm.Tests.RandomizedTests",
         "minutes under the Mono interpreter on this 2-core machine (the randomized model run); it runs on the host (dotnet test) and the component code is the same"),
        ("Aurora.Sched.Tests.RandomizedTests",
         "minutes under the Mono interpreter on this 2-core machine (the randomized model run); it runs on the host (dotnet test) and the component code is the same"),
        ("Aurora.Vmm.Tests.RandomizedTests",
         "minutes under the Mono interpreter on this 2-core machine (the randomized model run); it runs on the host (dotnet test) and the component code is the same"),
        ("Aurora.Vmm.Tests.RangeRandomizedTests",
         "minutes under the Mono interpreter on this 2-core machine (the randomized model run); it runs on the host (dotnet test) and the component code is the same"),
        ("Aurora.Vmm.Tests.RegionRandomizedTests",
         "minutes under the Mono interpreter on this 2-core machine (the randomized model run); it runs on the host (dotnet test) and the component code is the same"),
        ("Aurora.Caps.Tests.RandomizedTests",
         "minutes under the Mono interpreter on this 2-core machine (the randomized model run); it runs on the host (dotnet test) and the component code is the same"),
        ("Aurora.Vfs.Tests.RandomizedTests",
         "minutes under the Mono interpreter on this 2-core machine (the randomized model run); it runs on the host (dotnet test) and the component code is the same"),
    ];

    /// <summary>Set by --all: run the slow randomized tests too (only the harness reasons remain).</summary>
    public static bool RunSlow;

    /// <summary>The reason <paramref name="method"/> is left out, or null when it runs.</summary>
    public static string? Reason(Type type, MethodInfo method)
    {
        string full = $"{type.FullName}.{method.Name}";
        foreach ((string name, string reason) in s_entries)
        {
            if ((full == name || type.FullName == name) && !(RunSlow && reason.StartsWith("minutes", StringComparison.Ordinal)))
            {
                return reason;
            }
        }
        return null;
    }
}
