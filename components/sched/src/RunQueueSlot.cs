using System.Runtime.InteropServices;

namespace Aurora.Sched;

/// <summary>
/// One place in a <see cref="RunQueue"/>'s tournament tree: as a leaf, a queued entity with its
/// virtual runtime and id side by side, so that ordering the queue reads the slots, not the
/// entities; as an internal node, which leaf wins its subtree; and one entry of the stack of
/// free leaves. The caller owns the array (<see cref="RunQueue.SetStorage"/>):
/// <see cref="RunQueue.StorageBytes"/> bytes for a capacity (32 bytes a slot, as many slots as
/// the least power of two at or above the capacity, at least 2), contents undefined when given,
/// 8-byte alignment (64 keeps pairs of slots in one cache line).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct RunQueueSlot
{
    internal ulong Key;
    internal ulong Id;
    internal SchedEntity* Entity;
    internal uint Winner;
    internal int Free;
}
