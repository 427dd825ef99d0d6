namespace System.Numerics;

/// <summary>Bit twiddling. Written as plain loops-free C#; the JIT/AOT compiler turns the
/// intrinsic-marked versions into tzcnt/lzcnt/popcnt where the target has them.</summary>
public static class BitOperations
{
    /// <summary>Number of 0 bits below the lowest 1; 64 for 0.</summary>
    public static int TrailingZeroCount(ulong value)
    {
        if (value == 0) return 64;
        int n = 0;
        if ((value & 0xFFFFFFFF) == 0) { n += 32; value >>= 32; }
        if ((value & 0xFFFF) == 0) { n += 16; value >>= 16; }
        if ((value & 0xFF) == 0) { n += 8; value >>= 8; }
        if ((value & 0xF) == 0) { n += 4; value >>= 4; }
        if ((value & 0x3) == 0) { n += 2; value >>= 2; }
        if ((value & 0x1) == 0) { n += 1; }
        return n;
    }

    /// <summary>Number of 0 bits below the lowest 1; 32 for 0.</summary>
    public static int TrailingZeroCount(uint value) => value == 0 ? 32 : TrailingZeroCount((ulong)value);
    /// <summary>Number of 0 bits below the lowest 1 of the value's bits; 32 for 0.</summary>
    public static int TrailingZeroCount(int value) => TrailingZeroCount((uint)value);
    /// <summary>Number of 0 bits below the lowest 1 of the value's bits; 64 for 0.</summary>
    public static int TrailingZeroCount(long value) => TrailingZeroCount((ulong)value);

    /// <summary>Number of 0 bits above the highest 1; 64 for 0.</summary>
    public static int LeadingZeroCount(ulong value)
    {
        if (value == 0) return 64;
        int n = 0;
        if ((value & 0xFFFFFFFF00000000) == 0) { n += 32; value <<= 32; }
        if ((value & 0xFFFF000000000000) == 0) { n += 16; value <<= 16; }
        if ((value & 0xFF00000000000000) == 0) { n += 8; value <<= 8; }
        if ((value & 0xF000000000000000) == 0) { n += 4; value <<= 4; }
        if ((value & 0xC000000000000000) == 0) { n += 2; value <<= 2; }
        if ((value & 0x8000000000000000) == 0) { n += 1; }
        return n;
    }

    /// <summary>Number of 0 bits above the highest 1; 32 for 0.</summary>
    public static int LeadingZeroCount(uint value) => LeadingZeroCount((ulong)value) - 32;

    /// <summary>Number of 1 bits.</summary>
    public static int PopCount(ulong value)
    {
        value -= (value >> 1) & 0x5555555555555555;
        value = (value & 0x3333333333333333) + ((value >> 2) & 0x3333333333333333);
        value = (value + (value >> 4)) & 0x0F0F0F0F0F0F0F0F;
        return (int)((value * 0x0101010101010101) >> 56);
    }

    /// <summary>Number of 1 bits.</summary>
    public static int PopCount(uint value) => PopCount((ulong)value);

    /// <summary>floor(log2 <paramref name="value"/>): the index of the highest 1 bit; 0 for
    /// 0.</summary>
    public static int Log2(ulong value) => 63 ^ LeadingZeroCount(value | 1);
    /// <summary>floor(log2 <paramref name="value"/>): the index of the highest 1 bit; 0 for
    /// 0.</summary>
    public static int Log2(uint value) => 31 ^ LeadingZeroCount(value | 1);

    /// <summary>Whether exactly one bit is set (0 is not a power of two).</summary>
    public static bool IsPow2(ulong value) => value != 0 && (value & (value - 1)) == 0;
    /// <summary>Whether exactly one bit is set (0 is not a power of two).</summary>
    public static bool IsPow2(uint value) => value != 0 && (value & (value - 1)) == 0;

    /// <paramref name="value"/> rotated left by <paramref name="offset"/> bits (taken mod 64).
    public static ulong RotateLeft(ulong value, int offset) => (value << offset) | (value >> (64 - offset));
    /// <paramref name="value"/> rotated left by <paramref name="offset"/> bits (taken mod 32).
    public static uint RotateLeft(uint value, int offset) => (value << offset) | (value >> (32 - offset));
    /// <paramref name="value"/> rotated right by <paramref name="offset"/> bits (taken mod 64).
    public static ulong RotateRight(ulong value, int offset) => (value >> offset) | (value << (64 - offset));
    /// <paramref name="value"/> rotated right by <paramref name="offset"/> bits (taken mod 32).
    public static uint RotateRight(uint value, int offset) => (value >> offset) | (value << (32 - offset));
}
