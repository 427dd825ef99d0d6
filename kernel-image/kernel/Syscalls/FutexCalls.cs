using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// futex(uaddr, op, val, timeout or val2, uaddr2, val3) (Linux include/uapi/linux/futex.h):
/// the argument decoding and Linux's errors; the wait table is Processes/Futex.cs. Served:
/// FUTEX_WAIT (relative timeout, CLOCK_MONOTONIC), FUTEX_WAKE, FUTEX_REQUEUE, FUTEX_CMP_REQUEUE,
/// FUTEX_WAKE_OP, FUTEX_WAIT_BITSET (absolute timeout, CLOCK_MONOTONIC or with
/// FUTEX_CLOCK_REALTIME the wall clock), FUTEX_WAKE_BITSET, each with or without
/// FUTEX_PRIVATE_FLAG (private: keyed by address space and address; shared: by the word's frame
/// in a MAP_SHARED or System V mapping, so processes meet there). Priority-inheritance locks:
/// FUTEX_LOCK_PI (absolute CLOCK_REALTIME timeout), FUTEX_LOCK_PI2 (absolute CLOCK_MONOTONIC, or
/// the wall clock with FUTEX_CLOCK_REALTIME), FUTEX_TRYLOCK_PI and FUTEX_UNLOCK_PI (musl's and
/// glibc's PTHREAD_PRIO_INHERIT mutexes; the kernel hands the lock over, Processes/Futex.cs).
/// FUTEX_WAIT_REQUEUE_PI and FUTEX_CMP_REQUEUE_PI (PI condition variables, which neither
/// libc's current condvar uses) are ENOSYS, as other unknown commands, as Linux.
/// </summary>
internal static unsafe class FutexCalls
{
    private const int Wait = 0, Wake = 1, Requeue = 3, CmpRequeue = 4, WakeOp = 5, LockPi = 6, UnlockPi = 7, TrylockPi = 8,
        WaitBitset = 9, WakeBitset = 10, LockPi2 = 13;
    private const int PrivateFlag = 128, ClockRealtime = 256, CommandMask = ~(PrivateFlag | ClockRealtime);
    private const uint BitsetAll = 0xFFFF_FFFF;

    internal static long Call(Process* process, ulong address, int op, uint value, ulong timeout, ulong address2, uint value3)
    {
        int command = op & CommandMask;
        bool isPrivate = (op & PrivateFlag) != 0;
        // Linux: the realtime clock only for the waits that take a deadline (and FUTEX_WAIT).
        if ((op & ClockRealtime) != 0 && command != Wait && command != WaitBitset && command != LockPi2) return -Errno.ENOSYS;
        switch (command)
        {
            case Wait:
            case WaitBitset:
            {
                uint bitset = command == Wait ? BitsetAll : value3;
                if ((address & 3) != 0 || bitset == 0) return -Errno.EINVAL;
                ulong deadline = Tasks.Scheduler.NoDeadline;
                if (timeout != 0)
                {
                    long* time = stackalloc long[2];
                    if (!UserMemory.CopyFrom(process->Space, timeout, new Span<byte>(time, 16))) return -Errno.EFAULT;
                    if (time[0] < 0 || time[1] < 0 || time[1] >= 1_000_000_000) return -Errno.EINVAL;
                    // FUTEX_WAIT's timeout is relative; FUTEX_WAIT_BITSET's an absolute time.
                    deadline = command == Wait
                        ? TimeCalls.DeadlineTick(TimeCalls.MonotonicNanoseconds(), time[0], time[1])
                        : TimeCalls.AbsoluteDeadlineTick((op & ClockRealtime) != 0, time[0], time[1]);
                }

                long error = Futex.KeyOf(process, address, isPrivate, out FutexKey key);
                if (error < 0) return error;
                return Futex.Wait(process, address, key, value, bitset, deadline);
            }

            case Wake:
            case WakeBitset:
            {
                uint bitset = command == Wake ? BitsetAll : value3;
                if ((address & 3) != 0 || bitset == 0) return -Errno.EINVAL;
                long error = Futex.KeyOf(process, address, isPrivate, out FutexKey key);
                if (error < 0) return error;
                return Futex.Wake(key, (int)value, bitset);
            }

            case Requeue:
            case CmpRequeue:
            {
                int requeueCount = (int)timeout;
                if ((address & 3) != 0 || (address2 & 3) != 0 || (int)value < 0 || requeueCount < 0) return -Errno.EINVAL;
                long error = Futex.KeyOf(process, address, isPrivate, out FutexKey from);
                if (error < 0) return error;
                error = Futex.KeyOf(process, address2, isPrivate, out FutexKey to);
                if (error < 0) return error;
                return Futex.Requeue(process, address, from, to, (int)value, requeueCount, command == CmpRequeue, value3);
            }

            case WakeOp:
            {
                if ((address & 3) != 0 || (address2 & 3) != 0) return -Errno.EINVAL;
                long error = Futex.KeyOf(process, address, isPrivate, out FutexKey key);
                if (error < 0) return error;
                error = Futex.KeyOf(process, address2, isPrivate, out FutexKey key2);
                if (error < 0) return error;
                return Futex.WakeOp(process, key, address2, key2, (int)value, (int)timeout, value3);
            }

            case LockPi:
            case LockPi2:
            case TrylockPi:
            {
                if ((address & 3) != 0) return -Errno.EINVAL;
                ulong deadline = Tasks.Scheduler.NoDeadline;
                if (timeout != 0 && command != TrylockPi)
                {
                    long* time = stackalloc long[2];
                    if (!UserMemory.CopyFrom(process->Space, timeout, new Span<byte>(time, 16))) return -Errno.EFAULT;
                    if (time[0] < 0 || time[1] < 0 || time[1] >= 1_000_000_000) return -Errno.EINVAL;
                    bool wallClock = command == LockPi || (op & ClockRealtime) != 0;
                    deadline = TimeCalls.AbsoluteDeadlineTick(wallClock, time[0], time[1]);
                }

                long error = Futex.KeyOf(process, address, isPrivate, out FutexKey key);
                if (error < 0) return error;
                return Futex.LockPi(process, address, key, (uint)Process.CurrentThreadId(process), deadline, command == TrylockPi);
            }

            case UnlockPi:
            {
                // Linux reads the word and checks the owner before it looks at the alignment.
                uint word;
                if (!UserMemory.CopyFrom(process->Space, address, new Span<byte>(&word, 4))) return -Errno.EFAULT;
                if ((word & 0x3FFF_FFFF) != (uint)Process.CurrentThreadId(process)) return -Errno.EPERM;
                if ((address & 3) != 0) return -Errno.EINVAL;
                long error = Futex.KeyOf(process, address, isPrivate, out FutexKey key);
                if (error < 0) return error;
                return Futex.UnlockPi(process, address, key, (uint)Process.CurrentThreadId(process));
            }

            default:
                return -Errno.ENOSYS;
        }
    }
}
