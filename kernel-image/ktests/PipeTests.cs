using Aurora.Kernel.Files;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// Pipes (Files/PipeFile.cs, Syscalls/PipeCalls.cs), proven by a musl program that gives the
/// same answers on Linux (userland/pipes.c prints "N wrong").
/// </summary>
internal static class PipeTests
{
    /// <summary>A parent and child through fork and dup2 onto 0/1 (a megabyte, byte for byte),
    /// end of file after the last writer, SIGPIPE/EPIPE, O_NONBLOCK, PIPE_BUF atomicity from four
    /// writers, O_CLOEXEC, fstat S_IFIFO, FIONREAD, and Linux's errno; every pipe, frame and heap
    /// block back afterwards.</summary>
    internal static void PipesFollowLinux()
    {
        int before = PipeFile.Live;
        int status = ProcessTests.RunProgram("pipes.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("pipes: 0 wrong"), "a pipe call gave a different answer than Linux");
        Check(status == 0, "the program failed");
        Check(PipeFile.Live == before, "a pipe outlived its last descriptor");
    }
}
