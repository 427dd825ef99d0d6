using System.Runtime.CompilerServices;

namespace Aurora.Modsign;

/// <summary>
/// Adds a 64 x 64 -> 128-bit product into a column accumulator held as four 32-bit-weighted
/// words (w0 + w1 * 2^32 + w2 * 2^64 + w3 * 2^96). Each word gains less than 2^34 per product,
/// so a column of 65 products cannot overflow and no carry is propagated per product: that
/// keeps the Montgomery inner loop free of compare-and-carry chains. A struct type parameter
/// picks the implementation; the JIT/ILC specialises the loop per multiplier.
/// </summary>
internal interface IWideMultiply
{
    /// <summary>(w0, w1, w2, w3) += x * y, split at 32-bit boundaries.</summary>
    void Accumulate(ulong x, ulong y, ref ulong w0, ref ulong w1, ref ulong w2, ref ulong w3);
}

/// <summary>
/// Four 32 x 32 -> 64 products whose halves go straight into the accumulator words. The
/// freestanding build uses only this: the JIT inside ILCompiler 10.0.x expands no 64 x 64 -> 128
/// multiply that needs only base x64 <c>mul</c> (<c>X86Base.X64.BigMul</c>, which makes
/// <c>Math.BigMul</c> one <c>mul</c>, arrived after .NET 10: dotnet/runtime#117261), .NET 10's
/// <c>Math.BigMul</c> and <c>UInt128</c> multiply are this same four-multiply code without BMI2,
/// and BMI2 (MULX) belongs to x86-64-v3, which the kernel does not target
/// (<c>Bmi2.X64.IsSupported</c> compiles to false at x86-64-v2). Reordering the adds, chaining
/// the partial products and pre-splitting the operands into 32-bit halves all measured no faster.
/// </summary>
internal struct PortableMultiply : IWideMultiply
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Accumulate(ulong x, ulong y, ref ulong w0, ref ulong w1, ref ulong w2, ref ulong w3)
    {
        ulong xLow = (uint)x;
        ulong xHigh = x >> 32;
        ulong yLow = (uint)y;
        ulong yHigh = y >> 32;

        ulong lowLow = xLow * yLow;
        ulong lowHigh = xLow * yHigh;
        ulong highLow = xHigh * yLow;
        ulong highHigh = xHigh * yHigh;

        w0 += (uint)lowLow;
        w1 += (lowLow >> 32) + (uint)lowHigh + (uint)highLow;
        w2 += (lowHigh >> 32) + (highLow >> 32) + (uint)highHigh;
        w3 += highHigh >> 32;
    }
}

#if AURORA_MODSIGN_HOST_INTRINSICS
/// <summary>Host only: MULX for the high half, IMUL for the low half. Chosen at run time when the CPU has BMI2.</summary>
internal struct MulxMultiply : IWideMultiply
{
    // MULX's two-output form returns the low half through memory, which the JIT spills on
    // every call; the high-only form plus one IMUL keeps both halves in registers.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Accumulate(ulong x, ulong y, ref ulong w0, ref ulong w1, ref ulong w2, ref ulong w3)
    {
        ulong low = x * y;
        ulong high = System.Runtime.Intrinsics.X86.Bmi2.X64.MultiplyNoFlags(x, y);
        w0 += (uint)low;
        w1 += low >> 32;
        w2 += (uint)high;
        w3 += high >> 32;
    }
}
#endif
