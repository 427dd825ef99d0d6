using System;

namespace Aurora.Net;

/// <summary>
/// Frames built outside <c>Poll</c> (ARP and ICMP replies, UDP datagrams, resets) wait here for
/// the device, in order; a frame whose next hop is not resolved yet waits for ARP and is
/// dropped when no answer comes within <see cref="ArpWaitMs"/>.
/// </summary>
internal unsafe struct FrameQueue
{
    public const ulong ArpWaitMs = 3_000;

    internal struct Slot
    {
        /// <summary>0 free, 1 ready to send, 2 waiting for ARP.</summary>
        public byte State;
        public int Length;
        public uint NextHop;
        public ulong Since;
        public ulong Order;
    }

    public Slot* Slots;
    public byte* Data;
    public int Capacity;
    public ulong NextOrder;
    /// <summary>Slots <see cref="Ready"/> and <see cref="WaitingForArp"/>: every poll asks
    /// whether there are any, and a scan of all slots (128 in the kernel) for none cost
    /// thousands of instructions per loopback round trip.</summary>
    public int ReadyCount;
    public int WaitingCount;

    /// <summary>Moves slot <paramref name="i"/> to <paramref name="state"/>, keeping the counts.</summary>
    public void SetState(int i, byte state)
    {
        byte was = Slots[i].State;
        if (was == Ready) ReadyCount--;
        else if (was == WaitingForArp) WaitingCount--;
        if (state == Ready) ReadyCount++;
        else if (state == WaitingForArp) WaitingCount++;
        Slots[i].State = state;
    }

    public const byte Free = 0;
    public const byte Ready = 1;
    public const byte WaitingForArp = 2;

    public readonly Span<byte> Buffer(int slot) => new Span<byte>(Data + slot * EthernetFrame.MaximumLength, EthernetFrame.MaximumLength);

    /// <summary>A free slot (marked ready, in order after every other), or -1.</summary>
    public int Take(ulong now)
    {
        for (int i = 0; i < Capacity; i++)
        {
            if (Slots[i].State == Free)
            {
                SetState(i, Ready);
                Slots[i].Order = NextOrder++;
                Slots[i].Since = now;
                Slots[i].Length = 0;
                return i;
            }
        }

        return -1;
    }

    /// <summary>The oldest slot in <paramref name="state"/> with an order past <paramref name="after"/>, or -1.</summary>
    public readonly int Oldest(byte state, ulong after)
    {
        int best = -1;
        for (int i = 0; i < Capacity; i++)
        {
            if (Slots[i].State == state && Slots[i].Order >= after && (best < 0 || Slots[i].Order < Slots[best].Order))
            {
                best = i;
            }
        }

        return best;
    }
}
