using System.Runtime.CompilerServices;

namespace Aurora.Sched;

/// <summary>
/// Intrusive red-black tree of <see cref="SchedEntity"/> ordered by (VirtualRuntime, Id), with
/// the leftmost (smallest) entity cached so picking the next one to run costs nothing, and the
/// rightmost (largest) so the entity that just ran, usually the largest, goes in without a descent. Null
/// children are the black leaves. Insert and remove are O(log n) with at most three rotations.
/// The invariants (checked by <see cref="Validate"/>): the root is black, a red node has no red
/// child, and every path from a node down to a leaf passes the same number of black nodes —
/// so no path is more than twice as long as another.
/// </summary>
internal unsafe struct EntityTree
{
    private SchedEntity* _root;
    private SchedEntity* _leftmost;
    private SchedEntity* _rightmost;
    private int _count;

    public readonly int Count => _count;

    public readonly SchedEntity* Leftmost => _leftmost;

    // Non-short-circuit operators: the comparison compiles to flag instructions, not branches,
    // which in a descent go either way at random and would mispredict half the time.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Precedes(SchedEntity* a, SchedEntity* b)
    {
        ulong x = a->VirtualRuntime, y = b->VirtualRuntime;
        return (x < y) | ((x == y) & (a->Id < b->Id));
    }

    public void Insert(SchedEntity* node)
    {
        SchedEntity* parent;
        bool goesLeft;
        bool isLeftmost;
        bool isRightmost;
        SchedEntity* rightmost = _rightmost;
        if (rightmost != null && !Precedes(node, rightmost))
        {
            // The common case at a switch: the entity that just ran has the largest virtual
            // runtime and hangs from the rightmost node (which has no right child) without a
            // descent.
            parent = rightmost;
            goesLeft = false;
            isLeftmost = false;
            isRightmost = true;
        }
        else
        {
            parent = null;
            goesLeft = false;
            isLeftmost = true;
            isRightmost = rightmost == null;
            SchedEntity* cursor = _root;
            while (cursor != null)
            {
                // Without a branch on the comparison: Left and Right are adjacent fields, so
                // the child taken is an index.
                parent = cursor;
                bool goesRight = !Precedes(node, cursor);
                goesLeft = !goesRight;
                isLeftmost &= goesLeft;
                cursor = (&cursor->Left)[*(byte*)&goesRight];
            }
        }

        node->Parent = parent;
        node->Left = null;
        node->Right = null;
        node->Red = true;
        if (parent == null)
        {
            _root = node;
        }
        else if (goesLeft)
        {
            parent->Left = node;
        }
        else
        {
            parent->Right = node;
        }

        if (isLeftmost)
        {
            _leftmost = node;
        }

        if (isRightmost)
        {
            _rightmost = node;
        }

        _count++;
        RepairAfterInsert(node);
    }

    public void Remove(SchedEntity* node)
    {
        if (node == _leftmost)
        {
            // The leftmost has no left child, so the next smallest is the smallest of its
            // right subtree if it has one, else its parent.
            SchedEntity* next = node->Right;
            if (next != null)
            {
                while (next->Left != null)
                {
                    next = next->Left;
                }
            }
            else
            {
                next = node->Parent;
            }

            _leftmost = next;
        }

        if (node == _rightmost)
        {
            // Mirror image: the rightmost has no right child.
            SchedEntity* previous = node->Left;
            if (previous != null)
            {
                while (previous->Right != null)
                {
                    previous = previous->Right;
                }
            }
            else
            {
                previous = node->Parent;
            }

            _rightmost = previous;
        }

        SchedEntity* child;
        SchedEntity* childParent;
        bool removedBlack = !node->Red;
        if (node->Left == null)
        {
            child = node->Right;
            childParent = node->Parent;
            Replace(node, child);
        }
        else if (node->Right == null)
        {
            child = node->Left;
            childParent = node->Parent;
            Replace(node, child);
        }
        else
        {
            // Two children: the in-order successor takes the node's place and colour; the
            // successor's old position (it has no left child) is what loses a black.
            SchedEntity* successor = node->Right;
            while (successor->Left != null)
            {
                successor = successor->Left;
            }

            removedBlack = !successor->Red;
            child = successor->Right;
            if (successor->Parent == node)
            {
                childParent = successor;
            }
            else
            {
                childParent = successor->Parent;
                Replace(successor, child);
                successor->Right = node->Right;
                successor->Right->Parent = successor;
            }

            Replace(node, successor);
            successor->Left = node->Left;
            successor->Left->Parent = successor;
            successor->Red = node->Red;
        }

        if (removedBlack)
        {
            RepairAfterRemove(child, childParent);
        }

        node->Parent = null;
        node->Left = null;
        node->Right = null;
        node->Red = false;
        _count--;
    }

    private void RepairAfterInsert(SchedEntity* node)
    {
        // node is red; the only possible violation is a red parent.
        while (node->Parent != null && node->Parent->Red)
        {
            SchedEntity* parent = node->Parent;
            SchedEntity* grandparent = parent->Parent; // exists: a red parent is never the root
            if (parent == grandparent->Left)
            {
                SchedEntity* uncle = grandparent->Right;
                if (uncle != null && uncle->Red)
                {
                    parent->Red = false;
                    uncle->Red = false;
                    grandparent->Red = true;
                    node = grandparent;
                    continue;
                }

                if (node == parent->Right)
                {
                    RotateLeft(parent);
                    node = parent;
                    parent = node->Parent;
                }

                parent->Red = false;
                grandparent->Red = true;
                RotateRight(grandparent);
            }
            else
            {
                SchedEntity* uncle = grandparent->Left;
                if (uncle != null && uncle->Red)
                {
                    parent->Red = false;
                    uncle->Red = false;
                    grandparent->Red = true;
                    node = grandparent;
                    continue;
                }

                if (node == parent->Left)
                {
                    RotateRight(parent);
                    node = parent;
                    parent = node->Parent;
                }

                parent->Red = false;
                grandparent->Red = true;
                RotateLeft(grandparent);
            }
        }

        _root->Red = false;
    }

    // node (possibly a null leaf, hence the explicit parent) sits on paths one black short.
    private void RepairAfterRemove(SchedEntity* node, SchedEntity* parent)
    {
        while (node != _root && !IsRed(node))
        {
            // A null node is never alone under parent: its sibling subtree carries the black
            // that was removed, so the sibling exists and the side test below is unambiguous.
            if (node == parent->Left)
            {
                SchedEntity* sibling = parent->Right;
                if (sibling->Red)
                {
                    sibling->Red = false;
                    parent->Red = true;
                    RotateLeft(parent);
                    sibling = parent->Right;
                }

                if (!IsRed(sibling->Left) && !IsRed(sibling->Right))
                {
                    sibling->Red = true;
                    node = parent;
                    parent = node->Parent;
                    continue;
                }

                if (!IsRed(sibling->Right))
                {
                    sibling->Left->Red = false;
                    sibling->Red = true;
                    RotateRight(sibling);
                    sibling = parent->Right;
                }

                sibling->Red = parent->Red;
                parent->Red = false;
                sibling->Right->Red = false;
                RotateLeft(parent);
                node = _root;
                break;
            }
            else
            {
                SchedEntity* sibling = parent->Left;
                if (sibling->Red)
                {
                    sibling->Red = false;
                    parent->Red = true;
                    RotateRight(parent);
                    sibling = parent->Left;
                }

                if (!IsRed(sibling->Left) && !IsRed(sibling->Right))
                {
                    sibling->Red = true;
                    node = parent;
                    parent = node->Parent;
                    continue;
                }

                if (!IsRed(sibling->Left))
                {
                    sibling->Right->Red = false;
                    sibling->Red = true;
                    RotateLeft(sibling);
                    sibling = parent->Left;
                }

                sibling->Red = parent->Red;
                parent->Red = false;
                sibling->Left->Red = false;
                RotateRight(parent);
                node = _root;
                break;
            }
        }

        if (node != null)
        {
            node->Red = false;
        }
    }

    private static bool IsRed(SchedEntity* node) => node != null && node->Red;

    // Puts replacement where node hangs from its parent (replacement's own children untouched).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Replace(SchedEntity* node, SchedEntity* replacement)
    {
        SchedEntity* parent = node->Parent;
        if (parent == null)
        {
            _root = replacement;
        }
        else if (node == parent->Left)
        {
            parent->Left = replacement;
        }
        else
        {
            parent->Right = replacement;
        }

        if (replacement != null)
        {
            replacement->Parent = parent;
        }
    }

    private void RotateLeft(SchedEntity* node)
    {
        SchedEntity* pivot = node->Right;
        node->Right = pivot->Left;
        if (pivot->Left != null)
        {
            pivot->Left->Parent = node;
        }

        Replace(node, pivot);
        pivot->Left = node;
        node->Parent = pivot;
    }

    private void RotateRight(SchedEntity* node)
    {
        SchedEntity* pivot = node->Left;
        node->Left = pivot->Right;
        if (pivot->Right != null)
        {
            pivot->Right->Parent = node;
        }

        Replace(node, pivot);
        pivot->Right = node;
        node->Parent = pivot;
    }

    /// <summary>Checks every invariant; sums the weights of the queued entities into <paramref name="weight"/>.</summary>
    public readonly bool Validate(out ulong weight)
    {
        weight = 0;
        if (_root == null)
        {
            return _count == 0 && _leftmost == null && _rightmost == null;
        }

        if (_root->Red || _root->Parent != null)
        {
            return false;
        }

        SchedEntity* smallest = _root;
        while (smallest->Left != null)
        {
            smallest = smallest->Left;
        }

        if (smallest != _leftmost)
        {
            return false;
        }

        SchedEntity* largest = _root;
        while (largest->Right != null)
        {
            largest = largest->Right;
        }

        if (largest != _rightmost)
        {
            return false;
        }

        int count = 0;
        SchedEntity* previous = null;
        return BlackHeight(_root, ref count, ref weight, ref previous) >= 0 && count == _count;
    }

    // The black height of the subtree, or -1 if it breaks an invariant. In-order, so previous
    // is the node just before this subtree and the ordering check covers every adjacent pair.
    // Recursion depth is the tree height: at most 2 log2(n + 1).
    private static int BlackHeight(SchedEntity* node, ref int count, ref ulong weight, ref SchedEntity* previous)
    {
        if (node == null)
        {
            return 0;
        }

        if (node->State != EntityState.Queued || node->Weight == 0)
        {
            return -1;
        }

        if ((node->Left != null && node->Left->Parent != node) || (node->Right != null && node->Right->Parent != node))
        {
            return -1;
        }

        if (node->Red && (IsRed(node->Left) || IsRed(node->Right)))
        {
            return -1;
        }

        int left = BlackHeight(node->Left, ref count, ref weight, ref previous);
        if (left < 0)
        {
            return -1;
        }

        if (previous != null && !Precedes(previous, node))
        {
            return -1;
        }

        previous = node;
        count++;
        weight += node->Weight;
        int right = BlackHeight(node->Right, ref count, ref weight, ref previous);
        if (right != left)
        {
            return -1;
        }

        return left + (node->Red ? 0 : 1);
    }
}
