using System.Runtime.InteropServices;

namespace Aurora.Sched;

/// <summary>
/// One place in a <see cref="RunQueue"/>'s heap: a queued entity and its virtual runtime, kept
/// side by side so that ordering the queue reads the slots, not the entities. The caller owns
/// the array (<see cref="RunQueue.SetStorage"/>): <see cref="RunQueue.StorageBytes"/> bytes for
/// a capacity, contents undefined when given; 64-byte alignment keeps a slot's four children in
/// one cache line but is not required.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct RunQueueSlot
{
    internal ulong Key;
    internal SchedEntity* Entity;
}
