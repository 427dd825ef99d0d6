using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// Futexes and threads (issue 12): musl programs that compare every answer with Linux's
/// (run natively on Linux first: 0 wrong there) and print "N wrong".
/// </summary>
internal static class ThreadTests
{
    /// <summary>userland/futex.c: WAIT/WAKE, the bitset pair with absolute monotonic and
    /// realtime deadlines, REQUEUE/CMP_REQUEUE, WAKE_OP, Linux's errors, EINTR on a signal,
    /// shared futexes between processes over MAP_SHARED and System V memory.</summary>
    internal static void FutexFollowsLinux()
    {
        int status = ProcessTests.RunProgram("futex.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("futex: 0 wrong"), "an answer differs from Linux's (its line in the output says which)");
        CheckEqual(0, status, "the program's wait status");
    }

    /// <summary>userland/threads.c: pthread_create/join/mutex/cond with four threads, distinct
    /// gettid, per-thread TLS, tgkill to one thread, exit(2) in a thread vs exit_group, a fault
    /// in a thread and a kill ending every thread.</summary>
    internal static void PthreadsFollowLinux()
    {
        int status = ProcessTests.RunProgram("threads.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("threads: 0 wrong"), "an answer differs from Linux's (its line in the output says which)");
        CheckEqual(0, status, "the program's wait status");
    }

    /// <summary>Issue 19 (userland/thread_fault.c): a thread's SIGSEGV ends the process the
    /// kernel itself waits for (as for init) while its first thread waits in pthread_join; the
    /// faulting thread takes the first one's place, and the kernel's wait follows it (it had
    /// waited on the first thread, which the reaper then found taken: "scheduler: invalid
    /// join", a panic).</summary>
    internal static void ThreadFaultEndsTheProcessTheKernelWaitsFor()
    {
        int status = ProcessTests.RunProgram("thread_fault.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("thread_fault: a thread faults while the first waits for it"), "the program did not start its thread");
        Check(!ProcessTests.OutputHas("still here"), "the first thread ran on after the fault");
        CheckEqual(Processes.Process.SignalSegmentation, status, "wait status (killed by SIGSEGV)");
    }

    /// <summary>One thread remaps a file page at a fixed address while another reads, writes
    /// and lists a directory into it (userland/threads_lock_order.c): the address-space lock
    /// and the file-system lock are never taken in both orders, so the program ends (a copy
    /// under the file-system lock faulting into the address-space lock could hang both).</summary>
    internal static void ThreadsKeepTheLockOrder()
    {
        int status = ProcessTests.RunProgram("threads_lock_order.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("threads_lock_order: 0 wrong"), "a read into the remapped page gave neither a count nor EFAULT");
        CheckEqual(0, status, "the program's wait status");
    }

    /// <summary>userland/thread_sync.c: an 8-thread mutex/condvar/barrier/create-join storm,
    /// robust mutexes whose owner dies (raw thread exit, a process exiting or killed while its
    /// thread holds a process-shared one, a hand-built list with list_op_pending), cancellation,
    /// per-thread masks and alternate stacks, a process signal on the thread that does not block
    /// it, execve from a second thread, clone3, membarrier, affinity by tid, thread CPU clocks.
    /// A fork whose child is reaped, then the parent's first pthread_create, found the stale
    /// kernel-half TLB entry (memory.kernel_half_changes_reach_the_tlb_under_any_root).</summary>
    internal static void ThreadSyncFollowsLinux()
    {
        int status = ProcessTests.RunProgram("thread_sync.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("thread_sync: 0 wrong"), "an answer differs from Linux's (its line in the output says which)");
        CheckEqual(0, status, "the program's wait status");
    }

    /// <summary>userland/futex_pi.c: FUTEX_LOCK_PI/TRYLOCK_PI/UNLOCK_PI/LOCK_PI2 and their
    /// errors, hand-over to the longest waiter, deadlines on both clocks, a handler during the
    /// wait (the call restarts), a holder that ends, a lock shared by two processes, and musl's
    /// PTHREAD_PRIO_INHERIT mutexes (storm, timedlock, robust owner death). 0 wrong on Linux.</summary>
    internal static void PiFutexesFollowLinux()
    {
        int status = ProcessTests.RunProgram("futex_pi.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("futex_pi: 0 wrong"), "an answer differs from Linux's (its line in the output says which)");
        CheckEqual(0, status, "the program's wait status");
    }

    /// <summary>userland/fd_threads.c: four threads open, check (fstat) and close their own
    /// files at once in one shared descriptor table, which grows meanwhile; every descriptor
    /// must name the thread's own file and close with 0 (the table had no lock: two opens could
    /// take one number). 0 wrong on Linux.</summary>
    internal static void SharedDescriptorTableKeepsEachThreadsFiles()
    {
        int status = ProcessTests.RunProgram("fd_threads.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("fd_threads: 0 wrong"), "a descriptor named another thread's file, or a close failed (its line says which)");
        CheckEqual(0, status, "the program's wait status");
    }

    /// <summary>userland/fd_in_use.c: one thread closes (or dup2s over) a descriptor another
    /// thread's read, write or poll is blocked on; the call goes on with the file it looked up
    /// (a reference of its own, Linux's fdget), a woken poll finds the descriptor closed
    /// (POLLNVAL), and a storm of closes and dup2s under reads and writes leaks nothing. Calls
    /// held no reference before: the close freed the description under the call (the pipe lost
    /// its reader: EPIPE). 0 wrong on Linux.</summary>
    internal static void CallsKeepTheFileTheyLookedUp()
    {
        int status = ProcessTests.RunProgram("fd_in_use.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("fd_in_use: 0 wrong"), "an answer differs from Linux's (its line in the output says which)");
        CheckEqual(0, status, "the program's wait status");
    }

    /// <summary>userland/thread_races.c, races attack.thread_storm found: PI lock, unlock and
    /// WAKE_OP on a word another thread's fork keeps copy-on-write never give EFAULT; a
    /// thread's clear-tid word is 0 once tgkill says it is gone; a signal a thread sent itself
    /// while blocking it runs its handler once before the unblocking call returns, while
    /// others signal and fork. 0 wrong on Linux.</summary>
    internal static void ThreadRacesFollowLinux()
    {
        int status = ProcessTests.RunProgram("thread_races.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("thread_races: 0 wrong"), "a race gave another answer than Linux's (its line in the output says which)");
        CheckEqual(0, status, "the program's wait status");
    }

    /// <summary>userland/fork_races.c, leaks attack.thread_storm found: fork copying a
    /// descriptor table other threads dup2 over, execve racing an exit_group, a group killed
    /// while its threads fork (no grandchild may escape). Every frame and heap block must come
    /// back. 0 wrong on Linux.</summary>
    internal static void ForkRacesLeaveNothingBehind()
    {
        int status = ProcessTests.RunProgram("fork_races.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("fork_races: 0 wrong"), "a fork or exec race gave a wrong answer (its line says which)");
        CheckEqual(0, status, "the program's wait status");
    }

    /// <summary>userland/reap_race.c: calls that name another process by pid (prlimit64,
    /// get/setpriority, kill, sched_getaffinity, getpgid, getsid, its CPU clock,
    /// get_robust_list, tgkill, /proc/PID/stat, cap_grant) raced against that process's end
    /// and reap by another thread: each answer is the live child's or ESRCH, and no grant
    /// outlives its target on a reused capability handle. 0 wrong on Linux.</summary>
    internal static void CrossProcessCallsSurviveAReap()
    {
        int status = ProcessTests.RunProgram("reap_race.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("reap_race: 0 wrong"), "a call about a process being reaped gave a wrong answer (its line says which)");
        CheckEqual(0, status, "the program's wait status");
    }

    /// <summary>A copy out of user memory (write from a fresh, not yet touched page) raced
    /// against another thread's munmap of that page for 3 s (userland/copy_unmap_race.c): each
    /// write copies the page's zeros or fails with EFAULT. The copy looked the page up again
    /// after its fault-in without a lock: an unmap in between made it read physical address 0
    /// (an arm64 kernel panic in attack.thread_storm; x86_64 read the bytes there). 0 wrong on
    /// Linux.</summary>
    internal static void CopiesFromUserMemorySurviveAnUnmap()
    {
        int status = ProcessTests.RunProgram("copy_unmap_race.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("copy_unmap_race: 0 wrong"), "a copy racing an unmap read something else than the page or EFAULT (its lines say what)");
        CheckEqual(0, status, "the program's wait status");
    }
}
