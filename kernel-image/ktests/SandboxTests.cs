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
    /// without x 126, each with a message; a program's own exit status comes back.</summary>
    internal static void AgentRunsProgramsUnderTheirPolicy()
    {
        int status = ProcessTests.RunProgram("sandbox_agent_check.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("agent: 0 wrong"), "the agent ran a program outside its policy, or refused a good one (see the WRONG lines)");
        CheckEqual(0, status, "sandbox_agent_check.elf wait status");
    }
}
