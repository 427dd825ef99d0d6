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
    // working variables rotate by renaming instead of by moves. Written for few instructions, as
    // the kernel runs this under emulators without SHA extensions (QEMU's TCG, where it hashes
    // the initramfs at every boot): each Σ/σ is nested rotations (three rotates, two xors, one
    // copy, where three independent rotates need two more copies), Maj reuses the previous
    // round's b ^ c (see Round), and a schedule word is one expression ending in its old value
    // (`w[i] += ...` kept the address and the old word in registers the rounds need). 2,907
    // x86-64 instructions a block compiled as the kernel is (NativeAOT, x86-64-v2), where the
    // version before took 3,915 (valgrind; docs/performance.md, "Boot time").
    private static void CompressPortable(ref uint state, ref byte data, int blocks)
    {
        uint* w = stackalloc uint[16];
        ref byte constants = ref Unsafe.AsRef(in RoundConstants[0]);

        for (int block = 0; block < blocks; block++)
        {
            ref byte m = ref Unsafe.Add(ref data, block * BlockSize);
            w[0] = LoadBigEndian(ref m, 0);
            w[1] = LoadBigEndian(ref m, 4);
            w[2] = LoadBigEndian(ref m, 8);
            w[3] = LoadBigEndian(ref m, 12);
            w[4] = LoadBigEndian(ref m, 16);
            w[5] = LoadBigEndian(ref m, 20);
            w[6] = LoadBigEndian(ref m, 24);
            w[7] = LoadBigEndian(ref m, 28);
            w[8] = LoadBigEndian(ref m, 32);
            w[9] = LoadBigEndian(ref m, 36);
            w[10] = LoadBigEndian(ref m, 40);
            w[11] = LoadBigEndian(ref m, 44);
            w[12] = LoadBigEndian(ref m, 48);
            w[13] = LoadBigEndian(ref m, 52);
            w[14] = LoadBigEndian(ref m, 56);
            w[15] = LoadBigEndian(ref m, 60);

            uint a = state;
            uint b = Unsafe.Add(ref state, 1);
            uint c = Unsafe.Add(ref state, 2);
            uint d = Unsafe.Add(ref state, 3);
            uint e = Unsafe.Add(ref state, 4);
            uint f = Unsafe.Add(ref state, 5);
            uint g = Unsafe.Add(ref state, 6);
            uint h = Unsafe.Add(ref state, 7);
            uint bc = b ^ c;
            ref byte k = ref constants;

            for (int t = 0; t < 64; t += 16)
            {
                if (t != 0)
                {
                    w[0] = SmallSigma1(w[14]) + w[9] + SmallSigma0(w[1]) + w[0];
                    w[1] = SmallSigma1(w[15]) + w[10] + SmallSigma0(w[2]) + w[1];
                    w[2] = SmallSigma1(w[0]) + w[11] + SmallSigma0(w[3]) + w[2];
                    w[3] = SmallSigma1(w[1]) + w[12] + SmallSigma0(w[4]) + w[3];
                    w[4] = SmallSigma1(w[2]) + w[13] + SmallSigma0(w[5]) + w[4];
                    w[5] = SmallSigma1(w[3]) + w[14] + SmallSigma0(w[6]) + w[5];
                    w[6] = SmallSigma1(w[4]) + w[15] + SmallSigma0(w[7]) + w[6];
                    w[7] = SmallSigma1(w[5]) + w[0] + SmallSigma0(w[8]) + w[7];
                    w[8] = SmallSigma1(w[6]) + w[1] + SmallSigma0(w[9]) + w[8];
                    w[9] = SmallSigma1(w[7]) + w[2] + SmallSigma0(w[10]) + w[9];
                    w[10] = SmallSigma1(w[8]) + w[3] + SmallSigma0(w[11]) + w[10];
                    w[11] = SmallSigma1(w[9]) + w[4] + SmallSigma0(w[12]) + w[11];
                    w[12] = SmallSigma1(w[10]) + w[5] + SmallSigma0(w[13]) + w[12];
                    w[13] = SmallSigma1(w[11]) + w[6] + SmallSigma0(w[14]) + w[13];
                    w[14] = SmallSigma1(w[12]) + w[7] + SmallSigma0(w[15]) + w[14];
                    w[15] = SmallSigma1(w[13]) + w[8] + SmallSigma0(w[0]) + w[15];
                }

                Round(a, b, ref d, e, f, g, ref h, ref bc, Constant(ref k, 0) + w[0]);
                Round(h, a, ref c, d, e, f, ref g, ref bc, Constant(ref k, 1) + w[1]);
                Round(g, h, ref b, c, d, e, ref f, ref bc, Constant(ref k, 2) + w[2]);
                Round(f, g, ref a, b, c, d, ref e, ref bc, Constant(ref k, 3) + w[3]);
                Round(e, f, ref h, a, b, c, ref d, ref bc, Constant(ref k, 4) + w[4]);
                Round(d, e, ref g, h, a, b, ref c, ref bc, Constant(ref k, 5) + w[5]);
                Round(c, d, ref f, g, h, a, ref b, ref bc, Constant(ref k, 6) + w[6]);
                Round(b, c, ref e, f, g, h, ref a, ref bc, Constant(ref k, 7) + w[7]);
                Round(a, b, ref d, e, f, g, ref h, ref bc, Constant(ref k, 8) + w[8]);
                Round(h, a, ref c, d, e, f, ref g, ref bc, Constant(ref k, 9) + w[9]);
                Round(g, h, ref b, c, d, e, ref f, ref bc, Constant(ref k, 10) + w[10]);
                Round(f, g, ref a, b, c, d, ref e, ref bc, Constant(ref k, 11) + w[11]);
                Round(e, f, ref h, a, b, c, ref d, ref bc, Constant(ref k, 12) + w[12]);
                Round(d, e, ref g, h, a, b, ref c, ref bc, Constant(ref k, 13) + w[13]);
                Round(c, d, ref f, g, h, a, ref b, ref bc, Constant(ref k, 14) + w[14]);
                Round(b, c, ref e, f, g, h, ref a, ref bc, Constant(ref k, 15) + w[15]);
                k = ref Unsafe.Add(ref k, 16 * sizeof(uint));
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

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint Constant(ref byte constants, int index) => Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref constants, 4 * index));

    // One round (FIPS 180-4 §6.2.2 step 3), written so the caller renames instead of shifting:
    // the new e lands in d and the new a in h; c is not passed, since Maj(a, b, c) =
    // b ^ ((a ^ b) & (b ^ c)) needs only b ^ c, which is this round's a ^ b one round later
    // (then a and b are b and c), so bc carries it from round to round. Ch(e, f, g) =
    // g ^ (e & (f ^ g)). kw is K[t] + W[t].
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Round(uint a, uint b, ref uint d, uint e, uint f, uint g, ref uint h, ref uint bc, uint kw)
    {
        h += BigSigma1(e) + (g ^ (e & (f ^ g))) + kw;
        d += h;
        uint ab = a ^ b;
        h += BigSigma0(a) + (b ^ (ab & bc));
        bc = ab;
    }

    // FIPS 180-4 §4.1.2 (4.4)-(4.7), each rotation of a rotation: ROTR^2 ^ ROTR^13 ^ ROTR^22 is
    // ROTR^2(ROTR^11(ROTR^9(x) ^ x) ^ x), and so on.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint BigSigma0(uint x) => BitOperations.RotateRight(BitOperations.RotateRight(BitOperations.RotateRight(x, 9) ^ x, 11) ^ x, 2);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint BigSigma1(uint x) => BitOperations.RotateRight(BitOperations.RotateRight(BitOperations.RotateRight(x, 14) ^ x, 5) ^ x, 6);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint SmallSigma0(uint x) => BitOperations.RotateRight(BitOperations.RotateRight(x, 11) ^ x, 7) ^ (x >> 3);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint SmallSigma1(uint x) => BitOperations.RotateRight(BitOperations.RotateRight(x, 2) ^ x, 17) ^ (x >> 10);
}
