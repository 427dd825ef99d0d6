using System;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel.Processes;

/// <summary>
/// Robust futexes (Linux Documentation/locking/robust-futexes.rst, kernel/futex/core.c
/// exit_robust_list): each thread may register with set_robust_list a
/// <c>struct robust_list_head { struct robust_list *next; long futex_offset; struct
/// robust_list *list_op_pending; }</c> in its own memory, the head of the libc's list of the
/// robust mutexes it holds. When the thread ends (exit, exit_group, a fatal signal, or execve,
/// which ends the image the list lives in), the kernel walks that list: every lock word
/// (entry + futex_offset) whose owner bits still hold the thread's id gets FUTEX_OWNER_DIED
/// (keeping FUTEX_WAITERS) and, when it had waiters, one waiter is woken, so the next locker
/// gets EOWNERDEAD instead of waiting forever. The list is user memory and may be hostile:
/// every read goes through UserMemory (a bad pointer ends the walk), and the walk stops after
/// <see cref="RobustListLimit"/> entries, as Linux's does, so a cyclic list cannot hang the
/// kernel. Bit 0 of a link marks a priority-inheritance futex (not served here: only the
/// owner-died bit is set, no waiter is woken, as Linux leaves that to the PI state).
/// </summary>
internal unsafe partial struct Process
{
    /// <summary>Linux's ROBUST_LIST_LIMIT: the most entries one walk visits.</summary>
    internal const int RobustListLimit = 2048;

    /// <summary>struct robust_list_head's size: the only length set_robust_list accepts.</summary>
    internal const ulong RobustListHeadSize = 24;

    /// <summary>Walks the calling thread's robust list and forgets it. Called by the ending
    /// thread in its own address space, before its clear-tid word is cleared (Linux
    /// mm_release: futex_exit_release first).</summary>
    internal static void ReleaseRobustList(Process* process, KernelThread* self)
    {
        WalkRobustList(process, self);
        // Then the PI locks it still owns with waiters, robust or not (Linux exit_pi_state_list).
        Futex.ReleasePiLocks((uint)ThreadId(process, self));
    }

    private static void WalkRobustList(Process* process, KernelThread* self)
    {
        ulong head = self->RobustListHead;
        self->RobustListHead = 0;
        if (head == 0) return;
        uint tid = (uint)ThreadId(process, self);
        ulong* words = stackalloc ulong[3];
        if (!UserMemory.CopyFrom(process->Space, head, new Span<byte>(words, 24))) return;
        ulong entry = words[0] & ~1UL, offset = words[1], pending = words[2] & ~1UL;
        bool pi = (words[0] & 1) != 0, pendingPi = (words[2] & 1) != 0;
        for (int limit = RobustListLimit; entry != head && limit > 0; limit--)
        {
            // The next link is read before the lock word is touched: the owner may be
            // unlinking this entry (list_op_pending) and the word change must not matter.
            ulong next;
            bool linked = UserMemory.CopyFrom(process->Space, entry, new Span<byte>(&next, 8));
            if (entry != pending && !Futex.OwnerDied(process, entry + offset, tid, pi, pendingOp: false)) return;
            if (!linked) return;
            pi = (next & 1) != 0;
            entry = next & ~1UL;
        }

        if (pending != 0) Futex.OwnerDied(process, pending + offset, tid, pendingPi, pendingOp: true);
    }
}
