using System;
using System.Runtime.CompilerServices;

namespace Aurora.Modsign;

/// <summary>
/// The trusted keys: a fixed-capacity set of parsed <see cref="RsaPublicKey"/>s looked up by key
/// id. All storage is inline (about 4.5 KiB), so the kernel can keep one in a static or on a
/// stack, built from the DER it embeds; there is no removal.
/// </summary>
public unsafe struct KeyRing
{
    /// <summary>How many keys a ring holds.</summary>
    public const int Capacity = 8;

    private fixed ulong _slots[Capacity * RsaPublicKey.SizeInWords];
    private int _count;

    /// <summary>How many keys the ring holds.</summary>
    public readonly int Count => _count;

    /// <summary>Parses a DER SubjectPublicKeyInfo and adds the key.</summary>
    public KeyResult Add(ReadOnlySpan<byte> subjectPublicKeyInfoDer)
    {
        KeyResult result = RsaPublicKey.ParseSubjectPublicKeyInfo(subjectPublicKeyInfoDer, out RsaPublicKey key);
        return result != KeyResult.Ok ? result : Add(in key);
    }

    /// <summary>Adds a parsed key; a key whose id is already present is refused.</summary>
    public KeyResult Add(in RsaPublicKey key)
    {
        if (!key.IsValid || Unsafe.SizeOf<RsaPublicKey>() != RsaPublicKey.SizeInWords * 8)
        {
            return KeyResult.InvalidKey;
        }

        if (IndexOf(key.KeyId) >= 0)
        {
            return KeyResult.DuplicateKey;
        }

        if (_count == Capacity)
        {
            return KeyResult.KeyRingFull;
        }

        Unsafe.As<ulong, RsaPublicKey>(ref _slots[_count * RsaPublicKey.SizeInWords]) = key;
        _count++;
        return KeyResult.Ok;
    }

    /// <summary>The key whose id is <paramref name="keyId"/> (32 bytes); false if none.</summary>
    public readonly bool TryGet(ReadOnlySpan<byte> keyId, out RsaPublicKey key)
    {
        key = default;
        Sha256Digest id;
        if (!Sha256Digest.TryCreate(keyId, out id))
        {
            return false;
        }

        int index = IndexOf(id);
        return index >= 0 && TryGetAt(index, out key);
    }

    /// <summary>The key at <paramref name="index"/> (0 .. Count-1); false outside that range.</summary>
    public readonly bool TryGetAt(int index, out RsaPublicKey key)
    {
        key = default;
        if ((uint)index >= (uint)_count)
        {
            return false;
        }

        key = Unsafe.As<ulong, RsaPublicKey>(ref Unsafe.AsRef(in _slots[index * RsaPublicKey.SizeInWords]));
        return true;
    }

    private readonly int IndexOf(in Sha256Digest id)
    {
        for (int i = 0; i < _count; i++)
        {
            ref RsaPublicKey slot = ref Unsafe.As<ulong, RsaPublicKey>(ref Unsafe.AsRef(in _slots[i * RsaPublicKey.SizeInWords]));
            bool same = true;
            for (int b = 0; b < Sha256.HashSize; b++)
            {
                if (slot.Id[b] != id[b])
                {
                    same = false;
                    break;
                }
            }

            if (same)
            {
                return i;
            }
        }

        return -1;
    }
}
