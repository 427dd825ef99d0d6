using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// Dynamically linked and position-independent programs (issue 12, items 3 and 4): Debian's own
/// ls, sort, grep, sed, tar and gzip with glibc's loader and libraries, and musl's PIE samples,
/// run from the test image by userland/debian_suite.c (the busybox suite's runner); the host
/// (tests/Qemu/DebianProgramTests.cs) compares each command's record with the same run on Linux.
/// Hand-built bad ELF files are userland/elf_attack.c's.
/// </summary>
internal static class DynamicElfTests
{
    /// <summary>The runner reached its end, and every frame and heap block came back after
    /// the dynamically linked programs (their file mappings included).</summary>
    internal static void DebianSuiteRunsToTheEnd()
    {
        int status = ProcessTests.RunProgram("debian_suite.elf", checkMemory: true);
        CheckEqual(0, status, "debian_suite.elf's wait status (0: it ran every command)");
    }

    /// <summary>Malformed programs and interpreters, built by hand and execve'd: each refused
    /// with Linux's errno (ENOEXEC, ELIBBAD, ENOENT, EIO, EACCES) and the caller goes on.</summary>
    internal static void BadProgramsAreRefused()
    {
        int status = ProcessTests.RunProgram("elf_attack.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("\n0 wrong\n"), "elf_attack.elf reports mismatches (see its output above)");
        CheckEqual(0, status, "elf_attack.elf's wait status");
    }

    /// <summary>The calls Debian's programs make beside their work: the extended-attribute
    /// family (none kept: ENODATA, an empty list, EOPNOTSUPP to set, Linux's argument checks),
    /// creat and fadvise64 (userland/xattrs.c, 0 wrong on a Linux tmpfs).</summary>
    internal static void AttributeCallsFollowLinux()
    {
        int status = ProcessTests.RunProgram("xattrs.elf", checkMemory: true);
        Check(!ProcessTests.OutputHas("wrong:") && ProcessTests.OutputHas("0 wrong\n"), "xattrs.elf reports mismatches (see its output above)");
        CheckEqual(0, status, "xattrs.elf's wait status");
    }
}
