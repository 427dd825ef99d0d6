using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>
/// The in-kernel test catalogue (read from kernel-image/ktests/TestCatalog.cs, so the host
/// knows every test by name) and the boots that run it: one `test=all` boot per boot path,
/// shared by every test that asks about that path.
/// </summary>
public static class KernelSuite
{
    private static readonly ConcurrentDictionary<BootPath, Lazy<BootResult>> s_suiteRuns = new();

    public static IReadOnlyList<string> AllTestNames { get; } = ReadCatalog();

    /// <summary>Tests the `test=all` boot runs: not panic.* (each ends its boot), hostnet.*
    /// (each needs a peer on the host, set up by its own xunit test), attack.* (each may
    /// crash the kernel: one boot each, AttackTests), bbsuite.* (the busybox suite: a boot
    /// of its own, compared with the host by BusyboxSuiteTests) nor stressng.* (the stress-ng
    /// image's: StressNgTests).</summary>
    public static IEnumerable<string> OrdinaryTestNames => AllTestNames.Where(n =>
        !n.StartsWith("panic.", StringComparison.Ordinal) && !n.StartsWith("hostnet.", StringComparison.Ordinal) &&
        !n.StartsWith("attack.", StringComparison.Ordinal) && !n.StartsWith("bbsuite.", StringComparison.Ordinal) &&
        !n.StartsWith("stressng.", StringComparison.Ordinal));

    public static IEnumerable<string> AttackTestNames => AllTestNames.Where(n => n.StartsWith("attack.", StringComparison.Ordinal));

    public static IEnumerable<string> PanicTestNames => AllTestNames.Where(n => n.StartsWith("panic.", StringComparison.Ordinal));

    /// <summary>Boot paths that can run here: GRUB through BIOS and UEFI always, Limine when
    /// the build made a Limine image (LIMINE_DIR was set).</summary>
    public static IEnumerable<BootPath> Paths
    {
        get
        {
            yield return BootPath.GrubBios;
            yield return BootPath.GrubUefi;
            if (File.Exists(QemuBoot.IsoFor(BootPath.LimineBios)) || Environment.GetEnvironmentVariable("LIMINE_DIR") is { Length: > 0 })
            {
                yield return BootPath.LimineBios;
                yield return BootPath.LimineUefi;
            }
        }
    }

    public static BootResult SuiteRun(BootPath path) =>
        s_suiteRuns.GetOrAdd(path, p => new Lazy<BootResult>(() => QemuBoot.Boot(p, p == IsolatedPath ? "test=all pti=on" : "test=all", SuiteTimeout))).Value;

    /// <summary>The boot path whose suite runs with page-table isolation forced on (`pti=on`;
    /// PageTableIsolationTests): GRUB through UEFI. Every ordinary test then runs with
    /// isolation on (UEFI) and off (BIOS, and Limine when built), and on both firmware paths,
    /// in one boot per path rather than a third whole-suite boot (about four minutes of a
    /// core that the 30-minute budget of ./aurora test needs).</summary>
    public static BootPath IsolatedPath => BootPath.GrubUefi;

    /// <summary>One boot runs every ordinary test (about a minute alone under TCG, several times
    /// that when the other test projects' QEMUs share the two cores; a machine loaded by other
    /// work once needed more than 5 minutes); a hang still ends here.</summary>
    private static readonly TimeSpan SuiteTimeout = TimeSpan.FromSeconds(900);

    private static IReadOnlyList<string> ReadCatalog()
    {
        string catalog = Path.Combine(QemuBoot.RepositoryRoot, "kernel-image", "ktests", "TestCatalog.cs");
        var names = Regex.Matches(File.ReadAllText(catalog), @"T\(""([a-z0-9_.]+)"", &[A-Z]").Select(m => m.Groups[1].Value).ToList();
        if (names.Count == 0) throw new InvalidDataException("no tests found in " + catalog);
        return names;
    }
}
