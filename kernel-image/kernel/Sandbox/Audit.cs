using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Sandbox;

/// <summary>
/// One kernel-log line for every refusal a sandbox makes: who (pid and name), what (the call
/// and its object), the answer and which mechanism said no, e.g.
/// <c>sandbox: pid 7 (agent) open /etc/passwd: ENOENT (view)</c>. At most
/// <see cref="LinesPerProcess"/> per process, so a program that loops on a denied call cannot
/// flood the console; the refusals themselves never stop.
/// </summary>
internal static unsafe class Audit
{
    internal const int LinesPerProcess = 32;

    /// <summary>Logs a refusal and returns <paramref name="errno"/> (negative) for the caller.</summary>
    internal static long Refused(Process* process, string what, ReadOnlySpan<byte> detail, long errno, string rule)
    {
        if (process == null || process->Sandbox.AuditLines >= LinesPerProcess) return errno;
        process->Sandbox.AuditLines++;
        Log.Write("sandbox: pid ");
        Log.WriteDecimal(process->Id);
        Log.Write(" (");
        Log.Write(process->NameText);
        Log.Write(") ");
        Log.Write(what);
        if (detail.Length > 0)
        {
            Log.Write(" ");
            Log.Write(detail.Length > 200 ? detail.Slice(0, 200) : detail);
        }

        Log.Write(": ");
        Log.Write(errno switch
        {
            -Syscalls.Errno.ENOENT => "ENOENT",
            -Syscalls.Errno.EACCES => "EACCES",
            -Syscalls.Errno.EPERM => "EPERM",
            -Syscalls.Errno.E2BIG => "E2BIG",
            _ => "error",
        });
        Log.Write(" (");
        Log.Write(rule);
        Log.WriteLine(")");
        return errno;
    }

    /// <summary>The syscall filter refused call <paramref name="number"/>: EPERM, logged when
    /// the process is sandboxed (a pledge made the filter).</summary>
    internal static long Filtered(Process* process, ulong number)
    {
        if (!process->Sandbox.IsRestricted || process->Sandbox.AuditLines >= LinesPerProcess) return -Syscalls.Errno.EPERM;
        byte* digits = stackalloc byte[20];
        int length = 0;
        ulong n = number;
        do
        {
            digits[19 - length++] = (byte)('0' + n % 10);
            n /= 10;
        }
        while (n != 0 && length < 20);
        return Refused(process, "system call", new ReadOnlySpan<byte>(digits + 20 - length, length), -Syscalls.Errno.EPERM, "promises");
    }
}
