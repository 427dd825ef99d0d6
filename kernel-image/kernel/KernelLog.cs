using System;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;

namespace Aurora.Kernel;

/// <summary>
/// The kernel's message buffer (Linux's printk ring, kernel/printk/printk.c) and syslog(2),
/// which busybox's <c>dmesg</c> and klogd read through klogctl. Every line <see cref="Log"/>
/// writes is kept here as Linux's syslog interface shows it: "&lt;6&gt;[seconds.micro] text\n"
/// (level 6, KERN_INFO, for every line; the time since boot), without the console's colour
/// sequences or carriage returns. The buffer holds the last <see cref="Size"/> bytes.
/// Access is Linux's with kernel.dmesg_restrict = 1 (Debian's default): every action needs a
/// privileged process (EPERM otherwise, SIZE_BUFFER included: Linux's
/// syslog_action_restricted restricts them all then), since the boot lines name the kernel's
/// addresses and its KASLR slide. A sandboxed (pledged) process has no syslog.
/// Lock: interrupts off (one processor), as <see cref="Log"/>; a reader copies what it reads to
/// a kernel buffer under it and to user memory after.
/// </summary>
internal static unsafe class KernelLog
{
    /// <summary>Bytes kept (SYSLOG_ACTION_SIZE_BUFFER).</summary>
    internal const int Size = 64 * 1024;

    // syslog(2) actions (include/linux/syslog.h).
    private const int ActionClose = 0, ActionOpen = 1, ActionRead = 2, ActionReadAll = 3, ActionReadClear = 4, ActionClear = 5,
        ActionConsoleOff = 6, ActionConsoleOn = 7, ActionConsoleLevel = 8, ActionSizeUnread = 9, ActionSizeBuffer = 10;

    private struct Ring
    {
        public fixed byte Bytes[Size];
    }

    private static Ring s_ring;

    /// <summary>Bytes ever written; byte n is at n % Size while n >= s_written - Size.</summary>
    private static ulong s_written;

    /// <summary>Where SYSLOG_ACTION_READ goes on from (what it consumed), and where the buffer
    /// starts after SYSLOG_ACTION_CLEAR.</summary>
    private static ulong s_readFrom, s_clearedAt;

    private static bool s_atLineStart = true;
    private static byte s_escape; // 0, or 1 after ESC, 2 inside "ESC [ ..."
    private static WaitQueue s_readers;
    private static int s_waiting;

    /// <summary>One byte the kernel logged. Interrupts off (Log.Write).</summary>
    internal static void Record(byte value)
    {
        if (s_escape != 0)
        {
            // A colour sequence: ESC '[' parameters, ended by a byte from '@' to '~'.
            if (s_escape == 1) s_escape = value == (byte)'[' ? (byte)2 : (byte)0;
            else if (value >= (byte)'@' && value <= (byte)'~') s_escape = 0;
            return;
        }

        if (value == 0x1B) { s_escape = 1; return; }
        if (value == (byte)'\r') return;
        if (s_atLineStart) RecordPrefix();
        Put(value);
        s_atLineStart = value == (byte)'\n';
        if (s_atLineStart && s_waiting != 0) s_readers.WakeAll();
    }

    private static void Put(byte value)
    {
        s_ring.Bytes[(int)(s_written % Size)] = value;
        s_written++;
    }

    /// <summary>"&lt;6&gt;[%5lu.%06lu] ", Linux's level and time stamp (milliseconds of the tick).</summary>
    private static void RecordPrefix()
    {
        ulong microseconds = Timer.Ticks() * (Scheduler.TickNanoseconds / 1000);
        ulong seconds = microseconds / 1_000_000, fraction = microseconds % 1_000_000;
        Put((byte)'<'); Put((byte)'6'); Put((byte)'>'); Put((byte)'[');
        byte* digits = stackalloc byte[20];
        int count = 0;
        do { digits[count++] = (byte)('0' + seconds % 10); seconds /= 10; } while (seconds != 0);
        for (int pad = count; pad < 5; pad++) Put((byte)' ');
        while (count > 0) Put(digits[--count]);
        Put((byte)'.');
        for (ulong unit = 100_000; unit != 0; unit /= 10) Put((byte)('0' + fraction / unit % 10));
        Put((byte)']'); Put((byte)' ');
    }

    /// <summary>The oldest byte still held. Interrupts off.</summary>
    private static ulong Held() => s_written > Size ? s_written - Size : 0;

    /// <summary>The oldest byte READ_ALL shows: held and not cleared (a clear does not move
    /// what READ and SIZE_UNREAD go by, as on Linux). Interrupts off.</summary>
    private static ulong Oldest() => Math.Max(Held(), s_clearedAt);

    /// <summary>syslog(type, buf, len) (klogctl); as Linux's do_syslog.</summary>
    internal static long Syslog(Process* process, int action, ulong buffer, int length)
    {
        if (!process->Credentials.Privileged) return -Syscalls.Errno.EPERM;
        switch (action)
        {
            case ActionClose:
            case ActionOpen:
                return 0;
            case ActionRead:
            case ActionReadAll:
            case ActionReadClear:
                if (buffer == 0 || length < 0) return -Syscalls.Errno.EINVAL;
                if (length == 0) return 0;
                // Linux's access_ok: the range must be user space; whether it is mapped shows
                // when something is copied (a READ_ALL that finds no whole line to fit copies
                // nothing and answers 0).
                if (!UserMemory.IsUserRange(buffer, (ulong)length)) return -Syscalls.Errno.EFAULT;
                return action == ActionRead ? ReadNew(process, buffer, length) : ReadAll(process, buffer, length, clear: action == ActionReadClear);
            case ActionClear:
            {
                bool interrupts = Cpu.SaveAndDisableInterrupts();
                s_clearedAt = s_written;
                Cpu.RestoreInterrupts(interrupts);
                return 0;
            }
            case ActionConsoleOff:
            case ActionConsoleOn:
                return 0;
            case ActionConsoleLevel:
                return length < 1 || length > 8 ? -Syscalls.Errno.EINVAL : 0;
            case ActionSizeUnread:
            {
                bool interrupts = Cpu.SaveAndDisableInterrupts();
                long unread = (long)(s_written - Math.Max(s_readFrom, Held()));
                Cpu.RestoreInterrupts(interrupts);
                return unread;
            }
            case ActionSizeBuffer:
                return Size;
            default:
                return -Syscalls.Errno.EINVAL;
        }
    }

    /// <summary>SYSLOG_ACTION_READ_ALL (and READ_CLEAR): the most recent whole lines that fit in
    /// <paramref name="length"/> bytes, oldest first; the read position is not moved.</summary>
    private static long ReadAll(Process* process, ulong buffer, int length, bool clear)
    {
        int most = (int)Math.Min(length, Size);
        byte* copy = (byte*)KernelMemory.Allocate((nuint)most);
        if (copy == null) return -Syscalls.Errno.ENOMEM;
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        ulong end = s_written, held = Held(), start = Oldest();
        if (end - start > (ulong)most) start = end - (ulong)most; // too much: the last lines that fit
        // Whole lines only, as Linux's records: a start inside a line (a cut to fit, or the
        // oldest byte of a ring that has wrapped) moves past that line's end. A clear's point
        // counts as a line start.
        if (start == held && held > s_clearedAt)
        {
            while (start < end && s_ring.Bytes[(int)(start % Size)] != (byte)'\n') start++;
            if (start < end) start++;
        }
        else
        {
            while (start > held && start != s_clearedAt && start < end && s_ring.Bytes[(int)((start - 1) % Size)] != (byte)'\n') start++;
        }

        int count = (int)(end - start);
        for (int i = 0; i < count; i++) copy[i] = s_ring.Bytes[(int)((start + (ulong)i) % Size)];
        if (clear) s_clearedAt = end;
        Cpu.RestoreInterrupts(interrupts);
        bool copied = count == 0 || UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(copy, count));
        KernelMemory.Free(copy);
        return copied ? count : -Syscalls.Errno.EFAULT;
    }

    /// <summary>SYSLOG_ACTION_READ: what no READ took yet, up to <paramref name="length"/> bytes,
    /// waiting (interruptibly) until there is some; the read position moves past it.</summary>
    private static long ReadNew(Process* process, ulong buffer, int length)
    {
        int most = (int)Math.Min(length, Size);
        byte* copy = (byte*)KernelMemory.Allocate((nuint)most);
        if (copy == null) return -Syscalls.Errno.ENOMEM;
        int count;
        while (true)
        {
            s_readers.Prepare(interruptible: true);
            bool interrupts = Cpu.SaveAndDisableInterrupts();
            ulong start = Math.Max(s_readFrom, Held());
            count = (int)Math.Min(s_written - start, (ulong)most);
            for (int i = 0; i < count; i++) copy[i] = s_ring.Bytes[(int)((start + (ulong)i) % Size)];
            s_readFrom = start + (ulong)count;
            if (count == 0) s_waiting++;
            Cpu.RestoreInterrupts(interrupts);
            if (count > 0) { s_readers.Cancel(); break; }
            if (Process.HasDeliverableSignal(process))
            {
                s_readers.Cancel();
                DecrementWaiting();
                KernelMemory.Free(copy);
                return -Syscalls.Errno.ERESTARTSYS;
            }

            s_readers.Sleep(WaitQueue.Forever);
            DecrementWaiting();
        }

        bool copied = UserMemory.CopyTo(process->Space, buffer, new ReadOnlySpan<byte>(copy, count));
        KernelMemory.Free(copy);
        return copied ? count : -Syscalls.Errno.EFAULT;
    }

    private static void DecrementWaiting()
    {
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        s_waiting--;
        Cpu.RestoreInterrupts(interrupts);
    }
}
