using System.Runtime.InteropServices;

namespace Aurora.Sched;

/// <summary>
/// One place in a <see cref="RunQueue"/>'s heap: a queued entity with its virtual runtime and
/// id, kept side by side so that ordering the queue reads the slots, not the entities. The caller owns
/// the array (<see cref="RunQueue.SetStorage"/>): <see cref="RunQueue.StorageBytes"/> bytes for
/// a capacity, contents undefined when given, 8-byte alignment.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct RunQueueSlot
{
    internal ulong Key;
    internal ulong Id;
    internal SchedEntity* Entity;
}
