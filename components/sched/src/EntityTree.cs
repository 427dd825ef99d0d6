using System.Runtime.CompilerServices;

namespace Aurora.Sched;

/// <summary>
/// Intrusive pairing heap of <see cref="SchedEntity"/> ordered by (VirtualRuntime, Id): a tree
/// in which every entity precedes its children, so the root is the leftmost (smallest) entity
/// and picking the next one to run costs nothing. An entity's children are a list: Left is its
/// first child, Right its next sibling, Parent the previous sibling (the parent for a first
/// child). Insert melds the new entity with the root (one comparison); removing the root pairs
/// its children left to right and melds the pairs right to left (two-pass pairing); removing
/// another entity cuts its subtree out, pairs its children and melds the result with the root.
/// Amortized O(1) insert and O(log n) removal (Fredman, Sedgewick, Sleator and Tarjan 1986).
/// Why not a red-black tree (until 0.2.4): a scheduler's commonest change is "the entity that
/// ran goes back, the smallest comes out", and in a heap the entity that ran usually becomes the
/// root's newest child while the removal pairs a handful of subtrees; a balanced tree repaired
/// itself on both halves of every switch (issue 17: 1.4-1.66x a binary heap's instructions).
/// The invariants (checked by <see cref="Validate"/>): heap order, consistent links, the count.
/// </summary>
internal unsafe struct EntityTree
{
    private SchedEntity* _root;
    private int _count;

    public readonly int Count => _count;

    public readonly SchedEntity* Leftmost => _root;

    // Short-circuit on purpose: ties are rare, so the second test is a branch that is all but
    // always predicted and the common case is one compare (the ids are not even loaded). The
    // flag-combining form (x < y) | ((x == y) & (idA < idB)) took about nine more instructions a
    // comparison, and a switch compares 4-9 times: 41-83 per tick + pick at 8-1024 entities
    // (issue 17; cachegrind's simple predictor counts 1.3-2.8 more mispredictions for it).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Precedes(SchedEntity* a, SchedEntity* b)
    {
        ulong x = a->VirtualRuntime, y = b->VirtualRuntime;
        return x < y || (x == y && a->Id < b->Id);
    }

    public void Insert(SchedEntity* node)
    {
        node->Parent = null;
        node->Left = null;
        node->Right = null;
        _root = _root == null ? node : Meld(_root, node);
        _count++;
    }

    /// <summary>Takes the leftmost out and puts <paramref name="node"/> in, in one go: a switch's
    /// "the entity that ran goes back, the smallest comes out" when the one that ran does not
    /// precede the smallest (else it would come straight out again). The node joins the front
    /// of the leftmost's children before they are paired, rather than being melded with the
    /// result: the entity that just ran usually belongs near the back, and paired with the
    /// newest child (itself usually one that ran recently) it leaves the new root with fewer
    /// children, about one link fewer per switch from 8 to 1024 entities (issue 17).</summary>
    public SchedEntity* ReplaceLeftmost(SchedEntity* node)
    {
        SchedEntity* leftmost = _root;
        node->Left = null;
        node->Right = leftmost->Left;
        leftmost->Left = null;
        _root = MergePairs(node);
        return leftmost;
    }

    public void Remove(SchedEntity* node)
    {
        if (node == _root)
        {
            _root = MergePairs(node->Left);
        }
        else
        {
            // Out of its parent's child list (Parent is the previous sibling or the parent).
            SchedEntity* previous = node->Parent;
            if (previous->Left == node)
            {
                previous->Left = node->Right;
            }
            else
            {
                previous->Right = node->Right;
            }

            if (node->Right != null)
            {
                node->Right->Parent = previous;
            }

            SchedEntity* children = MergePairs(node->Left);
            if (children != null)
            {
                _root = Meld(_root, children);
            }
        }

        node->Parent = null;
        node->Left = null;
        node->Right = null;
        _count--;
    }

    // The root of two heaps made one: the one that follows becomes the other's first child.
    // Both are roots (their Parent and Right are not looked at); the result's are null.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static SchedEntity* Meld(SchedEntity* a, SchedEntity* b)
    {
        SchedEntity* root = Link(a, b);
        root->Parent = null;
        root->Right = null;
        return root;
    }

    // Meld without clearing the result's Parent and Right, for the pairing passes, which set them.
    // A branch on the order: selecting the winner with a mask took 20-50 more instructions a
    // switch for one or two fewer mispredicted branches (cachegrind's model), about even in cycles.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static SchedEntity* Link(SchedEntity* a, SchedEntity* b)
    {
        return Precedes(b, a) ? Adopt(b, a) : Adopt(a, b);
    }

    // child (a root) becomes parent's first child; returns parent.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static SchedEntity* Adopt(SchedEntity* parent, SchedEntity* child)
    {
        SchedEntity* first = parent->Left;
        child->Right = first;
        if (first != null)
        {
            first->Parent = child;
        }

        child->Parent = parent;
        parent->Left = child;
        return parent;
    }

    // A list of sibling heaps (linked by Right) made one: pairs melded left to right, then the
    // pairs melded from the last to the first. The pairs wait on a stack linked by Right.
    private static SchedEntity* MergePairs(SchedEntity* first)
    {
        if (first == null)
        {
            return null;
        }

        SchedEntity* stack = null;
        do
        {
            SchedEntity* second = first->Right;
            if (second == null)
            {
                first->Right = stack;
                stack = first;
                break;
            }

            SchedEntity* next = second->Right;
            SchedEntity* pair = Link(first, second);
            pair->Right = stack;
            stack = pair;
            first = next;
        }
        while (first != null);

        SchedEntity* result = stack;
        stack = stack->Right;
        while (stack != null)
        {
            SchedEntity* next = stack->Right;
            result = Link(result, stack);
            stack = next;
        }

        result->Parent = null;
        result->Right = null;
        return result;
    }

    /// <summary>Checks every invariant; sums the weights of the queued entities into <paramref name="weight"/>.</summary>
    public readonly bool Validate(out ulong weight)
    {
        weight = 0;
        if (_root == null)
        {
            return _count == 0;
        }

        if (_root->Parent != null || _root->Right != null)
        {
            return false;
        }

        // Depth first without recursion (a pairing heap can be a long chain): down to the first
        // child, else to the next sibling, else up (through the previous-sibling links) to the
        // nearest ancestor with a next sibling. Each entity checks its own child list's links
        // and order. At most _count entities are visited and the climbs walk each child list
        // once, so broken links (a cycle) end the walk instead of looping.
        int count = 0;
        long climbs = 2L * _count + 2;
        SchedEntity* node = _root;
        while (node != null)
        {
            if (node->State != EntityState.Queued || node->Weight == 0 || ++count > _count)
            {
                return false;
            }

            weight += node->Weight;
            SchedEntity* previous = node;
            for (SchedEntity* child = node->Left; child != null; child = child->Right)
            {
                if (child->Parent != previous || Precedes(child, node))
                {
                    return false;
                }

                previous = child;
            }

            if (node->Left != null)
            {
                node = node->Left;
                continue;
            }

            while (node != null && node->Right == null)
            {
                node = ParentOf(node, ref climbs);
                if (climbs < 0)
                {
                    return false;
                }
            }

            if (node != null)
            {
                node = node->Right;
            }
        }

        return count == _count;
    }

    // The parent of an entity in the heap (null for the root): back along the previous-sibling
    // links to the first child, whose Parent is the parent.
    private static SchedEntity* ParentOf(SchedEntity* node, ref long climbs)
    {
        SchedEntity* previous = node->Parent;
        while (previous != null && previous->Left != node && --climbs >= 0)
        {
            node = previous;
            previous = previous->Parent;
        }

        return previous;
    }
}
