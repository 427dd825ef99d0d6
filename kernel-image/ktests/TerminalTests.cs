using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>Terminals and job control (issue 11, items 3 and 5): the musl programs that give
/// Linux's answers — job_control.c (process groups, sessions, kill by group, stop and continue
/// with wait4's reports) and terminal.c (termios, the line discipline through TIOCSTI, the
/// controlling terminal, keyboard signals, SIGTTIN/SIGTTOU).</summary>
internal static unsafe class TerminalTests
{
    internal static void JobControlFollowsLinux()
    {
        int status = ProcessTests.RunProgram("job_control.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("job_control: 0 wrong"), "a group, session, stop or continue went wrong (its line says which)");
        CheckEqual(0, status, "job_control wait status");
    }

    internal static void TerminalFollowsLinux()
    {
        int status = ProcessTests.RunProgram("terminal.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("terminal: 0 wrong"), "a terminal answer differs from Linux's (its line says which)");
        CheckEqual(0, status, "terminal wait status");
    }
}
