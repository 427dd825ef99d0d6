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
        // The shell's exit status after a pipeline is the last command's, 0, as on Linux: it
        // was 255 while wait4 read glibc's waitpid(-1) as pid 0xFFFFFFFF (ECHILD). The calls
        // busybox still gets ENOSYS for in this run are prctl, set_robust_list and rseq
        // (readlink of /proc/self/exe is served).
        Check(ProcessTests.OutputHas("busybox_run: 2 status=0 out=a\\n\n"), "busybox sh -c 'echo a | cat' (a pipeline: pipe, fork-style clone, wait4)");
        Check(ProcessTests.OutputHas("busybox_run: 3 status=0 out=Aurora\\n\n"), "busybox uname -s");
        Check(ProcessTests.OutputHas("busybox_run: 4 status=0 out=aslr.elf\\n"), "busybox ls /bin: not sorted from aslr.elf, or failed");
        Check(ProcessTests.OutputHas("\\nbusybox.elf\\nbusybox_run.elf\\n"), "busybox ls /bin does not list busybox.elf then busybox_run.elf");
        Check(ProcessTests.OutputHas("busybox_run: 5 status=0 out=3\\n\n"), "busybox sh: echo | wc -w");
        Check(ProcessTests.OutputHas("busybox_run: 6 status=0 out=A\\nB\\n\n"), "busybox sh: printf | sort | tr");
        Check(status == 0, "busybox_run failed");
    }
}
