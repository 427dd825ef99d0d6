using System;
using Aurora.Kernel.Drivers.Console;
using Aurora.Kernel.Files;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Terminals;

/// <summary>
/// The terminals there are and their device numbers (Linux Documentation/admin-guide/devices.txt):
/// ttyS0 (4:64), the serial line on COM1 — its receive interrupt is Console/ConsoleInput.cs;
/// tty1 (4:1, and tty0 4:0, "the current virtual console"), the screen console's output with
/// the PS/2 keyboard (IRQ 1) as input; /dev/console (5:1), the boot console, which is ttyS0;
/// /dev/tty (5:0), the caller's controlling terminal. Until tty1 is first opened, what ttyS0
/// prints is shown on the screen too (the screen then shows what the kernel's console shows,
/// as before terminals existed). For devfs: <see cref="Open"/> by device number.
/// </summary>
internal static unsafe class TerminalDevices
{
    internal const int TtyMajor = 4, AuxiliaryMajor = 5;
    internal const int SerialMinor = 64, ScreenMinor = 1, CurrentConsoleMinor = 0;
    internal const int ControllingMinor = 0, ConsoleMinor = 1; // of AuxiliaryMajor

    private const int KeyboardIrq = 1;
    private const ushort KeyboardData = 0x60, KeyboardStatus = 0x64;
    private const byte OutputFull = 0x01, AuxiliaryData = 0x20;

    private static Terminal* s_serial;
    private static Terminal* s_screen;
    private static bool s_screenOpened;
    private static KeyboardDecoder s_keyboard;

    /// <summary>ttyS0, also /dev/console: the serial line.</summary>
    internal static Terminal* Serial => s_serial;

    /// <summary>tty1: the screen console and the keyboard.</summary>
    internal static Terminal* Screen => s_screen;

    /// <summary>Keyboard interrupts handled (for tests).</summary>
    internal static ulong KeyboardInterrupts;

    /// <summary>At boot, with the heap up and interrupts still off: both terminals with
    /// Linux's default settings; the keyboard's interrupt. (The serial line's interrupt is
    /// ConsoleInput's.)</summary>
    internal static void Initialize()
    {
        s_serial = (Terminal*)KernelMemory.Allocate((nuint)sizeof(Terminal));
        s_screen = (Terminal*)KernelMemory.Allocate((nuint)sizeof(Terminal));
        if (s_serial == null || s_screen == null) Panic.Fail("no memory for the terminals");
        s_serial->Initialize(TtyMajor, SerialMinor, &SerialDevice, serial: true, 24, 80);
        ushort rows = 25, columns = 80;
        if (Kernel.Screen.UsingFramebuffer)
        {
            rows = (ushort)Kernel.Screen.Framebuffer.Rows;
            columns = (ushort)Kernel.Screen.Framebuffer.Columns;
        }

        s_screen->Initialize(TtyMajor, ScreenMinor, &Log.WriteScreen, serial: false, rows, columns);
        if (Kernel.Screen.UsingFramebuffer || Kernel.Screen.UsingVgaText)
        {
            InterruptController.Register(KeyboardIrq, &OnKeyboardInterrupt, null!);
            EnableKeyboardInterrupts();
        }
    }

    private const byte InputFull = 2;
    private const byte ReadConfiguration = 0x20, WriteConfiguration = 0x60;
    private const byte ConfigurationKeyboardInterrupt = 0x01, ConfigurationKeyboardClockOff = 0x10, ConfigurationTranslate = 0x40;

    /// <summary>The 8042 as the firmware left it may not interrupt (UEFI firmware polls it) and
    /// may hold a byte already: then IRQ 1, an edge at the PIC, never comes. The controller's
    /// configuration byte gets the keyboard's interrupt and clock on and scan-code translation
    /// (set 1, what the decoder reads), and what waits in the output buffer is dropped.
    /// Interrupts off; every wait is bounded (no controller: nothing happens).</summary>
    private static void EnableKeyboardInterrupts()
    {
        Drain();
        if (!WaitInputEmpty()) return;
        Io.Out8(KeyboardStatus, ReadConfiguration);
        if (!WaitOutputFull()) return;
        byte configuration = Io.In8(KeyboardData);
        configuration = (byte)((configuration | ConfigurationKeyboardInterrupt | ConfigurationTranslate) & ~ConfigurationKeyboardClockOff);
        if (!WaitInputEmpty()) return;
        Io.Out8(KeyboardStatus, WriteConfiguration);
        if (!WaitInputEmpty()) return;
        Io.Out8(KeyboardData, configuration);
        Drain();
    }

    private static bool WaitInputEmpty()
    {
        for (int i = 0; i < 100_000; i++)
        {
            if ((Io.In8(KeyboardStatus) & InputFull) == 0) return true;
        }

        return false;
    }

    private static bool WaitOutputFull()
    {
        for (int i = 0; i < 100_000; i++)
        {
            if ((Io.In8(KeyboardStatus) & OutputFull) != 0) return true;
        }

        return false;
    }

    private static void Drain()
    {
        for (int i = 0; i < 16 && (Io.In8(KeyboardStatus) & OutputFull) != 0; i++) Io.In8(KeyboardData);
    }

    /// <summary>ttyS0's device: the UART, and the screen while no one has opened tty1.</summary>
    private static void SerialDevice(byte value)
    {
        Log.WriteSerialRaw(value);
        if (!s_screenOpened) Log.WriteScreen(value);
    }

    /// <summary>IRQ 1: scan codes from the 8042's output buffer (not the mouse's bytes) through
    /// the keymap into tty1.</summary>
    private static bool OnKeyboardInterrupt(object context)
    {
        KeyboardInterrupts++;
        byte* typed = stackalloc byte[8];
        for (int guard = 0; guard < 16; guard++)
        {
            byte status = Io.In8(KeyboardStatus);
            if ((status & OutputFull) == 0) break;
            byte code = Io.In8(KeyboardData);
            if ((status & AuxiliaryData) != 0) continue;
            int n = s_keyboard.Decode(code, new Span<byte>(typed, 8));
            if (n > 0) Terminal.Receive(s_screen, new ReadOnlySpan<byte>(typed, n));
        }

        return true;
    }

    /// <summary>The terminal behind a device number for <paramref name="process"/> (5:0 is its
    /// controlling terminal), or null (ENXIO).</summary>
    internal static Terminal* Find(int major, int minor, Process* process)
    {
        if (major == AuxiliaryMajor && minor == ControllingMinor) return process->ControllingTerminal;
        if (major == AuxiliaryMajor && minor == ConsoleMinor) return s_serial;
        if (major == TtyMajor && minor == SerialMinor) return s_serial;
        if (major == TtyMajor && (minor == ScreenMinor || minor == CurrentConsoleMinor)) return s_screen;
        return null;
    }

    /// <summary>open(2) of a terminal device node: a new description, or -errno (ENXIO: no
    /// such terminal, or /dev/tty without a controlling terminal). A session leader without a
    /// controlling terminal that opens ttyS0 or tty1 without O_NOCTTY, while no session has
    /// it, gets it as its controlling terminal (/dev/console, /dev/tty0 and /dev/tty never
    /// become one, as on Linux).</summary>
    internal static long Open(int major, int minor, int flags, Process* process, out OpenFileDescription* description)
    {
        description = null;
        Terminal* terminal = Find(major, minor, process);
        if (terminal == null) return -Syscalls.Errno.ENXIO;
        description = OpenFileDescription.Create(Terminal.Operations, terminal, flags);
        if (description == null) return -Syscalls.Errno.ENOMEM;
        if (terminal == s_screen) s_screenOpened = true;
        bool mayControl = major == TtyMajor && minor != CurrentConsoleMinor && (flags & OpenFileDescription.NoControllingTerminal) == 0;
        if (mayControl)
        {
            bool table = Process.LockTable();
            if (process->SessionId == process->Id && process->ControllingTerminal == null && terminal->Session == 0)
                Terminal.Attach(terminal, process);
            Process.UnlockTable(table);
        }

        return 0;
    }

    /// <summary>A description of the boot console (ttyS0) for the standard descriptors of the
    /// processes the kernel starts; null when the heap is out.</summary>
    internal static OpenFileDescription* OpenConsole() =>
        OpenFileDescription.Create(Terminal.Operations, s_serial, OpenFileDescription.ReadWrite | OpenFileDescription.LargeFile);
}
