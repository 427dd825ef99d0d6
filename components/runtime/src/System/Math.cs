namespace System;

/// <summary>Integer minimum, maximum and absolute value (no floating point).</summary>
public static class Math
{
    /// <summary>The smaller of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static int Min(int a, int b) => a < b ? a : b;
    /// <summary>The smaller of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static uint Min(uint a, uint b) => a < b ? a : b;
    /// <summary>The smaller of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static long Min(long a, long b) => a < b ? a : b;
    /// <summary>The smaller of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static ulong Min(ulong a, ulong b) => a < b ? a : b;
    /// <summary>The smaller of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static nint Min(nint a, nint b) => a < b ? a : b;
    /// <summary>The smaller of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static nuint Min(nuint a, nuint b) => a < b ? a : b;
    /// <summary>The larger of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static int Max(int a, int b) => a > b ? a : b;
    /// <summary>The larger of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static uint Max(uint a, uint b) => a > b ? a : b;
    /// <summary>The larger of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static long Max(long a, long b) => a > b ? a : b;
    /// <summary>The larger of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static ulong Max(ulong a, ulong b) => a > b ? a : b;
    /// <summary>The larger of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static nint Max(nint a, nint b) => a > b ? a : b;
    /// <summary>The larger of <paramref name="a"/> and <paramref name="b"/>.</summary>
    public static nuint Max(nuint a, nuint b) => a > b ? a : b;
    /// <summary>The absolute value; <see cref="int.MinValue"/> stays itself (no overflow
    /// check).</summary>
    public static int Abs(int value) => value < 0 ? -value : value;
    /// <summary>The absolute value; <see cref="long.MinValue"/> stays itself (no overflow
    /// check).</summary>
    public static long Abs(long value) => value < 0 ? -value : value;
}
