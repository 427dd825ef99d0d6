using Aurora.Kernel.Files;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// epoll (Files/EventPollFile.cs, Syscalls/EpollCalls.cs) eventfd (Files/EventCounterFile.cs), timerfd (Files/TimerFile.cs) and signalfd (Files/SignalFile.cs), proven by musl programs that give the
/// same answers on Linux (they print "N wrong").
/// </summary>
internal static unsafe class ReadinessTests
{
    /// <summary>epoll's errno, level/edge/one-shot semantics, nesting, close removing watches,
    /// blocking waits woken by another process and ended by signals; no instance or watch
    /// outlives its descriptors.</summary>
    internal static void EpollFollowsLinux()
    {
        int instances = EventPollFile.LiveInstances, watches = EventPollFile.LiveWatches, pipes = PipeFile.Live;
        int status = ProcessTests.RunProgram("epoll.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("epoll: 0 wrong"), "an epoll call gave a different answer than Linux");
        Check(status == 0, "the program failed");
        CheckEqual(instances, EventPollFile.LiveInstances, "epoll instances alive after the program");
        CheckEqual(watches, EventPollFile.LiveWatches, "epoll watches alive after the program");
        CheckEqual(pipes, PipeFile.Live, "pipes alive after the program");
    }

    /// <summary>eventfd's flags, counter and semaphore modes, 8-byte transfers, readiness, waits
    /// woken by another process and ended by a signal; no eventfd outlives its descriptors.</summary>
    internal static void EventfdFollowsLinux()
    {
        int counters = EventCounterFile.Live, instances = EventPollFile.LiveInstances;
        int status = ProcessTests.RunProgram("eventfd.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("eventfd: 0 wrong"), "an eventfd call gave a different answer than Linux");
        Check(status == 0, "the program failed");
        CheckEqual(counters, EventCounterFile.Live, "eventfds alive after the program");
        CheckEqual(instances, EventPollFile.LiveInstances, "epoll instances alive after the program");
    }

    /// <summary>timerfd's clocks and flags, settime's checks and old setting, one-shot, interval
    /// and absolute timers, reads blocked until the expiry or a signal, poll and epoll woken by
    /// the tick; no timerfd outlives its descriptors.</summary>
    internal static void TimerfdFollowsLinux()
    {
        int timers = TimerFile.Live, instances = EventPollFile.LiveInstances;
        int status = ProcessTests.RunProgram("timerfd.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("timerfd: 0 wrong"), "a timerfd call gave a different answer than Linux");
        Check(status == 0, "the program failed");
        CheckEqual(timers, TimerFile.Live, "timerfds alive after the program");
        CheckEqual(instances, EventPollFile.LiveInstances, "epoll instances alive after the program");
    }

    /// <summary>signalfd's checks, siginfo records, several signals per read, a mask changed
    /// through the descriptor, poll and epoll woken by another process's kill, a blocking read;
    /// no signalfd outlives its descriptors.</summary>
    internal static void SignalfdFollowsLinux()
    {
        int signalfds = SignalFile.Live, instances = EventPollFile.LiveInstances;
        int status = ProcessTests.RunProgram("signalfd.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("signalfd: 0 wrong"), "a signalfd call gave a different answer than Linux");
        Check(status == 0, "the program failed");
        CheckEqual(signalfds, SignalFile.Live, "signalfds alive after the program");
        CheckEqual(instances, EventPollFile.LiveInstances, "epoll instances alive after the program");
    }
}
