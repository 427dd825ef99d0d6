using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>The firmware and boot loader a test boot goes through.</summary>
public enum BootPath
{
    GrubBios,
    GrubUefi,
    GrubBiosTextMode,
    LimineBios,
    LimineUefi,
    /// <summary>The reference image (artifacts/aurora.iso, ./aurora build): busybox in its
    /// initramfs, /sbin/init run at boot; GRUB on SeaBIOS.</summary>
    Reference,
    /// <summary>The test image with Debian's stress-ng and its libraries in the initramfs
    /// (artifacts/aurora-test-stressng.iso, ./aurora build --test where stress-ng is
    /// installed); GRUB on SeaBIOS.</summary>
    StressNg,
    /// <summary>The test image with Debian's dash, bash, coreutils, perl, python3... and their
    /// libraries in the initramfs (artifacts/aurora-test-debian.iso, ./aurora build --test);
    /// GRUB on SeaBIOS.</summary>
    Debian,
}

/// <summary>What one QEMU boot printed on COM1 and how QEMU ended.</summary>
public sealed record BootResult(int ExitCode, string Serial, bool TimedOut)
{
    /// <summary>isa-debug-exit codes written by the kernel (DebugExit.cs): (v &lt;&lt; 1) | 1.</summary>
    public const int TestsPassed = 33, TestsFailed = 35, KernelPanicked = 37;

    public override string ToString() => $"exit {ExitCode}{(TimedOut ? " (timed out)" : "")}\n{Serial}";
}

/// <summary>Boots a kernel image in QEMU (TCG) with the serial console captured and the
/// isa-debug-exit device present, passing kernel options through fw_cfg.</summary>
public static class QemuBoot
{
    public static string RepositoryRoot { get; } = FindRoot();

    public static string Artifacts => Path.Combine(RepositoryRoot, "artifacts");

    public static string IsoFor(BootPath path) => Path.Combine(Artifacts, path switch
    {
        BootPath.GrubBiosTextMode => "aurora-test-textmode.iso",
        BootPath.LimineBios or BootPath.LimineUefi => "aurora-test-limine.iso",
        BootPath.Reference => "aurora.iso",
        BootPath.StressNg => "aurora-test-stressng.iso",
        BootPath.Debian => "aurora-test-debian.iso",
        _ => "aurora-test.iso",
    });

    public static bool IsUefi(BootPath path) => path is BootPath.GrubUefi or BootPath.LimineUefi;

    public static bool Available(BootPath path) => File.Exists(IsoFor(path)) && (!IsUefi(path) || OvmfPath() is not null);

    public static string? OvmfPath()
    {
        foreach (string candidate in new[] { "/usr/share/ovmf/OVMF.fd", "/usr/share/OVMF/OVMF_CODE.fd" })
            if (File.Exists(candidate)) return candidate;
        return null;
    }

    /// <param name="typing">Typed on the serial console (QEMU's standard input) as a person
    /// would: each text once the serial output shows its cue after the previous cue (null: at
    /// once); then the input
    /// is closed. Null leaves the input closed from the start.</param>
    /// <param name="network">Extra options of the user-mode network (e.g. ",hostfwd=...").</param>
    /// <param name="nic">The network card QEMU gives the guest (e1000, virtio-net-pci).</param>
    /// <param name="hubWith">Another netdev (e.g. "socket,id=raw,udp=...,localaddr=..."): the card
    /// then sits on a QEMU hub with the user network and this netdev, so a host program can
    /// write raw Ethernet frames to the guest without privileges (the flood test).</param>
    public static BootResult Boot(BootPath path, string kernelOptions, TimeSpan? timeout = null, IReadOnlyList<(string? After, string Text)>? typing = null,
        string network = "", string nic = "e1000", string? hubWith = null)
    {
        string iso = IsoFor(path);
        if (!File.Exists(iso))
            throw new FileNotFoundException($"{iso} is missing: build it with `./aurora build{(path == BootPath.Reference ? "" : " --test")}` (./aurora test does)");
        var info = new ProcessStartInfo("qemu-system-x86_64")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            "-M", "q35", "-cpu", "max", "-m", "256M", "-smp", "1",
            "-cdrom", iso, "-no-reboot", "-display", "none", "-serial", "stdio", "-monitor", "none",
            "-device", "isa-debug-exit,iobase=0xf4,iosize=0x04",
            // An e1000 on QEMU's user-mode network (the host as peer); no option ROM, so
            // firmware does not try to boot from the network.
            "-netdev", "user,id=net0" + network, "-device", nic + ",netdev=net0,romfile=",
            // QEMU's teaching device (1234:11e8): raises MSI on demand (ktests/EduTests.cs).
            "-device", "edu",
            "-fw_cfg", $"name=opt/aurora/cmdline,string={kernelOptions}",
        }) info.ArgumentList.Add(arg);
        if (hubWith is not null) PutCardOnHub(info, nic, hubWith);
        if (IsUefi(path))
        {
            info.ArgumentList.Add("-bios");
            info.ArgumentList.Add(OvmfPath() ?? throw new FileNotFoundException("OVMF (Debian package ovmf) is needed for UEFI boots"));
        }

        return Run(info, timeout, typing);
    }

    /// <summary>`./aurora run --no-build ARGUMENTS...` (the reference image the last build made),
    /// driven like <see cref="Boot"/>: its exit status is ./aurora's.</summary>
    public static BootResult AuroraRun(IEnumerable<string> arguments, TimeSpan? timeout = null,
        IReadOnlyList<(string? After, string Text)>? typing = null, string? until = null)
    {
        if (!File.Exists(IsoFor(BootPath.Reference)))
            throw new FileNotFoundException($"{IsoFor(BootPath.Reference)} is missing: build it with `./aurora build` (./aurora test does)");
        var info = new ProcessStartInfo(Path.Combine(RepositoryRoot, "aurora"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("run");
        info.ArgumentList.Add("--no-build");
        foreach (string argument in arguments) info.ArgumentList.Add(argument);
        return Run(info, timeout, typing, until);
    }

    /// <summary>Moves the card <paramref name="nic"/> (on netdev net0, the user network) onto a
    /// QEMU hub with net0 and the netdev <paramref name="hubWith"/> (which names its id=), so a
    /// host program writing into that netdev reaches the guest's card (both architectures'
    /// boot helpers: NetworkFloodTests).</summary>
    internal static void PutCardOnHub(ProcessStartInfo info, string nic, string hubWith)
    {
        int device = info.ArgumentList.IndexOf(nic + ",netdev=net0,romfile=");
        if (device < 0) throw new ArgumentException($"no {nic} on net0 in the command line", nameof(nic));
        info.ArgumentList[device] = nic + ",netdev=hub0,romfile=";
        string other = Array.Find(hubWith.Split(','), part => part.StartsWith("id=", StringComparison.Ordinal))?["id=".Length..]
            ?? throw new ArgumentException("hubWith names no id=", nameof(hubWith));
        foreach (string arg in new[]
        {
            "-netdev", hubWith, "-netdev", "hubport,id=hub0,hubid=0",
            "-netdev", "hubport,id=hub1,hubid=0,netdev=net0", "-netdev", $"hubport,id=hub2,hubid=0,netdev={other}",
        }) info.ArgumentList.Add(arg);
    }

    /// <param name="until">When the output shows this text, the run has said what it had to:
    /// the process tree is ended (a shell prompt never ends by itself) and the result has
    /// exit code -1, not timed out.</param>
    internal static BootResult Run(ProcessStartInfo info, TimeSpan? timeout, IReadOnlyList<(string? After, string Text)>? typing, string? until = null)
    {
        var started = Stopwatch.StartNew();
        BootResult result = RunUntimed(info, timeout, typing, until);
        NoteBootTime(info, started.Elapsed, result);
        return result;
    }

    /// <summary>One line per QEMU run in artifacts/test-results/qemu-boots.tsv (seconds, exit
    /// status, machine, options): where the suite's half hour goes, to split or trim by
    /// measurement. A line is under 300 characters and a run of the suite makes a few hundred.</summary>
    private static void NoteBootTime(ProcessStartInfo info, TimeSpan elapsed, BootResult result)
    {
        string options = info.ArgumentList.FirstOrDefault(a => a.StartsWith("name=opt/aurora/cmdline,string=", StringComparison.Ordinal))?["name=opt/aurora/cmdline,string=".Length..] ?? "";
        string drive = info.ArgumentList.FirstOrDefault(a => a.EndsWith(".iso", StringComparison.Ordinal) || a.Contains(".img", StringComparison.Ordinal)) ?? "";
        string line = $"{elapsed.TotalSeconds:F1}\t{result.ExitCode}{(result.TimedOut ? " (timed out)" : "")}\t{Path.GetFileName(info.FileName)}\t{Path.GetFileName(drive.Split(',').Last().Replace("file=", ""))}\t{(options.Length > 120 ? options[..120] + "..." : options)}\n";
        try
        {
            string directory = Path.Combine(FindRoot(), "artifacts", "test-results");
            Directory.CreateDirectory(directory);
            lock (s_timesLock) File.AppendAllText(Path.Combine(directory, "qemu-boots.tsv"), line);
        }
        catch (IOException)
        {
            // Only a note: the boot's own assertions decide the test.
        }
    }

    private static readonly object s_timesLock = new();

    private static BootResult RunUntimed(ProcessStartInfo info, TimeSpan? timeout, IReadOnlyList<(string? After, string Text)>? typing, string? until)
    {
        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        // Read as it comes, not by lines: a shell's prompt ends with no newline.
        System.Threading.Tasks.Task Pump(StreamReader reader) => System.Threading.Tasks.Task.Run(() =>
        {
            var buffer = new char[4096];
            int count;
            while ((count = reader.Read(buffer, 0, buffer.Length)) > 0)
            {
                lock (output) output.Append(buffer, 0, count);
            }
        });
        var pumps = new[] { Pump(process.StandardOutput), Pump(process.StandardError) };
        if (typing is null)
        {
            process.StandardInput.Close();
        }
        else
        {
            _ = System.Threading.Tasks.Task.Run(() =>
            {
                var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(300));
                try
                {
                    // A cue counts only where it appears after the previous cue's match, so a
                    // word the session printed before cannot release a later step early.
                    int searchFrom = 0;
                    foreach ((string? after, string text) in typing)
                    {
                        while (after is not null && DateTime.UtcNow < deadline && !process.HasExited)
                        {
                            lock (output)
                            {
                                string shown = output.ToString();
                                int at = shown.IndexOf(after, Math.Min(searchFrom, shown.Length), StringComparison.Ordinal);
                                if (at >= 0)
                                {
                                    searchFrom = at + after.Length;
                                    break;
                                }
                            }

                            System.Threading.Thread.Sleep(20);
                        }

                        process.StandardInput.Write(text.Replace("\n", "\r"));
                        process.StandardInput.Flush();
                    }

                    process.StandardInput.Close();
                }
                catch (IOException)
                {
                    // QEMU is gone already; the assertions on its output will say why.
                }
                catch (InvalidOperationException)
                {
                }
            });
        }

        var end = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(300));
        bool exited = false, seen = false;
        while (!exited && !seen && DateTime.UtcNow < end)
        {
            exited = process.WaitForExit(50);
            if (until is not null)
            {
                lock (output) seen = StripAnsi(output.ToString()).Contains(until, StringComparison.Ordinal);
            }
        }

        if (!exited)
        {
            if (seen) System.Threading.Thread.Sleep(500); // the rest of the line
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.WaitForExit();
        System.Threading.Tasks.Task.WaitAll(pumps, TimeSpan.FromSeconds(10)); // drain the output
        string serial;
        lock (output) serial = StripAnsi(output.ToString());
        return new BootResult(exited ? process.ExitCode : -1, serial, !exited && !seen);
    }

    /// <summary>Removes terminal escape sequences (colours from the kernel, screen control
    /// from the firmware) so assertions read plain text.</summary>
    public static string StripAnsi(string text)
    {
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\u001b' && i + 1 < text.Length && text[i + 1] == '[')
            {
                i += 2;
                while (i < text.Length && !(text[i] >= '@' && text[i] <= '~')) i++;
                continue;
            }
            if (text[i] == '\r') continue;
            result.Append(text[i]);
        }
        return result.ToString();
    }

    private static string FindRoot()
    {
        for (string? dir = AppContext.BaseDirectory; dir is not null; dir = Path.GetDirectoryName(dir))
            if (File.Exists(Path.Combine(dir, "Aurora.sln"))) return dir;
        throw new DirectoryNotFoundException("cannot find the repository root (Aurora.sln) above " + AppContext.BaseDirectory);
    }
}
