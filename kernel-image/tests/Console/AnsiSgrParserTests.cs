using System.Text;
using Aurora.Kernel.Drivers.Console;
using Xunit;

namespace Aurora.KernelImage.Tests.Console;

public class AnsiSgrParserTests
{
    private static AnsiFeedResult[] Feed(ref AnsiSgrParser parser, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text);
        var results = new AnsiFeedResult[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            results[i] = parser.Feed(bytes[i]);
        }

        return results;
    }

    private static AnsiSgrParser After(string text)
    {
        var parser = new AnsiSgrParser();
        Feed(ref parser, text);
        return parser;
    }

    [Fact]
    public void TheZeroValueHasDefaultColours()
    {
        AnsiSgrParser parser = default;
        Assert.Equal(7, parser.ForegroundIndex);
        Assert.Equal(0, parser.BackgroundIndex);
        Assert.False(parser.Bold);
    }

    [Fact]
    public void PlainBytesAreText()
    {
        var parser = new AnsiSgrParser();
        Assert.All(Feed(ref parser, "ab\n\t\u007f"), r => Assert.Equal(AnsiFeedResult.Text, r));
    }

    [Fact]
    public void SgrIsConsumedAndReportsAChangeOnlyAtTheFinalByte()
    {
        var parser = new AnsiSgrParser();
        AnsiFeedResult[] results = Feed(ref parser, "\u001b[31;42mx");
        Assert.All(results[..7], r => Assert.Equal(AnsiFeedResult.Consumed, r));
        Assert.Equal(AnsiFeedResult.AttributesChanged, results[7]);
        Assert.Equal(AnsiFeedResult.Text, results[8]);
        Assert.Equal(1, parser.ForegroundIndex);
        Assert.Equal(2, parser.BackgroundIndex);
    }

    [Theory]
    [InlineData("\u001b[1;31;44m\u001b[m")]
    [InlineData("\u001b[1;31;44m\u001b[0m")]
    [InlineData("\u001b[1;31;44m\u001b[00m")]
    [InlineData("\u001b[1;31;44m\u001b[22;39;49m")]
    public void ResetAndDefaultsRestoreTheDefaultColours(string text)
    {
        AnsiSgrParser parser = After(text);
        Assert.Equal(7, parser.ForegroundIndex);
        Assert.Equal(0, parser.BackgroundIndex);
        Assert.False(parser.Bold);
    }

    [Fact]
    public void EmptyParameterCountsAsZero()
    {
        AnsiSgrParser parser = After("\u001b[34m\u001b[;1m");
        Assert.True(parser.Bold);
        Assert.Equal(15, parser.ForegroundIndex); // the ';' reset dropped blue, bold brightens white
    }

    [Fact]
    public void BoldBrightensOnlyTheDarkColours()
    {
        Assert.Equal(9, After("\u001b[1;31m").ForegroundIndex);
        Assert.Equal(9, After("\u001b[31;1m").ForegroundIndex);
        Assert.Equal(12, After("\u001b[1;94m").ForegroundIndex);
        Assert.Equal(4, After("\u001b[1;44m").BackgroundIndex);
    }

    [Fact]
    public void BrightRangesSelectTheUpperEightColours()
    {
        AnsiSgrParser parser = After("\u001b[90;107m");
        Assert.Equal(8, parser.ForegroundIndex);
        Assert.Equal(15, parser.BackgroundIndex);
    }

    [Fact]
    public void ExtendedColoursSkipTheirArguments()
    {
        AnsiSgrParser p = After("\u001b[38;5;9;48;5;4m");
        Assert.Equal(9, p.ForegroundIndex);
        Assert.Equal(4, p.BackgroundIndex);

        p = After("\u001b[38;5;200m"); // beyond the 16 colours: ignored, "200" not misread
        Assert.Equal(7, p.ForegroundIndex);

        p = After("\u001b[38;2;1;1;1;32m"); // direct colour ignored, the "1"s are not bold
        Assert.False(p.Bold);
        Assert.Equal(2, p.ForegroundIndex);
    }

    [Theory]
    [InlineData("\u001b[?1m")]
    [InlineData("\u001b[38:5:1m")]
    [InlineData("\u001b[1 m")]
    [InlineData("\u001b[1J")]
    [InlineData("\u001b[1;31H")]
    public void OtherSequencesAreSwallowedWithoutEffect(string text)
    {
        var parser = new AnsiSgrParser();
        Assert.All(Feed(ref parser, text), r => Assert.Equal(AnsiFeedResult.Consumed, r));
        Assert.False(parser.Bold);
        Assert.Equal(7, parser.ForegroundIndex);
        Assert.False(parser.InSequence);
    }

    [Theory]
    [InlineData("\u001bc", 2)]
    [InlineData("\u001b7", 2)]
    [InlineData("\u001b(B", 3)]
    [InlineData("\u001b#8", 3)]
    public void NonCsiEscapesAreSwallowedWhole(string text, int length)
    {
        var parser = new AnsiSgrParser();
        AnsiFeedResult[] results = Feed(ref parser, text + "x");
        Assert.Equal(length + 1, results.Length);
        Assert.All(results[..length], r => Assert.Equal(AnsiFeedResult.Consumed, r));
        Assert.Equal(AnsiFeedResult.Text, results[length]);
    }

    [Fact]
    public void AControlByteAbortsASequenceAndPassesThrough()
    {
        var parser = new AnsiSgrParser();
        AnsiFeedResult[] results = Feed(ref parser, "\u001b[3\n1m");
        Assert.Equal(AnsiFeedResult.Text, results[3]);
        Assert.Equal(AnsiFeedResult.Text, results[4]);
        Assert.Equal(AnsiFeedResult.Text, results[5]);
        Assert.Equal(7, parser.ForegroundIndex);

        results = Feed(ref parser, "\u001b\r");
        Assert.Equal(AnsiFeedResult.Text, results[1]);
        Assert.False(parser.InSequence);
    }

    [Fact]
    public void ANonAsciiByteAbortsASequence()
    {
        var parser = new AnsiSgrParser();
        Feed(ref parser, "\u001b[3");
        Assert.Equal(AnsiFeedResult.Text, parser.Feed(0xC3));
        Assert.False(parser.InSequence);
    }

    [Fact]
    public void EscapeInsideASequenceStartsANewOne()
    {
        AnsiSgrParser parser = After("\u001b[3\u001b[32m");
        Assert.Equal(2, parser.ForegroundIndex);
        parser = After("\u001b\u001b[33m");
        Assert.Equal(3, parser.ForegroundIndex);
    }

    [Fact]
    public void DeleteInsideASequenceIsIgnored()
    {
        Assert.Equal(5, After("\u001b[3\u007f5m").ForegroundIndex);
    }

    [Fact]
    public void HugeNumbersAndTooManyParametersAreHarmless()
    {
        AnsiSgrParser parser = After("\u001b[99999999999999999999;31m");
        Assert.Equal(1, parser.ForegroundIndex);

        // 20 parameters: the first 16 apply, the rest are dropped.
        parser = After("\u001b[" + string.Concat(System.Linq.Enumerable.Repeat("1;", 19)) + "34m");
        Assert.True(parser.Bold);
        Assert.Equal(15, parser.ForegroundIndex);
        Assert.False(parser.InSequence);
    }

    [Fact]
    public void ResetForgetsAPartialSequenceAndTheColours()
    {
        var parser = After("\u001b[1;31m\u001b[3");
        Assert.True(parser.InSequence);
        parser.Reset();
        Assert.False(parser.InSequence);
        Assert.Equal(7, parser.ForegroundIndex);
        Assert.Equal(AnsiFeedResult.Text, parser.Feed((byte)'2'));
    }
}
