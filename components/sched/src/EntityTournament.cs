using System.Runtime.CompilerServices;

namespace Aurora.Sched;

/// <summary>
/// The queued entities as a tournament (winner) tree over the caller's array of
/// <see cref="RunQueueSlot"/>s, ordered by (VirtualRuntime, Id). The tree has P leaves, P the
/// least power of two at or above the capacity (at least 2): leaf j is slot j's key, id and
/// entity (an empty leaf holds the largest key and id and no entity), and internal node i
/// (1 .. P-1, children 2i and 2i+1, leaf j being node P+j) records in slot i's
/// <see cref="RunQueueSlot.Winner"/> which leaf wins its subtree (as the leaf slot's byte
/// offset, so that reaching it takes no multiplication). Node 1's winner is the
/// leftmost entity.
/// </summary>
/// <remarks>
/// Why a tournament and not a heap (a 4-ary array heap tried for 0.4, the pairing heap of 0.3): an
/// entity never moves while it is queued. Any change (an entity in, out, or the one that ran
/// replacing the one picked) rewrites one leaf and replays the matches on its path to the root,
/// log2(P) of them, each between the path's winner so far and the sibling subtree's recorded
/// winner. The path is known from the leaf index alone, so every load of a sibling's winner and
/// its key can be issued at once; only the compare-and-select chain is serial, and it has no
/// branch (masks), so there is nothing for the predictor to learn. A heap's sift instead decides
/// where to go next from the compare it just made (a data-dependent branch or load at every
/// level), and moves entities, writing each one's new index. The free leaves are a stack in
/// the slots' <see cref="RunQueueSlot.Free"/> fields.
/// Invariants (checked by <see cref="Validate"/>): every internal node's winner is the lesser of
/// its children's; a leaf's key and id equal its entity's virtual runtime and id and the entity
/// records the leaf; the leaves at or above the capacity are empty; the free stack holds exactly
/// the empty leaves below the capacity; count within capacity.
/// </remarks>
internal unsafe struct EntityTournament
{
    private const ulong EmptyKey = ulong.MaxValue;

    /// <summary>The id no queued entity may have: an empty leaf's (<see cref="RunQueue.Add"/> refuses it).</summary>
    internal const ulong ReservedId = ulong.MaxValue;

    // log2(sizeof(RunQueueSlot)): a leaf's byte offset is its index shifted by this.
    private const int SlotShift = 5;

    private RunQueueSlot* _slots;
    private int _count;
    private int _capacity;
    private int _leaves;

    public readonly int Count => _count;

    public readonly int Capacity => _capacity;

    /// <summary>The leftmost entity, null when empty.</summary>
    public readonly SchedEntity* Leftmost => _count != 0 ? At(_slots, _slots[1].Winner)->Entity : null;

    /// <summary>The leftmost entity's virtual runtime, read from its leaf (not the entity); only
    /// meaningful when <see cref="Count"/> is not 0.</summary>
    public readonly ulong LeftmostKey => At(_slots, _slots[1].Winner)->Key;

    /// <summary>The leftmost entity's id, from its leaf; only meaningful when not empty.</summary>
    public readonly ulong LeftmostId => At(_slots, _slots[1].Winner)->Id;

    // The slot at a byte offset (a recorded winner).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static RunQueueSlot* At(RunQueueSlot* slots, uint offset) => (RunQueueSlot*)((byte*)slots + offset);

    /// <summary>Leaves for a capacity: the least power of two at or above it, at least 2 (0 for none).</summary>
    public static int LeavesFor(int capacity)
    {
        if (capacity <= 0)
        {
            return 0;
        }

        int leaves = 2;
        while (leaves < capacity)
        {
            leaves <<= 1;
        }

        return leaves;
    }

    // (key, id) order with the flags combined (no short circuit), so that the replay compiles
    // to conditional data flow: a key below, or not above with the id below (equal to
    // keyA < keyB || (keyA == keyB && idA < idB)).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Precedes(ulong keyA, ulong idA, ulong keyB, ulong idB) =>
        (keyA < keyB) | ((keyA <= keyB) & (idA < idB));

    /// <summary>
    /// Moves the tree into <paramref name="slots"/> (room for <paramref name="capacity"/>
    /// entities: <see cref="LeavesFor"/>(capacity) slots), which must not overlap the present
    /// array; returns the present one in <paramref name="previous"/>. The queued entities take
    /// the lowest leaves, in their present order (each records its new leaf). False (nothing
    /// changed) when they would not fit or the arguments are bad.
    /// </summary>
    public bool MoveTo(RunQueueSlot* slots, int capacity, out RunQueueSlot* previous)
    {
        previous = null;
        if (capacity < _count || capacity < 0 || (slots == null && capacity != 0) || capacity > (1 << 29))
        {
            return false;
        }

        RunQueueSlot* from = _slots;
        int leaves = LeavesFor(capacity);
        int used = 0;
        for (int j = 0; j < _leaves; j++)
        {
            SchedEntity* e = from[j].Entity;
            if (e != null)
            {
                slots[used].Key = from[j].Key;
                slots[used].Id = from[j].Id;
                slots[used].Entity = e;
                e->Leaf = used;
                used++;
            }
        }

        for (int j = used; j < leaves; j++)
        {
            slots[j].Key = EmptyKey;
            slots[j].Id = ReservedId;
            slots[j].Entity = null;
        }

        // The free leaves used .. capacity-1 as a stack whose top is the lowest.
        int free = capacity - used;
        for (int k = 0; k < free; k++)
        {
            slots[k].Free = capacity - 1 - k;
        }

        previous = from;
        _slots = slots;
        _capacity = capacity;
        _leaves = leaves;
        _count = used;
        Rebuild();
        return true;
    }

    /// <summary>Queues <paramref name="node"/> (keyed by its present virtual runtime and id);
    /// the caller has checked that <see cref="Count"/> is below <see cref="Capacity"/>.</summary>
    public void Insert(SchedEntity* node)
    {
        RunQueueSlot* slots = _slots;
        int leaf = slots[_capacity - _count - 1].Free;
        _count++;
        ulong key = node->VirtualRuntime, id = node->Id;
        slots[leaf].Key = key;
        slots[leaf].Id = id;
        slots[leaf].Entity = node;
        node->Leaf = leaf;
        Replay(slots, _leaves, leaf, key, id);
    }

    /// <summary>Takes the leftmost out and puts <paramref name="node"/> in its leaf: a switch's
    /// "the entity that ran goes back, the smallest comes out" as one replay.</summary>
    public SchedEntity* ReplaceLeftmost(SchedEntity* node)
    {
        RunQueueSlot* slots = _slots;
        uint offset = slots[1].Winner;
        RunQueueSlot* slot = At(slots, offset);
        SchedEntity* leftmost = slot->Entity;
        ulong key = node->VirtualRuntime, id = node->Id;
        slot->Key = key;
        slot->Id = id;
        slot->Entity = node;
        int leaf = (int)(offset >> SlotShift);
        node->Leaf = leaf;
        Replay(slots, _leaves, leaf, key, id);
        return leftmost;
    }

    /// <summary>Takes <paramref name="node"/> (queued in this tree) out: its leaf empties and
    /// goes back on the free stack.</summary>
    public void Remove(SchedEntity* node)
    {
        RunQueueSlot* slots = _slots;
        int leaf = node->Leaf;
        node->Leaf = 0;
        slots[leaf].Key = EmptyKey;
        slots[leaf].Id = ReservedId;
        slots[leaf].Entity = null;
        Replay(slots, _leaves, leaf, EmptyKey, ReservedId);
        _count--;
        slots[_capacity - _count - 1].Free = leaf;
    }

    // The matches on the path from `leaf` to the root played again: at each level the path's
    // winner so far (key, id, leaf) against the sibling subtree's recorded winner, the lesser
    // recorded in the parent. The sibling's winner and key do not depend on the path, so their
    // loads run ahead; the selects are masks (the JIT turned some ternaries into branches).
    // The leaf's new key and id come in registers, not read back from the slot just written
    // (store forwarding would add its latency to the chain).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Replay(RunQueueSlot* slots, int leaves, int leaf, ulong key, ulong id)
    {
        uint winner = (uint)leaf << SlotShift;

        // The first match is against the sibling leaf itself.
        uint other = winner ^ (1u << SlotShift);
        Play(slots, other, ref key, ref id, ref winner);
        int node = (leaves + leaf) >> 1;
        slots[node].Winner = winner;
        while (node > 1)
        {
            other = slots[node ^ 1].Winner;
            Play(slots, other, ref key, ref id, ref winner);
            node >>= 1;
            slots[node].Winner = winner;
        }
    }

    // One match: the other leaf takes the path's place when it precedes it. The order's flags
    // are combined as 0/1 integers and the selects are masks: as ternaries, or with the flags
    // as bools, the JIT left a branch or turned the bool back into an integer a second time.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Play(RunQueueSlot* slots, uint other, ref ulong key, ref ulong id, ref uint winner)
    {
        RunQueueSlot* slot = At(slots, other);
        ulong otherKey = slot->Key;
        ulong otherId = slot->Id;
        ulong takes = Bit(otherKey < key) | (Bit(otherKey <= key) & Bit(otherId < id));
        ulong mask = 0UL - takes;
        key ^= (key ^ otherKey) & mask;
        id ^= (id ^ otherId) & mask;
        winner ^= (winner ^ other) & (uint)mask;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong Bit(bool value) => value ? 1UL : 0UL;

    // Every internal node's winner from its children's, bottom up.
    private readonly void Rebuild()
    {
        RunQueueSlot* slots = _slots;
        int leaves = _leaves;
        for (int node = leaves - 1; node >= 1; node--)
        {
            uint left = WinnerOf(slots, leaves, 2 * node);
            uint right = WinnerOf(slots, leaves, (2 * node) + 1);
            RunQueueSlot* l = At(slots, left), r = At(slots, right);
            slots[node].Winner = Precedes(r->Key, r->Id, l->Key, l->Id) ? right : left;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static uint WinnerOf(RunQueueSlot* slots, int leaves, int node) =>
        node >= leaves ? (uint)(node - leaves) << SlotShift : slots[node].Winner;

    /// <summary>Checks every invariant; sums the weights of the queued entities into <paramref name="weight"/>.</summary>
    public readonly bool Validate(out ulong weight)
    {
        weight = 0;
        RunQueueSlot* slots = _slots;
        int leaves = _leaves;
        if (_count < 0 || _count > _capacity || leaves != LeavesFor(_capacity) || (slots == null && _capacity != 0))
        {
            return false;
        }

        int used = 0;
        for (int j = 0; j < leaves; j++)
        {
            SchedEntity* e = slots[j].Entity;
            if (e == null)
            {
                if (slots[j].Key != EmptyKey || slots[j].Id != ReservedId)
                {
                    return false;
                }

                continue;
            }

            if (j >= _capacity || e->State != EntityState.Queued || e->Weight == 0 || e->Leaf != j
                || e->VirtualRuntime != slots[j].Key || e->Id != slots[j].Id || e->Id == ReservedId)
            {
                return false;
            }

            weight += e->Weight;
            used++;
        }

        if (used != _count)
        {
            return false;
        }

        // The free stack: capacity - count distinct empty leaves below the capacity (with the
        // used ones all below it, exactly the empty ones there). Distinct by a bitmap on the
        // stack up to 4096 leaves, by pairs beyond.
        int free = _capacity - _count;
        const int BitmapLeaves = 4096;
        ulong* seen = stackalloc ulong[BitmapLeaves / 64];
        for (int i = 0; i < BitmapLeaves / 64; i++)
        {
            seen[i] = 0;
        }

        for (int k = 0; k < free; k++)
        {
            int leaf = slots[k].Free;
            if (leaf < 0 || leaf >= _capacity || slots[leaf].Entity != null)
            {
                return false;
            }

            if (_capacity <= BitmapLeaves)
            {
                ulong bit = 1UL << (leaf & 63);
                if ((seen[leaf >> 6] & bit) != 0)
                {
                    return false;
                }

                seen[leaf >> 6] |= bit;
                continue;
            }

            for (int m = 0; m < k; m++)
            {
                if (slots[m].Free == leaf)
                {
                    return false;
                }
            }
        }

        // Each recorded winner is a leaf of its subtree and no child's winner precedes it.
        for (int node = 1; node < leaves; node++)
        {
            uint winner = slots[node].Winner;
            uint left = WinnerOf(slots, leaves, 2 * node);
            uint right = WinnerOf(slots, leaves, (2 * node) + 1);
            if (winner != left && winner != right)
            {
                return false;
            }

            RunQueueSlot* w = At(slots, winner), l = At(slots, left), r = At(slots, right);
            if (Precedes(l->Key, l->Id, w->Key, w->Id) || Precedes(r->Key, r->Id, w->Key, w->Id))
            {
                return false;
            }
        }

        return true;
    }
}
