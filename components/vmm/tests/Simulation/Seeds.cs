using System;

namespace Aurora.Vmm.Tests.Simulation;

/// <summary>Randomized tests take their seed from AURORA_SEED when set, so a failure can be replayed.</summary>
public static class Seeds
{
    public static int Get()
    {
        string? text = Environment.GetEnvironmentVariable("AURORA_SEED");
        return text is null ? Random.Shared.Next() : int.Parse(text);
    }

    public static Exception Replay(int seed, long step, Exception inner)
        => new InvalidOperationException($"failed with seed {seed} at step {step} (replay: AURORA_SEED={seed} dotnet test): {inner.Message}", inner);
}
