using System.Runtime.CompilerServices;

namespace Aurora.Sched;

/// <summary>
/// The queued entities as an implicit 4-ary min-heap of <see cref="RunQueueSlot"/> (virtual
/// runtime, id, entity) triples in one caller-supplied array, ordered by (VirtualRuntime, Id):
/// slot 0 holds the leftmost entity, the children of slot i are 4i+1 .. 4i+4. Each entity
/// records its slot (<see cref="SchedEntity.HeapIndex"/>), so one in the middle is removed in
/// O(log n) without a search. The keys and ids sit in the slots, so ordering never reads an
/// entity; an entity is written only to record its new slot when it moves.
/// Why not the pairing heap (0.2.x-0.3.x): it took fewer instructions but chased pointers from
/// entity to entity and mispredicted more (issue 17: 1.18-1.54x PriorityQueue's wall-clock time
/// for tick + pick). Four children to a slot: the tree is half as deep as a binary one (the
/// BCL's PriorityQueue chose the same).
/// The invariants (checked by <see cref="Validate"/>): heap order, every slot's key and id equal
/// to its entity's virtual runtime and id, every entity's index equal to its slot, count within
/// capacity.
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

    /// <summary>The leftmost entity's id, from its slot; only meaningful when not empty.</summary>
    public readonly ulong LeftmostId => _slots[0].Id;

    // (key, id) order with the flags combined (no short circuit), so that a caller choosing by
    // it can compile to conditional moves; the ids are in the slots, so no entity is read.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Precedes(ulong keyA, ulong idA, ulong keyB, ulong idB) =>
        (keyA < keyB) | ((keyA == keyB) & (idA < idB));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Precedes(RunQueueSlot* a, RunQueueSlot* b) => Precedes(a->Key, a->Id, b->Key, b->Id);

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
    /// "the entity that ran goes back, the smallest comes out" as one pass, not an insert and a
    /// removal.</summary>
    /// <remarks>Bottom up (Floyd's heap construction, Wegener's bottom-up heapsort): the hole
    /// left at the top goes down along the least children to a leaf without comparing them with
    /// the entity that ran, which then goes up from there, usually not at all: in steady state it
    /// has the largest virtual runtime of all (it just ran), so comparing it on the way down
    /// would cost a compare a level to learn what is nearly always so.</remarks>
    public SchedEntity* ReplaceLeftmost(SchedEntity* node)
    {
        RunQueueSlot* slots = _slots;
        SchedEntity* leftmost = slots[0].Entity;
        int hole = LeafOfLeastPath(slots, _count);
        SiftUp(hole, node->VirtualRuntime, node);
        return leftmost;
    }

    // Moves the least child up into the hole at the top, level by level, to a leaf; returns
    // the leaf's index (the hole left there).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LeafOfLeastPath(RunQueueSlot* slots, int count)
    {
        int hole = 0;
        while (true)
        {
            int first = (hole * Arity) + 1;
            int best;
            if (first + (Arity - 1) < count)
            {
                best = first + LeastOfFour(slots + first);
            }
            else
            {
                if (first >= count)
                {
                    return hole;
                }

                best = first;
                for (int c = first + 1; c < count; c++)
                {
                    if (Precedes(slots + c, slots + best))
                    {
                        best = c;
                    }
                }
            }

            slots[hole] = slots[best];
            slots[hole].Entity->HeapIndex = hole;
            hole = best;
        }
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
            if (Precedes(key, moved->Id, parent->Key, parent->Id))
            {
                SiftUp(index, key, moved);
                return;
            }
        }

        SiftDown(index, key, moved);
    }

    // (key, node) goes into the hole at `hole` or above it: parents that follow it move down.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private readonly void SiftUp(int hole, ulong key, SchedEntity* node)
    {
        RunQueueSlot* slots = _slots;
        while (hole > 0)
        {
            int parent = (hole - 1) / Arity;
            RunQueueSlot* p = slots + parent;
            if (!Precedes(key, node->Id, p->Key, p->Id))
            {
                break;
            }

            slots[hole] = *p;
            p->Entity->HeapIndex = hole;
            hole = parent;
        }

        slots[hole].Key = key;
        slots[hole].Id = node->Id;
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
                best += LeastOfFour(best);
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

            if (!Precedes(best->Key, best->Id, key, node->Id))
            {
                break;
            }

            slots[hole] = *best;
            int index = (int)(best - slots);
            best->Entity->HeapIndex = hole;
            hole = index;
        }

        slots[hole].Key = key;
        slots[hole].Id = node->Id;
        slots[hole].Entity = node;
        node->HeapIndex = hole;
    }

    // Which of four sibling slots is least (0-3), chosen without a branch: which child of a
    // slot is least is data the branch predictor cannot learn, and a compare and branch per
    // child mispredicted about every other time (cachegrind: 7-11 mispredictions per switch at
    // 64-1024 entities against the PriorityQueue's 4.5-5.8). Ties on the key are common, not
    // rare (a 1000 Hz tick charges every entity of one nice the same amounts), so the id is
    // part of every compare; keys and ids stay in registers between the two rounds.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int LeastOfFour(RunQueueSlot* c)
    {
        ulong k0 = c[0].Key, i0 = c[0].Id, k1 = c[1].Key, i1 = c[1].Id;
        ulong k2 = c[2].Key, i2 = c[2].Id, k3 = c[3].Key, i3 = c[3].Id;

        // The selects as masks: the JIT turned some ternaries on one condition into branches.
        ulong lowA = Bit(Precedes(k1, i1, k0, i0));
        ulong maskA = 0UL - lowA;
        ulong ka = k0 ^ ((k0 ^ k1) & maskA);
        ulong ia = i0 ^ ((i0 ^ i1) & maskA);
        ulong lowB = Bit(Precedes(k3, i3, k2, i2));
        ulong maskB = 0UL - lowB;
        ulong kb = k2 ^ ((k2 ^ k3) & maskB);
        ulong ib = i2 ^ ((i2 ^ i3) & maskB);
        ulong second = Bit(Precedes(kb, ib, ka, ia));

        // second ? 2 + lowB : lowA
        ulong maskS = 0UL - second;
        return (int)(lowA ^ ((lowA ^ (2 + lowB)) & maskS));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Bit(bool value) => value ? 1UL : 0UL;

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
            if (e == null || e->State != EntityState.Queued || e->Weight == 0 || e->HeapIndex != i || e->VirtualRuntime != slot->Key || e->Id != slot->Id)
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
