using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// Debian's stress-ng against the kernel: userland/stressng_run.c runs a fixed list of its
/// stressors (process, memory, file, pipe, socket, signal, futex, timer, poll/epoll, mmap,
/// fork/clone/vfork, exec, /proc), each `stress-ng --NAME 2 -t 2` with a deadline. Only the
/// stress-ng image (artifacts/aurora-test-stressng.iso) carries the program, so `test=all`
/// skips this test; kernel-image/tests/Qemu/StressNgTests.cs boots it alone and compares each
/// stressor's exit status with the same runner's on Linux.
/// </summary>
internal static class StressNgTests
{
    /// <summary>Every stressor ended (none hung, none needed SIGKILL, none left a process or
    /// a file behind), and afterwards every frame and kernel heap block came back.</summary>
    internal static void StressorsEndAndGiveMemoryBack() => AttackTests.RunAndCheck("stressng_run.elf");
}
