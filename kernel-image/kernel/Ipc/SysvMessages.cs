using System;
using System.Runtime.InteropServices;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;
using Aurora.Kernel.Syscalls;

namespace Aurora.Kernel.Ipc;

/// <summary>
/// System V message queues with Linux's semantics (ipc/msg.c): msgget by key, msgsnd and msgrcv
/// with msgtyp (0: the first; &gt; 0: the first of that type, or with MSG_EXCEPT of another;
/// &lt; 0: the lowest type up to |msgtyp|), MSG_NOERROR and E2BIG, IPC_NOWAIT (EAGAIN, ENOMSG);
/// a full or empty queue blocks on the queue's own wait queues (a signal: ERESTARTNOHAND, so
/// EINTR under a handler; removal: EIDRM). msgctl IPC_STAT/MSG_STAT/MSG_STAT_ANY, IPC_SET,
/// IPC_RMID, IPC_INFO/MSG_INFO. Limits are Linux's defaults: MSGMAX 8192, MSGMNB 16384, a
/// queue holds at most msg_qbytes bytes and msg_qbytes messages; 64 queues (ENOSPC).
/// </summary>
internal static unsafe class SysvMessages
{
    internal const int MaxMessage = 8192;       // MSGMAX
    internal const int DefaultQueueBytes = 16384; // MSGMNB
    private const int MsgNoError = 0x1000, MsgExcept = 0x2000, MsgCopy = 0x4000;
    private const int MsgStat = 11, MsgInfo = 12, MsgStatAny = 13;

    private struct Message
    {
        public Message* Next;
        public long Type;
        public ulong Size;
        // The text follows.
    }

    private struct Queue
    {
        public SysvObject Head;
        public long SendTime, ReceiveTime, ChangeTime;
        public ulong Bytes, Count, MaxBytes;
        public int LastSender, LastReceiver;
        public Message* First, Last;
        public WaitQueue Senders, Receivers;
    }

    [StructLayout(LayoutKind.Explicit, Size = 120)]
    private struct Status // struct msqid64_ds
    {
        [FieldOffset(0)] public IpcPermission Permission;
        [FieldOffset(48)] public long SendTime;
        [FieldOffset(56)] public long ReceiveTime;
        [FieldOffset(64)] public long ChangeTime;
        [FieldOffset(72)] public ulong Bytes;
        [FieldOffset(80)] public ulong Count;
        [FieldOffset(88)] public ulong MaxBytes;
        [FieldOffset(96)] public int LastSender;
        [FieldOffset(100)] public int LastReceiver;
    }

    private static SysvIdTable s_ids;
    private static ulong s_totalMessages, s_totalBytes;

    /// <summary>Objects of this kind alive now (for tests).</summary>
    internal static int Live => s_ids.Count;

    internal static long Get(Process* process, int key, int flag, long now)
    {
        SysvIpc.Lock();
        long result;
        var found = (Queue*)s_ids.FindKey(key);
        if (found == null)
        {
            result = key == SysvIpc.Private || (flag & SysvIpc.Create) != 0 ? New(process, key, flag, now) : -Errno.ENOENT;
        }
        else if ((flag & (SysvIpc.Create | SysvIpc.Exclusive)) == (SysvIpc.Create | SysvIpc.Exclusive))
        {
            result = -Errno.EEXIST;
        }
        else
        {
            result = SysvIpc.PermittedByFlag(process, &found->Head.Permission, flag) ? found->Head.Id : -Errno.EACCES;
        }

        SysvIpc.Unlock();
        return result;
    }

    private static long New(Process* process, int key, int flag, long now)
    {
        if (s_ids.Count >= SysvIdTable.Capacity) return -Errno.ENOSPC;
        var queue = (Queue*)KernelMemory.Allocate((nuint)sizeof(Queue));
        if (queue == null) return -Errno.ENOMEM;
        *queue = default;
        SysvIpc.InitializePermission(process, &queue->Head.Permission, key, flag);
        queue->MaxBytes = DefaultQueueBytes;
        queue->ChangeTime = now;
        if (!s_ids.Add(&queue->Head))
        {
            KernelMemory.Free(queue);
            return -Errno.ENOSPC;
        }

        return queue->Head.Id;
    }

    internal static long Send(Process* process, int id, ulong user, ulong size, int flag, long now)
    {
        if ((long)size < 0 || size > MaxMessage || id < 0) return -Errno.EINVAL;
        long type;
        if (!UserMemory.CopyFrom(process->Space, user, new Span<byte>(&type, 8))) return -Errno.EFAULT;
        if (type < 1) return -Errno.EINVAL;
        var message = (Message*)KernelMemory.Allocate((nuint)(sizeof(Message) + (long)size));
        if (message == null) return -Errno.ENOMEM;
        message->Next = null;
        message->Type = type;
        message->Size = size;
        if (!UserMemory.CopyFrom(process->Space, user + 8, new Span<byte>(message + 1, (int)size)))
        {
            KernelMemory.Free(message);
            return -Errno.EFAULT;
        }

        SysvIpc.Lock();
        var queue = (Queue*)s_ids.Find(id);
        long result;
        if (queue == null) result = -Errno.EINVAL;
        else if (!SysvIpc.Permitted(process, &queue->Head.Permission, 2)) result = -Errno.EACCES;
        else
        {
            queue->Head.Users++;
            while (true)
            {
                if (queue->Head.Removed) { result = -Errno.EIDRM; break; }
                // Linux msg_fits_inqueue: the bytes and the count both bounded by msg_qbytes.
                if (queue->Bytes + size <= queue->MaxBytes && queue->Count + 1 <= queue->MaxBytes)
                {
                    if (queue->Last == null) queue->First = message;
                    else queue->Last->Next = message;
                    queue->Last = message;
                    queue->Bytes += size;
                    queue->Count++;
                    s_totalMessages++;
                    s_totalBytes += size;
                    queue->LastSender = (int)process->Id;
                    queue->SendTime = now;
                    message = null;
                    queue->Receivers.WakeAll();
                    result = 0;
                    break;
                }

                if ((flag & SysvIpc.NoWait) != 0) { result = -Errno.EAGAIN; break; }
                result = Wait(process, &queue->Senders);
                if (result != 0) break;
            }

            Release(queue);
        }

        SysvIpc.Unlock();
        if (message != null) KernelMemory.Free(message);
        return result;
    }

    /// <summary>Under the lock, after a try that must wait: sleeps on <paramref name="queue"/>
    /// with the lock dropped and takes it again. 0: look again; ERESTARTNOHAND on a signal
    /// (signal(7): msgsnd and msgrcv are never restarted after a handler).</summary>
    internal static long Wait(Process* process, WaitQueue* queue)
    {
        queue->Prepare(interruptible: true);
        SysvIpc.Unlock();
        long result = 0;
        if (Process.HasDeliverableSignal(process))
        {
            queue->Cancel();
            result = -Errno.ERESTARTNOHAND;
        }
        else if (queue->Sleep(WaitQueue.Forever) == WakeReason.Interrupted)
        {
            result = -Errno.ERESTARTNOHAND;
        }

        SysvIpc.Lock();
        return result;
    }

    internal static long Receive(Process* process, int id, ulong user, ulong size, long wanted, int flag, long now)
    {
        if (id < 0 || (long)size < 0) return -Errno.EINVAL;
        if ((flag & MsgCopy) != 0) return -Errno.ENOSYS; // MSG_COPY is checkpoint/restore's; not kept
        bool lowest = wanted < 0;
        long limit = wanted == long.MinValue ? long.MaxValue : -wanted;
        SysvIpc.Lock();
        var queue = (Queue*)s_ids.Find(id);
        long result;
        Message* taken = null;
        if (queue == null) result = -Errno.EINVAL;
        else if (!SysvIpc.Permitted(process, &queue->Head.Permission, 4)) result = -Errno.EACCES;
        else
        {
            queue->Head.Users++;
            while (true)
            {
                if (queue->Head.Removed) { result = -Errno.EIDRM; break; }
                Message* previous;
                Message* found = lowest ? SearchLowest(queue, limit, out previous) : Search(queue, wanted, flag, out previous);
                if (found != null)
                {
                    if (found->Size > size && (flag & MsgNoError) == 0) { result = -Errno.E2BIG; break; }
                    if (previous == null) queue->First = found->Next;
                    else previous->Next = found->Next;
                    if (queue->Last == found) queue->Last = previous;
                    queue->Bytes -= found->Size;
                    queue->Count--;
                    s_totalMessages--;
                    s_totalBytes -= found->Size;
                    queue->LastReceiver = (int)process->Id;
                    queue->ReceiveTime = now;
                    queue->Senders.WakeAll();
                    taken = found;
                    result = 0;
                    break;
                }

                if ((flag & SysvIpc.NoWait) != 0) { result = -Errno.ENOMSG; break; }
                result = Wait(process, &queue->Receivers);
                if (result != 0) break;
            }

            Release(queue);
        }

        SysvIpc.Unlock();
        if (taken == null) return result;
        // As Linux: the message has left the queue; a bad buffer loses it (EFAULT).
        ulong length = taken->Size < size ? taken->Size : size;
        result = UserMemory.CopyTo(process->Space, user, new ReadOnlySpan<byte>(&taken->Type, 8)) &&
                 UserMemory.CopyTo(process->Space, user + 8, new ReadOnlySpan<byte>(taken + 1, (int)length))
            ? (long)length : -Errno.EFAULT;
        KernelMemory.Free(taken);
        return result;
    }

    /// <summary>Linux find_msg for msgtyp &gt;= 0: the message msgrcv takes, and the one before it.</summary>
    private static Message* Search(Queue* queue, long wanted, int flag, out Message* before)
    {
        before = null;
        Message* previous = null;
        for (Message* m = queue->First; m != null; previous = m, m = m->Next)
        {
            bool match = wanted == 0 || ((flag & MsgExcept) != 0 ? m->Type != wanted : m->Type == wanted);
            if (match)
            {
                before = previous;
                return m;
            }
        }

        return null;
    }

    /// <summary>msgrcv with msgtyp &lt; 0: the first message of the lowest type up to the limit.</summary>
    private static Message* SearchLowest(Queue* queue, long limit, out Message* before)
    {
        before = null;
        Message* best = null;
        Message* previous = null;
        for (Message* m = queue->First; m != null; previous = m, m = m->Next)
        {
            if (m->Type <= limit && (best == null || m->Type < best->Type))
            {
                best = m;
                before = previous;
            }
        }

        return best;
    }

    /// <summary>Drops a waiter's hold; the last one out frees a removed queue. Under the lock.</summary>
    private static void Release(Queue* queue)
    {
        queue->Head.Users--;
        if (queue->Head.Removed && queue->Head.Users == 0) KernelMemory.Free(queue);
    }

    internal static long Control(Process* process, int id, int command, ulong user, long now)
    {
        if (id < 0 || command < 0) return -Errno.EINVAL;
        switch (command)
        {
            case SysvIpc.Info:
            case MsgInfo:
                return Information(process, command, user);
            case SysvIpc.Stat:
            case MsgStat:
            case MsgStatAny:
                return Report(process, id, command, user);
            case SysvIpc.Set:
            {
                Status wanted;
                if (!UserMemory.CopyFrom(process->Space, user, new Span<byte>(&wanted, sizeof(Status)))) return -Errno.EFAULT;
                SysvIpc.Lock();
                var queue = (Queue*)s_ids.Find(id);
                long result = 0;
                if (queue == null) result = -Errno.EINVAL;
                else if (!SysvIpc.MayChange(process, &queue->Head.Permission)) result = -Errno.EPERM;
                else if (wanted.MaxBytes > DefaultQueueBytes && SysvIpc.UserOf(process) != 0) result = -Errno.EPERM;
                else
                {
                    SysvIpc.SetPermission(&queue->Head.Permission, &wanted.Permission);
                    queue->MaxBytes = wanted.MaxBytes;
                    queue->ChangeTime = now;
                    queue->Senders.WakeAll(); // there may be room now
                }

                SysvIpc.Unlock();
                return result;
            }
            case SysvIpc.Remove:
            {
                SysvIpc.Lock();
                var queue = (Queue*)s_ids.Find(id);
                long result = 0;
                if (queue == null) result = -Errno.EINVAL;
                else if (!SysvIpc.MayChange(process, &queue->Head.Permission)) result = -Errno.EPERM;
                else Destroy(queue);
                SysvIpc.Unlock();
                return result;
            }
            default:
                return -Errno.EINVAL;
        }
    }

    /// <summary>IPC_RMID: the id names nothing from now on; messages are freed, sleepers wake
    /// into EIDRM and the last of them frees the queue. Under the lock.</summary>
    private static void Destroy(Queue* queue)
    {
        s_ids.Forget(&queue->Head);
        queue->Head.Removed = true;
        for (Message* m = queue->First; m != null;)
        {
            Message* next = m->Next;
            s_totalMessages--;
            s_totalBytes -= m->Size;
            KernelMemory.Free(m);
            m = next;
        }

        queue->First = queue->Last = null;
        queue->Senders.WakeAll();
        queue->Receivers.WakeAll();
        if (queue->Head.Users == 0) KernelMemory.Free(queue);
    }

    private static long Report(Process* process, int id, int command, ulong user)
    {
        SysvIpc.Lock();
        // MSG_STAT and MSG_STAT_ANY take a table index and answer the id (ipcs walks them).
        var queue = (Queue*)(command == SysvIpc.Stat ? s_ids.Find(id) : s_ids.At(id));
        long result;
        Status status = default;
        if (queue == null) result = -Errno.EINVAL;
        else if (command != MsgStatAny && !SysvIpc.Permitted(process, &queue->Head.Permission, 4)) result = -Errno.EACCES;
        else
        {
            status.Permission = queue->Head.Permission;
            status.SendTime = queue->SendTime;
            status.ReceiveTime = queue->ReceiveTime;
            status.ChangeTime = queue->ChangeTime;
            status.Bytes = queue->Bytes;
            status.Count = queue->Count;
            status.MaxBytes = queue->MaxBytes;
            status.LastSender = queue->LastSender;
            status.LastReceiver = queue->LastReceiver;
            result = command == SysvIpc.Stat ? 0 : queue->Head.Id;
        }

        SysvIpc.Unlock();
        if (result < 0) return result;
        return UserMemory.CopyTo(process->Space, user, new ReadOnlySpan<byte>(&status, sizeof(Status))) ? result : -Errno.EFAULT;
    }

    /// <summary>IPC_INFO and MSG_INFO: struct msginfo (Linux fills it the same way: MSG_INFO
    /// puts the queues in use, the messages and their bytes where IPC_INFO has limits).</summary>
    private static long Information(Process* process, int command, ulong user)
    {
        int* info = stackalloc int[8];
        new Span<byte>(info, 32).Clear();
        SysvIpc.Lock();
        info[0] = command == MsgInfo ? s_ids.Count : 0x1000;            // msgpool
        info[1] = command == MsgInfo ? (int)s_totalMessages : 0x4000;   // msgmap
        info[2] = MaxMessage;                                            // msgmax
        info[3] = DefaultQueueBytes;                                     // msgmnb
        info[4] = SysvIdTable.Capacity;                                  // msgmni
        info[5] = 16;                                                    // msgssz
        info[6] = command == MsgInfo ? (int)s_totalBytes : 0x4000;      // msgtql
        *(ushort*)&info[7] = 0xFFFF;                                     // msgseg
        int highest = s_ids.HighestIndex;
        SysvIpc.Unlock();
        return UserMemory.CopyTo(process->Space, user, new ReadOnlySpan<byte>(info, 32)) ? highest : -Errno.EFAULT;
    }
}
