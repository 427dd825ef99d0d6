using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// devfs, procfs, readlink and mount (issue 11 item 4): userland/devproc.c gives the same
/// answers on Linux ("N wrong"), and userland/proc_busybox.c checks the structure of what
/// Debian's busybox prints from /proc and /dev (one "ok" verdict per command on a Linux host).
/// </summary>
internal static class DevProcTests
{
    /// <summary>The memory devices and their numbers, /proc/self and /proc/PID files against
    /// getpid/getppid/getcwd/argv, fd links, a zombie child, the system files, readlink's and
    /// mount/umount2's errors; every frame and heap block back afterwards.</summary>
    internal static void DevAndProcFollowLinux()
    {
        int status = ProcessTests.RunProgram("devproc.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("devproc: 0 wrong"), "a /dev, /proc, readlink or mount answer differs from Linux's");
        Check(status == 0, "devproc failed");
    }

    /// <summary>busybox ps, top -b -n1, mount, cat /proc/version and a /dev pipeline print what
    /// they print on Linux, in structure. free, uptime and df also need sysinfo and statfs (other
    /// branches of issue 11): their verdicts are printed but checked once those land.</summary>
    internal static void BusyboxReadsProcAndDev()
    {
        int status = ProcessTests.RunProgram("proc_busybox.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("proc_busybox: done"), "proc_busybox did not finish");
        Check(ProcessTests.OutputHas("proc_busybox: ps ok\n"), "busybox ps");
        Check(ProcessTests.OutputHas("proc_busybox: top ok\n"), "busybox top -b -n1");
        Check(ProcessTests.OutputHas("proc_busybox: mount ok\n"), "busybox mount");
        Check(ProcessTests.OutputHas("proc_busybox: version ok\n"), "busybox cat /proc/version");
        Check(ProcessTests.OutputHas("proc_busybox: dev ok\n"), "busybox cat /dev/null, head /dev/zero");
        Check(ProcessTests.OutputHas("proc_busybox: free ok\n"), "busybox free (sysinfo, /proc/meminfo)");
        Check(ProcessTests.OutputHas("proc_busybox: uptime ok\n"), "busybox uptime (sysinfo)");
        Check(ProcessTests.OutputHas("proc_busybox: df ok\n"), "busybox df / (statfs of /proc/mounts' lines)");
        Check(status == 0, "proc_busybox failed");
    }
}
