using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using Aurora.Kernel.Drivers.Console;
using Xunit;

namespace Aurora.KernelImage.Tests.Console;

public sealed unsafe class VgaTextConsoleTests : IDisposable
{
    private const int Cells = 80 * 25;
    private const ushort Untouched = 0xDEAD;

    [ThreadStatic]
    private static List<(ushort Port, byte Value)>? s_portWrites;

    private readonly ushort* _buffer;

    public VgaTextConsoleTests()
    {
        _buffer = (ushort*)NativeMemory.Alloc(Cells * sizeof(ushort));
        new Span<ushort>(_buffer, Cells).Fill(Untouched);
        s_portWrites = new List<(ushort, byte)>();
    }

    public void Dispose() => NativeMemory.Free(_buffer);

    private static void RecordPortWrite(ushort port, byte value) => s_portWrites!.Add((port, value));

    private ushort Cell(int column, int row) => _buffer[row * 80 + column];

    private static ushort Expected(char c, byte attribute) => (ushort)(c | (attribute << 8));

    private VgaTextConsole Create(bool withPorts = false)
    {
        var console = new VgaTextConsole();
        delegate*<ushort, byte, void> portOut = withPorts ? &RecordPortWrite : null;
        Assert.Equal(ConsoleStatus.Ok, console.Initialize(_buffer, portOut));
        return console;
    }

    private static void Write(ref VgaTextConsole console, string text) =>
        console.Write(Encoding.UTF8.GetBytes(text));

    private static (ushort, byte)[] CursorWrites(int position) => new (ushort, byte)[]
    {
        (0x3D4, 0x0F), (0x3D5, (byte)position), (0x3D4, 0x0E), (0x3D5, (byte)(position >> 8)),
    };

    [Fact]
    public void NullBufferIsRejected()
    {
        var console = new VgaTextConsole();
        Assert.Equal(ConsoleStatus.NullBuffer, console.Initialize(null));
        Assert.False(console.IsInitialized);
        Write(ref console, "ignored");
    }

    [Fact]
    public void CellsHoldCharacterAndAttribute()
    {
        var console = Create();
        Write(ref console, "Hi!");
        Assert.Equal(Expected('H', 0x07), Cell(0, 0));
        Assert.Equal(Expected('i', 0x07), Cell(1, 0));
        Assert.Equal(Expected('!', 0x07), Cell(2, 0));
        Assert.Equal(Untouched, Cell(3, 0));
        Assert.Equal((3, 0), (console.CursorColumn, console.CursorRow));
        Assert.Equal((80, 25), (console.Columns, console.Rows));
    }

    [Fact]
    public void AnsiColoursMapOntoTheVgaPalette()
    {
        var console = Create();
        // ANSI red = VGA 4, ANSI blue = VGA 1, bold green = VGA 10 (light green),
        // ANSI yellow = VGA 6 (brown); bright backgrounds drop to dark ones (bit 7 would blink).
        Write(ref console, "\u001b[31;44mA\u001b[0;1;32mB\u001b[22;33;103mC\u001b[mD\u001b[97;46mE");
        Assert.Equal(Expected('A', 0x14), Cell(0, 0));
        Assert.Equal(Expected('B', 0x0A), Cell(1, 0));
        Assert.Equal(Expected('C', 0x66), Cell(2, 0));
        Assert.Equal(Expected('D', 0x07), Cell(3, 0));
        Assert.Equal(Expected('E', 0x3F), Cell(4, 0));
        Assert.Equal(Untouched, Cell(5, 0));
        Assert.Equal(0x3F, console.Attribute);
    }

    [Fact]
    public void ControlCharactersMoveTheCursor()
    {
        var console = Create();
        Write(ref console, "abc\rX\tY\nZ\b\bW");
        Assert.Equal(Expected('X', 0x07), Cell(0, 0));
        Assert.Equal(Expected('b', 0x07), Cell(1, 0));
        Assert.Equal(Expected('Y', 0x07), Cell(8, 0));
        Assert.Equal(Untouched, Cell(3, 0));
        Assert.Equal(Expected('W', 0x07), Cell(0, 1));
        Assert.Equal((1, 1), (console.CursorColumn, console.CursorRow));
    }

    [Fact]
    public void WrapsAtColumn80()
    {
        var console = Create();
        Write(ref console, new string('x', 80));
        Assert.Equal((79, 0), (console.CursorColumn, console.CursorRow));
        Write(ref console, "y");
        Assert.Equal(Expected('y', 0x07), Cell(0, 1));
        Assert.Equal((1, 1), (console.CursorColumn, console.CursorRow));
    }

    [Fact]
    public void ScrollMovesRowsUpAndBlanksTheLastRowInTheCurrentColours()
    {
        var console = Create();
        console.Clear();
        for (int i = 0; i < 25; i++)
        {
            Write(ref console, $"{i:D2}\n");
        }

        // 25 newlines from row 0: the last one scrolled, so row 0 now holds line 01.
        Assert.Equal(Expected('0', 0x07), Cell(0, 0));
        Assert.Equal(Expected('1', 0x07), Cell(1, 0));
        Assert.Equal(Expected('3', 0x07), Cell(1, 22));
        Assert.Equal(Expected('4', 0x07), Cell(1, 23));
        Assert.Equal(Expected(' ', 0x07), Cell(0, 24));
        Assert.Equal((0, 24), (console.CursorColumn, console.CursorRow));

        Write(ref console, "\u001b[41mlast\n");
        Assert.Equal(Expected('l', 0x47), Cell(0, 23));
        for (int column = 0; column < 80; column++)
        {
            Assert.Equal(Expected(' ', 0x47), Cell(column, 24));
        }

        Assert.Equal(Expected('0', 0x07), Cell(0, 0));
        Assert.Equal(Expected('2', 0x07), Cell(1, 0));
    }

    [Fact]
    public void ClearBlanksTheScreenInTheCurrentColours()
    {
        var console = Create();
        Write(ref console, "junk\n\u001b[44;37m");
        console.Clear();
        for (int i = 0; i < Cells; i++)
        {
            Assert.Equal(Expected(' ', 0x17), _buffer[i]);
        }

        Assert.Equal((0, 0), (console.CursorColumn, console.CursorRow));
    }

    [Fact]
    public void NonAsciiShowsTheCodePage437Square()
    {
        var console = Create();
        Write(ref console, "é😀.");
        Assert.Equal((ushort)(0xFE | 0x0700), Cell(0, 0));
        Assert.Equal((ushort)(0xFE | 0x0700), Cell(1, 0));
        Assert.Equal(Expected('.', 0x07), Cell(2, 0));
    }

    [Fact]
    public void HardwareCursorIsProgrammedThroughThePortFunction()
    {
        var console = Create(withPorts: true);
        Assert.Equal(CursorWrites(0), s_portWrites!.ToArray());

        s_portWrites.Clear();
        Write(ref console, "abc");
        Assert.Equal(CursorWrites(3), s_portWrites.ToArray());

        s_portWrites.Clear();
        Write(ref console, "\u001b[32m");
        Assert.Empty(s_portWrites); // the cursor did not move: no port traffic

        s_portWrites.Clear();
        Write(ref console, new string('\n', 30) + new string('z', 79));
        Assert.Equal(CursorWrites(24 * 80 + 79), s_portWrites.ToArray()); // one update per Write call

        s_portWrites.Clear();
        console.Write((byte)'\r');
        Assert.Equal(CursorWrites(24 * 80), s_portWrites.ToArray());

        s_portWrites.Clear();
        console.Clear();
        Assert.Equal(CursorWrites(0), s_portWrites.ToArray());
    }

    [Fact]
    public void WithoutAPortFunctionNoPortIsTouched()
    {
        var console = Create(withPorts: false);
        Write(ref console, "abc\n");
        console.Clear();
        Assert.Empty(s_portWrites!);
    }
}
