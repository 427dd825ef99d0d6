using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Text.RegularExpressions;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>Boots the aarch64 image (artifacts/aurora-aarch64.img, `./aurora build --arch
/// aarch64`) in qemu-system-aarch64 -M virt with Debian's UEFI firmware and GRUB for arm64,
/// and checks what the bring-up kernel proves on the way to its ready line; and the Limine
/// image (artifacts/aurora-aarch64-limine.img, built when LIMINE_DIR is set) the same way.</summary>
public class Aarch64BootTests
{
    private const string Firmware = "/usr/share/qemu-efi-aarch64/QEMU_EFI.fd";

    private static string Image => Path.Combine(QemuBoot.Artifacts, "aurora-aarch64.img");

    internal static string LimineImage => Path.Combine(QemuBoot.Artifacts, "aurora-aarch64-limine.img");

    /// <summary>As x86_64's Limine boots (KernelSuite.Paths): they run when the build made a
    /// Limine image or LIMINE_DIR is set (then a missing image fails), and are skipped, saying
    /// why, otherwise.</summary>
    internal static bool LimineWanted => File.Exists(LimineImage) || Environment.GetEnvironmentVariable("LIMINE_DIR") is { Length: > 0 };

    /// <summary>The command line of tools/aarch64.sh (aarch64_qemu_args), plus the kernel
    /// options through fw_cfg as on x86_64. The kernel ends QEMU with PSCI SYSTEM_OFF: status 0.</summary>
    private static BootResult Boot(string kernelOptions) => Boot(kernelOptions, Image, TimeSpan.FromSeconds(120));

    /// <param name="memory">QEMU's -m: 256M for the boot tests; the in-kernel suite asks for more
    /// (Aarch64KernelTests: room for cowstorm's 24 workers x 40 children).</param>
    /// <param name="network">Extra options of the user-mode network (",hostfwd=..."), as x86_64's QemuBoot.Boot.</param>
    /// <param name="typing">Typed on the serial console after each cue (QemuBoot.Run).</param>
    /// <param name="cpu">QEMU's -cpu: cortex-a72 (ARMv8.0) for every boot but the ones that need
    /// a later architecture's features (Aarch64ProtectionTests: PAN under "max").</param>
    /// <param name="hubWith">Another netdev on a hub with the card and the user network (QemuBoot.PutCardOnHub).</param>
    internal static BootResult Boot(string kernelOptions, string image, TimeSpan timeout, string memory = "256M", string network = "",
        IReadOnlyList<(string? After, string Text)>? typing = null, string cpu = "cortex-a72", string? hubWith = null)
    {
        ProcessStartInfo info = QemuCommand(kernelOptions, image, "none", memory, network, cpu);
        if (hubWith is not null) QemuBoot.PutCardOnHub(info, "virtio-net-pci", hubWith);
        return QemuBoot.Run(info, timeout, typing);
    }

    /// <summary>tools/aarch64.sh's aarch64_qemu_args (ramfb as the screen, a virtio-net-pci
    /// card on QEMU's user network, the edu device for the module tests), the serial console on
    /// stdio, the monitor as given.</summary>
    internal static ProcessStartInfo QemuCommand(string kernelOptions, string image, string monitor, string memory = "256M", string network = "",
        string cpu = "cortex-a72")
    {
        if (!File.Exists(image))
            throw new FileNotFoundException($"{image} is missing: build it with `./aurora build --arch aarch64 [--test]` (./aurora test does; LIMINE_DIR set makes the -limine image)");
        var info = new ProcessStartInfo("qemu-system-aarch64")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[]
        {
            "-M", "virt,acpi=off", "-cpu", cpu, "-m", memory, "-smp", "1", "-bios", Firmware,
            "-drive", $"if=virtio,format=raw,snapshot=on,file={image}", "-device", "ramfb", "-display", "none", "-no-reboot",
            "-netdev", "user,id=net0" + network, "-device", "virtio-net-pci,netdev=net0,romfile=",
            "-device", "edu",
            "-serial", "stdio", "-monitor", monitor,
            "-fw_cfg", $"name=opt/aurora/cmdline,string={kernelOptions}",
        }) info.ArgumentList.Add(arg);
        return info;
    }

    /// <summary>Boots <paramref name="image"/> to its ready line and then takes QEMU's picture of
    /// the screen (the monitor's screendump: a PPM of ramfb as the guest drew it).</summary>
    private static (string Serial, Ppm Screen) BootAndTakeScreenshot(string image)
    {
        string work = Directory.CreateTempSubdirectory("aurora-a64-screen-").FullName;
        try
        {
            string monitorPath = Path.Combine(work, "monitor.sock"), picture = Path.Combine(work, "screen.ppm");
            using var qemu = Process.Start(QemuCommand("screen-test", image, "unix:" + monitorPath + ",server,nowait"))!;
            var serial = new System.Text.StringBuilder();
            qemu.ErrorDataReceived += (_, e) => { if (e.Data != null) lock (serial) serial.Append(e.Data).Append('\n'); };
            qemu.BeginErrorReadLine();
            var reader = new System.Threading.Thread(() =>
            {
                var buffer = new char[4096];
                int n;
                while ((n = qemu.StandardOutput.Read(buffer, 0, buffer.Length)) > 0)
                    lock (serial) if (serial.Length < 1 << 20) serial.Append(buffer, 0, n);
            }) { IsBackground = true };
            reader.Start();
            string Shown() { lock (serial) return QemuBoot.StripAnsi(serial.ToString().Replace("\r", "")); }
            try
            {
                var end = DateTime.UtcNow + TimeSpan.FromSeconds(180);
                while (DateTime.UtcNow < end && !qemu.HasExited && !Shown().Contains("Aurora ready.", StringComparison.Ordinal))
                    System.Threading.Thread.Sleep(100);
                Assert.True(Shown().Contains("Aurora ready.", StringComparison.Ordinal), "no ready line:\n" + Shown());
                System.Threading.Thread.Sleep(500);   // the kernel idles after the ready line
                using var monitor = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.Unix,
                    System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Unspecified);
                monitor.Connect(new System.Net.Sockets.UnixDomainSocketEndPoint(monitorPath));
                monitor.Send(System.Text.Encoding.ASCII.GetBytes("screendump " + picture + "\n"));
                var written = DateTime.UtcNow + TimeSpan.FromSeconds(30);
                Ppm? screen = null;
                while (screen == null && DateTime.UtcNow < written)
                {
                    System.Threading.Thread.Sleep(200);
                    screen = Ppm.TryRead(picture);
                }
                Assert.True(screen != null, "QEMU wrote no screendump:\n" + Shown());
                return (Shown(), screen!);
            }
            finally
            {
                if (!qemu.HasExited) qemu.Kill(entireProcessTree: true);
                qemu.WaitForExit();
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>What the framebuffer console must have drawn by the ready line: text in the
    /// top-left cell row (8x16 glyphs, drivers/console/Font8x16.cs; the log has scrolled past
    /// it or begins there, so it is never empty) and the ready line's green, which neither
    /// the firmware's nor GRUB's or Limine's screens use.</summary>
    private static void AssertTheConsoleDrewTheLog(string serial, Ppm screen)
    {
        Assert.Matches(@"console: PL011, framebuffer console \(\d+x\d+ at 0x[0-9a-f]+, ", serial);
        (byte R, byte G, byte B) background = screen.Pixel(screen.Width - 1, screen.Height - 1);
        int differing = 0;
        for (int y = 0; y < 16; y++)
            for (int x = 0; x < Math.Min(screen.Width, 8 * 20); x++)
                if (screen.Pixel(x, y) != background) differing++;
        Assert.True(differing > 0, $"the top-left glyph rows are all background {background} in the {screen.Width}x{screen.Height} screendump");
        int green = 0;
        for (int y = 0; y < screen.Height; y++)
            for (int x = 0; x < screen.Width; x++)
            {
                var (r, g, b) = screen.Pixel(x, y);
                if (g >= 0x80 && r < 0x80 && b < 0x80) green++;
            }
        Assert.True(green > 0, $"no green pixel (the ready line) in the screendump; the top-left cells had {differing} foreground pixels");
    }

    [Fact]
    public void TheFramebufferConsoleShowsTheLogOnRamfb()
    {
        (string serial, Ppm screen) = BootAndTakeScreenshot(Image);
        Assert.Contains("console: PL011, framebuffer console (800x600 at ", serial);
        Assert.Contains(", UEFI GOP)", serial);
        Assert.Equal((800, 600), (screen.Width, screen.Height));
        AssertTheConsoleDrewTheLog(serial, screen);
        Assert.DoesNotContain("KERNEL PANIC", serial);
    }

    [LimineFact]
    public void BootsThroughLimineToTheReadyLine()
    {
        BootResult run = Boot("exit-after-ready", LimineImage, TimeSpan.FromSeconds(120));
        Assert.True(run.ExitCode == 0 && !run.TimedOut, $"QEMU did not power off after the ready line:\n{run}");
        string serial = run.Serial;
        Assert.Matches(@"Aurora kernel \(aarch64\), booted by Limine 8\.\d+\.\d+ \(UEFI\) via the Limine protocol at EL1", serial);
        Assert.Contains("command line \"exit-after-ready\"", serial);   // limine.conf gives none; fw_cfg's item
        Assert.Contains("devices: from the device tree: PL011 at 0x9000000, GICv2 at 0x8000000/0x8010000, fw_cfg at 0x9020000, PSCI through HVC", serial);
        // Limine's map and its modules (the arm64 programs as files beside the kernel).
        Match memory = Regex.Match(serial, @"memory: (\d+) MiB usable in \d+ of \d+ Limine map entries; (\d+) boot modules");
        Assert.True(memory.Success, serial);
        Assert.InRange(int.Parse(memory.Groups[1].Value), 64, 256);
        Assert.True(int.Parse(memory.Groups[2].Value) >= 2, serial);
        Assert.Contains(", Limine's framebuffer)", serial);
        Assert.Matches(@"paging: own tables \(4 KiB granule, 48-bit, components/vmm's AArch64 format, \d+ table frames\): the image W\^X at 0xffffffff80000000, direct map at 0xffff800000000000, identity map below; the MMU's walk agrees at 5 probes", serial);
        Match frames = Regex.Match(serial, @"memory: kernel/Memory on components/pmm and components/heap: (\d+) MiB free of (\d+) MiB managed");
        Assert.True(frames.Success, serial);
        Assert.InRange(int.Parse(frames.Groups[2].Value), 64, 256);
        Assert.Matches(@"timer: generic timer \(\d+ kHz counter\) at 1000 Hz through the GICv2", serial);
        Assert.Contains("user: 0 wrong", serial);
        Assert.Matches(@"user: the program ran in an address space of its own \(a TTBR0 root\); destroyed, it gave back ([1-9]\d*) of the \1 frames it took", serial);
        Assert.Matches(@"processes: .*; files: tmpfs at /, \d+ programs in /bin", serial);
        Assert.Contains("Aurora ready.", serial);
        Assert.DoesNotContain("KERNEL PANIC", serial);
    }

    [LimineFact]
    public void TheFramebufferConsoleShowsTheLogUnderLimine()
    {
        (string serial, Ppm screen) = BootAndTakeScreenshot(LimineImage);
        Assert.Contains(", Limine's framebuffer)", serial);
        AssertTheConsoleDrewTheLog(serial, screen);
        Assert.DoesNotContain("KERNEL PANIC", serial);
    }

    [Fact]
    public void BootsThroughUefiAndGrubToTheReadyLine()
    {
        BootResult run = Boot("exit-after-ready");
        Assert.True(run.ExitCode == 0 && !run.TimedOut, $"QEMU did not power off after the ready line:\n{run}");
        string serial = run.Serial;
        Assert.Contains("Booting `Aurora'", serial);                 // GRUB's menu entry
        Assert.Matches(@"Aurora kernel \(aarch64\), booted by EDK II \(UEFI, firmware revision 0x[0-9a-f]+\) at EL1", serial);
        Assert.Matches(@"command line ""BOOT_IMAGE=/boot/aurora.efi exit-after-ready""", serial);
        Assert.Contains("devices: from the device tree: PL011 at 0x9000000, GICv2 at 0x8000000/0x8010000, fw_cfg at 0x9020000, PSCI through HVC", serial);
        Match memory = Regex.Match(serial, @"memory: (\d+) MiB usable in \d+ of \d+ UEFI map entries; boot services exited");
        Assert.True(memory.Success, serial);
        int mebibytes = int.Parse(memory.Groups[1].Value);
        Assert.InRange(mebibytes, 64, 256);                          // -m 256M, less the firmware's and ours
        Assert.Matches(@"paging: own tables \(4 KiB granule, 48-bit, components/vmm's AArch64 format, \d+ table frames\): the image W\^X at 0xffffffff80000000, direct map at 0xffff800000000000, identity map below; the MMU's walk agrees at 5 probes", serial);
        Assert.Matches(@"kernel: image at 0xffffffff80000000 \(physical 0x[0-9a-f]+\)", serial);
        // The network card: PCI through ECAM, the virtio-net driver on its INTx, a DHCP lease
        // from QEMU's user network.
        Assert.Matches(@"pci: ECAM at 0x[0-9a-f]+, buses 0-\d+, \d+ functions, 16 INTx routes; BARs the firmware left unassigned: 0 assigned, 0 without room", serial);
        Assert.Contains("net: virtio-net, MAC 52:54:00:12:34:56, on its interrupt, IPv4 by DHCP", serial);
        Assert.Contains("net: DHCP lease 10.0.2.15/24 via 10.0.2.2", serial);
        Assert.Matches(@"exceptions: breakpoint \(BRK #0x42\) at 0x[0-9a-f]+ taken at EL1 and stepped over", serial);
        Match timer = Regex.Match(serial, @"timer: generic timer \((\d+) kHz counter\) at 1000 Hz through the GICv2 \(\d+ lines\); 100 ticks took (\d+) ms of counter time");
        Assert.True(timer.Success, serial);
        // 100 ticks of 1 ms: at least 100 ms of the counter (fewer would mean ticks came
        // faster than asked); an upper bound only tells "ticked" from "hung" on a loaded host.
        Assert.InRange(int.Parse(timer.Groups[2].Value), 99, 20_000);
        // CFS shares the processor by weight (1024 against 335 for nice 5): the ratio of the
        // runtime the queue charged, tick by tick, whatever the host's speed.
        // The portable kernel's scheduler (kernel/Tasks) does it, the boot thread asleep in
        // Scheduler.Sleep(400) meanwhile (at least 400 ticks).
        Match threads = Regex.Match(serial, @"scheduler: kernel/Tasks on components/sched's CFS queue; two threads at nice 0 and 5 ran (\d+) and (\d+) ms \(ratio (\d+)\.(\d)[^)]*\) while the boot thread slept (\d+) ticks; (\d+) switches");
        Assert.True(threads.Success, serial);
        double ratio = double.Parse(threads.Groups[1].Value) / double.Parse(threads.Groups[2].Value);
        Assert.InRange(ratio, 2.0, 4.5);
        Assert.True(int.Parse(threads.Groups[5].Value) >= 400, "Scheduler.Sleep(400) returned early:\n" + serial);
        Assert.True(int.Parse(threads.Groups[6].Value) >= 10, "the timer preempted the threads too rarely:\n" + serial);
        // kernel/Memory runs there: the frame allocator over the UEFI map, the heap, stacks.
        Match frames = Regex.Match(serial, @"memory: kernel/Memory on components/pmm and components/heap: (\d+) MiB free of (\d+) MiB managed");
        Assert.True(frames.Success, serial);
        Assert.InRange(int.Parse(frames.Groups[2].Value), 64, 256);
        // A WaitQueue: woken by the boot thread's WakeAll, and a 30 ms wait that times out.
        Match waits = Regex.Match(serial, @"wait queues: a waiter slept on its queue until woken \(Woken\), then a 30 ms wait timed out after (\d+) ticks \(TimedOut\)");
        Assert.True(waits.Success, serial);
        Assert.True(int.Parse(waits.Groups[1].Value) >= 30, serial);
        // The built-in arm64 program (userland/aarch64/hello.c) at EL0: its own checks of the
        // answers (as Linux gives them: it prints 0 wrong under qemu-aarch64 too) and its exit.
        Assert.Contains("hello from EL0 through svc #0", serial);
        Assert.Contains("user: 0 wrong", serial);
        Assert.Matches(@"user: EL0 program exited with status 0 after \d+ system calls \(svc #0, Linux arm64 numbers\)", serial);
        // It ran in its own TTBR0 root (the kernel's objects and devices are all in the upper
        // half), and every frame that space took came back with it.
        Assert.Matches(@"user: the program ran in an address space of its own \(a TTBR0 root\); destroyed, it gave back ([1-9]\d*) of the \1 frames it took", serial);
        Assert.Matches(@"power: PSCI 1\.\d+ through HVC", serial);
        Assert.Contains("Aurora ready.", serial);
        Assert.DoesNotContain("KERNEL PANIC", serial);
    }

    [Fact]
    public void AnUnexpectedExceptionIsAReadablePanic()
    {
        BootResult run = Boot("panic-test exit-on-panic");
        Assert.True(run.ExitCode == 0 && !run.TimedOut, $"QEMU did not power off after the panic:\n{run}");
        string serial = run.Serial;
        int ready = serial.IndexOf("Aurora ready.", StringComparison.Ordinal);
        int panic = serial.IndexOf("KERNEL PANIC: breakpoint instruction (BRK) (synchronous, EL1)", StringComparison.Ordinal);
        Assert.True(ready >= 0 && panic > ready, serial);
        Assert.Contains("ESR 0xf2000042 (EC 0x3c, ISS 0x42)", serial);   // BRK #0x42 (cpu.S)
        for (int i = 0; i < 31; i++) Assert.Matches($@"\bx{i} 0x[0-9a-f]{{16}}", serial);
        Assert.Matches(@"ELR 0x[0-9a-f]{16}  SPSR 0x[0-9a-f]{8}  SP 0x[0-9a-f]{16}", serial);
        Assert.Matches(@"backtrace \(return addresses; [^\n]*\n    0x[0-9a-f]{16} \(image\+0x[0-9a-f]+\)", serial);
        Assert.Contains("System halted.", serial);
    }

    [Theory]
    [InlineData("fault-unmapped", "read: translation fault at level 0", "FAR 0xffff900000000000", "ESR 0x96000004 (EC 0x25")]
    [InlineData("fault-write-text", "write: permission fault at level 3", "FAR 0x", "(EC 0x25")]
    public void PageFaultsAreDecodedFromTheSyndrome(string option, string cause, string address, string syndrome)
    {
        // A read of an address no table maps, and a write to the kernel's own code: the second
        // proves the image is mapped W^X by the kernel's own tables.
        BootResult run = Boot(option + " exit-on-panic");
        Assert.True(run.ExitCode == 0 && !run.TimedOut, $"QEMU did not power off after the panic:\n{run}");
        Assert.Contains("KERNEL PANIC: data abort (synchronous, EL1)", run.Serial);
        Assert.Contains(cause, run.Serial);
        Assert.Contains(address, run.Serial);
        Assert.Contains(syndrome, run.Serial);
        Assert.Contains("System halted.", run.Serial);
    }

    [Fact]
    public void AFaultAtEl0EndsTheProgramAndNotTheKernel()
    {
        // The program writes to its own code (Linux: SIGSEGV, status 139 under qemu-aarch64).
        BootResult run = Boot("user-fault exit-after-ready");
        Assert.True(run.ExitCode == 0 && !run.TimedOut, $"QEMU did not power off after the ready line:\n{run}");
        Assert.Matches(@"user: the program took data abort from a lower EL \(write: permission fault\) at 0x[0-9a-f]+ \(FAR 0x[0-9a-f]+\); it is ended, the kernel goes on", run.Serial);
        Assert.Contains("user: EL0 program ended by its fault", run.Serial);
        Assert.Contains("Aurora ready.", run.Serial);
        Assert.DoesNotContain("KERNEL PANIC", run.Serial);
    }
}

/// <summary>A test of the Limine boot: skipped, with the reason, when there is no Limine image
/// and LIMINE_DIR is not set (<see cref="Aarch64BootTests.LimineWanted"/>).</summary>
public sealed class LimineFactAttribute : FactAttribute
{
    public LimineFactAttribute()
    {
        if (!Aarch64BootTests.LimineWanted)
            Skip = "skipped: LIMINE_DIR is not set and artifacts/aurora-aarch64-limine.img was not built (LIMINE_DIR=<Limine 8.x binary release> ./aurora build --arch aarch64)";
    }
}

/// <summary>A binary PPM (P6, maxval 255), as QEMU's screendump writes it.</summary>
internal sealed class Ppm
{
    private readonly byte[] _pixels;

    private Ppm(int width, int height, byte[] pixels) { Width = width; Height = height; _pixels = pixels; }

    public int Width { get; }

    public int Height { get; }

    public (byte R, byte G, byte B) Pixel(int x, int y)
    {
        int at = ((y * Width) + x) * 3;
        return (_pixels[at], _pixels[at + 1], _pixels[at + 2]);
    }

    /// <summary>The picture, or null while the file is missing or not yet whole.</summary>
    public static Ppm? TryRead(string path)
    {
        if (!File.Exists(path)) return null;
        byte[] data;
        try { data = File.ReadAllBytes(path); }
        catch (IOException) { return null; }
        int at = 0;
        string Token()
        {
            while (at < data.Length && char.IsWhiteSpace((char)data[at])) at++;
            int start = at;
            while (at < data.Length && !char.IsWhiteSpace((char)data[at])) at++;
            return System.Text.Encoding.ASCII.GetString(data, start, at - start);
        }
        if (Token() != "P6") return null;
        if (!int.TryParse(Token(), out int width) || !int.TryParse(Token(), out int height) || Token() != "255") return null;
        at++;   // the one whitespace byte after maxval
        if (data.Length - at < width * height * 3) return null;
        return new Ppm(width, height, data[at..(at + (width * height * 3))]);
    }
}
