using System;
using Aurora.Kernel.Hal;

namespace Aurora.Kernel;

/// <summary>
/// Random numbers for address-space layout (SPEC SEC-2), AT_RANDOM and capability tokens:
/// the processor's generator (RDRAND) when it has one; otherwise a xorshift generator stirred
/// with the cycle counter on every call (unpredictable enough for layout, weaker than RDRAND,
/// and said so at boot).
/// </summary>
internal static class KernelRandom
{
    private static ulong s_state = 0x9E3779B97F4A7C15;

    internal static bool HasHardwareSource => Cpu.TryHardwareRandom(out _);

    internal static ulong Next()
    {
        if (Cpu.TryHardwareRandom(out ulong value)) return value;
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        ulong x = s_state ^ (Cpu.ReadCycleCounter() * 0xBF58476D1CE4E5B9);
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        s_state = x;
        Cpu.RestoreInterrupts(interrupts);
        return x * 0x2545F4914F6CDD1D;
    }

    internal static void Fill(Span<byte> bytes)
    {
        for (int i = 0; i < bytes.Length; i += 8)
        {
            ulong value = Next();
            for (int b = 0; b < 8 && i + b < bytes.Length; b++) bytes[i + b] = (byte)(value >> (8 * b));
        }
    }
}
