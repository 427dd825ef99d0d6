namespace Aurora.Kernel.Tests;

/// <summary>Each of these must end the boot in a panic; the host asserts on the report.
/// They run one per boot (test=panic.NAME).</summary>
internal static unsafe class PanicTests
{
    // An address no loader maps: lower half, far above any identity map.
    private const ulong Unmapped = 0x00007A5A_DEAD0000;

    internal static void PageFault()
    {
        ulong value = *(ulong*)Unmapped;
        TestRunner.Check(false, value == 0 ? "read of an unmapped address returned zero" : "read of an unmapped address returned data");
    }

    private sealed class Node { public int Value; }

    private static Node? s_missing;

    internal static void NullDereference()
    {
        int value = s_missing!.Value;
        TestRunner.Check(false, value == 0 ? "null dereference did not fault" : "null dereference read data");
    }

    internal static void GeneralProtection()
    {
        // A non-canonical address: bits 63..48 must copy bit 47 (SDM Vol. 1 3.3.7.1).
        ulong value = *(ulong*)0x8000_0000_0000_0000;
        TestRunner.Check(false, value == 0 ? "non-canonical read did not fault" : "non-canonical read returned data");
    }

    private static int s_index = 16;

    internal static void BoundsCheck()
    {
        int[] numbers = new int[4];
        numbers[s_index] = 1;
        TestRunner.Check(false, "out-of-range store did not fail");
    }

    private static int s_zero;

    internal static void DivideByZero()
    {
        int result = 100 / s_zero;
        TestRunner.Check(false, result == 0 ? "division by zero returned 0" : "division by zero returned a value");
    }

    /// <summary>Debug heap: a write into a freed block is caught when the block is reused.</summary>
    internal static void HeapWriteAfterFree()
    {
        byte* block = (byte*)Memory.KernelMemory.Allocate(48);
        Memory.KernelMemory.Free(block);
        block[20] = 0x42;
        for (int i = 0; i < 64; i++) Memory.KernelMemory.Allocate(48);
        TestRunner.Check(false, "write after free went unnoticed");
    }

    internal static void ThrownException()
    {
        throw new System.InvalidOperationException("deliberate throw from panic.thrown_exception");
    }

    /// <summary>A kernel thread recursing without end runs into the guard page below its stack.</summary>
    internal static void KernelStackOverflow()
    {
        Tasks.KernelThread* thread = Tasks.Scheduler.Spawn(&RecurseForever, 1);
        Tasks.Scheduler.Join(thread);
        TestRunner.Check(false, "the recursion returned");
    }

    private static long RecurseForever(ulong depth)
    {
        byte* scratch = stackalloc byte[256];
        scratch[0] = (byte)depth;
        return RecurseDeeper(depth + 1, scratch) + scratch[0];
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static long RecurseDeeper(ulong depth, byte* previous) => RecurseForever(depth) + previous[1];
}
