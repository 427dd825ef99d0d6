using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>
/// musl's own test suite (libc-test, MIT; issue 12 item 6): its pthread, robust-mutex, futex,
/// semaphore and TLS tests, built static with musl-gcc, run on this host's Linux and on Aurora
/// (the reference image, each test under libc-test's own runtest with its timeout), and every
/// test that passes on Linux must pass on Aurora. libc-test is not a Debian package and nothing
/// is fetched by the build, so the test runs when LIBC_TEST_DIR names a checkout of it
/// (git://repo.or.cz/libc-test, or a mirror) and passes vacuously otherwise, as the Limine boots
/// do without LIMINE_DIR. docs/architecture.md gives the command and the last result.
/// </summary>
public class LibcTestTests
{
    /// <summary>The tests of libc-test this covers: every functional and regression test about
    /// threads, futexes, robust and PI mutexes, semaphores and static TLS.</summary>
    private static readonly string[] s_tests =
    {
        "functional/pthread_cancel", "functional/pthread_cancel-points", "functional/pthread_cond",
        "functional/pthread_mutex", "functional/pthread_mutex_pi", "functional/pthread_robust",
        "functional/pthread_tsd", "functional/sem_init", "functional/sem_open", "functional/tls_init",
        "functional/tls_local_exec",
        "regression/pthread-robust-detach", "regression/pthread_atfork-errno-clobber",
        "regression/pthread_cancel-sem_wait", "regression/pthread_cond-smasher",
        "regression/pthread_cond_wait-cancel_ignored", "regression/pthread_condattr_setclock",
        "regression/pthread_create-oom", "regression/pthread_exit-cancel", "regression/pthread_exit-dtor",
        "regression/pthread_once-deadlock", "regression/pthread_rwlock-ebusy", "regression/sem_close-unmap",
    };

    private static readonly string[] s_common =
        { "fdfill", "memfill", "mtest", "path", "print", "rand", "setrlim", "utf8", "vmfill" };

    [Fact]
    public void ThreadTestsPassOnAuroraAsOnLinux()
    {
        string? source = Environment.GetEnvironmentVariable("LIBC_TEST_DIR");
        if (string.IsNullOrEmpty(source) || !File.Exists(Path.Combine(source, "src", "common", "runtest.c"))) return;

        string dir = Directory.CreateTempSubdirectory("aurora-libc-test-").FullName;
        try
        {
            string common = Path.Combine(source, "src", "common");
            IEnumerable<string> commonSources = s_common.Select(n => Path.Combine(common, n + ".c"));
            Build(Path.Combine(dir, "runtest"), new[] { Path.Combine(common, "runtest.c") }.Concat(commonSources), common);
            var names = new List<string>();
            foreach (string test in s_tests)
            {
                string name = Path.GetFileName(test);
                Build(Path.Combine(dir, name), new[] { Path.Combine(source, "src", test + ".c") }.Concat(commonSources), common);
                names.Add(name);
            }

            File.WriteAllText(Path.Combine(dir, "run.sh"),
                "cd \"$(dirname \"$0\")\"\n" +
                "for t in " + string.Join(' ', names) + "; do\n" +
                "  r=$(./runtest -w '' ./$t 2>&1 | head -c 300 | tr '\\n' ' ')\n" +
                "  echo \"LIBC-TEST $t: ${r:-PASS}\"\n" +
                "done\n");

            Dictionary<string, string> linux = Results(RunOnHost(dir));
            BootResult run = QemuBoot.AuroraRun(new[]
            {
                "--timeout", "900",
                "--add", dir + ":/libc-test/",
                "--init", "/bin/sh /libc-test/" + Path.GetFileName(dir) + "/run.sh",
            }, TimeSpan.FromSeconds(960));
            Assert.DoesNotContain("KERNEL PANIC", run.Serial);
            Dictionary<string, string> aurora = Results(run.Serial);
            var differences = new List<string>();
            foreach (string name in names)
            {
                linux.TryGetValue(name, out string? onLinux);
                aurora.TryGetValue(name, out string? onAurora);
                // As root, Linux ignores RLIMIT_NPROC (pthread_atfork-errno-clobber fails there);
                // a test failing on Linux may do anything on Aurora.
                if (onLinux == "PASS" && onAurora != "PASS") differences.Add($"{name}: Linux PASS, Aurora {onAurora ?? "(no result)"}");
            }

            Assert.True(differences.Count == 0, string.Join('\n', differences) + "\n" + run.Serial[^Math.Min(run.Serial.Length, 4000)..]);
            Assert.True(linux.Values.Count(v => v == "PASS") >= names.Count - 1, "fewer tests than expected pass on Linux: " + string.Join(", ", linux));
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }

    private static Dictionary<string, string> Results(string output)
    {
        var results = new Dictionary<string, string>();
        foreach (Match m in Regex.Matches(output.Replace("\r", ""), @"^LIBC-TEST (\S+): (.*)$", RegexOptions.Multiline))
            results[m.Groups[1].Value] = m.Groups[2].Value.Trim();
        return results;
    }

    private static void Build(string output, IEnumerable<string> sources, string include)
    {
        var info = new ProcessStartInfo("musl-gcc") { RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in new[] { "-static", "-O1", "-w", "-D_GNU_SOURCE", "-I" + include, "-o", output }) info.ArgumentList.Add(a);
        foreach (string s in sources) info.ArgumentList.Add(s);
        info.ArgumentList.Add("-lpthread");
        info.ArgumentList.Add("-lm");
        using var process = Process.Start(info)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"musl-gcc failed for {output}:\n{errors}");
    }

    private static string RunOnHost(string dir)
    {
        var info = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, UseShellExecute = false };
        info.ArgumentList.Add(Path.Combine(dir, "run.sh"));
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(300_000)) process.Kill(true);
        return output.Result;
    }
}
