using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>The portable processes on aarch64 (kernel/Processes, kernel/Syscalls behind
/// Hal.UserMode): the arm64 programs of kernel-image/userland/aarch64/, built without a C
/// library so that they run the same under qemu-aarch64 (Linux's answers), started from the
/// boot modules the image carries. The same runner as the x86_64 process tests
/// (ProcessTests.RunProgram: output captured, every frame and heap block back afterwards).</summary>
internal static unsafe class Aarch64ProcessTests
{
    /// <summary>write, getpid, bad pointers (EFAULT), a closed descriptor (EBADF), an unknown
    /// number (ENOSYS), exit_group's status: the bring-up's program, now as a process with its
    /// own address space, answered by the portable syscall families.</summary>
    internal static void HelloRunsAsAProcess()
    {
        int status = ProcessTests.RunProgram("a64_hello.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("hello from EL0 through svc #0"), "the program's greeting is missing");
        Check(ProcessTests.OutputHas("user: 0 wrong"), "a call got another answer than Linux gives");
        CheckEqual(0, status, "wait status");
    }

    /// <summary>fork, wait4, a pipe, copy-on-write, SIGTERM to a computing child, SIGSEGV for
    /// a child's fault, a handler through the arm64 rt_sigframe and rt_sigreturn.</summary>
    internal static void ForkPipesAndSignals()
    {
        int status = ProcessTests.RunProgram("a64_processes.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("processes: 0 wrong"), "processes.c found answers other than Linux's");
        CheckEqual(0, status, "wait status");
    }
}
