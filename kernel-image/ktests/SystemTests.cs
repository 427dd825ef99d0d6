using Aurora.Kernel.Syscalls;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// uname, the uid/gid calls, the clocks and getrandom (Syscalls/SystemCalls.cs, TimeCalls.cs,
/// drivers/rtc/Cmos.cs): a musl program that gives the same answers on Linux
/// (userland/basics.c), plus what only Aurora answers (its names, root).
/// </summary>
internal static unsafe class SystemTests
{
    internal static void BasicsFollowLinux()
    {
        int status = ProcessTests.RunProgram("basics.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("basics: 0 wrong"), "a call gave a different answer than Linux");
        // The machine from the ELF machine the kernel accepts (EM_X86_64 62, EM_AARCH64 183):
        // uname said x86_64 on aarch64 too.
        bool aarch64 = Hal.Cpu.ElfMachine() == 183;
        Check(ProcessTests.OutputHas(aarch64 ? "basics: sysname=Aurora nodename=aurora machine=aarch64 release=" + BuildManifest.Version + "\n"
                : "basics: sysname=Aurora nodename=aurora machine=x86_64 release=" + BuildManifest.Version + "\n"),
            "uname did not name Aurora, aurora, the machine and the kernel's version");
        Check(ProcessTests.OutputHas("basics: uid=0 euid=0 gid=0 egid=0"), "the process is not root");
        Check(status == 0, "the program failed");
    }

    /// <summary>syslog(2), which busybox's dmesg reads (KernelLog.cs; userland/syslog.c, 0 wrong
    /// on Linux as root): every action's answer, Linux's line format, READ's partial reads and
    /// its wait ended by a signal, READ_CLEAR, EPERM for the unprivileged. Before, syslog was
    /// ENOSYS and the reference image's `dmesg` said "klogctl: Function not implemented". The
    /// test wraps the ring first (READ_ALL gave a partial first line then, which Linux never
    /// does); the last line the program reads is the one the test logged after that.</summary>
    internal static void SyslogFollowsLinux()
    {
        // Wrap the ring first (about 1.4 times its size, into the ring alone, not the consoles):
        // READ_ALL must still give whole lines when the oldest byte held is inside one.
        byte* line = stackalloc byte[64];
        for (int n = 0; n < 1200; n++)
        {
            const string Text = "syslog filler line, long enough to wrap the ring: ";
            int length = 0;
            for (; length < Text.Length; length++) line[length] = (byte)Text[length];
            length += Aurora.Runtime.Text.IntegerFormatter.FormatDecimal((long)n, new System.Span<byte>(line + length, 64 - length));
            line[length++] = (byte)'\n';
            for (int i = 0; i < length; i++) KernelLog.Record(line[i]);
        }

        Log.WriteLine("  syslog: the ring has wrapped; this is its last line");

        int status = ProcessTests.RunProgram("syslog.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("syslog: 0 wrong"), "an answer differs from Linux's (its line in the output says which)");
        Check(ProcessTests.OutputHas("]   syslog: the ring has wrapped; this is its last line\n"), "the buffer's last line is not the one the test logged before the program");
        CheckEqual(0, status, "the program's wait status");
    }

    /// <summary>The RTC's date arithmetic, and the wall clock read at boot is a plausible date
    /// (QEMU's RTC is the host's UTC time).</summary>
    internal static void RealtimeStartsFromTheRtc()
    {
        Check(Drivers.Rtc.Cmos.DaysSinceEpoch(1970, 1, 1) == 0, "1970-01-01 is not day 0");
        Check(Drivers.Rtc.Cmos.DaysSinceEpoch(2000, 3, 1) == 11017, "2000-03-01 is not day 11017");
        Check(Drivers.Rtc.Cmos.DaysSinceEpoch(2026, 12, 31) == 20818, "2026-12-31 is not day 20818");
        long now = TimeCalls.RealtimeNanoseconds() / 1_000_000_000;
        Check(now > 1704067200 && now < 4102444800, "CLOCK_REALTIME is not between 2024 and 2100");
        long a = TimeCalls.MonotonicNanoseconds();
        Tasks.Scheduler.Sleep(20);
        long b = TimeCalls.MonotonicNanoseconds();
        Check(b - a >= 20_000_000 && b - a < 1_000_000_000, "20 ms of sleep is not 20 ms of CLOCK_MONOTONIC");
    }
}
