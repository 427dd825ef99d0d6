using System;

namespace Aurora.Modsign.Tests;

/// <summary>
/// Randomness for randomized tests: the seed comes from AURORA_SEED when set, else is fresh, and
/// every assertion message carries it so a failure can be replayed.
/// </summary>
internal sealed class Seeded
{
    private Seeded(int seed)
    {
        Seed = seed;
        Random = new Random(seed);
    }

    public int Seed { get; }

    public Random Random { get; }

    /// <summary>"AURORA_SEED=n": append to assertion messages.</summary>
    public string Replay => $"AURORA_SEED={Seed}";

    public static Seeded Create()
    {
        string? text = Environment.GetEnvironmentVariable("AURORA_SEED");
        int seed = text is not null && int.TryParse(text, out int parsed) ? parsed : System.Random.Shared.Next();
        return new Seeded(seed);
    }

    public byte[] Bytes(int length)
    {
        byte[] bytes = new byte[length];
        Random.NextBytes(bytes);
        return bytes;
    }
}
