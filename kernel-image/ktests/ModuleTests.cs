using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>
/// Loadable modules (issue 14, docs/modules.md): userland/modules.c loads the edu driver
/// module (modules/edu) from /lib/modules, uses /dev/edu, replaces version 1 by version 2 (built
/// from changed source, this kernel unchanged), drives busybox insmod/lsmod/rmmod, and sees
/// every hostile file refused with its errno while the kernel goes on. checkMemory: every frame
/// a module's image, arena and BAR window took is back after the last unload.
/// </summary>
internal static class ModuleTests
{
    internal static void LoadUseUnloadAndReplace()
    {
        int refusals = Modules.ModuleLoader.Refusals, recovered = Modules.ModuleGuard.Recovered;
        int status = ProcessTests.RunProgram("modules.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("modules: 0 wrong"), "a module load, use, unload or refusal answered wrongly");
        // 2 bad images, 12 hostile files, 2 duplicate loads, busybox's tampered insmod: each logged.
        Check(Modules.ModuleLoader.Refusals - refusals >= 17, "a refused module left no log line");
        CheckEqual(2, Modules.ModuleGuard.Recovered - recovered, "module failures contained (edu-fault.ko's and edu-throw.ko's init)");
        Check(status == 0, "modules failed");
    }
}
