using System;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Files;

/// <summary>
/// The character devices (Linux's <c>chrdevs</c> / <c>cdev_map</c>): a device number
/// (major, minor) → how to open it. Opening a character-device node, wherever it is (devfs,
/// or a node mknod made on tmpfs), comes here with the node's st_rdev, so the node is only a
/// name and the device is the file (Linux's <c>chrdev_open</c>). A device's open makes an open
/// file description of its own kind (its <see cref="FileOperations"/>); the registry then gives
/// it the access mode and status flags open(2) asked for. Filled once at boot
/// (<see cref="Initialize"/>), read-only afterwards, so it needs no lock.
/// </summary>
internal static unsafe class Devices
{
    /// <summary>Opens a device: a new description with one reference, or null when the heap is out.</summary>
    internal struct Device
    {
        public uint Major;
        public uint Minor;
        public delegate*<OpenFileDescription*> Open;
        /// <summary>A device whose open depends on the call (a terminal: which one /dev/tty
        /// is, whether it becomes the caller's controlling terminal): (major, minor, flags,
        /// process, out description) → 0 or -errno. Used instead of <see cref="Open"/> when set.</summary>
        public delegate*<int, int, int, Process*, OpenFileDescription**, long> OpenFor;
    }

    private const int Capacity = 32;
    private static Device* s_devices;
    private static int s_count;

    // Linux's numbers (Documentation/admin-guide/devices.txt).
    internal const uint MemoryMajor = 1, TtyMajor = 4, TtyAuxMajor = 5;
    internal const uint NullMinor = 3, ZeroMinor = 5, FullMinor = 7, RandomMinor = 8, UrandomMinor = 9;
    internal const uint Tty1Minor = 1, TtyS0Minor = 64, TtyMinor = 0, ConsoleMinor = 1;

    /// <summary>st_rdev as Linux encodes it for user space (new_encode_dev, glibc's
    /// makedev): minor's low byte, major's 12 bits, then minor's upper bits.</summary>
    internal static ulong Encode(uint major, uint minor) =>
        (minor & 0xFFUL) | ((major & 0xFFFUL) << 8) | ((ulong)(minor & ~0xFFu) << 12) | ((ulong)(major & ~0xFFFu) << 32);

    internal static uint MajorOf(ulong device) => (uint)(((device >> 8) & 0xFFF) | ((device >> 32) & ~0xFFFUL));

    internal static uint MinorOf(ulong device) => (uint)((device & 0xFF) | ((device >> 12) & ~0xFFUL));

    /// <summary>Registers the devices the kernel has: the memory devices (MemoryDevices.cs)
    /// and the terminals.</summary>
    internal static void Initialize()
    {
        s_devices = (Device*)Memory.KernelMemory.Allocate((nuint)(Capacity * sizeof(Device)));
        if (s_devices == null) Panic.Fail("no memory for the device table");
        MemoryDevices.Register();
        RegisterTerminals();
        Modules.ModuleDevices.Register();
    }

    /// <summary>The terminals (Terminals/TerminalDevices.cs): /dev/tty (5:0) the caller's
    /// controlling terminal, /dev/console (5:1) the boot console, /dev/tty0 (4:0) and /dev/tty1
    /// (4:1) the screen, /dev/ttyS0 (4:64) the serial line.</summary>
    private static void RegisterTerminals()
    {
        RegisterTerminal(TtyAuxMajor, TtyMinor);
        RegisterTerminal(TtyAuxMajor, ConsoleMinor);
        RegisterTerminal(TtyMajor, 0);
        RegisterTerminal(TtyMajor, Tty1Minor);
        RegisterTerminal(TtyMajor, TtyS0Minor);
    }

    private static void RegisterTerminal(uint major, uint minor) => RegisterOpenFor(major, minor, &OpenTerminal);

    /// <summary>A device whose open needs its number and the caller (see <see cref="Device.OpenFor"/>).</summary>
    internal static void RegisterOpenFor(uint major, uint minor, delegate*<int, int, int, Process*, OpenFileDescription**, long> open)
    {
        Register(major, minor, null);
        s_devices[s_count - 1].OpenFor = open;
    }

    private static long OpenTerminal(int major, int minor, int flags, Process* process, OpenFileDescription** description) =>
        Terminals.TerminalDevices.Open(major, minor, flags, process, out *description);

    internal static void Register(uint major, uint minor, delegate*<OpenFileDescription*> open)
    {
        if (s_count == Capacity) Panic.Fail("the device table is full");
        s_devices[s_count].Major = major;
        s_devices[s_count].Minor = minor;
        s_devices[s_count].Open = open;
        s_devices[s_count].OpenFor = null;
        s_count++;
    }

    internal static bool Exists(ulong device) => Find(device) != null;

    private static Device* Find(ulong device)
    {
        uint major = MajorOf(device), minor = MinorOf(device);
        for (int i = 0; i < s_count; i++)
        {
            if (s_devices[i].Major == major && s_devices[i].Minor == minor) return &s_devices[i];
        }

        return null;
    }

    /// <summary>open(2) of a character-device node with st_rdev <paramref name="device"/>:
    /// 0 and a description with one reference, -ENXIO for a number no driver has (Linux's
    /// chrdev_open), -ENOMEM.</summary>
    internal static long Open(ulong device, int flags, out OpenFileDescription* description)
    {
        description = null;
        Device* found = Find(device);
        if (found == null) return -Syscalls.Errno.ENXIO;
        if (found->OpenFor != null)
        {
            OpenFileDescription* opened = null;
            long result = found->OpenFor((int)found->Major, (int)found->Minor, flags, Process.Current, &opened);
            if (result < 0) return result;
            description = opened;
        }
        else
        {
            description = found->Open();
            if (description == null) return -Syscalls.Errno.ENOMEM;
        }

        // What F_GETFL reports is what this open asked for, not the device's default.
        description->StatusFlags = (flags | OpenFileDescription.LargeFile) &
            ~(OpenFileDescription.CreateFlag | OpenFileDescription.Exclusive | OpenFileDescription.NoControllingTerminal |
              OpenFileDescription.Truncate | OpenFileDescription.CloseOnExec);
        return 0;
    }
}
