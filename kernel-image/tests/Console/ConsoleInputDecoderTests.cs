using System.Text;
using Aurora.Kernel.Drivers.Console;
using Xunit;

namespace Aurora.KernelImage.Tests.Console;

public class ConsoleInputDecoderTests
{
    private static ConsoleAction[] Decode(params byte[] bytes)
    {
        var decoder = new ConsoleInputDecoder();
        var actions = new ConsoleAction[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            actions[i] = decoder.Decode(bytes[i]);
        }

        return actions;
    }

    private static ConsoleAction[] Decode(string text) => Decode(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void PrintableAsciiAndTheFourControls()
    {
        Assert.Equal(
            new[]
            {
                ConsoleAction.Glyph, ConsoleAction.Glyph, ConsoleAction.LineFeed, ConsoleAction.CarriageReturn,
                ConsoleAction.Tab, ConsoleAction.Backspace, ConsoleAction.None, ConsoleAction.None, ConsoleAction.None,
            },
            Decode(0x20, 0x7E, (byte)'\n', (byte)'\r', (byte)'\t', (byte)'\b', 0x07, 0x00, 0x7F));
    }

    [Fact]
    public void EachCodePointGivesOneReplacement()
    {
        Assert.Equal(new[] { ConsoleAction.Replacement, ConsoleAction.None }, Decode("é"));
        Assert.Equal(new[] { ConsoleAction.Replacement, ConsoleAction.None, ConsoleAction.None }, Decode("€"));
        Assert.Equal(
            new[] { ConsoleAction.Replacement, ConsoleAction.None, ConsoleAction.None, ConsoleAction.None },
            Decode("😀"));
    }

    [Fact]
    public void MalformedUtf8StillShowsSomething()
    {
        // Stray continuation bytes and invalid lead bytes: one replacement each.
        Assert.Equal(new[] { ConsoleAction.Replacement, ConsoleAction.Replacement }, Decode(0x80, 0xBF));
        Assert.Equal(new[] { ConsoleAction.Replacement, ConsoleAction.Replacement }, Decode(0xFF, 0xF8));

        // A truncated sequence ends at the next ASCII byte.
        Assert.Equal(new[] { ConsoleAction.Replacement, ConsoleAction.Glyph }, Decode(0xE2, (byte)'a'));
    }

    [Fact]
    public void AnEscapeSequenceEndsAPartialCodePoint()
    {
        Assert.Equal(
            new[]
            {
                ConsoleAction.Replacement, ConsoleAction.None, ConsoleAction.None, ConsoleAction.AttributesChanged,
                ConsoleAction.Replacement,
            },
            Decode(0xC3, 0x1B, (byte)'[', (byte)'m', 0xA9));
    }
}
