using System;

namespace Aurora.Net;

/// <summary>
/// IPv4 fragments put back together (RFC 791 §3.2, RFC 815's hole idea as a bitmap of 8-byte
/// blocks). At most <see cref="Capacity"/> datagrams at a time, each in a 64 KiB buffer taken
/// from the allocator at its first fragment and freed when it completes or times out
/// (<see cref="TimeoutMs"/>, Linux's ipfrag_time); a new datagram when all are busy replaces the
/// oldest, so fragments that never complete cannot keep real ones out for long. Overlapping
/// fragments simply overwrite (the total stays within 65535 bytes, so nothing can run past the
/// buffer); a datagram whose fragments disagree about its end is dropped.
/// </summary>
public unsafe struct Ipv4Reassembly
{
    /// <summary>Datagrams reassembled at once; a fragment of another when all are busy replaces the
    /// oldest.</summary>
    public const int Capacity = 4;
    /// <summary>Milliseconds after its first fragment that an incomplete datagram is given up
    /// (Linux's ipfrag_time, 30 s).</summary>
    public const ulong TimeoutMs = 30_000;
    /// <summary>Largest IPv4 payload: 65535 less a 20-byte header.</summary>
    public const int MaxPayload = 65535 - Ipv4Packet.HeaderLength;
    private const int Blocks = (MaxPayload + 7) / 8;
    private const int BufferBytes = MaxPayload + (Blocks + 7) / 8;

    internal struct Entry
    {
        /// <summary>Payload bytes, then the bitmap of 8-byte blocks received; null = free slot.</summary>
        public byte* Buffer;
        public uint Source;
        public uint Destination;
        public ushort Identification;
        public byte Protocol;
        /// <summary>Payload length once the last fragment (MF clear) arrived; -1 before.</summary>
        public int Total;
        public ulong Started;
    }

    internal Entry* Entries;

    internal bool Allocate<TMemory>(ref TMemory memory) where TMemory : struct, INetMemory
    {
        Entries = (Entry*)memory.Allocate((nuint)(sizeof(Entry) * Capacity));
        if (Entries == null)
        {
            return false;
        }

        new Span<byte>(Entries, sizeof(Entry) * Capacity).Clear();
        return true;
    }

    internal void Release<TMemory>(ref TMemory memory) where TMemory : struct, INetMemory
    {
        if (Entries == null)
        {
            return;
        }

        for (int i = 0; i < Capacity; i++)
        {
            Drop(ref memory, i);
        }

        memory.Free(Entries);
        Entries = null;
    }

    private void Drop<TMemory>(ref TMemory memory, int i) where TMemory : struct, INetMemory
    {
        if (Entries[i].Buffer != null)
        {
            memory.Free(Entries[i].Buffer);
        }

        Entries[i] = default;
    }

    /// <summary>Datagrams in progress (for tests and the memory ledger).</summary>
    internal readonly int InProgress
    {
        get
        {
            int n = 0;
            for (int i = 0; Entries != null && i < Capacity; i++)
            {
                if (Entries[i].Buffer != null) n++;
            }

            return n;
        }
    }

    /// <summary>The earliest time a datagram in progress times out, or ulong.MaxValue.</summary>
    internal readonly ulong NextExpiry
    {
        get
        {
            ulong next = ulong.MaxValue;
            for (int i = 0; Entries != null && i < Capacity; i++)
            {
                if (Entries[i].Buffer != null) next = Math.Min(next, Entries[i].Started + TimeoutMs);
            }

            return next;
        }
    }

    /// <summary>Drops datagrams older than <see cref="TimeoutMs"/>; returns how many.</summary>
    internal int Expire<TMemory>(ref TMemory memory, ulong now) where TMemory : struct, INetMemory
    {
        int n = 0;
        for (int i = 0; Entries != null && i < Capacity; i++)
        {
            if (Entries[i].Buffer != null && now - Entries[i].Started >= TimeoutMs)
            {
                Drop(ref memory, i);
                n++;
            }
        }

        return n;
    }

    /// <summary>
    /// Adds one fragment. Returns the slot of the datagram when this fragment completed it (its
    /// payload is <see cref="Payload"/>; call <see cref="Finish"/> after delivering it), -1 while
    /// holes remain, -2 when the fragment was refused (inconsistent end, no memory).
    /// </summary>
    internal int Add<TMemory>(ref TMemory memory, in Ipv4Packet fragment, ulong now, out bool evicted) where TMemory : struct, INetMemory
    {
        evicted = false;
        uint source = fragment.Source.Value, destination = fragment.Destination.Value;
        ushort id = fragment.Identification;
        byte protocol = fragment.Protocol;
        int slot = -1, free = -1, oldest = -1;
        for (int i = 0; i < Capacity; i++)
        {
            Entry* e = Entries + i;
            if (e->Buffer == null)
            {
                if (free < 0) free = i;
                continue;
            }

            if (e->Source == source && e->Destination == destination && e->Identification == id && e->Protocol == protocol)
            {
                slot = i;
                break;
            }

            if (oldest < 0 || e->Started < Entries[oldest].Started) oldest = i;
        }

        if (slot < 0)
        {
            if (free < 0)
            {
                Drop(ref memory, oldest);
                evicted = true;
                free = oldest;
            }

            byte* buffer = (byte*)memory.Allocate(BufferBytes);
            if (buffer == null)
            {
                return -2;
            }

            new Span<byte>(buffer + MaxPayload, BufferBytes - MaxPayload).Clear();
            slot = free;
            Entries[slot] = new Entry
            {
                Buffer = buffer, Source = source, Destination = destination, Identification = id, Protocol = protocol,
                Total = -1, Started = now,
            };
        }

        Entry* entry = Entries + slot;
        ReadOnlySpan<byte> data = fragment.Payload;
        int offset = fragment.FragmentOffset;
        int end = offset + data.Length;
        if (!fragment.MoreFragments)
        {
            if ((entry->Total >= 0 && entry->Total != end) || HasBlocksFrom(entry, end))
            {
                Drop(ref memory, slot);
                return -2;
            }

            entry->Total = end;
        }
        else if (entry->Total >= 0 && end > entry->Total)
        {
            Drop(ref memory, slot);
            return -2;
        }

        data.CopyTo(new Span<byte>(entry->Buffer + offset, data.Length));
        byte* bitmap = entry->Buffer + MaxPayload;
        for (int block = offset / 8; block < (end + 7) / 8; block++)
        {
            bitmap[block >> 3] |= (byte)(1 << (block & 7));
        }

        if (entry->Total < 0)
        {
            return -1;
        }

        for (int block = 0; block < (entry->Total + 7) / 8; block++)
        {
            if ((bitmap[block >> 3] & (1 << (block & 7))) == 0)
            {
                return -1;
            }
        }

        return slot;
    }

    /// <summary>Whether any block at or past byte <paramref name="end"/> was received (a last
    /// fragment that ends before data already seen).</summary>
    private static bool HasBlocksFrom(Entry* entry, int end)
    {
        byte* bitmap = entry->Buffer + MaxPayload;
        for (int block = (end + 7) / 8; block < Blocks; block++)
        {
            if ((bitmap[block >> 3] & (1 << (block & 7))) != 0)
            {
                return true;
            }
        }

        return false;
    }

    internal readonly ReadOnlySpan<byte> Payload(int slot) => new(Entries[slot].Buffer, Entries[slot].Total);

    internal void Finish<TMemory>(ref TMemory memory, int slot) where TMemory : struct, INetMemory => Drop(ref memory, slot);
}
