using System;
using System.Text;
using Aurora.Kernel.Drivers.Console;
using Xunit;

namespace Aurora.KernelImage.Tests.Console;

/// <summary>PC scan codes (set 1) to the bytes Linux's console keymap types.</summary>
public class KeyboardDecoderTests
{
    private static string Decode(params byte[] codes)
    {
        var decoder = new KeyboardDecoder();
        var text = new StringBuilder();
        Span<byte> output = stackalloc byte[8];
        foreach (byte code in codes)
        {
            int n = decoder.Decode(code, output);
            for (int i = 0; i < n; i++) text.Append((char)output[i]);
        }

        return text.ToString();
    }

    [Fact]
    public void LettersDigitsAndReleases() => Assert.Equal("a1 ", Decode(0x1E, 0x9E, 0x02, 0x82, 0x39, 0xB9));

    [Fact]
    public void ShiftAndCapsLock() => Assert.Equal("A!aB", Decode(0x2A, 0x1E, 0x02, 0xAA, 0x3A, 0xBA, 0x2A, 0x1E, 0xAA, 0x30));

    [Fact]
    public void ControlMakesControlCharacters() => Assert.Equal("\x03\x1a\x1c", Decode(0x1D, 0x2E, 0x2C, 0x2B, 0x9D));

    [Fact]
    public void EnterBackspaceTabEscape() => Assert.Equal("\r\x7f\t\x1b", Decode(0x1C, 0x0E, 0x0F, 0x01));

    [Fact]
    public void CursorAndEditingKeysAreVt100Sequences() =>
        Assert.Equal("\x1b[A\x1b[D\x1b[3~", Decode(0xE0, 0x48, 0xE0, 0xC8, 0xE0, 0x4B, 0xE0, 0x53));

    [Fact]
    public void AltPrefixesEscape() => Assert.Equal("\x1bx", Decode(0x38, 0x2D, 0xB8));
}
