using System;

namespace Aurora.Net;

/// <summary>
/// A byte ring over memory from the allocator: TCP send and receive buffers and the UDP
/// receive queue. <see cref="Head"/> is the oldest byte; writes append after the newest.
/// </summary>
internal unsafe struct RingBuffer
{
    public byte* Data;
    public int Capacity;
    public int Head;
    public int Count;

    public readonly int Free => Capacity - Count;

    public bool Allocate<TMemory>(ref TMemory memory, int capacity) where TMemory : struct, INetMemory
    {
        Data = (byte*)memory.Allocate((nuint)capacity);
        if (Data == null)
        {
            return false;
        }

        Capacity = capacity;
        Head = 0;
        Count = 0;
        return true;
    }

    public void Release<TMemory>(ref TMemory memory) where TMemory : struct, INetMemory
    {
        if (Data != null)
        {
            memory.Free(Data);
        }

        this = default;
    }

    /// <summary>Moves the ring into a new allocation of <paramref name="capacity"/> (≥ the current)
    /// bytes, oldest byte first: the counted bytes and whatever lies in the free space after them
    /// (out-of-order TCP data written by <see cref="WriteAt"/>) keep their offsets from the head.
    /// False, and nothing changed, when the memory is not there.</summary>
    public bool Resize<TMemory>(ref TMemory memory, int capacity) where TMemory : struct, INetMemory
    {
        if (Data == null || capacity < Capacity)
        {
            return false;
        }

        byte* data = (byte*)memory.Allocate((nuint)capacity);
        if (data == null)
        {
            return false;
        }

        int first = Capacity - Head;
        new ReadOnlySpan<byte>(Data + Head, first).CopyTo(new Span<byte>(data, first));
        new ReadOnlySpan<byte>(Data, Head).CopyTo(new Span<byte>(data + first, Head));
        memory.Free(Data);
        Data = data;
        Capacity = capacity;
        Head = 0;
        return true;
    }

    /// <summary>Appends as much of <paramref name="bytes"/> as fits; returns how much.</summary>
    public int Write(ReadOnlySpan<byte> bytes)
    {
        int n = Math.Min(bytes.Length, Free);
        int tail = (Head + Count) % (Capacity == 0 ? 1 : Capacity);
        int first = Math.Min(n, Capacity - tail);
        bytes.Slice(0, first).CopyTo(new Span<byte>(Data + tail, first));
        bytes.Slice(first, n - first).CopyTo(new Span<byte>(Data, n - first));
        Count += n;
        return n;
    }

    /// <summary>Copies bytes starting <paramref name="offset"/> past the head without consuming them.</summary>
    public readonly void Peek(int offset, Span<byte> destination)
    {
        int n = destination.Length;
        int start = (Head + offset) % Capacity;
        int first = Math.Min(n, Capacity - start);
        new ReadOnlySpan<byte>(Data + start, first).CopyTo(destination);
        new ReadOnlySpan<byte>(Data, n - first).CopyTo(destination.Slice(first));
    }

    /// <summary>Copies <paramref name="bytes"/> into the free space <paramref name="offset"/> bytes
    /// past the newest byte without counting them (out-of-order TCP data waiting for the bytes
    /// before it); <see cref="Commit"/> counts them once they are in order. The caller keeps
    /// <c>offset + bytes.Length &lt;= Free</c>.</summary>
    public void WriteAt(int offset, ReadOnlySpan<byte> bytes)
    {
        int n = bytes.Length;
        int at = (Head + Count + offset) % Capacity;
        int first = Math.Min(n, Capacity - at);
        bytes.Slice(0, first).CopyTo(new Span<byte>(Data + at, first));
        bytes.Slice(first, n - first).CopyTo(new Span<byte>(Data, n - first));
    }

    /// <summary>Counts <paramref name="n"/> bytes already written past the newest (<see cref="WriteAt"/>).</summary>
    public void Commit(int n) => Count += n;

    public void Discard(int n)
    {
        // The head stays where it is when the ring empties: bytes written ahead of it by
        // WriteAt must keep their place.
        Head = (Head + n) % Capacity;
        Count -= n;
    }

    /// <summary>Copies up to <c>destination.Length</c> bytes out and consumes them.</summary>
    public int Read(Span<byte> destination)
    {
        int n = Math.Min(destination.Length, Count);
        if (n > 0)
        {
            Peek(0, destination.Slice(0, n));
            Discard(n);
        }

        return n;
    }
}
