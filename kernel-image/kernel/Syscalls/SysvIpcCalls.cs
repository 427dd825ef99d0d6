using System;
using Aurora.Kernel.Ipc;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// System V IPC under Linux's numbers and rules (msgget 68, msgsnd 69, msgrcv 70, msgctl 71,
/// shmget 29, shmat 30, shmdt 67, shmctl 31, semget 64, semop 65, semctl 66, semtimedop 220):
/// objects named by <c>key_t</c> in one system-wide namespace (Ipc/SysvIpc.cs and one file per
/// kind). Every call passes the sandbox's check point first (<see cref="SysvIpc.CheckAmbientAccess"/>:
/// EPERM for a process denied ambient IPC) and stamps the wall clock the objects' times use.
/// Token-named IPC is IpcCalls, under Aurora's numbers 1006-1013.
/// </summary>
internal static unsafe class SysvIpcCalls
{
    /// <summary>The check point, and the time stamp for the call.</summary>
    private static long Enter(Process* process, out long now)
    {
        now = TimeCalls.RealtimeNanoseconds() / 1_000_000_000;
        SysvIpc.Now = now;
        return SysvIpc.CheckAmbientAccess(process);
    }

    internal static long MessageGet(Process* process, int key, int flag)
    {
        long denied = Enter(process, out long now);
        return denied != 0 ? denied : SysvMessages.Get(process, key, flag, now);
    }

    internal static long MessageSend(Process* process, int id, ulong message, ulong size, int flag)
    {
        long denied = Enter(process, out long now);
        return denied != 0 ? denied : SysvMessages.Send(process, id, message, size, flag, now);
    }

    internal static long MessageReceive(Process* process, int id, ulong message, ulong size, long type, int flag)
    {
        long denied = Enter(process, out long now);
        return denied != 0 ? denied : SysvMessages.Receive(process, id, message, size, type, flag, now);
    }

    internal static long MessageControl(Process* process, int id, int command, ulong buffer)
    {
        long denied = Enter(process, out long now);
        return denied != 0 ? denied : SysvMessages.Control(process, id, command, buffer, now);
    }

    internal static long SegmentGet(Process* process, int key, ulong size, int flag)
    {
        long denied = Enter(process, out long now);
        return denied != 0 ? denied : SysvSegments.Get(process, key, size, flag, now);
    }

    internal static long SegmentAttach(Process* process, int id, ulong address, int flag)
    {
        long denied = Enter(process, out long now);
        return denied != 0 ? denied : SysvSegments.Attach(process, id, address, flag, now);
    }

    internal static long SegmentDetach(Process* process, ulong address)
    {
        long denied = Enter(process, out _);
        return denied != 0 ? denied : SysvSegments.Detach(process, address);
    }

    internal static long SegmentControl(Process* process, int id, int command, ulong buffer)
    {
        long denied = Enter(process, out long now);
        return denied != 0 ? denied : SysvSegments.Control(process, id, command, buffer, now);
    }

    internal static long SemaphoreGet(Process* process, int key, int count, int flag)
    {
        long denied = Enter(process, out long now);
        return denied != 0 ? denied : SysvSemaphores.Get(process, key, count, flag, now);
    }

    /// <summary>semop (no timeout: <paramref name="timeout"/> 0) and semtimedop (a struct
    /// timespec: EFAULT, EINVAL when out of range; it is a relative time).</summary>
    internal static long SemaphoreOperate(Process* process, int id, ulong operations, uint count, ulong timeout)
    {
        long denied = Enter(process, out long now);
        if (denied != 0) return denied;
        long timeoutMs = -1;
        if (timeout != 0 && count >= 1 && count <= SysvSemaphores.MaxOperations && id >= 0)
        {
            long* time = stackalloc long[2];
            if (!UserMemory.CopyFrom(process->Space, timeout, new Span<byte>(time, 16))) return -Errno.EFAULT;
            if (time[0] < 0 || time[1] < 0 || time[1] >= 1_000_000_000) return -Errno.EINVAL;
            long seconds = time[0] > 1L << 40 ? 1L << 40 : time[0];
            timeoutMs = seconds * 1000 + (time[1] + 999_999) / 1_000_000;
        }

        return SysvSemaphores.Operate(process, id, operations, count, timeoutMs, now);
    }

    internal static long SemaphoreControl(Process* process, int id, int number, int command, ulong argument)
    {
        long denied = Enter(process, out long now);
        return denied != 0 ? denied : SysvSemaphores.Control(process, id, number, command, argument, now);
    }
}
