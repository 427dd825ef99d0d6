using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// Debian's busybox-static — a real glibc program nobody wrote for Aurora — as a test input
/// (issue 11): userland/busybox_run.c runs it as /bin/busybox.elf with a few command lines,
/// each with its output on a pipe. The expected lines are what the same binary prints on a
/// Linux host for the same commands (run busybox_run.c there), except where the system is the
/// answer: `uname -s` says Aurora, and `ls /bin` lists Aurora's /bin.
/// </summary>
internal static class BusyboxTests
{
    internal static void CommandsMatchTheHost()
    {
        int status = ProcessTests.RunProgram("busybox_run.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("busybox_run: done"), "busybox_run did not finish");
        Check(ProcessTests.OutputHas("busybox_run: 1 status=0 out=hello\\n\n"), "busybox echo hello");
        // The shell's own status after its pipelines is 0, as on Linux (it was 255: ash's
        // wait4(-1) passes -1 as a 32-bit pid_t and the upper half was read as part of it).
        Check(ProcessTests.OutputHas("busybox_run: 2 status=0 out=a\\n\n"), "busybox sh -c 'echo a | cat' (a pipeline: pipe, fork-style clone, wait4; exit status 0)");
        Check(ProcessTests.OutputHas("busybox_run: 3 status=0 out=Aurora\\n\n"), "busybox uname -s");
        // ls /bin lists the image's own programs, sorted: x86_64's first is aslr.elf; aarch64's
        // image also has its programs without a C library, a64_NAME.elf, which sort before it
        // (whichever comes first of them: a64_hardening.elf today).
        Check(ProcessTests.OutputHas(Hal.Cpu.ElfMachine() == 183 ? "busybox_run: 4 status=0 out=a64_" : "busybox_run: 4 status=0 out=aslr.elf\\n"),
            "busybox ls /bin: not sorted from its first program, or failed");
        Check(ProcessTests.OutputHas("\\nbusybox.elf\\nbusybox_run.elf\\n"), "busybox ls /bin does not list busybox.elf then busybox_run.elf");
        Check(ProcessTests.OutputHas("busybox_run: 5 status=0 out=3\\n\n"), "busybox sh: echo | wc -w");
        Check(ProcessTests.OutputHas("busybox_run: 6 status=0 out=A\\nB\\n\n"), "busybox sh: printf | sort | tr");
        Check(ProcessTests.OutputHas("busybox_run: 7 status=768 out=a\\nb\\n\n"), "busybox sh: two pipelines then exit 3 (both outputs, status 3)");
        Check(ProcessTests.OutputHas("busybox_run: 8 status=0 out=\n"), "busybox sleep 1 succeeds");
        Check(ProcessTests.OutputHas("busybox_run: sleep 1 took 1 s"), "busybox sleep 1 sleeps a second (clock_nanosleep)");
        Check(ProcessTests.OutputHas("busybox_run: 9 status=0 out=0\\n\n"), "busybox id -u is root's 0");
        Check(ProcessTests.OutputHas("busybox_run: 10 status=0 out=0\\n\n"), "busybox id -g is root's 0");
        Check(status == 0, "busybox_run failed");
    }

    /// <summary>The busybox suite (issue 11, item 6): userland/busybox_suite.c runs every
    /// command line of /busybox-suite/commands.txt and prints a record per command; the host
    /// (tests/Qemu/BusyboxSuiteTests.cs) compares them with the same program's records on
    /// Linux, one case per command. Here: the runner reached its end, and every frame and heap
    /// block came back after some three hundred busybox shells.</summary>
    internal static void SuiteRunsToTheEnd()
    {
        int status = ProcessTests.RunProgram("busybox_suite.elf", checkMemory: true);
        CheckEqual(0, status, "busybox_suite.elf's wait status (0: it ran every command)");
    }
}
