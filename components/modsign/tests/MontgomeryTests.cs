using System;
using System.Numerics;
using Xunit;

namespace Aurora.Modsign.Tests;

/// <summary>The 2048-bit Montgomery arithmetic against System.Numerics.BigInteger, for both multipliers.</summary>
public unsafe class MontgomeryTests
{
    private static readonly BigInteger R = BigInteger.One << 2048;

    private static ulong[] Limbs(BigInteger value)
    {
        byte[] bytes = value.ToByteArray(isUnsigned: true, isBigEndian: false);
        byte[] padded = new byte[256];
        bytes.AsSpan(0, Math.Min(bytes.Length, 256)).CopyTo(padded);
        ulong[] limbs = new ulong[32];
        for (int i = 0; i < 32; i++)
        {
            limbs[i] = BitConverter.ToUInt64(padded, 8 * i);
        }

        return limbs;
    }

    private static BigInteger Value(ulong[] limbs)
    {
        byte[] bytes = new byte[256];
        for (int i = 0; i < 32; i++)
        {
            BitConverter.GetBytes(limbs[i]).CopyTo(bytes, 8 * i);
        }

        return new BigInteger(bytes, isUnsigned: true, isBigEndian: false);
    }

    private static BigInteger RandomBelow(Random random, BigInteger bound)
    {
        byte[] bytes = new byte[257];
        random.NextBytes(bytes);
        return new BigInteger(bytes, isUnsigned: true) % bound;
    }

    private static BigInteger RandomModulus(Random random)
    {
        byte[] bytes = new byte[256];
        random.NextBytes(bytes);
        BigInteger n = new(bytes, isUnsigned: true);
        return n | (BigInteger.One << 2047) | BigInteger.One;
    }

    private static BigInteger[] Moduli(Random random)
    {
        return
        [
            (BigInteger.One << 2048) - 1,
            (BigInteger.One << 2047) + 1,
            (BigInteger.One << 2047) + (BigInteger.One << 64) + 1,
            RandomModulus(random),
            RandomModulus(random),
            RandomModulus(random),
            RandomModulus(random),
        ];
    }

    private delegate void Multiplier(ulong* r, ulong* a, ulong* b, ulong* n, ulong n0Inverse);

    private delegate void Squarer(ulong* r, ulong* a, ulong* n, ulong n0Inverse);

    private static (string Name, Multiplier Multiply, Squarer Square)[] Implementations()
    {
        var list = new System.Collections.Generic.List<(string, Multiplier, Squarer)>
        {
            ("portable", Montgomery2048.Multiply<PortableMultiply>, Montgomery2048.Square<PortableMultiply>),
        };
        if (System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported)
        {
            list.Add(("mulx", Montgomery2048.Multiply<MulxMultiply>, Montgomery2048.Square<MulxMultiply>));
        }

        return list.ToArray();
    }

    [Fact]
    public void NegativeInverseTimesModulusIsMinusOne()
    {
        Seeded seeded = Seeded.Create();
        for (int i = 0; i < 1000; i++)
        {
            ulong n0 = (ulong)seeded.Random.NextInt64() | 1;
            Assert.True(n0 * Montgomery2048.NegativeInverse(n0) == ulong.MaxValue, $"n0 {n0:x}, {seeded.Replay}");
        }

        Assert.Equal(ulong.MaxValue, 1UL * Montgomery2048.NegativeInverse(1));
        Assert.Equal(ulong.MaxValue, ulong.MaxValue * Montgomery2048.NegativeInverse(ulong.MaxValue));
    }

    [Fact]
    public void MultiplyAndSquareMatchBigInteger()
    {
        Seeded seeded = Seeded.Create();
        foreach ((string name, Multiplier multiply, Squarer square) in Implementations())
        {
            foreach (BigInteger n in Moduli(seeded.Random))
            {
                ulong[] nl = Limbs(n);
                ulong n0Inverse = Montgomery2048.NegativeInverse(nl[0]);
                BigInteger[] operands = [BigInteger.Zero, BigInteger.One, n - 1, n - 2, RandomBelow(seeded.Random, n), RandomBelow(seeded.Random, n), RandomBelow(seeded.Random, n)];
                foreach (BigInteger a in operands)
                {
                    foreach (BigInteger b in operands)
                    {
                        ulong[] al = Limbs(a);
                        ulong[] bl = Limbs(b);
                        ulong[] r = new ulong[32];
                        fixed (ulong* pr = r, pa = al, pb = bl, pn = nl)
                        {
                            multiply(pr, pa, pb, pn, n0Inverse);
                        }

                        // r = a b R^-1 mod n  <=>  r R = a b (mod n) with r < n.
                        BigInteger result = Value(r);
                        Assert.True(result < n && (result * R - a * b) % n == 0, $"{name} multiply, {seeded.Replay}");
                    }

                    ulong[] sq = new ulong[32];
                    ulong[] aa = Limbs(a);
                    fixed (ulong* pr = sq, pa = aa, pn = nl)
                    {
                        square(pr, pa, pn, n0Inverse);
                    }

                    BigInteger squared = Value(sq);
                    Assert.True(squared < n && (squared * R - a * a) % n == 0, $"{name} square, {seeded.Replay}");
                }
            }
        }
    }

    [Fact]
    public void MultiplyAndSquareWorkInPlace()
    {
        Seeded seeded = Seeded.Create();
        BigInteger n = RandomModulus(seeded.Random);
        BigInteger a = RandomBelow(seeded.Random, n);
        BigInteger b = RandomBelow(seeded.Random, n);
        ulong[] nl = Limbs(n);
        ulong n0Inverse = Montgomery2048.NegativeInverse(nl[0]);
        foreach ((string name, Multiplier multiply, Squarer square) in Implementations())
        {
            ulong[] x = Limbs(a);
            ulong[] y = Limbs(b);
            fixed (ulong* px = x, py = y, pn = nl)
            {
                multiply(px, px, py, pn, n0Inverse);
                Assert.True((Value(x) * R - a * b) % n == 0, $"{name} r == a, {seeded.Replay}");
                ulong[] z = Limbs(a);
                fixed (ulong* pz = z)
                {
                    multiply(py, pz, py, pn, n0Inverse);
                    Assert.True((Value(y) * R - a * b) % n == 0, $"{name} r == b, {seeded.Replay}");
                    square(pz, pz, pn, n0Inverse);
                    Assert.True((Value(z) * R - a * a) % n == 0, $"{name} r == a (square), {seeded.Replay}");
                }
            }
        }
    }

    [Fact]
    public void RSquaredAndModPowMatchBigInteger()
    {
        Seeded seeded = Seeded.Create();
        foreach (BigInteger n in Moduli(seeded.Random))
        {
            ulong[] nl = Limbs(n);
            ulong n0Inverse = Montgomery2048.NegativeInverse(nl[0]);
            ulong[] r2 = new ulong[32];
            fixed (ulong* pn = nl, pr2 = r2)
            {
                Montgomery2048.RSquared<PortableMultiply>(pn, n0Inverse, pr2);
            }

            Assert.True(Value(r2) == R * R % n, seeded.Replay);

            foreach (uint e in new uint[] { 3, 17, 65537 })
            {
                foreach (BigInteger s in new[] { BigInteger.Zero, BigInteger.One, n - 1, RandomBelow(seeded.Random, n) })
                {
                    ulong[] sl = Limbs(s);
                    ulong[] portable = new ulong[32];
                    ulong[] mulx = new ulong[32];
                    fixed (ulong* pn = nl, pr2 = r2, ps = sl, pp = portable, pm = mulx)
                    {
                        Montgomery2048.ModPow<PortableMultiply>(pp, ps, e, pn, pr2, n0Inverse);
                        if (System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported)
                        {
                            Montgomery2048.ModPow<MulxMultiply>(pm, ps, e, pn, pr2, n0Inverse);
                        }
                    }

                    BigInteger expected = BigInteger.ModPow(s, e, n);
                    Assert.True(Value(portable) == expected, $"portable e={e}, {seeded.Replay}");
                    Assert.True(!System.Runtime.Intrinsics.X86.Bmi2.X64.IsSupported || Value(mulx) == expected, $"mulx e={e}, {seeded.Replay}");
                }
            }
        }
    }

    [Fact]
    public void PortableAccumulateIsTheFullProduct()
    {
        Seeded seeded = Seeded.Create();
        ulong[] edge = [0, 1, 2, uint.MaxValue, (ulong)uint.MaxValue + 1, ulong.MaxValue - 1, ulong.MaxValue];
        void Check(ulong x, ulong y)
        {
            ulong w0 = 0, w1 = 0, w2 = 0, w3 = 0;
            default(PortableMultiply).Accumulate(x, y, ref w0, ref w1, ref w2, ref w3);
            BigInteger sum = w0 + ((BigInteger)w1 << 32) + ((BigInteger)w2 << 64) + ((BigInteger)w3 << 96);
            Assert.True(sum == (BigInteger)x * y, $"{x:x} * {y:x}, {seeded.Replay}");
        }

        foreach (ulong x in edge)
        {
            foreach (ulong y in edge)
            {
                Check(x, y);
            }
        }

        for (int i = 0; i < 10000; i++)
        {
            Check((ulong)seeded.Random.NextInt64() * 3, (ulong)seeded.Random.NextInt64() * 5);
        }
    }

    [Fact]
    public void BigEndianLoadAndStoreRoundTrip()
    {
        Seeded seeded = Seeded.Create();
        byte[] bytes = seeded.Bytes(256);
        ulong[] limbs = new ulong[32];
        byte[] back = new byte[256];
        fixed (ulong* pl = limbs)
        fixed (byte* pb = back)
        {
            Montgomery2048.LoadBigEndian(bytes, pl);
            Montgomery2048.StoreBigEndian(pl, pb);
        }

        Assert.Equal(bytes, back);
        Assert.True(Value(limbs) == new BigInteger(bytes, isUnsigned: true, isBigEndian: true), seeded.Replay);
    }
}
