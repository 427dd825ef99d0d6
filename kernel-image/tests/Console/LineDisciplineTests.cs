using System;
using System.Text;
using Aurora.Kernel.Drivers.Console;
using Xunit;

namespace Aurora.KernelImage.Tests.Console;

/// <summary>The terminal line discipline against what Linux's n_tty echoes and reads for the
/// same keys (the in-kernel terminal.c test checks what reads return through TIOCSTI; here the
/// echo is visible too).</summary>
public unsafe class LineDisciplineTests
{
    [ThreadStatic] private static StringBuilder? s_device;

    private static void Device(byte value) => s_device!.Append((char)value);

    private sealed class Terminal
    {
        public LineDiscipline Discipline;
        public readonly StringBuilder Shown = new();
        public int LastSignal;

        public Terminal()
        {
            s_device = Shown;
            Discipline.Initialize(&Device, serial: true);
        }

        public bool Type(string keys)
        {
            s_device = Shown;
            bool wake = false;
            foreach (char c in keys)
            {
                wake |= Discipline.Receive((byte)c, out int signal);
                if (signal != 0) LastSignal = signal;
            }

            return wake;
        }

        public string ReadLine()
        {
            byte[] buffer = new byte[256];
            int n = Discipline.ReadLine(buffer);
            return n < 0 ? "<none>" : Encoding.Latin1.GetString(buffer, 0, n);
        }

        public string ReadAvailable()
        {
            byte[] buffer = new byte[256];
            int n = Discipline.ReadAvailable(buffer);
            return Encoding.Latin1.GetString(buffer, 0, n);
        }

        public void Print(string text)
        {
            s_device = Shown;
            foreach (char c in text) Discipline.Output((byte)c);
        }

        public void SetLocal(uint set, uint clear)
        {
            Termios t = Discipline.Settings;
            t.LocalFlags = (t.LocalFlags | set) & ~clear;
            Discipline.Apply(t);
        }
    }

    [Fact]
    public void CanonicalEraseEchoesBackspaceSpaceBackspace()
    {
        var t = new Terminal();
        Assert.False(t.Type("ab\x7f" + "c"));
        Assert.Equal("<none>", t.ReadLine());
        Assert.True(t.Type("\r"));
        Assert.Equal("ab\b \bc\r\n", t.Shown.ToString());
        Assert.Equal("ac\n", t.ReadLine());
    }

    [Fact]
    public void ControlCharactersEchoAsCaretAndEraseTwoColumns()
    {
        var t = new Terminal();
        t.Type("x\x1b\x7f\n");
        Assert.Equal("x^[\b \b\b \b\r\n", t.Shown.ToString());
        Assert.Equal("x\n", t.ReadLine());
    }

    [Fact]
    public void TabEraseMovesBackToWhereTheTabStarted()
    {
        var t = new Terminal();
        t.Print("$ ");
        t.Type("\t\x7f");
        Assert.Equal("$ \t\b\b\b\b\b\b", t.Shown.ToString());
    }

    [Fact]
    public void KillWithEchokeErasesEveryCharacter()
    {
        var t = new Terminal();
        t.Type("abc\x15");
        Assert.Equal("abc\b \b\b \b\b \b", t.Shown.ToString());
        Assert.Equal(0, t.Discipline.PendingLineLength);
    }

    [Fact]
    public void KillWithoutEchokeEchoesTheKillCharacterAndANewline()
    {
        var t = new Terminal();
        t.SetLocal(0, Termios.EchoKillErase);
        t.Type("abc\x15");
        Assert.Equal("abc^U\r\n", t.Shown.ToString());
    }

    [Fact]
    public void WordEraseStopsAtTheWordBeforeIt()
    {
        var t = new Terminal();
        t.Type("ls foo_bar  \x17\n");
        Assert.Equal("ls \n", t.ReadLine());
    }

    [Fact]
    public void InterruptEchoesCaretCFlushesAndRaisesSigint()
    {
        var t = new Terminal();
        t.Type("sleep\x03");
        Assert.Equal(LineDiscipline.SignalInterrupt, t.LastSignal);
        Assert.Equal("sleep^C", t.Shown.ToString());
        Assert.Equal(0, t.Discipline.PendingLineLength);
        t.Type("\x1a");
        Assert.Equal(LineDiscipline.SignalStop, t.LastSignal);
        t.Type("\x1c");
        Assert.Equal(LineDiscipline.SignalQuit, t.LastSignal);
    }

    [Fact]
    public void EndOfFileOnAnEmptyLineReadsZero()
    {
        var t = new Terminal();
        Assert.True(t.Type("\x04"));
        Assert.Equal("", t.ReadLine());
        Assert.Equal("", t.Shown.ToString()); // VEOF is not echoed
    }

    [Fact]
    public void RawModeEchoesAndPassesEveryByte()
    {
        var t = new Terminal();
        t.SetLocal(0, Termios.Icanon);
        Assert.True(t.Type("a\x7f\x04"));
        Assert.Equal("a\x7f\x04", t.ReadAvailable());
        Assert.Equal("a^?^D", t.Shown.ToString());
    }

    [Fact]
    public void NoEchoShowsNothing()
    {
        var t = new Terminal();
        t.SetLocal(0, Termios.Echo);
        t.Type("secret\n");
        Assert.Equal("", t.Shown.ToString());
        Assert.Equal("secret\n", t.ReadLine());
    }

    [Fact]
    public void EchonlShowsOnlyTheNewline()
    {
        var t = new Terminal();
        t.SetLocal(Termios.EchoNewline, Termios.Echo);
        t.Type("pw\n");
        Assert.Equal("\r\n", t.Shown.ToString());
    }

    [Fact]
    public void OutputTranslatesNewlineOnlyUnderOpostOnlcr()
    {
        var t = new Terminal();
        t.Print("a\nb");
        Termios s = t.Discipline.Settings;
        s.OutputFlags &= ~Termios.Opost;
        t.Discipline.Apply(s);
        t.Print("c\nd");
        Assert.Equal("a\r\nbc\nd", t.Shown.ToString());
    }

    [Fact]
    public void EnteringCanonicalModeMakesUnreadRawInputOneLine()
    {
        var t = new Terminal();
        t.SetLocal(0, Termios.Icanon | Termios.Echo);
        t.Type("ls\r");
        t.SetLocal(Termios.Icanon, 0);
        Assert.True(t.Discipline.CanRead);
        Assert.Equal("ls\n", t.ReadLine());
        Assert.False(t.Discipline.CanRead);
    }

    [Fact]
    public void ReprintShowsTheLineAgain()
    {
        var t = new Terminal();
        t.Type("ab\x12");
        Assert.Equal("ab^R\r\nab", t.Shown.ToString());
    }

    [Fact]
    public void FullReadBufferDropsInputButNotTheReader()
    {
        var t = new Terminal();
        t.SetLocal(0, Termios.Icanon | Termios.Echo);
        t.Type(new string('x', LineDiscipline.InputCapacity + 10));
        Assert.Equal(LineDiscipline.InputCapacity, t.Discipline.Available);
    }
}
