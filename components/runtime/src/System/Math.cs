namespace System;

public static class Math
{
    public static int Min(int a, int b) => a < b ? a : b;
    public static uint Min(uint a, uint b) => a < b ? a : b;
    public static long Min(long a, long b) => a < b ? a : b;
    public static ulong Min(ulong a, ulong b) => a < b ? a : b;
    public static nint Min(nint a, nint b) => a < b ? a : b;
    public static nuint Min(nuint a, nuint b) => a < b ? a : b;
    public static int Max(int a, int b) => a > b ? a : b;
    public static uint Max(uint a, uint b) => a > b ? a : b;
    public static long Max(long a, long b) => a > b ? a : b;
    public static ulong Max(ulong a, ulong b) => a > b ? a : b;
    public static nint Max(nint a, nint b) => a > b ? a : b;
    public static nuint Max(nuint a, nuint b) => a > b ? a : b;
    public static int Abs(int value) => value < 0 ? -value : value;
    public static long Abs(long value) => value < 0 ? -value : value;
}
