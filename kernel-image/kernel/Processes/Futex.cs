using Aurora.Kernel.Memory;
using Aurora.Kernel.Sync;
using Aurora.Kernel.Tasks;
using Aurora.Vmm;

namespace Aurora.Kernel.Processes;

/// <summary>Which futex a waiter waits on. Private: the address space's root and the virtual
/// address (one process's threads meet there). Shared: the physical address of the word (a
/// MAP_SHARED or System V page is the same frame in every process that maps it, so processes
/// meet there whatever address each mapped it at; Linux keys by inode/page + offset for the
/// same reason).</summary>
internal struct FutexKey
{
    /// <summary>The space's root (page aligned), or <see cref="Shared"/>.</summary>
    public ulong Space;
    public ulong Address;

    internal const ulong Shared = 1;

    public readonly bool SameAs(in FutexKey other) => Space == other.Space && Address == other.Address;
}

/// <summary>One sleeping futex waiter, on its own kernel stack for the length of the wait: the
/// table never allocates.</summary>
internal unsafe struct FutexWaiter
{
    public FutexKey Key;
    public uint Bitset;
    public KernelThread* Thread;
    public FutexWaiter* Next;
    public FutexWaiter* Previous;
    public int Bucket;
    public bool Queued;

    /// <summary>A futex wake took it off (not a timeout or a signal): the wait answers 0.</summary>
    public bool Woken;

    /// <summary>A FUTEX_LOCK_PI waiter: only an unlock (or its owner's end) hands it the lock,
    /// never a FUTEX_WAKE; <see cref="Tid"/> is the id the word gets then, <see cref="Owner"/>
    /// and <see cref="UserAddress"/> where the word is.</summary>
    public bool Pi;
    public uint Tid;

    /// <summary>The PI lock's owner as the kernel knows it (Linux's pi_state owner): the id the
    /// word named when the first waiter came, then each thread it was handed to. The word may
    /// say otherwise (a libc that marks its robust locks itself clears the id before the
    /// owner's end), so a thread's end hands over by this, not by the word.</summary>
    public uint OwnerTid;
    public Process* Owner;
    public ulong UserAddress;

    /// <summary>Handed the lock by a thread's end while the word's page was not writable
    /// (copy-on-write after a fork: no fault under the lock): the new owner writes its id
    /// itself, as Linux's fixup_pi_owner does in the waiter's context.</summary>
    public bool WordUnwritten;
}

/// <summary>
/// The futex wait table (futex(2), Syscalls/FutexCalls.cs): waiters hashed by key into
/// buckets, each a list in arrival order, so a wake takes the longest waiters first. The word
/// is read and compared under the table's lock (the futex lock, a spin lock: docs/architecture.md,
/// "Locks") after the waiter has prepared its wait, so a FUTEX_WAKE that follows a user-space
/// store is never lost between the compare and the sleep: it either finds the waiter queued or
/// the waiter sees the new value. The word is read through the direct map with no fault under
/// the lock; callers make the page present first (<see cref="UserMemory.IsAccessible"/>).
/// </summary>
internal static unsafe class Futex
{
    private const int BucketCount = 64;
    private static SpinLock s_lock;
    private static FutexWaiter** s_buckets;

    private static FutexWaiter** Buckets => s_buckets;

    /// <summary>Makes the (empty) table, at boot.</summary>
    internal static void Initialize()
    {
        s_buckets = (FutexWaiter**)KernelMemory.Allocate((nuint)(BucketCount * sizeof(FutexWaiter*)));
        if (s_buckets == null) Panic.Fail("no memory for the futex table");
        for (int i = 0; i < BucketCount; i++) s_buckets[i] = null;
    }

    private static int BucketOf(in FutexKey key) =>
        (int)(((key.Address >> 2) ^ (key.Address >> 12) ^ (key.Space >> 12)) % BucketCount);

    /// <summary>The key of the word at <paramref name="address"/> (4-byte aligned, checked by the
    /// caller). Private: no access check (Linux's get_futex_key only checks the range for
    /// private futexes; the value read fails instead). Shared: the page must be readable user
    /// memory (EFAULT); a word in a MAP_SHARED or System V mapping is keyed by its frame, any
    /// other by (space, address) as Linux keys private anonymous memory.</summary>
    internal static long KeyOf(Process* process, ulong address, bool isPrivate, out FutexKey key)
    {
        key = default;
        if (address > UserMemory.UserLimit - 4) return -Syscalls.Errno.EFAULT;
        key.Space = process->Space.Root;
        key.Address = address;
        if (isPrivate) return 0;
        if (!UserMemory.IsAccessible(process->Space, address, 4, write: false)) return -Syscalls.Errno.EFAULT;
        int index = process->Regions.IndexOf(address & ~(UserMemory.PageSize - 1));
        if (index >= 0)
        {
            RegionKind kind = process->Regions[index].Kind;
            if ((kind == RegionKind.Shared || kind == RegionKind.ObjectShared) &&
                KernelMemory.Mapper.Translate(process->Space, address, out Translation t) == VmmError.None)
            {
                key.Space = FutexKey.Shared;
                key.Address = t.PhysicalAddress;
            }
        }

        return 0;
    }

    /// <summary>The word at <paramref name="address"/> through the direct map, with no fault
    /// (under the lock); false when the page is not mapped user memory (or, for a write, not
    /// writable).</summary>
    private static uint* Word(Process* process, ulong address, bool write)
    {
        if (KernelMemory.Mapper.Translate(process->Space, address, out Translation t) != VmmError.None) return null;
        if ((t.Flags & PageFlags.User) == 0 || (write && (t.Flags & PageFlags.Writable) == 0)) return null;
        return (uint*)(t.PhysicalAddress + KernelMemory.DirectMapOffset);
    }

    /// <summary>How often a write to a word is tried again when a fork made its page
    /// copy-on-write between the fault-in and the lock.</summary>
    private const int WritableAttempts = 64;

    /// <summary>The word at <paramref name="address"/>, writable, with the futex lock held
    /// (<paramref name="flags"/> for its release); null, and no lock held, when it is not
    /// writable user memory. The fault-in (a copy-on-write copy) happens before the lock; a
    /// fork by another thread of the process in between makes the page copy-on-write again, so
    /// it is faulted in again (Linux: fault_in_user_writeable and retry), not taken for
    /// EFAULT.</summary>
    private static uint* LockWritableWord(Process* process, ulong address, out bool flags)
    {
        for (int attempt = 0; attempt < WritableAttempts; attempt++)
        {
            if (!UserMemory.IsAccessible(process->Space, address, 4, write: true)) break;
            flags = s_lock.Acquire();
            uint* word = Word(process, address, write: true);
            if (word != null) return word;
            s_lock.Release(flags);
        }

        flags = false;
        return null;
    }

    /// <summary>FUTEX_WAIT / FUTEX_WAIT_BITSET: sleeps while the word holds
    /// <paramref name="expected"/> until a wake whose bitset meets <paramref name="bitset"/>,
    /// the tick <paramref name="deadline"/> (ETIMEDOUT) or a signal (EINTR with a timeout;
    /// ERESTARTSYS without one, as Linux restarts an untimed wait after an SA_RESTART handler).
    /// EAGAIN when the word differs, EFAULT when it cannot be read.</summary>
    internal static long Wait(Process* process, ulong address, in FutexKey key, uint expected, uint bitset, ulong deadline)
    {
        // Fault the page in now: under the lock the word is read without faults.
        uint probe;
        if (!UserMemory.CopyFrom(process->Space, address, new System.Span<byte>(&probe, 4))) return -Syscalls.Errno.EFAULT;
        FutexWaiter waiter = default;
        waiter.Key = key;
        waiter.Bitset = bitset;
        waiter.Thread = Scheduler.Current;
        Scheduler.PrepareWait(interruptible: true);
        bool flags = s_lock.Acquire();
        uint* word = Word(process, address, write: false);
        if (word == null || *word != expected)
        {
            s_lock.Release(flags);
            Scheduler.EndWait();
            return word == null ? -Syscalls.Errno.EFAULT : -Syscalls.Errno.EAGAIN;
        }

        Enqueue(&waiter);
        s_lock.Release(flags);
        if (SleepQueued(process, &waiter, deadline, out WakeReason reason)) return 0;
        if (reason == WakeReason.TimedOut) return -Syscalls.Errno.ETIMEDOUT;
        return deadline == Scheduler.NoDeadline ? -Syscalls.Errno.ERESTARTSYS : -Syscalls.Errno.EINTR;
    }

    /// <summary>Sleeps after <paramref name="waiter"/> was queued (its wait prepared, the lock
    /// dropped) until a wake, the <paramref name="deadline"/> or a signal, then takes it off
    /// the table if still there. True when a wake (or a PI hand-over) took it off.</summary>
    private static bool SleepQueued(Process* process, FutexWaiter* waiter, ulong deadline, out WakeReason reason)
    {
        if (Process.HasDeliverableSignal(process))
        {
            Scheduler.EndWait();
            reason = WakeReason.Interrupted;
        }
        else
        {
            reason = Scheduler.BlockUntilWoken(deadline);
        }

        bool flags = s_lock.Acquire();
        if (waiter->Queued) Dequeue(waiter);
        bool woken = waiter->Woken;
        s_lock.Release(flags);
        return woken;
    }

    /// <summary>FUTEX_WAKE / FUTEX_WAKE_BITSET: wakes up to <paramref name="count"/> waiters on
    /// the key whose bitset meets <paramref name="bitset"/>, oldest first; how many. As Linux,
    /// a count of 0 or less still wakes one.</summary>
    internal static long Wake(in FutexKey key, int count, uint bitset)
    {
        bool flags = s_lock.Acquire();
        long woken = WakeLocked(key, count, bitset);
        s_lock.Release(flags);
        return woken;
    }

    private static long WakeLocked(in FutexKey key, int count, uint bitset)
    {
        long woken = 0;
        FutexWaiter* waiter = Buckets[BucketOf(key)];
        while (waiter != null)
        {
            FutexWaiter* next = waiter->Next;
            if (waiter->Key.SameAs(key) && (waiter->Bitset & bitset) != 0 && !waiter->Pi)
            {
                Dequeue(waiter);
                waiter->Woken = true;
                Scheduler.WakeFromWait(waiter->Thread, WakeReason.Woken);
                if (++woken >= count) break;
            }

            waiter = next;
        }

        return woken;
    }

    /// <summary>FUTEX_REQUEUE / FUTEX_CMP_REQUEUE: wakes up to <paramref name="wakeCount"/>
    /// waiters on <paramref name="from"/> and moves up to <paramref name="requeueCount"/> more to
    /// <paramref name="to"/> (they then wait there, as a condition variable's waiters move to its
    /// mutex). With <paramref name="compare"/>, only if the word still holds
    /// <paramref name="expected"/> (else EAGAIN). Woken plus moved.</summary>
    internal static long Requeue(Process* process, ulong address, in FutexKey from, in FutexKey to, int wakeCount, int requeueCount, bool compare, uint expected)
    {
        if (compare)
        {
            uint probe;
            if (!UserMemory.CopyFrom(process->Space, address, new System.Span<byte>(&probe, 4))) return -Syscalls.Errno.EFAULT;
        }

        bool flags = s_lock.Acquire();
        if (compare)
        {
            uint* word = Word(process, address, write: false);
            if (word == null || *word != expected)
            {
                s_lock.Release(flags);
                return word == null ? -Syscalls.Errno.EFAULT : -Syscalls.Errno.EAGAIN;
            }
        }

        long woken = 0, moved = 0;
        FutexWaiter* waiter = Buckets[BucketOf(from)];
        while (waiter != null)
        {
            FutexWaiter* next = waiter->Next;
            if (waiter->Key.SameAs(from) && !waiter->Pi)
            {
                if (woken < wakeCount)
                {
                    Dequeue(waiter);
                    waiter->Woken = true;
                    Scheduler.WakeFromWait(waiter->Thread, WakeReason.Woken);
                    woken++;
                }
                else if (moved < requeueCount)
                {
                    if (!from.SameAs(to))
                    {
                        Dequeue(waiter);
                        waiter->Key = to;
                        Enqueue(waiter);
                    }

                    moved++;
                }
                else
                {
                    break;
                }
            }

            waiter = next;
        }

        s_lock.Release(flags);
        return woken + moved;
    }

    // FUTEX_WAKE_OP's operations and comparisons (include/uapi/linux/futex.h).
    private const int OpSet = 0, OpAdd = 1, OpOr = 2, OpAndNot = 3, OpXor = 4, OpArgShift = 8;
    private const int CmpEq = 0, CmpNe = 1, CmpLt = 2, CmpLe = 3, CmpGt = 4, CmpGe = 5;

    /// <summary>FUTEX_WAKE_OP: atomically applies the operation encoded in
    /// <paramref name="encoded"/> to the word at <paramref name="address2"/>, wakes up to
    /// <paramref name="count"/> waiters on the first key and, when the old value passes the
    /// encoded comparison, up to <paramref name="count2"/> on the second. Woken in all. An
    /// unknown operation is ENOSYS before the store, an unknown comparison after it (Linux); an unwritable word EFAULT.</summary>
    internal static long WakeOp(Process* process, in FutexKey key, ulong address2, in FutexKey key2, int count, int count2, uint encoded)
    {
        int op = (int)((encoded >> 28) & 7);
        bool shift = ((encoded >> 28) & OpArgShift) != 0;
        int cmp = (int)((encoded >> 24) & 15);
        int oparg = (int)(encoded << 8) >> 20;
        int cmparg = (int)(encoded << 20) >> 20;
        if (shift) oparg = 1 << (oparg & 31);
        if (op > OpXor) return -Syscalls.Errno.ENOSYS;
        // The write copies a copy-on-write page first; under the lock the word is written in place.
        uint* word = LockWritableWord(process, address2, out bool flags);
        if (word == null) return -Syscalls.Errno.EFAULT;

        int old = (int)*word;
        *word = op switch
        {
            OpSet => (uint)oparg,
            OpAdd => (uint)(old + oparg),
            OpOr => (uint)(old | oparg),
            OpAndNot => (uint)(old & ~oparg),
            _ => (uint)(old ^ oparg),
        };
        // Linux stores first and checks the comparison after: an unknown one is ENOSYS with
        // the word already changed and nobody woken.
        if (cmp > CmpGe)
        {
            s_lock.Release(flags);
            return -Syscalls.Errno.ENOSYS;
        }

        long woken = WakeLocked(key, count, uint.MaxValue);
        bool pass = cmp switch
        {
            CmpEq => old == cmparg,
            CmpNe => old != cmparg,
            CmpLt => old < cmparg,
            CmpLe => old <= cmparg,
            CmpGt => old > cmparg,
            _ => old >= cmparg,
        };
        if (pass) woken += WakeLocked(key2, count2, uint.MaxValue);
        s_lock.Release(flags);
        return woken;
    }

    // The lock word's fields for robust and PI futexes (include/uapi/linux/futex.h).
    private const uint Waiters = 0x8000_0000, OwnerDiedBit = 0x4000_0000, TidMask = 0x3FFF_FFFF;

    /// <summary>One robust lock word of a thread that ends (Linux handle_futex_death): when its
    /// owner bits are <paramref name="tid"/>, FUTEX_OWNER_DIED is set (FUTEX_WAITERS kept) and,
    /// for a non-PI futex with waiters, one waiter is woken. A pending operation
    /// (list_op_pending) on a non-PI word with no owner wakes one waiter without touching the
    /// word (the owner died between its unlock and its wake). False when the word cannot be
    /// read or written (misaligned, unmapped, read-only): the walk stops there, as Linux's.</summary>
    internal static bool OwnerDied(Process* process, ulong address, uint tid, bool pi, bool pendingOp)
    {
        if ((address & 3) != 0) return false;
        uint value;
        if (!UserMemory.CopyFrom(process->Space, address, new System.Span<byte>(&value, 4))) return false;
        // Waiters may be in another process (a process-shared mutex): Linux wakes with a
        // shared key, which for private memory is the same as the private one.
        if (KeyOf(process, address, isPrivate: false, out FutexKey key) != 0) return false;
        if (pendingOp && !pi && (value & TidMask) == 0)
        {
            Wake(key, 1, uint.MaxValue);
            return true;
        }

        if ((value & TidMask) != tid) return true;
        // Copies a copy-on-write page first; under the lock the word changes in place.
        uint* word = LockWritableWord(process, address, out bool flags);
        if (word == null) return false;

        // Read again under the lock (Linux's cmpxchg and retry): no other thread of any
        // process changes it meanwhile (one processor, interrupts off).
        uint current = *word;
        if ((current & TidMask) == tid)
        {
            *word = (current & Waiters) | OwnerDiedBit;
            if (!pi && (current & Waiters) != 0) WakeLocked(key, 1, uint.MaxValue);
            // A PI lock goes to its longest waiter at once, owner-died bit set (Linux's
            // exit_pi_state_list releases the rt_mutex; the waiter's fixup keeps the bit).
            if (pi) HandOffLocked(key, word, OwnerDiedBit);
        }

        s_lock.Release(flags);
        return true;
    }

    // ---- Priority-inheritance futexes (FUTEX_LOCK_PI, FUTEX_UNLOCK_PI, FUTEX_TRYLOCK_PI,
    // FUTEX_LOCK_PI2; Linux kernel/futex/pi.c). The word holds the owner's thread id, with
    // FUTEX_WAITERS when the kernel has waiters for it; the kernel decides who owns the lock
    // when there is contention: an unlock hands it to the longest waiter directly (no
    // stealing), and the word then names that waiter. Aurora's threads all run under the fair
    // class, where Linux's priority boosting changes nothing, so the owner is not boosted.

    /// <summary>FUTEX_LOCK_PI (and TRYLOCK_PI with <paramref name="tryOnly"/>): takes the lock
    /// word at <paramref name="address"/> for the calling thread <paramref name="tid"/>: at once
    /// when its owner bits are 0 (keeping FUTEX_OWNER_DIED), else sets FUTEX_WAITERS and sleeps
    /// until an unlock hands it over, the <paramref name="deadline"/> (ETIMEDOUT) or a signal
    /// (ERESTARTNOINTR: the call runs again after the handler, as Linux). EDEADLK when the caller
    /// owns it, ESRCH when the owner named in the word is no thread, EAGAIN for a busy TRYLOCK,
    /// EFAULT when the word cannot be written.</summary>
    internal static long LockPi(Process* process, ulong address, in FutexKey key, uint tid, ulong deadline, bool tryOnly)
    {
        FutexWaiter waiter = default;
        waiter.Key = key;
        waiter.Bitset = uint.MaxValue;
        waiter.Thread = Scheduler.Current;
        waiter.Pi = true;
        waiter.Tid = tid;
        waiter.Owner = process;
        waiter.UserAddress = address;
        int faultIns = 0;
        while (true)
        {
            // Faults (a copy-on-write copy, a page brought in) happen here, not under the lock.
            if (!UserMemory.IsAccessible(process->Space, address, 4, write: true)) return -Syscalls.Errno.EFAULT;
            // Whether the owner exists is asked under the process table's lock, taken before
            // the futex lock (docs/architecture.md, "Locks"), so neither changes between.
            bool table = Process.LockTable();
            Scheduler.PrepareWait(interruptible: true);
            bool flags = s_lock.Acquire();
            uint* word = Word(process, address, write: true);
            long answer = 1; // 1: sleep, 2: fault the page in again
            if (word == null)
            {
                // Copy-on-write again: another thread forked since the fault-in above.
                answer = ++faultIns < WritableAttempts ? 2 : -Syscalls.Errno.EFAULT;
            }
            else
            {
                uint value = *word;
                uint owner = value & TidMask;
                FutexWaiter* first = FirstPiWaiterLocked(key);
                if (owner == 0 && first == null)
                {
                    *word = tid | (value & OwnerDiedBit);
                    answer = 0;
                }
                else if (owner == tid)
                {
                    answer = -Syscalls.Errno.EDEADLK;
                }
                else if (owner != 0 && Process.FindThreadById(owner, out _) == null)
                {
                    answer = -Syscalls.Errno.ESRCH; // Linux: no robust list, or a bogus word
                }
                else if (tryOnly)
                {
                    answer = -Syscalls.Errno.EAGAIN;
                }
                else
                {
                    // Behind the waiters already there (the lock is theirs next, even when the
                    // word's id was cleared by an owner about to end).
                    waiter.OwnerTid = first != null ? first->OwnerTid : owner;
                    *word = value | Waiters;
                    Enqueue(&waiter);
                }
            }

            s_lock.Release(flags);
            Process.UnlockTable(table);
            if (answer != 1)
            {
                Scheduler.EndWait();
                if (answer == 2) continue;
                return answer;
            }

            if (SleepQueued(process, &waiter, deadline, out WakeReason reason))
            {
                // Handed over: the word names this thread, or it is written now.
                if (waiter.WordUnwritten) SetDeadOwnersWord(process, address, tid);
                return 0;
            }

            if (reason == WakeReason.TimedOut) return -Syscalls.Errno.ETIMEDOUT;
            if (reason == WakeReason.Interrupted || Process.HasDeliverableSignal(process)) return -Syscalls.Errno.ERESTARTNOINTR;
        }
    }

    /// <summary>FUTEX_UNLOCK_PI: the caller <paramref name="tid"/> must own the word (EPERM);
    /// the lock goes to the longest waiter (the word becomes its id with FUTEX_WAITERS, as
    /// Linux's wake_futex_pi), or, with none, the word becomes 0.</summary>
    internal static long UnlockPi(Process* process, ulong address, in FutexKey key, uint tid)
    {
        uint* word = LockWritableWord(process, address, out bool flags);
        if (word == null) return -Syscalls.Errno.EFAULT;
        long answer = 0;
        if ((*word & TidMask) != tid) answer = -Syscalls.Errno.EPERM;
        else if (!HandOffLocked(key, word, 0)) *word = 0;
        s_lock.Release(flags);
        return answer;
    }

    /// <summary>A thread that ends (after its robust list): every PI lock it still owns that has
    /// kernel waiters goes to the longest waiter with FUTEX_OWNER_DIED set (Linux
    /// exit_pi_state_list leaves the state ownerless, and the waiter's fixup_pi_state_owner
    /// adds the bit), so the new owner knows the data it guards may be inconsistent; a word with
    /// no waiters keeps the dead id, and the next LOCK_PI gets ESRCH, as on Linux.</summary>
    internal static void ReleasePiLocks(uint tid)
    {
        int faultIns = 0;
    again:
        bool flags = s_lock.Acquire();
        for (int bucket = 0; bucket < BucketCount; bucket++)
        {
            FutexWaiter* waiter = s_buckets[bucket];
            while (waiter != null)
            {
                if (waiter->Pi && waiter->OwnerTid == tid)
                {
                    uint* word = Word(waiter->Owner, waiter->UserAddress, write: true);
                    Process* owner = waiter->Owner;
                    if (word == null && owner == Process.Current && ++faultIns < WritableAttempts)
                    {
                        // A page made copy-on-write by a fork: copied outside the lock (the
                        // ending thread is in the waiters' process), then everything again.
                        ulong address = waiter->UserAddress;
                        s_lock.Release(flags);
                        UserMemory.IsAccessible(owner->Space, address, 4, write: true);
                        goto again;
                    }

                    FutexWaiter* next = FirstPiWaiterLocked(waiter->Key);
                    // Still unwritable: the new owner writes the word when it wakes (meanwhile
                    // the word names the dead owner, and a LOCK_PI answers ESRCH).
                    if (word == null) next->WordUnwritten = true;
                    HandOffLocked(waiter->Key, word, OwnerDiedBit);
                    waiter = s_buckets[bucket]; // the list changed: look again from its head
                    continue;
                }

                waiter = waiter->Next;
            }
        }

        s_lock.Release(flags);
    }

    /// <summary>The word of a PI lock a thread's end handed to <paramref name="tid"/> while it
    /// was unwritable: its id, FUTEX_WAITERS and FUTEX_OWNER_DIED, as the hand-over would have
    /// written it. Left alone if it still cannot be written (the caller owns the lock
    /// anyway, as with Linux's fixup that meets a fault it cannot resolve).</summary>
    private static void SetDeadOwnersWord(Process* process, ulong address, uint tid)
    {
        uint* word = LockWritableWord(process, address, out bool flags);
        if (word == null) return;
        *word = tid | Waiters | OwnerDiedBit;
        s_lock.Release(flags);
    }

    private static FutexWaiter* FirstPiWaiterLocked(in FutexKey key)
    {
        for (FutexWaiter* w = s_buckets[BucketOf(key)]; w != null; w = w->Next)
            if (w->Pi && w->Key.SameAs(key)) return w;
        return null;
    }

    /// <summary>Gives the lock <paramref name="word"/> (null: unwritable now, left alone) to the
    /// longest PI waiter on <paramref name="key"/>, with <paramref name="keep"/> bits and
    /// FUTEX_WAITERS (Linux sets it on every hand-over); the others now wait for that one.
    /// False when none waits.</summary>
    private static bool HandOffLocked(in FutexKey key, uint* word, uint keep)
    {
        FutexWaiter* next = FirstPiWaiterLocked(key);
        if (next == null) return false;
        Dequeue(next);
        next->Woken = true;
        if (word != null) *word = next->Tid | Waiters | keep;
        for (FutexWaiter* w = s_buckets[BucketOf(key)]; w != null; w = w->Next)
            if (w->Pi && w->Key.SameAs(key)) w->OwnerTid = next->Tid;
        Scheduler.WakeFromWait(next->Thread, WakeReason.Woken);
        return true;
    }

    private static void Enqueue(FutexWaiter* waiter)
    {
        FutexWaiter** buckets = Buckets;
        int bucket = BucketOf(waiter->Key);
        waiter->Bucket = bucket;
        waiter->Next = null;
        FutexWaiter* last = buckets[bucket];
        if (last == null)
        {
            waiter->Previous = null;
            buckets[bucket] = waiter;
        }
        else
        {
            while (last->Next != null) last = last->Next;
            last->Next = waiter;
            waiter->Previous = last;
        }

        waiter->Queued = true;
    }

    private static void Dequeue(FutexWaiter* waiter)
    {
        if (waiter->Previous == null) s_buckets[waiter->Bucket] = waiter->Next;
        else waiter->Previous->Next = waiter->Next;
        if (waiter->Next != null) waiter->Next->Previous = waiter->Previous;
        waiter->Next = waiter->Previous = null;
        waiter->Queued = false;
    }
}
