using System.Runtime.CompilerServices;

namespace Aurora.Sched;

/// <summary>
/// The queued entities as an implicit 4-ary min-heap of <see cref="RunQueueSlot"/> (virtual
/// runtime, entity) pairs in one caller-supplied array, ordered by (VirtualRuntime, Id): slot 0
/// holds the leftmost entity, the children of slot i are 4i+1 .. 4i+4. Each entity records its
/// slot (<see cref="SchedEntity.HeapIndex"/>), so one in the middle is removed in O(log n)
/// without a search. The keys sit in the slots, so sifting compares adjacent memory and
/// dereferences an entity only on a tie (its id) and to record a moved entity's new slot.
/// Why not the pairing heap (0.2.x-0.3.x): it took fewer instructions but chased pointers from
/// entity to entity and mispredicted more (issue 17: 1.18-1.54x PriorityQueue's wall-clock time
/// for tick + pick). Four children to a slot: 4 keys of 16-byte slots are one 64-byte line, and
/// the tree is half as deep as a binary one (the BCL's PriorityQueue chose the same).
/// The invariants (checked by <see cref="Validate"/>): heap order, every slot's key equal to its
/// entity's virtual runtime, every entity's index equal to its slot, count within capacity.
/// </summary>
internal unsafe struct EntityHeap
{
    private const int Arity = 4;

    private RunQueueSlot* _slots;
    private int _count;
    private int _capacity;

    public readonly int Count => _count;

    public readonly int Capacity => _capacity;

    /// <summary>The leftmost entity, null when empty.</summary>
    public readonly SchedEntity* Leftmost => _count != 0 ? _slots[0].Entity : null;

    /// <summary>The leftmost entity's virtual runtime, read from its slot (not the entity);
    /// only meaningful when <see cref="Count"/> is not 0.</summary>
    public readonly ulong LeftmostKey => _slots[0].Key;

    // Short-circuit on purpose: ties are rare, so the id test is a branch all but always
    // predicted not taken, and the common case is one compare of two keys already in the slots.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Precedes(ulong keyA, SchedEntity* a, ulong keyB, SchedEntity* b) =>
        keyA < keyB || (keyA == keyB && a->Id < b->Id);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Precedes(RunQueueSlot* a, RunQueueSlot* b) =>
        a->Key < b->Key || (a->Key == b->Key && a->Entity->Id < b->Entity->Id);

    /// <summary>
    /// Moves the heap into <paramref name="slots"/> (room for <paramref name="capacity"/>), which
    /// must not overlap the present array; returns the present one in <paramref name="previous"/>.
    /// False (nothing changed) when the queued entities would not fit or the arguments are bad.
    /// </summary>
    public bool MoveTo(RunQueueSlot* slots, int capacity, out RunQueueSlot* previous)
    {
        previous = null;
        if (capacity < _count || (slots == null && capacity != 0))
        {
            return false;
        }

        RunQueueSlot* from = _slots;
        for (int i = 0; i < _count; i++)
        {
            slots[i] = from[i];
        }

        previous = from;
        _slots = slots;
        _capacity = capacity;
        return true;
    }

    /// <summary>Queues <paramref name="node"/> (keyed by its present virtual runtime); the caller
    /// has checked that <see cref="Count"/> is below <see cref="Capacity"/>.</summary>
    public void Insert(SchedEntity* node)
    {
        int hole = _count++;
        SiftUp(hole, node->VirtualRuntime, node);
    }

    /// <summary>Takes the leftmost out and puts <paramref name="node"/> in, in one go: a switch's
    /// "the entity that ran goes back, the smallest comes out" as one sift down from the top
    /// (the entity that ran usually belongs near the bottom), not an insert and a removal.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public SchedEntity* ReplaceLeftmost(SchedEntity* node)
    {
        SchedEntity* leftmost = _slots[0].Entity;
        SiftDown(0, node->VirtualRuntime, node);
        return leftmost;
    }

    /// <summary>Takes <paramref name="node"/> (queued in this heap) out: the last slot fills its
    /// place and moves up or down from there.</summary>
    public void Remove(SchedEntity* node)
    {
        int index = node->HeapIndex;
        int last = --_count;
        node->HeapIndex = 0;
        if (index == last)
        {
            return;
        }

        RunQueueSlot* slots = _slots;
        ulong key = slots[last].Key;
        SchedEntity* moved = slots[last].Entity;
        if (index > 0)
        {
            RunQueueSlot* parent = slots + ((index - 1) / Arity);
            if (Precedes(key, moved, parent->Key, parent->Entity))
            {
                SiftUp(index, key, moved);
                return;
            }
        }

        SiftDown(index, key, moved);
    }

    // (key, node) goes into the hole at `hole` or above it: parents that follow it move down.
    private readonly void SiftUp(int hole, ulong key, SchedEntity* node)
    {
        RunQueueSlot* slots = _slots;
        while (hole > 0)
        {
            int parent = (hole - 1) / Arity;
            RunQueueSlot* p = slots + parent;
            if (!Precedes(key, node, p->Key, p->Entity))
            {
                break;
            }

            slots[hole] = *p;
            p->Entity->HeapIndex = hole;
            hole = parent;
        }

        slots[hole].Key = key;
        slots[hole].Entity = node;
        node->HeapIndex = hole;
    }

    // (key, node) goes into the hole at `hole` or below it: the least child moves up while it
    // precedes (key, node). A full set of four children (all but the last parent's) is compared
    // without a loop.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void SiftDown(int hole, ulong key, SchedEntity* node)
    {
        RunQueueSlot* slots = _slots;
        int count = _count;
        while (true)
        {
            int first = (hole * Arity) + 1;
            RunQueueSlot* best = slots + first;
            if (first + (Arity - 1) < count)
            {
                RunQueueSlot* b = Precedes(best + 1, best) ? best + 1 : best;
                RunQueueSlot* c = Precedes(best + 3, best + 2) ? best + 3 : best + 2;
                best = Precedes(c, b) ? c : b;
            }
            else
            {
                if (first >= count)
                {
                    break;
                }

                for (RunQueueSlot* c = best + 1; c < slots + count; c++)
                {
                    if (Precedes(c, best))
                    {
                        best = c;
                    }
                }
            }

            if (!Precedes(best->Key, best->Entity, key, node))
            {
                break;
            }

            slots[hole] = *best;
            int index = (int)(best - slots);
            best->Entity->HeapIndex = hole;
            hole = index;
        }

        slots[hole].Key = key;
        slots[hole].Entity = node;
        node->HeapIndex = hole;
    }

    /// <summary>Checks every invariant; sums the weights of the queued entities into <paramref name="weight"/>.</summary>
    public readonly bool Validate(out ulong weight)
    {
        weight = 0;
        if (_count < 0 || _count > _capacity || (_slots == null && _capacity != 0))
        {
            return false;
        }

        for (int i = 0; i < _count; i++)
        {
            RunQueueSlot* slot = _slots + i;
            SchedEntity* e = slot->Entity;
            if (e == null || e->State != EntityState.Queued || e->Weight == 0 || e->HeapIndex != i || e->VirtualRuntime != slot->Key)
            {
                return false;
            }

            // Each entity records one index, so one that filled two slots fails the test above.
            if (i > 0 && Precedes(slot, _slots + ((i - 1) / Arity)))
            {
                return false;
            }

            weight += e->Weight;
        }

        return true;
    }
}
