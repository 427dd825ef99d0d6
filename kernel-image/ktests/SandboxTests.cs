using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>The agent runtime (issue 15; userland/sandbox_agent.c, docs/sandbox.md). The escape suite
/// itself is attack.sandbox_escapes_are_denied (AttackTests.cs), in a boot of its own.</summary>
internal static unsafe class SandboxTests
{
    /// <summary>sandbox_agent_check.elf drives sandbox_agent.elf: ten malformed policies refused with exit 2
    /// and the line named; a program run under a policy sees only its view (ENOENT outside,
    /// writes in its working directory), only its promises (socket and fork EPERM, no promise
    /// back), its limits (RLIMIT_NOFILE 20); a program outside the view is exit 127, one
    /// without x 126, each with a message; a program's own exit status comes back. Tokens: a
    /// program granted a queue (s), a segment (m) and a service's queue passed on through the
    /// runtime (s) uses each within its rights and gets EACCES beyond them; a nested runtime
    /// holding a token with fewer rights (or without g) cannot pass it on wider: exit 3, the line named.</summary>
    internal static void AgentRunsProgramsUnderTheirPolicy()
    {
        int status = ProcessTests.RunProgram("sandbox_agent_check.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("agent: 0 wrong"), "the agent ran a program outside its policy, or refused a good one (see the WRONG lines)");
        CheckEqual(0, status, "sandbox_agent_check.elf wait status");
    }

    /// <summary>sandbox_threads.elf: one thread changes the view and the network rules in a
    /// loop (then seals a narrower layer) while three threads open paths and connect; no
    /// answer is ever outside a whole view (/etc/passwd ENOENT, a file with rule r or "" never
    /// written, an unlisted port EACCES, nothing but 0/ENOENT/EACCES), and after the last call
    /// every thread sees exactly the final view.</summary>
    internal static void ThreadsSeeWholeViewsWhileOneNarrows()
    {
        // A first run warms what the first UDP sockets of a boot allocate for good (the
        // network's tables); the second one must give back everything it took.
        ProcessTests.RunProgram("sandbox_threads.elf", checkMemory: false);
        int status = ProcessTests.RunProgram("sandbox_threads.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("sandbox_threads: 0 wrong"), "a thread saw a view that was never whole, or missed the final one (see the WRONG lines)");
        CheckEqual(0, status, "sandbox_threads.elf wait status");
    }
}
