namespace Aurora.Sched;

/// <summary>
/// Nice value to load weight: weight(nice) = 1024 / 1.25^nice, rounded to the nearest integer.
/// One nice step changes a task's CPU share against a nice-0 neighbour by about 10 % (the
/// weights of the two differ by 1.25x), the convention Unix users expect of nice.
/// </summary>
public static class NiceWeights
{
    /// <summary>The highest priority (largest weight).</summary>
    public const int MinNice = -20;

    /// <summary>The lowest priority (smallest weight).</summary>
    public const int MaxNice = 19;

    /// <summary>The weight of nice 0; virtual runtime advances at real time for this weight.</summary>
    public const uint NiceZeroWeight = 1024;

    /// <summary>weight(-20) = round(1024 * 1.25^20).</summary>
    public const uint MaxWeight = 88818;

    /// <summary>weight(19) = round(1024 * 0.8^19).</summary>
    public const uint MinWeight = 15;

    // 32 fractional bits: 1024 * 1.25^20 is below 2^17, so the fixed-point value stays below
    // 2^49 and a multiply by 5 cannot overflow. Each step truncates at most 2^-32 of the value,
    // far below the final rounding to an integer.
    private const int FractionBits = 32;

    /// <summary>The weight for <paramref name="nice"/>, clamped to [MinNice, MaxNice]. Monotonic: lower nice, larger weight.</summary>
    public static uint Weight(int nice)
    {
        if (nice < MinNice)
        {
            nice = MinNice;
        }
        else if (nice > MaxNice)
        {
            nice = MaxNice;
        }

        ulong value = (ulong)NiceZeroWeight << FractionBits;
        if (nice > 0)
        {
            for (int i = 0; i < nice; i++)
            {
                value = value * 4 / 5;
            }
        }
        else
        {
            for (int i = 0; i < -nice; i++)
            {
                value = value * 5 / 4;
            }
        }

        return (uint)((value + (1UL << (FractionBits - 1))) >> FractionBits);
    }
}
