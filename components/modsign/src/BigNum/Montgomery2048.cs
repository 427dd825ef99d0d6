using System;
using System.Runtime.CompilerServices;

namespace Aurora.Modsign;

/// <summary>
/// Fixed-width 2048-bit modular arithmetic for RSA verification: 32 little-endian 64-bit limbs,
/// Montgomery multiplication with R = 2^2048 by product scanning with the reduction interleaved
/// (FIPS, Koc/Acar/Kaliski 1996), and a dedicated squaring. Operands are pointers to 32 limbs
/// (<see cref="UInt2048"/> buffers) on the caller's stack; nothing allocates. Timing is not constant: verification handles
/// public data only.
/// </summary>
internal static unsafe class Montgomery2048
{
    internal const int Limbs = 32;
    internal const int Bytes = Limbs * 8;

    /// <summary>Big-endian bytes (exactly 256) into limbs.</summary>
    internal static void LoadBigEndian(ReadOnlySpan<byte> source, ulong* destination)
    {
        for (int limb = 0; limb < Limbs; limb++)
        {
            int end = Bytes - 8 * limb;
            ulong value = 0;
            for (int i = end - 8; i < end; i++)
            {
                value = (value << 8) | source[i];
            }

            destination[limb] = value;
        }
    }

    /// <summary>Limbs into exactly 256 big-endian bytes.</summary>
    internal static void StoreBigEndian(ulong* source, byte* destination)
    {
        for (int limb = 0; limb < Limbs; limb++)
        {
            ulong value = source[limb];
            int end = Bytes - 8 * limb;
            for (int i = end - 1; i >= end - 8; i--)
            {
                destination[i] = (byte)value;
                value >>= 8;
            }
        }
    }

    /// <summary>-1, 0 or 1 as <paramref name="a"/> is below, equal to or above <paramref name="b"/>.</summary>
    internal static int Compare(ulong* a, ulong* b)
    {
        for (int i = Limbs - 1; i >= 0; i--)
        {
            if (a[i] != b[i])
            {
                return a[i] < b[i] ? -1 : 1;
            }
        }

        return 0;
    }

    /// <summary>r = a - b mod 2^2048; returns the borrow out (0 or 1). r may alias a or b.</summary>
    internal static ulong Subtract(ulong* r, ulong* a, ulong* b)
    {
        ulong borrow = 0;
        for (int i = 0; i < Limbs; i++)
        {
            ulong ai = a[i];
            ulong bi = b[i];
            ulong d = ai - bi;
            ulong borrowOut = ai < bi ? 1UL : 0UL;
            ulong d2 = d - borrow;
            borrowOut |= d < borrow ? 1UL : 0UL;
            r[i] = d2;
            borrow = borrowOut;
        }

        return borrow;
    }

    /// <summary>-n^-1 mod 2^64 for odd <paramref name="n0"/> (Newton: each step doubles the correct low bits).</summary>
    internal static ulong NegativeInverse(ulong n0)
    {
        ulong x = n0; // n0 * n0 == 1 mod 8 for odd n0: three bits to start from
        for (int i = 0; i < 5; i++)
        {
            x *= 2 - n0 * x;
        }

        return 0 - x;
    }

    /// <summary>
    /// R^2 mod n for a 2048-bit odd n (top bit set): start from R mod n = 2^2048 - n, double it
    /// 64 times modulo n (giving R * 2^64), then five Montgomery squarings each double the
    /// exponent of 2: R * 2^128, 2^256, ..., R * 2^2048 = R^2.
    /// </summary>
    internal static void RSquared<TMul>(ulong* n, ulong n0Inverse, ulong* result)
        where TMul : struct, IWideMultiply
    {
        UInt2048 zero = default;
        Subtract(result, zero.Limbs, n);
        for (int step = 0; step < 64; step++)
        {
            ulong carry = 0;
            for (int i = 0; i < Limbs; i++)
            {
                ulong limb = result[i];
                result[i] = (limb << 1) | carry;
                carry = limb >> 63;
            }

            if (carry != 0 || Compare(result, n) >= 0)
            {
                Subtract(result, result, n);
            }
        }

        for (int step = 0; step < 5; step++)
        {
            Square<TMul>(result, result, n, n0Inverse);
        }
    }

    /// <summary>
    /// r = a * b * R^-1 mod n, for a, b below n; r may alias a or b. Product scanning (FIPS,
    /// Koc/Acar/Kaliski 1996): column k of a * b + m * n is summed in one accumulator; while
    /// k &lt; 32 the column's low limb picks m[k] so that limb becomes zero, and from k = 32 on the
    /// column is limb k - 32 of the result.
    /// </summary>
    internal static void Multiply<TMul>(ulong* r, ulong* a, ulong* b, ulong* n, ulong n0Inverse)
        where TMul : struct, IWideMultiply
    {
        UInt2048 quotientDigits = default;
        ulong* m = quotientDigits.Limbs;
        TMul mul = default;
        ulong carryLow = 0;
        ulong carryHigh = 0;

        for (int k = 0; k < 2 * Limbs - 1; k++)
        {
            ulong w0 = (uint)carryLow;
            ulong w1 = carryLow >> 32;
            ulong w2 = carryHigh;
            ulong w3 = 0;

            int first = k < Limbs ? 0 : k - Limbs + 1;
            int last = k < Limbs ? k : Limbs - 1;
            // Walk j up through a and m and k - j down through b and n.
            ulong* pa = a + first;
            ulong* pb = b + k - first;
            ulong* pm = m + first;
            ulong* pn = n + k - first;
            int count = last - first;
            for (; count >= 2; count -= 2)
            {
                mul.Accumulate(pa[0], pb[0], ref w0, ref w1, ref w2, ref w3);
                mul.Accumulate(pm[0], pn[0], ref w0, ref w1, ref w2, ref w3);
                mul.Accumulate(pa[1], pb[-1], ref w0, ref w1, ref w2, ref w3);
                mul.Accumulate(pm[1], pn[-1], ref w0, ref w1, ref w2, ref w3);
                pa += 2;
                pb -= 2;
                pm += 2;
                pn -= 2;
            }

            if (count != 0)
            {
                mul.Accumulate(*pa, *pb, ref w0, ref w1, ref w2, ref w3);
                mul.Accumulate(*pm, *pn, ref w0, ref w1, ref w2, ref w3);
            }

            mul.Accumulate(a[last], b[k - last], ref w0, ref w1, ref w2, ref w3);
            CloseColumn(mul, k, last, m, n, n0Inverse, r, ref w0, ref w1, ref w2, ref w3, out carryLow, out carryHigh);
        }

        Finish(r, carryLow, carryHigh, n);
    }

    /// <summary>
    /// r = a * a * R^-1 mod n, for a below n; r may alias a. Each column sums its products below
    /// the diagonal once and doubles them, then adds the square on the diagonal: 528 products
    /// for a * a instead of 1024.
    /// </summary>
    internal static void Square<TMul>(ulong* r, ulong* a, ulong* n, ulong n0Inverse)
        where TMul : struct, IWideMultiply
    {
        UInt2048 quotientDigits = default;
        ulong* m = quotientDigits.Limbs;
        TMul mul = default;
        ulong carryLow = 0;
        ulong carryHigh = 0;

        for (int k = 0; k < 2 * Limbs - 1; k++)
        {
            ulong w0 = 0;
            ulong w1 = 0;
            ulong w2 = 0;
            ulong w3 = 0;

            int first = k < Limbs ? 0 : k - Limbs + 1;
            // Pairs (i, k - i) with i < k - i.
            ulong* low = a + first;
            ulong* high = a + k - first;
            int pairs = (k - 2 * first + 1) >> 1;
            for (; pairs >= 2; pairs -= 2)
            {
                mul.Accumulate(low[0], high[0], ref w0, ref w1, ref w2, ref w3);
                mul.Accumulate(low[1], high[-1], ref w0, ref w1, ref w2, ref w3);
                low += 2;
                high -= 2;
            }

            if (pairs != 0)
            {
                mul.Accumulate(*low, *high, ref w0, ref w1, ref w2, ref w3);
            }

            w0 = (w0 << 1) + (uint)carryLow;
            w1 = (w1 << 1) + (carryLow >> 32);
            w2 = (w2 << 1) + carryHigh;
            w3 <<= 1;
            if ((k & 1) == 0)
            {
                mul.Accumulate(a[k >> 1], a[k >> 1], ref w0, ref w1, ref w2, ref w3);
            }

            int last = k < Limbs ? k : Limbs - 1;
            ulong* pm = m + first;
            ulong* pn = n + k - first;
            int count = last - first;
            for (; count >= 2; count -= 2)
            {
                mul.Accumulate(pm[0], pn[0], ref w0, ref w1, ref w2, ref w3);
                mul.Accumulate(pm[1], pn[-1], ref w0, ref w1, ref w2, ref w3);
                pm += 2;
                pn -= 2;
            }

            if (count != 0)
            {
                mul.Accumulate(*pm, *pn, ref w0, ref w1, ref w2, ref w3);
            }

            CloseColumn(mul, k, last, m, n, n0Inverse, r, ref w0, ref w1, ref w2, ref w3, out carryLow, out carryHigh);
        }

        Finish(r, carryLow, carryHigh, n);
    }

    /// <summary>
    /// Ends column k: below 32, chooses m[k] = -(column mod 2^64) / n mod 2^64 and adds m[k] * n[0]
    /// (clearing the low limb); from 32 on, adds m[last] * n[k - last] and stores the low limb as
    /// result limb k - 32. Either way the rest carries into column k + 1.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CloseColumn<TMul>(TMul mul, int k, int last, ulong* m, ulong* n, ulong n0Inverse, ulong* r,
        ref ulong w0, ref ulong w1, ref ulong w2, ref ulong w3, out ulong carryLow, out ulong carryHigh)
        where TMul : struct, IWideMultiply
    {
        if (k < Limbs)
        {
            ulong mk = (w0 + (w1 << 32)) * n0Inverse;
            m[k] = mk;
            mul.Accumulate(mk, n[0], ref w0, ref w1, ref w2, ref w3);
        }
        else
        {
            mul.Accumulate(m[last], n[k - last], ref w0, ref w1, ref w2, ref w3);
        }

        // value = w0 + w1 * 2^32 + w2 * 2^64 + w3 * 2^96, each word below 2^42.
        ulong low = w0 + (w1 << 32);
        ulong carry0 = low < w0 ? 1UL : 0UL;
        ulong shiftedW3 = w3 << 32;
        ulong middle = w2 + (w1 >> 32) + carry0 + shiftedW3;
        ulong carry1 = middle < shiftedW3 ? 1UL : 0UL;
        carryLow = middle;
        carryHigh = (w3 >> 32) + carry1;

        // Result limb k - 32. Columns 0..31 leave a zero low limb by construction. Writing r
        // here is safe even when r aliases an input: column k reads only limbs above k - 32.
        if (k >= Limbs)
        {
            r[k - Limbs] = low;
        }
    }

    /// <summary>Stores the last column's carry as limb 31 (and bit 2048) and subtracts n once if needed (the value is below 2n).</summary>
    private static void Finish(ulong* r, ulong carryLow, ulong carryHigh, ulong* n)
    {
        r[Limbs - 1] = carryLow;
        if (carryHigh != 0 || Compare(r, n) >= 0)
        {
            Subtract(r, r, n);
        }
    }

    /// <summary>
    /// result = s^e mod n for odd e &gt;= 3 and s below n, left to right. The last step multiplies
    /// the Montgomery-form accumulator by plain s, which both applies e's low bit (always 1) and
    /// leaves Montgomery form: (s^(e-1) R) * s * R^-1 = s^e.
    /// </summary>
    internal static void ModPow<TMul>(ulong* result, ulong* s, uint e, ulong* n, ulong* rSquared, ulong n0Inverse)
        where TMul : struct, IWideMultiply
    {
        UInt2048 sMontgomery = default;
        ulong* sMont = sMontgomery.Limbs;
        Multiply<TMul>(sMont, s, rSquared, n, n0Inverse);
        UInt2048 accumulator = sMontgomery;
        ulong* acc = accumulator.Limbs;

        int topBit = 31 - System.Numerics.BitOperations.LeadingZeroCount(e);
        for (int bit = topBit - 1; bit >= 1; bit--)
        {
            Square<TMul>(acc, acc, n, n0Inverse);
            if (((e >> bit) & 1) != 0)
            {
                Multiply<TMul>(acc, acc, sMont, n, n0Inverse);
            }
        }

        Square<TMul>(acc, acc, n, n0Inverse);
        Multiply<TMul>(result, acc, s, n, n0Inverse);
    }

    /// <summary>R^2 mod n, with MULX on a host CPU that has it (as Pkcs1Sha256.VerifyDigest chooses).</summary>
    internal static void RSquared(ulong* n, ulong n0Inverse, ulong* result)
    {
#if AURORA_MODSIGN_HOST_INTRINSICS
        if (System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported)
        {
            RSquared<MulxMultiply>(n, n0Inverse, result);
            return;
        }
#endif
        RSquared<PortableMultiply>(n, n0Inverse, result);
    }
}
