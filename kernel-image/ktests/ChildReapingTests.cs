using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>Who collects an ended child, as Linux's exit_notify decides: parents that ignore
/// SIGCHLD or set SA_NOCLDWAIT keep no zombies, orphans name no dead parent, and child
/// subreapers adopt orphaned descendants.</summary>
internal static class ChildReapingTests
{
    /// <summary>userland/reaping.c (0 wrong on Linux). Before: wait4 with SIGCHLD ignored
    /// collected the children instead of ECHILD (zombies stayed until then: a server that
    /// ignores SIGCHLD filled the process table), an orphan's getppid was 0, and
    /// PR_SET_CHILD_SUBREAPER was EINVAL.</summary>
    internal static void ReapingFollowsLinux()
    {
        int status = ProcessTests.RunProgram("reaping.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("reaping: 0 wrong"), "an answer differs from Linux's (its line in the output says which)");
        CheckEqual(0, status, "the program's wait status");
    }
}
