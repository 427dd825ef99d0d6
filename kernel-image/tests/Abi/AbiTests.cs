using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Aurora.KernelImage.Tests.Qemu;
using Xunit;

namespace Aurora.KernelImage.Tests.Abi;

/// <summary>
/// The ABI numbers have one source, kernel-image/arch/x86_64/abi/*.tbl (issue 10, item 5):
/// tools/abi.sh generates the kernel's constants and the userland header from it. These tests
/// check that source against Linux's numbers as the C library knows them, and that nobody
/// repeats a number by hand elsewhere.
/// </summary>
public class AbiTests
{
    private static readonly string AbiDirectory = Path.Combine(QemuBoot.RepositoryRoot, "kernel-image", "arch", "x86_64", "abi");

    // musl-tools (a test dependency installed by ./aurora setup) carries Linux's numbers.
    private const string LibcSyscalls = "/usr/include/x86_64-linux-musl/bits/syscall.h";
    private const string LibcErrno = "/usr/include/x86_64-linux-musl/bits/errno.h";

    private static IEnumerable<(long Number, string Name, string Abi)> Table(string file) =>
        File.ReadAllLines(Path.Combine(AbiDirectory, file))
            .Where(l => l.Length > 0 && char.IsDigit(l[0]))
            .Select(l => l.Split((char[]?)null, System.StringSplitOptions.RemoveEmptyEntries))
            .Select(p => (long.Parse(p[0]), p[1], p.Length > 2 ? p[2] : ""));

    private static Dictionary<string, long> Defines(string header, string prefix) =>
        File.ReadAllLines(header)
            .Select(l => Regex.Match(l, @"^#define\s+" + prefix + @"(\w+)\s+(\d+)\s*$"))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value));

    [Fact]
    public void EveryLinuxCallHasLinuxsNumber()
    {
        Dictionary<string, long> linux = Defines(LibcSyscalls, "__NR_");
        var rows = Table("syscalls.tbl").Where(r => r.Abi == "linux").ToList();
        Assert.NotEmpty(rows);
        foreach (var (number, name, _) in rows)
        {
            Assert.True(linux.ContainsKey(name), $"{name} is not a Linux x86-64 system call");
            Assert.True(linux[name] == number, $"{name}: the table says {number}, Linux says {linux[name]}");
        }
    }

    /// <summary>The aarch64 kernel's numbers (arch/aarch64/abi/syscalls.tbl) are Linux's arm64
    /// ones, the asm-generic table, as Debian's arm64 cross kernel headers (linux-libc-dev-arm64-cross,
    /// installed by ./aurora setup) have them.</summary>
    [Fact]
    public void EveryArm64CallHasLinuxsArm64Number()
    {
        string table = Path.Combine(QemuBoot.RepositoryRoot, "kernel-image", "arch", "aarch64", "abi", "syscalls.tbl");
        const string header = "/usr/aarch64-linux-gnu/include/asm-generic/unistd.h";
        Dictionary<string, long> linux = Defines(header, "__NR_");
        // The calls whose 32- and 64-bit forms differ (fcntl, lseek, mmap, fstatat...) are
        // numbered as __NR3264_x and named for 64-bit long through an alias, as the header does.
        Dictionary<string, long> both = Defines(header, "__NR3264_");
        foreach (Match alias in File.ReadAllLines(header).Select(l => Regex.Match(l, @"^#define\s+__NR_(\w+)\s+__NR3264_(\w+)\s*$")).Where(m => m.Success))
            if (both.TryGetValue(alias.Groups[2].Value, out long number)) linux.TryAdd(alias.Groups[1].Value, number);
        var rows = File.ReadAllLines(table).Where(l => l.Length > 0 && char.IsDigit(l[0]))
            .Select(l => l.Split((char[]?)null, System.StringSplitOptions.RemoveEmptyEntries)).ToList();
        Assert.NotEmpty(rows);
        foreach (string[] row in rows)
        {
            Assert.True(linux.ContainsKey(row[1]), $"{row[1]} is not a Linux arm64 system call");
            Assert.True(linux[row[1]] == long.Parse(row[0]), $"{row[1]}: the arm64 table says {row[0]}, Linux says {linux[row[1]]}");
        }
    }

    [Fact]
    public void AuroraCallsAreAboveLinuxAndNumbersAreUnique()
    {
        var rows = Table("syscalls.tbl").ToList();
        Assert.All(rows.Where(r => r.Abi == "aurora"), r => Assert.True(r.Number >= 1000, $"{r.Name} ({r.Number}) is in Linux's range"));
        Assert.All(rows, r => Assert.True(r.Abi is "linux" or "aurora", $"{r.Name}: abi '{r.Abi}'"));
        Assert.Equal(rows.Count, rows.Select(r => r.Number).Distinct().Count());
        Assert.Equal(rows.Count, rows.Select(r => r.Name).Distinct().Count());
    }

    [Fact]
    public void EveryErrnoHasLinuxsNumber()
    {
        Dictionary<string, long> linux = Defines(LibcErrno, "");
        var rows = Table("errno.tbl").Where(r => r.Abi != "kernel").ToList();
        Assert.True(rows.Count >= 130, $"only {rows.Count} error numbers");
        foreach (var (number, name, _) in rows)
            Assert.True(linux.TryGetValue(name, out long value) && value == number, $"{name}: the table says {number}, Linux says {(linux.TryGetValue(name, out long v) ? v : -1)}");
    }

    /// <summary>Aurora.Caps is a package of its own and states the call numbers it serves for
    /// other kernels; they must be the table's.</summary>
    [Fact]
    public void CapsComponentStatesTheTablesNumbers()
    {
        string source = File.ReadAllText(Path.Combine(QemuBoot.RepositoryRoot, "components", "caps", "src", "AuroraSyscalls.cs"));
        var stated = Regex.Matches(source, @"public const int (\w+) = (\d+);").ToDictionary(m => m.Groups[1].Value, m => long.Parse(m.Groups[2].Value));
        var table = Table("syscalls.tbl").ToDictionary(r => r.Name, r => r.Number);
        var names = new Dictionary<string, string>
        {
            ["ShmGet"] = "cap_shmget", ["ShmAt"] = "cap_shmat", ["ShmCtl"] = "cap_shmctl", ["ShmDt"] = "cap_shmdt",
            ["MsgGet"] = "cap_msgget", ["MsgSnd"] = "cap_msgsnd", ["MsgRcv"] = "cap_msgrcv", ["MsgCtl"] = "cap_msgctl",
            ["CapMint"] = "cap_mint", ["CapGrant"] = "cap_grant", ["CapRevoke"] = "cap_revoke",
            ["CapRelease"] = "cap_release", ["CapToken"] = "cap_token", ["InstallFilter"] = "syscall_filter",
        };
        Assert.Equal(names.Keys.OrderBy(k => k), stated.Keys.OrderBy(k => k));
        foreach (var (constant, name) in names)
            Assert.True(stated[constant] == table[name], $"Aurora.Caps {constant} = {stated[constant]}, the table's {name} = {table[name]}");
    }

    /// <summary>No kernel source, assembly file or test program spells a call number or an
    /// Aurora call number by hand: the kernel uses the generated constants, programs use
    /// &lt;sys/syscall.h&gt; for Linux's calls and aurora.h for Aurora's.</summary>
    [Fact]
    public void NoNumberIsRepeatedByHand()
    {
        string kernel = Path.Combine(QemuBoot.RepositoryRoot, "kernel-image");
        var offenders = new List<string>();
        foreach (string file in Directory.GetFiles(Path.Combine(kernel, "userland"), "*.c"))
        {
            foreach (Match m in Regex.Matches(File.ReadAllText(file), @"\b(CAP_\w+|SYSCALL_FILTER)\s*=\s*(\d+)"))
                offenders.Add($"{Path.GetFileName(file)}: {m.Value}");
        }

        foreach (string file in Directory.GetFiles(kernel, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/") && !f.Contains("/bin/") && !f.Contains("/tests/")))
        {
            foreach (Match m in Regex.Matches(File.ReadAllText(file), @"const\s+\w+\s+(RtSigreturn|Syscall\w*Number|Errno\w*)\s*=\s*\d+"))
                offenders.Add($"{Path.GetFileName(file)}: {m.Value}");
            foreach (Match m in Regex.Matches(File.ReadAllText(file), @"const long E[A-Z0-9]+ = \d+"))
                offenders.Add($"{Path.GetFileName(file)}: {m.Value}");
        }

        foreach (string file in Directory.GetFiles(Path.Combine(kernel, "arch"), "*.S", SearchOption.AllDirectories))
        {
            foreach (Match m in Regex.Matches(File.ReadAllText(file), @"mov\s+e?rax,\s*(1[05]|60|231)\b"))
                offenders.Add($"{Path.GetFileName(file)}: {m.Value}");
        }

        Assert.True(offenders.Count == 0, "numbers repeated by hand:\n" + string.Join("\n", offenders));
    }
}
