using System;
using Aurora.Kernel.Drivers.Qemu;

namespace Aurora.Kernel.Tests;

/// <summary>
/// Runs in-kernel tests in a test build (AuroraTests=true). Chosen by the kernel option
/// <c>test=NAME</c>: "all" runs every ordinary test; a name runs that one test (each
/// "panic.*" test must run in its own boot, since it ends in a panic). Each test is announced
/// as <c>[test] &gt; NAME</c>; after it ran, its result is printed
/// as <c>[test] NAME ... PASS</c> or <c>FAIL: reason</c>, then <c>N passed, M failed</c>, and
/// QEMU exits through isa-debug-exit with a distinct code for pass and fail.
/// </summary>
internal static unsafe class TestRunner
{
    private static bool s_failed;
    private static string? s_failure;

    /// <summary>Records a failure of the running test (the first reason is kept).</summary>
    internal static void Check(bool condition, string reason)
    {
        if (condition || s_failed) return;
        s_failed = true;
        s_failure = reason;
    }

    /// <summary>Records a failure when <paramref name="actual"/> differs from
    /// <paramref name="expected"/>, printing both (every mismatch, not only the first).</summary>
    internal static void CheckEqual(long expected, long actual, string what)
    {
        if (expected == actual) return;
        Log.Write("  ");
        Log.Write(what);
        Log.Write(": expected ");
        Log.WriteDecimal(expected);
        Log.Write(", actual ");
        Log.WriteDecimal(actual);
        Log.WriteLine();
        Check(false, what);
    }

    /// <summary>Prints what was expected and what was found (hexadecimal), match or not.</summary>
    internal static void ShowHex(string what, ulong expected, ulong actual)
    {
        Log.Write("  ");
        Log.Write(what);
        Log.Write(": expected ");
        Log.WriteHex(expected);
        Log.Write(", actual ");
        Log.WriteHex(actual);
        Log.WriteLine();
    }

    /// <summary>Prints what was expected and what was found (decimal), match or not, and
    /// records a failure when they differ.</summary>
    internal static void CheckShown(string what, long expected, long actual)
    {
        Log.Write("  ");
        Log.Write(what);
        Log.Write(": expected ");
        Log.WriteDecimal(expected);
        Log.Write(", actual ");
        Log.WriteDecimal(actual);
        Log.WriteLine();
        Check(expected == actual, what);
    }

    internal static void Run(ReadOnlySpan<byte> selection)
    {
        int passed = 0, failed = 0, matched = 0;
        Log.WriteLine("[test] begin");
        TestCase[] tests = TestCatalog.All;
        for (int i = 0; i < tests.Length; i++)
        {
            string name = tests[i].Name;
            // panic.* tests end the boot; hostnet.* tests need a peer the host test sets up;
            // attack.* tests may crash the kernel (they are the attacker's suite, issue 9);
            // bbsuite.* is the busybox suite, long and compared by the host (issue 11);
            // stressng.* needs the stress-ng image (aurora-test-stressng.iso).
            bool ownBoot = StartsWith(name, "panic.") || StartsWith(name, "hostnet.") || StartsWith(name, "attack.") ||
                           StartsWith(name, "bbsuite.") || StartsWith(name, "stressng.");
            // "PREFIX*" selects every test whose name starts with PREFIX, own-boot ones too
            // (the aarch64 attack suite runs in one boot of its own: Aarch64AttackTests).
            bool selected = Equals(selection, name) || (Equals(selection, "all") && !ownBoot) || MatchesPrefix(selection, name);
            if (!selected) continue;
            matched++;
            s_failed = false;
            s_failure = null;
            // "> NAME" first, so a hang or panic names its test; the verdict line comes after
            // the body, so whatever the test prints (a user program's output) has lines of its own.
            Log.Write("[test] > ");
            Log.WriteLine(name);
            tests[i].Body();
            Log.Write("[test] ");
            Log.Write(name);
            Log.Write(" ... ");
            if (s_failed)
            {
                failed++;
                Log.Write(Log.Red + "FAIL: " + Log.Reset);
                Log.WriteLine(s_failure!);
            }
            else
            {
                passed++;
                Log.WriteLine(Log.Green + "PASS" + Log.Reset);
            }
        }
        if (matched == 0)
        {
            Log.WriteLine("[test] no test matches the selection");
            failed++;
        }
        Log.WriteDecimal((long)passed);
        Log.Write(" passed, ");
        Log.WriteDecimal((long)failed);
        Log.WriteLine(" failed");
        DebugExit.Exit(failed == 0 ? DebugExit.Success : DebugExit.Failure);
        Hal.Cpu.HaltForever();
    }

    private static bool Equals(ReadOnlySpan<byte> a, string b)
    {
        if (a.Length != b.Length) return false;
        for (int i = 0; i < a.Length; i++) if (a[i] != b[i]) return false;
        return true;
    }

    private static bool MatchesPrefix(ReadOnlySpan<byte> selection, string name)
    {
        if (selection.Length < 2 || selection[selection.Length - 1] != (byte)'*' || name.Length < selection.Length - 1) return false;
        for (int i = 0; i < selection.Length - 1; i++) if (selection[i] != name[i]) return false;
        return true;
    }

    private static bool StartsWith(string text, string prefix)
    {
        if (text.Length < prefix.Length) return false;
        for (int i = 0; i < prefix.Length; i++) if (text[i] != prefix[i]) return false;
        return true;
    }
}
