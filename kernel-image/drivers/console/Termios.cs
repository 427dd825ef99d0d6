using System.Runtime.InteropServices;

namespace Aurora.Kernel.Drivers.Console;

/// <summary>
/// The kernel's <c>struct termios</c> as TCGETS/TCSETS pass it on x86-64 (Linux
/// include/uapi/asm-generic/termbits.h): four flag words, the line discipline and 19 control
/// characters, 36 bytes. (A C library's own termios is larger and starts with these fields;
/// musl hands its struct to the ioctl as it is, glibc translates.)
/// </summary>
[StructLayout(LayoutKind.Sequential, Size = Size)]
public unsafe struct Termios
{
    public const int Size = 36, ControlCount = 19;

    public uint InputFlags;
    public uint OutputFlags;
    public uint ControlFlags;
    public uint LocalFlags;
    public byte Line;
    public fixed byte Control[ControlCount];

    // c_iflag (octal in termbits.h).
    public const uint Istrip = 0x20, Inlcr = 0x40, Igncr = 0x80, Icrnl = 0x100, Ixon = 0x400;

    // c_oflag.
    public const uint Opost = 0x1, Onlcr = 0x4, Ocrnl = 0x8, Onocr = 0x10, Onlret = 0x20;

    // c_cflag: B38400 | CS8 | CREAD | HUPCL, and CLOCAL for a serial line.
    public const uint B38400 = 0xF, Cs8 = 0x30, Cread = 0x80, Hupcl = 0x400, Clocal = 0x800;

    // c_lflag.
    public const uint Isig = 0x1, Icanon = 0x2, Echo = 0x8, EchoErase = 0x10, EchoKill = 0x20, EchoNewline = 0x40,
        NoFlush = 0x80, Tostop = 0x100, EchoControl = 0x200, EchoKillErase = 0x800, Iexten = 0x8000;

    // c_cc indexes.
    public const int Vintr = 0, Vquit = 1, Verase = 2, Vkill = 3, Veof = 4, Vtime = 5, Vmin = 6, Vstart = 8,
        Vstop = 9, Vsusp = 10, Veol = 11, Vreprint = 12, Vwerase = 14, Vlnext = 15, Veol2 = 16;

    /// <summary>A new terminal's settings: Linux's tty_std_termios (drivers/tty/tty_io.c) —
    /// ICRNL|IXON, OPOST|ONLCR, ISIG|ICANON|ECHO|ECHOE|ECHOK|ECHOCTL|ECHOKE|IEXTEN and
    /// INIT_C_CC (^C ^\ DEL ^U ^D, VMIN 1, ^Q ^S ^Z, ^R ^O ^W ^V); a serial line adds CLOCAL.</summary>
    public static Termios Default(bool serial)
    {
        Termios t = default;
        t.InputFlags = Icrnl | Ixon;
        t.OutputFlags = Opost | Onlcr;
        t.ControlFlags = B38400 | Cs8 | Cread | Hupcl | (serial ? Clocal : 0);
        t.LocalFlags = Isig | Icanon | Echo | EchoErase | EchoKill | EchoControl | EchoKillErase | Iexten;
        t.Control[Vintr] = 0x03;
        t.Control[Vquit] = 0x1C;
        t.Control[Verase] = 0x7F;
        t.Control[Vkill] = 0x15;
        t.Control[Veof] = 0x04;
        t.Control[Vmin] = 1;
        t.Control[Vstart] = 0x11;
        t.Control[Vstop] = 0x13;
        t.Control[Vsusp] = 0x1A;
        t.Control[Vreprint] = 0x12;
        t.Control[13] = 0x0F; // VDISCARD
        t.Control[Vwerase] = 0x17;
        t.Control[Vlnext] = 0x16;
        return t;
    }
}

/// <summary>struct winsize (TIOCGWINSZ/TIOCSWINSZ): rows, columns, pixel width and height.</summary>
[StructLayout(LayoutKind.Sequential, Size = 8)]
public struct WindowSize
{
    public ushort Rows;
    public ushort Columns;
    public ushort PixelWidth;
    public ushort PixelHeight;
}
