using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// Clocks, sleeps, CPU time, signal waits, timers, the alternate signal stack, credentials and
/// the small start-up calls (issue 11): each a musl program that prints "N wrong" after
/// comparing every answer with what Linux gives (run natively on Linux first: 0 wrong there).
/// </summary>
internal static class TimeTests
{
    private static void RunChecked(string program, string zeroWrong)
    {
        int status = ProcessTests.RunProgram(program, checkMemory: true);
        Check(ProcessTests.OutputHas(zeroWrong), "an answer differs from Linux's (its line in the output says which)");
        CheckEqual(0, status, "the program's wait status");
    }

    /// <summary>userland/clocks.c: every clock and its resolution, CPU clocks that count work,
    /// clock_settime, clock_nanosleep (relative, TIMER_ABSTIME on REALTIME and MONOTONIC, EINTR
    /// with the time left), nanosleep, times, getrusage (self and reaped children), sysinfo.</summary>
    internal static void ClocksAndSleepsFollowLinux() => RunChecked("clocks.elf", "clocks: 0 wrong");

    /// <summary>userland/sigwaits.c: rt_sigsuspend, rt_sigpending, rt_sigtimedwait, pause,
    /// alarm, setitimer/getitimer (REAL with an interval, VIRTUAL, PROF), sigaltstack with
    /// SA_ONSTACK handlers.</summary>
    internal static void SignalWaitsAndTimersFollowLinux() => RunChecked("sigwaits.elf", "sigwaits: 0 wrong");

    /// <summary>userland/credentials.c: real/effective/saved/fs ids and groups by Linux's rules.</summary>
    internal static void CredentialsFollowLinux() => RunChecked("credentials.elf", "credentials: 0 wrong");

    /// <summary>userland/misc_calls.c: prctl, robust lists, priorities, affinity, getcpu.</summary>
    internal static void StartupCallsFollowLinux() => RunChecked("misc_calls.elf", "misc_calls: 0 wrong");
}
