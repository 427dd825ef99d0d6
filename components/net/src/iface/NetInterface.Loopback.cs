using System;

namespace Aurora.Net;

/// <summary>
/// The loopback path (Linux's lo, RFC 1122 §3.2.1.3): packets to 127.0.0.0/8 or to the
/// interface's own address never reach the device. They are written, as whole Ethernet frames,
/// into a ring of <see cref="LoopbackCapacity"/> frames and received from it at the start of
/// the next <c>Poll</c>, before the device's frames. 127.0.0.0/8 is accepted only from this ring
/// (from the wire it is a martian and dropped). A full ring drops the frame (counted in
/// <see cref="NetStatistics.LoopbackDropped"/>); TCP sends it again.
/// </summary>
public unsafe partial struct NetInterface<TMemory>
{
    /// <summary>Frames the loopback ring holds.</summary>
    public const int LoopbackCapacity = 64;

    private static Ipv4Address LoopbackAddress => new Ipv4Address(127, 0, 0, 1);

    private static bool IsLoopbackNet(Ipv4Address address) => (address.Value >> 24) == 127;

    /// <summary>A destination this host answers itself: 127.0.0.0/8 or the interface's address.</summary>
    private readonly bool IsLocal(Ipv4Address address) =>
        IsLoopbackNet(address) || (!_config.Address.IsUnspecified && address.Value == _config.Address.Value);

    /// <summary>The source address for a packet to <paramref name="destination"/> (127.0.0.1 on
    /// the loopback net, as Linux picks lo's address).</summary>
    private readonly Ipv4Address SourceFor(Ipv4Address destination) => IsLoopbackNet(destination) ? LoopbackAddress : _config.Address;

    private bool AllocateLoopback()
    {
        _loopData = (byte*)_memory.Allocate((nuint)(EthernetFrame.MaximumLength * LoopbackCapacity));
        _loopLength = (int*)_memory.Allocate((nuint)(sizeof(int) * LoopbackCapacity));
        _loopHead = 0;
        _loopCount = 0;
        return _loopData != null && _loopLength != null;
    }

    private void FreeLoopback()
    {
        if (_loopData != null) _memory.Free(_loopData);
        if (_loopLength != null) _memory.Free(_loopLength);
        _loopData = null;
        _loopLength = null;
        _loopCount = 0;
    }

    /// <summary>The next free frame of the ring to build a frame in; false (counted) when full.</summary>
    private bool TryTakeLoopback(out Span<byte> frame)
    {
        if (_loopCount == LoopbackCapacity)
        {
            frame = default;
            _stats.LoopbackDropped++;
            return false;
        }

        int slot = (_loopHead + _loopCount) % LoopbackCapacity;
        frame = new Span<byte>(_loopData + slot * EthernetFrame.MaximumLength, EthernetFrame.MaximumLength);
        return true;
    }

    /// <summary>Queues the frame built by the last <see cref="TryTakeLoopback"/>.</summary>
    private void CommitLoopback(int length)
    {
        int slot = (_loopHead + _loopCount) % LoopbackCapacity;
        _loopLength[slot] = length;
        _loopCount++;
        _stats.LoopbackFrames++;
    }

    /// <summary>Receives the frames in the ring (at most those there when it started: answers
    /// they cause wait for the next poll). True when more are left.</summary>
    private bool ReceiveLoopback(ulong now)
    {
        int n = _loopCount;
        for (int i = 0; i < n; i++)
        {
            int slot = _loopHead;
            _receivingLoopback = true;
            Receive(new ReadOnlySpan<byte>(_loopData + slot * EthernetFrame.MaximumLength, _loopLength[slot]), now);
            _receivingLoopback = false;
            _loopHead = (_loopHead + 1) % LoopbackCapacity;
            _loopCount--;
        }

        return _loopCount > 0;
    }

    /// <summary>Whether a queued frame (Ethernet + IPv4) goes to this host.</summary>
    private readonly bool FrameIsLocal(ReadOnlySpan<byte> frame)
    {
        const int destinationOffset = EthernetFrame.HeaderLength + 16;
        if (frame.Length < destinationOffset + 4 || frame[12] != 0x08 || frame[13] != 0x00)
        {
            return false;
        }

        return IsLocal(Ipv4Address.Read(frame, destinationOffset));
    }
}
