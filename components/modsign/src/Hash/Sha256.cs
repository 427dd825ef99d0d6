using System;
using System.Numerics;
using System.Runtime.CompilerServices;

namespace Aurora.Modsign;

/// <summary>
/// SHA-256 (FIPS 180-4 §6.2), streaming. The state lives in the struct: no allocation, so it
/// can sit on a kernel stack. <c>default(Sha256)</c> is usable: it starts itself on first use.
/// </summary>
public unsafe struct Sha256
{
    /// <summary>Digest size in bytes.</summary>
    public const int HashSize = 32;

    /// <summary>Compression block size in bytes.</summary>
    public const int BlockSize = 64;

    // The platform's compression of whole blocks (state H0..H7, data, block count), when it has
    // a faster one than the portable code below: the kernel sets SHA-extension assembly here
    // when CPUID reports them (.NET has no SHA intrinsics). Null: the portable code.
    private static delegate* unmanaged<uint*, byte*, nuint, void> s_blockFunction;

    private fixed uint _state[8];
    private fixed byte _pending[BlockSize];
    private ulong _totalBytes;
    private int _pendingBytes;
    private bool _started;

    /// <summary>
    /// Hands the hasher a platform's compression function (FIPS 180-4 §6.2.2 over whole 64-byte
    /// blocks: <c>state</c> is H0..H7, updated in place), or null to go back to the portable
    /// code. Set it once, before hashing; every <see cref="Sha256"/> uses it from then on.
    /// </summary>
    public static void UseBlockFunction(delegate* unmanaged<uint*, byte*, nuint, void> compress) => s_blockFunction = compress;

    /// <summary>Whether a platform compression function is in use (<see cref="UseBlockFunction"/>).</summary>
    public static bool HasBlockFunction => s_blockFunction != null;

    /// <summary>
    /// The portable compression (the one used without a block function), for a platform's
    /// function to be checked against: <paramref name="blocks"/> 64-byte blocks at
    /// <paramref name="data"/> into H0..H7 at <paramref name="state"/>.
    /// </summary>
    public static void CompressPortable(uint* state, byte* data, nuint blocks) => CompressPortable(ref *state, ref *data, (int)blocks);

    /// <summary>A hasher in its initial state.</summary>
    public static Sha256 Create()
    {
        Sha256 hasher = default;
        hasher.Reset();
        return hasher;
    }

    /// <summary>SHA-256 of <paramref name="data"/> in one call.</summary>
    public static Sha256Digest Hash(ReadOnlySpan<byte> data)
    {
        Sha256 hasher = Create();
        hasher.Update(data);
        return hasher.Final();
    }

    /// <summary>Back to the initial hash value H(0) (FIPS 180-4 §5.3.3).</summary>
    public void Reset()
    {
        _state[0] = 0x6a09e667;
        _state[1] = 0xbb67ae85;
        _state[2] = 0x3c6ef372;
        _state[3] = 0xa54ff53a;
        _state[4] = 0x510e527f;
        _state[5] = 0x9b05688c;
        _state[6] = 0x1f83d9ab;
        _state[7] = 0x5be0cd19;
        _totalBytes = 0;
        _pendingBytes = 0;
        _started = true;
    }

    /// <summary>Absorbs <paramref name="data"/>.</summary>
    public void Update(ReadOnlySpan<byte> data)
    {
        if (!_started)
        {
            Reset();
        }

        _totalBytes += (ulong)data.Length;
        int offset = 0;
        if (_pendingBytes > 0)
        {
            int take = Math.Min(BlockSize - _pendingBytes, data.Length);
            for (int i = 0; i < take; i++)
            {
                _pending[_pendingBytes + i] = data[i];
            }

            _pendingBytes += take;
            offset = take;
            if (_pendingBytes < BlockSize)
            {
                return;
            }

            Compress(ref _state[0], ref _pending[0], 1);
            _pendingBytes = 0;
        }

        int wholeBlocks = (data.Length - offset) / BlockSize;
        if (wholeBlocks > 0)
        {
            Compress(ref _state[0], ref Unsafe.AsRef(in data[offset]), wholeBlocks);
            offset += wholeBlocks * BlockSize;
        }

        for (int i = offset; i < data.Length; i++)
        {
            _pending[_pendingBytes++] = data[i];
        }
    }

    /// <summary>
    /// Pads (FIPS 180-4 §5.1.1), returns the digest and leaves the hasher reset for a new message.
    /// </summary>
    public Sha256Digest Final()
    {
        if (!_started)
        {
            Reset();
        }

        ulong bitLength = _totalBytes << 3;
        int n = _pendingBytes;
        _pending[n++] = 0x80;
        if (n > BlockSize - 8)
        {
            while (n < BlockSize)
            {
                _pending[n++] = 0;
            }

            Compress(ref _state[0], ref _pending[0], 1);
            n = 0;
        }

        while (n < BlockSize - 8)
        {
            _pending[n++] = 0;
        }

        for (int i = 0; i < 8; i++)
        {
            _pending[BlockSize - 1 - i] = (byte)(bitLength >> (8 * i));
        }

        Compress(ref _state[0], ref _pending[0], 1);

        Sha256Digest digest = default;
        for (int i = 0; i < 8; i++)
        {
            uint word = _state[i];
            digest.SetByte(4 * i, (byte)(word >> 24));
            digest.SetByte(4 * i + 1, (byte)(word >> 16));
            digest.SetByte(4 * i + 2, (byte)(word >> 8));
            digest.SetByte(4 * i + 3, (byte)word);
        }

        Reset();
        return digest;
    }

    // FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
    // 64 primes, stored little-endian so a word is one unaligned load.
    private static ReadOnlySpan<byte> RoundConstants => new byte[]
    {
        0x98, 0x2f, 0x8a, 0x42, 0x91, 0x44, 0x37, 0x71, 0xcf, 0xfb, 0xc0, 0xb5, 0xa5, 0xdb, 0xb5, 0xe9,
        0x5b, 0xc2, 0x56, 0x39, 0xf1, 0x11, 0xf1, 0x59, 0xa4, 0x82, 0x3f, 0x92, 0xd5, 0x5e, 0x1c, 0xab,
        0x98, 0xaa, 0x07, 0xd8, 0x01, 0x5b, 0x83, 0x12, 0xbe, 0x85, 0x31, 0x24, 0xc3, 0x7d, 0x0c, 0x55,
        0x74, 0x5d, 0xbe, 0x72, 0xfe, 0xb1, 0xde, 0x80, 0xa7, 0x06, 0xdc, 0x9b, 0x74, 0xf1, 0x9b, 0xc1,
        0xc1, 0x69, 0x9b, 0xe4, 0x86, 0x47, 0xbe, 0xef, 0xc6, 0x9d, 0xc1, 0x0f, 0xcc, 0xa1, 0x0c, 0x24,
        0x6f, 0x2c, 0xe9, 0x2d, 0xaa, 0x84, 0x74, 0x4a, 0xdc, 0xa9, 0xb0, 0x5c, 0xda, 0x88, 0xf9, 0x76,
        0x52, 0x51, 0x3e, 0x98, 0x6d, 0xc6, 0x31, 0xa8, 0xc8, 0x27, 0x03, 0xb0, 0xc7, 0x7f, 0x59, 0xbf,
        0xf3, 0x0b, 0xe0, 0xc6, 0x47, 0x91, 0xa7, 0xd5, 0x51, 0x63, 0xca, 0x06, 0x67, 0x29, 0x29, 0x14,
        0x85, 0x0a, 0xb7, 0x27, 0x38, 0x21, 0x1b, 0x2e, 0xfc, 0x6d, 0x2c, 0x4d, 0x13, 0x0d, 0x38, 0x53,
        0x54, 0x73, 0x0a, 0x65, 0xbb, 0x0a, 0x6a, 0x76, 0x2e, 0xc9, 0xc2, 0x81, 0x85, 0x2c, 0x72, 0x92,
        0xa1, 0xe8, 0xbf, 0xa2, 0x4b, 0x66, 0x1a, 0xa8, 0x70, 0x8b, 0x4b, 0xc2, 0xa3, 0x51, 0x6c, 0xc7,
        0x19, 0xe8, 0x92, 0xd1, 0x24, 0x06, 0x99, 0xd6, 0x85, 0x35, 0x0e, 0xf4, 0x70, 0xa0, 0x6a, 0x10,
        0x16, 0xc1, 0xa4, 0x19, 0x08, 0x6c, 0x37, 0x1e, 0x4c, 0x77, 0x48, 0x27, 0xb5, 0xbc, 0xb0, 0x34,
        0xb3, 0x0c, 0x1c, 0x39, 0x4a, 0xaa, 0xd8, 0x4e, 0x4f, 0xca, 0x9c, 0x5b, 0xf3, 0x6f, 0x2e, 0x68,
        0xee, 0x82, 0x8f, 0x74, 0x6f, 0x63, 0xa5, 0x78, 0x14, 0x78, 0xc8, 0x84, 0x08, 0x02, 0xc7, 0x8c,
        0xfa, 0xff, 0xbe, 0x90, 0xeb, 0x6c, 0x50, 0xa4, 0xf7, 0xa3, 0xf9, 0xbe, 0xf2, 0x78, 0x71, 0xc6,
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint LoadBigEndian(ref byte source, int offset)
    {
        uint x = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref source, offset));
        return BitOperations.RotateRight(x & 0x00FF00FFu, 8) | BitOperations.RotateLeft(x & 0xFF00FF00u, 8);
    }

    // FIPS 180-4 §6.2.2, over `blocks` consecutive 64-byte blocks: the platform's function
    // when one was handed in, else the portable code.
    private static void Compress(ref uint state, ref byte data, int blocks)
    {
        delegate* unmanaged<uint*, byte*, nuint, void> platform = s_blockFunction;
        if (platform != null)
        {
            fixed (uint* s = &state)
            fixed (byte* d = &data)
            {
                platform(s, d, (nuint)blocks);
            }

            return;
        }

        CompressPortable(ref state, ref data, blocks);
    }

    // The message schedule keeps only the last 16 words (W[t] depends on W[t-2], W[t-7],
    // W[t-15], W[t-16]), rewritten in place every 16 rounds; the rounds are unrolled so the eight
    // working variables rotate by renaming instead of by moves.
    private static void CompressPortable(ref uint state, ref byte data, int blocks)
    {
        uint* w = stackalloc uint[16];
        ref byte k = ref Unsafe.AsRef(in RoundConstants[0]);

        for (int block = 0; block < blocks; block++)
        {
            ref byte m = ref Unsafe.Add(ref data, block * BlockSize);
            for (int i = 0; i < 16; i++)
            {
                w[i] = LoadBigEndian(ref m, 4 * i);
            }

            uint a = state;
            uint b = Unsafe.Add(ref state, 1);
            uint c = Unsafe.Add(ref state, 2);
            uint d = Unsafe.Add(ref state, 3);
            uint e = Unsafe.Add(ref state, 4);
            uint f = Unsafe.Add(ref state, 5);
            uint g = Unsafe.Add(ref state, 6);
            uint h = Unsafe.Add(ref state, 7);

            for (int t = 0; t < 64; t += 16)
            {
                if (t != 0)
                {
                    w[0] += Sigma1(w[14]) + w[9] + Sigma0(w[1]);
                    w[1] += Sigma1(w[15]) + w[10] + Sigma0(w[2]);
                    w[2] += Sigma1(w[0]) + w[11] + Sigma0(w[3]);
                    w[3] += Sigma1(w[1]) + w[12] + Sigma0(w[4]);
                    w[4] += Sigma1(w[2]) + w[13] + Sigma0(w[5]);
                    w[5] += Sigma1(w[3]) + w[14] + Sigma0(w[6]);
                    w[6] += Sigma1(w[4]) + w[15] + Sigma0(w[7]);
                    w[7] += Sigma1(w[5]) + w[0] + Sigma0(w[8]);
                    w[8] += Sigma1(w[6]) + w[1] + Sigma0(w[9]);
                    w[9] += Sigma1(w[7]) + w[2] + Sigma0(w[10]);
                    w[10] += Sigma1(w[8]) + w[3] + Sigma0(w[11]);
                    w[11] += Sigma1(w[9]) + w[4] + Sigma0(w[12]);
                    w[12] += Sigma1(w[10]) + w[5] + Sigma0(w[13]);
                    w[13] += Sigma1(w[11]) + w[6] + Sigma0(w[14]);
                    w[14] += Sigma1(w[12]) + w[7] + Sigma0(w[15]);
                    w[15] += Sigma1(w[13]) + w[8] + Sigma0(w[0]);
                }

                Round(a, b, c, ref d, e, f, g, ref h, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 0))), w[0]);
                Round(h, a, b, ref c, d, e, f, ref g, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 1))), w[1]);
                Round(g, h, a, ref b, c, d, e, ref f, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 2))), w[2]);
                Round(f, g, h, ref a, b, c, d, ref e, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 3))), w[3]);
                Round(e, f, g, ref h, a, b, c, ref d, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 4))), w[4]);
                Round(d, e, f, ref g, h, a, b, ref c, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 5))), w[5]);
                Round(c, d, e, ref f, g, h, a, ref b, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 6))), w[6]);
                Round(b, c, d, ref e, f, g, h, ref a, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 7))), w[7]);
                Round(a, b, c, ref d, e, f, g, ref h, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 8))), w[8]);
                Round(h, a, b, ref c, d, e, f, ref g, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 9))), w[9]);
                Round(g, h, a, ref b, c, d, e, ref f, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 10))), w[10]);
                Round(f, g, h, ref a, b, c, d, ref e, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 11))), w[11]);
                Round(e, f, g, ref h, a, b, c, ref d, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 12))), w[12]);
                Round(d, e, f, ref g, h, a, b, ref c, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 13))), w[13]);
                Round(c, d, e, ref f, g, h, a, ref b, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 14))), w[14]);
                Round(b, c, d, ref e, f, g, h, ref a, Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref k, 4 * (t + 15))), w[15]);
            }

            state += a;
            Unsafe.Add(ref state, 1) += b;
            Unsafe.Add(ref state, 2) += c;
            Unsafe.Add(ref state, 3) += d;
            Unsafe.Add(ref state, 4) += e;
            Unsafe.Add(ref state, 5) += f;
            Unsafe.Add(ref state, 6) += g;
            Unsafe.Add(ref state, 7) += h;
        }
    }

    // One round (FIPS 180-4 §6.2.2 step 3), written so the caller renames instead of shifting:
    // the new e lands in d and the new a in h.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(uint a, uint b, uint c, ref uint d, uint e, uint f, uint g, ref uint h, uint k, uint w)
    {
        uint t1 = h + (BitOperations.RotateRight(e, 6) ^ BitOperations.RotateRight(e, 11) ^ BitOperations.RotateRight(e, 25))
            + (g ^ (e & (f ^ g))) + k + w;
        d += t1;
        h = t1 + (BitOperations.RotateRight(a, 2) ^ BitOperations.RotateRight(a, 13) ^ BitOperations.RotateRight(a, 22))
            + ((a & b) | (c & (a | b)));
    }

    // σ0 and σ1 of the message schedule (FIPS 180-4 §4.1.2, (4.6) and (4.7)).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Sigma0(uint x) => BitOperations.RotateRight(x, 7) ^ BitOperations.RotateRight(x, 18) ^ (x >> 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Sigma1(uint x) => BitOperations.RotateRight(x, 17) ^ BitOperations.RotateRight(x, 19) ^ (x >> 10);
}
