using System;

namespace Aurora.Kernel.Drivers.Console;

/// <summary>
/// A terminal's line discipline (POSIX "General Terminal Interface"; Linux drivers/tty/n_tty.c
/// is the reference for every detail): typed bytes go through the input flags (ISTRIP, IGNCR,
/// ICRNL, INLCR), the keyboard signals (ISIG: VINTR, VQUIT, VSUSP), then either canonical line
/// editing (ICANON: VERASE, VWERASE, VKILL, VEOF, VEOL, VEOL2, VREPRINT, VLNEXT; a read gets
/// one complete line) or straight into the read buffer (raw: the reader's VMIN/VTIME decide);
/// echo follows ECHO, ECHOE, ECHOK, ECHOKE, ECHONL and ECHOCTL. Output goes through OPOST
/// (ONLCR, OCRNL, ONOCR, ONLRET) to the device, one byte at a time.
/// Holds no lock: the terminal that owns it serialises every call (the receive path runs in
/// the device's interrupt handler). The zero value is not ready: call <see cref="Initialize"/>.
/// </summary>
public unsafe struct LineDiscipline
{
    /// <summary>The read buffer (Linux N_TTY_BUF_SIZE) and the longest line being edited.</summary>
    public const int InputCapacity = 4096, LineCapacity = 4095;

    /// <summary>The signals the keyboard raises (Linux x86-64 numbers).</summary>
    public const int SignalInterrupt = 2, SignalQuit = 3, SignalStop = 20;

    // A read-buffer entry is the byte plus two marks: it ends a line (canonical reads stop
    // after it), or it is no byte at all but an end of file (VEOF on an empty line).
    private const ushort EndOfLine = 0x100, EndOfFile = 0x200;

    public Termios Settings;

    private delegate*<byte, void> _device;
    private fixed ushort _ready[InputCapacity];
    private int _readyHead, _readyCount, _readyLines;
    private fixed byte _line[LineCapacity];
    private int _lineLength;
    private int _lineStartColumn;
    private int _column;
    private bool _literalNext;

    /// <summary>Default settings (<see cref="Termios.Default"/>), empty buffers, output to
    /// <paramref name="device"/>.</summary>
    public void Initialize(delegate*<byte, void> device, bool serial)
    {
        this = default;
        _device = device;
        Settings = Termios.Default(serial);
    }

    public readonly bool IsCanonical => (Settings.LocalFlags & Termios.Icanon) != 0;

    /// <summary>Whether a read would find something now (poll's POLLIN): a complete line (or
    /// end of file) in canonical mode, any byte otherwise.</summary>
    public readonly bool CanRead => IsCanonical ? _readyLines > 0 : _readyCount > 0;

    /// <summary>FIONREAD: bytes a read could take now (canonical: those of complete lines).</summary>
    public readonly int Available
    {
        get
        {
            int bytes = 0, complete = 0;
            for (int i = 0; i < _readyCount; i++)
            {
                ushort entry = _ready[(_readyHead + i) % InputCapacity];
                if ((entry & EndOfFile) == 0) bytes++;
                if ((entry & (EndOfLine | EndOfFile)) != 0) complete = bytes;
            }

            return IsCanonical ? complete : bytes;
        }
    }

    /// <summary>The line being edited, not yet readable (for tests).</summary>
    public readonly int PendingLineLength => _lineLength;

    /// <summary>One byte from the device. True when readers should wake (something became
    /// readable); <paramref name="signal"/> is the keyboard signal to send to the foreground
    /// process group, or 0.</summary>
    public bool Receive(byte c, out int signal)
    {
        signal = 0;
        uint input = Settings.InputFlags, local = Settings.LocalFlags;
        if ((input & Termios.Istrip) != 0) c &= 0x7F;
        if (_literalNext)
        {
            _literalNext = false;
            EchoCharacter(c);
            return Append(c);
        }

        if (c == (byte)'\r')
        {
            if ((input & Termios.Igncr) != 0) return false;
            if ((input & Termios.Icrnl) != 0) c = (byte)'\n';
        }
        else if (c == (byte)'\n' && (input & Termios.Inlcr) != 0)
        {
            c = (byte)'\r';
        }

        if ((local & Termios.Isig) != 0)
        {
            signal = Matches(c, Termios.Vintr) ? SignalInterrupt
                : Matches(c, Termios.Vquit) ? SignalQuit
                : Matches(c, Termios.Vsusp) ? SignalStop : 0;
            if (signal != 0)
            {
                if ((local & Termios.NoFlush) == 0) FlushInput();
                EchoCharacter(c);
                return false;
            }
        }

        // Output flow control is not kept (output never waits), but with IXON the start and
        // stop characters are taken, never read, as Linux takes them.
        if ((input & Termios.Ixon) != 0 && (Matches(c, Termios.Vstop) || Matches(c, Termios.Vstart))) return false;

        if ((local & Termios.Icanon) == 0)
        {
            if ((local & Termios.Echo) != 0)
            {
                if (c == (byte)'\n') Output(c);
                else EchoCharacter(c);
            }

            return Push(c);
        }

        return Edit(c, local);
    }

    /// <summary>Canonical mode: line editing, then the line ends.</summary>
    private bool Edit(byte c, uint local)
    {
        bool extended = (local & Termios.Iexten) != 0;
        if (Matches(c, Termios.Verase)) { Erase(c, EraseKind.Character); return false; }
        if (extended && Matches(c, Termios.Vwerase)) { Erase(c, EraseKind.Word); return false; }
        if (Matches(c, Termios.Vkill)) { Erase(c, EraseKind.Line); return false; }
        if (Matches(c, Termios.Veof))
        {
            // The line so far becomes readable without the VEOF character; on an empty line
            // a read will return 0: end of file.
            if (_lineLength == 0) return PushEntry(EndOfFile, countsAsLine: true);
            return Commit();
        }

        if (extended && Matches(c, Termios.Vlnext))
        {
            _literalNext = true;
            if ((local & Termios.Echo) != 0 && (local & Termios.EchoControl) != 0)
            {
                Output((byte)'^');
                Output((byte)'\b');
            }

            return false;
        }

        if (extended && Matches(c, Termios.Vreprint))
        {
            if ((local & Termios.Echo) != 0)
            {
                EchoCharacter(c);
                Output((byte)'\n');
                _lineStartColumn = _column;
                for (int i = 0; i < _lineLength; i++) EchoCharacter(_line[i]);
            }

            return false;
        }

        bool ends = c == (byte)'\n' || Matches(c, Termios.Veol) || Matches(c, Termios.Veol2);
        if (ends)
        {
            if ((local & Termios.Echo) != 0 || (c == (byte)'\n' && (local & Termios.EchoNewline) != 0))
            {
                if (c == (byte)'\n') Output(c);
                else EchoCharacter(c);
            }

            AppendToLine(c, force: true);
            return Commit();
        }

        EchoCharacter(c);
        AppendToLine(c, force: false);
        return false;
    }

    /// <summary>A literal character (after VLNEXT): into the line, or straight into the buffer.</summary>
    private bool Append(byte c)
    {
        if (!IsCanonical) return Push(c);
        AppendToLine(c, force: false);
        return false;
    }

    private void AppendToLine(byte c, bool force)
    {
        // A full line takes only its end (Linux keeps the last slot for the newline).
        if (_lineLength >= LineCapacity || (!force && _lineLength >= LineCapacity - 1)) return;
        _line[_lineLength++] = c;
    }

    private enum EraseKind { Character, Word, Line }

    /// <summary>VERASE, VWERASE, VKILL (n_tty.c eraser): the characters leave the line, and
    /// with ECHO the screen shows it — "\b \b" per column (ECHOE; ECHOKE for a whole line),
    /// or the erase character echoed, or the kill character and a newline (ECHOK).</summary>
    private void Erase(byte c, EraseKind kind)
    {
        if (_lineLength == 0) return;
        uint local = Settings.LocalFlags;
        bool echo = (local & Termios.Echo) != 0;
        if (kind == EraseKind.Line)
        {
            bool visual = (local & Termios.EchoKill) != 0 && (local & Termios.EchoKillErase) != 0 && (local & Termios.EchoErase) != 0;
            if (!echo || !visual)
            {
                _lineLength = 0;
                if (echo)
                {
                    EchoCharacter(c);
                    if ((local & Termios.EchoKill) != 0) Output((byte)'\n');
                }

                return;
            }
        }

        bool seenWord = false;
        while (_lineLength > 0)
        {
            byte last = _line[_lineLength - 1];
            if (kind == EraseKind.Word)
            {
                bool word = IsWordCharacter(last);
                if (word) seenWord = true;
                else if (seenWord) break;
            }

            int width = ColumnAfter(_lineLength) - ColumnAfter(_lineLength - 1);
            _lineLength--;
            if (echo)
            {
                if (kind == EraseKind.Character && (local & Termios.EchoErase) == 0)
                {
                    EchoCharacter(c);
                }
                else if (last == (byte)'\t')
                {
                    for (int i = 0; i < width; i++) Output((byte)'\b');
                }
                else
                {
                    for (int i = 0; i < width; i++)
                    {
                        Output((byte)'\b');
                        Output((byte)' ');
                        Output((byte)'\b');
                    }
                }
            }

            if (kind == EraseKind.Character) break;
        }
    }

    private static bool IsWordCharacter(byte c) =>
        (c >= (byte)'0' && c <= (byte)'9') || (c >= (byte)'a' && c <= (byte)'z') || (c >= (byte)'A' && c <= (byte)'Z') || c == (byte)'_' || c >= 0x80;

    /// <summary>The screen column after echoing the first <paramref name="count"/> characters
    /// of the line (tabs to the next multiple of 8, ^X two columns, UTF-8 continuation bytes none).</summary>
    private readonly int ColumnAfter(int count)
    {
        int column = _lineStartColumn;
        for (int i = 0; i < count; i++)
        {
            byte c = _line[i];
            if (c == (byte)'\t') column = (column | 7) + 1;
            else if (IsControl(c)) column += (Settings.LocalFlags & Termios.EchoControl) != 0 ? 2 : 0;
            else if ((c & 0xC0) != 0x80) column++;
        }

        return column;
    }

    private static bool IsControl(byte c) => c < 0x20 || c == 0x7F;

    /// <summary>Echoes one typed character (with ECHO): a control character other than tab and
    /// newline as ^X under ECHOCTL (DEL as ^?).</summary>
    private void EchoCharacter(byte c)
    {
        if ((Settings.LocalFlags & Termios.Echo) == 0) return;
        if (_lineLength == 0 && IsCanonical) _lineStartColumn = _column;
        if ((Settings.LocalFlags & Termios.EchoControl) != 0 && IsControl(c) && c != (byte)'\t' && c != (byte)'\n')
        {
            Output((byte)'^');
            Output((byte)(c ^ 0x40));
            return;
        }

        Output(c);
    }

    /// <summary>Whether <paramref name="c"/> is the control character at <paramref name="index"/>;
    /// 0 there is _POSIX_VDISABLE, which nothing typed matches.</summary>
    private readonly bool Matches(byte c, int index)
    {
        byte control = Settings.Control[index];
        return control != 0 && c == control;
    }

    /// <summary>The edited line becomes readable, its last byte marked as the line's end.</summary>
    private bool Commit()
    {
        int room = InputCapacity - _readyCount;
        int n = Math.Min(_lineLength, room);
        for (int i = 0; i < n; i++) PushEntry((ushort)(_line[i] | (i == n - 1 ? EndOfLine : 0)), countsAsLine: i == n - 1);
        _lineLength = 0;
        return n > 0;
    }

    private bool Push(byte c) => PushEntry(c, countsAsLine: false);

    private bool PushEntry(ushort entry, bool countsAsLine)
    {
        if (_readyCount >= InputCapacity) return false;
        _ready[(_readyHead + _readyCount) % InputCapacity] = entry;
        _readyCount++;
        if (countsAsLine) _readyLines++;
        return true;
    }

    private ushort Pop()
    {
        ushort entry = _ready[_readyHead];
        _readyHead = (_readyHead + 1) % InputCapacity;
        _readyCount--;
        if ((entry & (EndOfLine | EndOfFile)) != 0) _readyLines--;
        return entry;
    }

    /// <summary>Canonical read: up to one complete line (its end included), or 0 at an end of
    /// file; -1 when no line is complete yet.</summary>
    public int ReadLine(Span<byte> destination)
    {
        if (_readyLines == 0) return -1;
        int n = 0;
        while (n < destination.Length && _readyCount > 0)
        {
            ushort entry = _ready[_readyHead];
            if ((entry & EndOfFile) != 0)
            {
                if (n == 0) Pop();
                break;
            }

            Pop();
            destination[n++] = (byte)entry;
            if ((entry & EndOfLine) != 0) break;
        }

        return n;
    }

    /// <summary>Raw read: whatever is there, up to the destination's length (0 when nothing).</summary>
    public int ReadAvailable(Span<byte> destination)
    {
        int n = 0;
        while (n < destination.Length && _readyCount > 0)
        {
            ushort entry = Pop();
            if ((entry & EndOfFile) == 0) destination[n++] = (byte)entry;
        }

        return n;
    }

    /// <summary>Drops what was typed and not yet read, the line being edited included (TCIFLUSH,
    /// and the keyboard signals without NOFLSH).</summary>
    public void FlushInput()
    {
        _readyHead = _readyCount = _readyLines = 0;
        _lineLength = 0;
        _literalNext = false;
    }

    /// <summary>New settings (TCSETS*), as Linux's n_tty_set_termios: leaving canonical mode
    /// makes the line being edited readable as it is; entering it makes whatever raw input is
    /// unread one line (a shell that typed ahead while a program had the terminal raw loses
    /// nothing).</summary>
    public bool Apply(in Termios next)
    {
        bool wasCanonical = IsCanonical;
        Settings = next;
        if (wasCanonical && !IsCanonical && _lineLength > 0)
        {
            for (int i = 0; i < _lineLength; i++) Push(_line[i]);
            _lineLength = 0;
        }
        else if (!wasCanonical && IsCanonical && _readyCount > 0)
        {
            int last = (_readyHead + _readyCount - 1) % InputCapacity;
            if ((_ready[last] & (EndOfLine | EndOfFile)) == 0)
            {
                _ready[last] |= EndOfLine;
                _readyLines++;
            }
        }

        return CanRead;
    }

    /// <summary>One byte of output through OPOST (ONLCR, OCRNL, ONOCR, ONLRET) to the device,
    /// keeping the column that erasing tabs needs.</summary>
    public void Output(byte c)
    {
        uint output = Settings.OutputFlags;
        if ((output & Termios.Opost) != 0)
        {
            if (c == (byte)'\n')
            {
                if ((output & Termios.Onlcr) != 0)
                {
                    Put((byte)'\r');
                    _column = 0;
                }
                else if ((output & Termios.Onlret) != 0)
                {
                    _column = 0;
                }

                Put(c);
                return;
            }

            if (c == (byte)'\r')
            {
                if ((output & Termios.Onocr) != 0 && _column == 0) return;
                if ((output & Termios.Ocrnl) != 0)
                {
                    if ((output & Termios.Onlret) != 0) _column = 0;
                    Put((byte)'\n');
                    return;
                }

                _column = 0;
                Put(c);
                return;
            }
        }

        if (c == (byte)'\t') _column = (_column | 7) + 1;
        else if (c == (byte)'\b') { if (_column > 0) _column--; }
        else if (c == (byte)'\r') _column = 0;
        else if (!IsControl(c) && (c & 0xC0) != 0x80) _column++;
        Put(c);
    }

    private readonly void Put(byte c)
    {
        if (_device != null) _device(c);
    }
}
