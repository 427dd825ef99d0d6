using System;
using System.Globalization;
using System.Text;
using Aurora.Runtime.Text;
using Xunit;

namespace Aurora.Runtime.Tests;

public class IntegerFormatterTests
{
    private static string Decimal(long value)
    {
        Span<byte> buffer = stackalloc byte[IntegerFormatter.MaxDecimalLength];
        int n = IntegerFormatter.FormatDecimal(value, buffer);
        return Encoding.ASCII.GetString(buffer[..n]);
    }

    private static string Hex(ulong value, int digits)
    {
        Span<byte> buffer = stackalloc byte[16];
        int n = IntegerFormatter.FormatHex(value, buffer, digits);
        return Encoding.ASCII.GetString(buffer[..n]);
    }

    [Theory]
    [InlineData(0L)]
    [InlineData(7L)]
    [InlineData(-1L)]
    [InlineData(10L)]
    [InlineData(long.MaxValue)]
    [InlineData(long.MinValue)]
    public void DecimalMatchesTheBcl(long value) =>
        Assert.Equal(value.ToString(CultureInfo.InvariantCulture), Decimal(value));

    [Fact]
    public void UnsignedDecimalCoversTheFullRange()
    {
        Span<byte> buffer = stackalloc byte[20];
        int n = IntegerFormatter.FormatDecimal(ulong.MaxValue, buffer);
        Assert.Equal("18446744073709551615", Encoding.ASCII.GetString(buffer[..n]));
    }

    [Theory]
    [InlineData(0UL, 1, "0")]
    [InlineData(0xABCUL, 1, "abc")]
    [InlineData(0xABCUL, 8, "00000abc")]
    [InlineData(ulong.MaxValue, 16, "ffffffffffffffff")]
    [InlineData(1UL, 40, "0000000000000001")]
    public void HexIsLowerCaseAndPadded(ulong value, int digits, string expected) =>
        Assert.Equal(expected, Hex(value, digits));

    [Fact]
    public void TooSmallBufferWritesNothing()
    {
        Span<byte> buffer = stackalloc byte[3];
        buffer.Fill((byte)'x');
        Assert.Equal(0, IntegerFormatter.FormatDecimal(12345L, buffer));
        Assert.Equal(0, IntegerFormatter.FormatDecimal(-12L, buffer[..2]));
        Assert.Equal(0, IntegerFormatter.FormatHex(0x1234UL, buffer));
        Assert.Equal("xxx", Encoding.ASCII.GetString(buffer));
    }

    [Fact]
    public void RandomValuesMatchTheBcl()
    {
        int seed = int.TryParse(Environment.GetEnvironmentVariable("AURORA_SEED"), out int s) ? s : Environment.TickCount;
        var random = new Random(seed);
        for (int i = 0; i < 100_000; i++)
        {
            long value = random.NextInt64(long.MinValue, long.MaxValue) >> random.Next(64);
            Assert.True(value.ToString(CultureInfo.InvariantCulture) == Decimal(value), $"decimal {value} (AURORA_SEED={seed})");
            ulong unsignedValue = (ulong)value;
            Assert.True(unsignedValue.ToString("x", CultureInfo.InvariantCulture) == Hex(unsignedValue, 1), $"hex {unsignedValue:x} (AURORA_SEED={seed})");
        }
    }
}
