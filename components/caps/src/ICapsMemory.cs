namespace Aurora.Caps;

/// <summary>
/// Where the capability space gets memory: its fixed tables once at Initialize, and one block
/// per queued message (header + text). Implemented by a struct and passed as a generic
/// argument, so calls are direct; the kernel adapts its heap, host tests count blocks.
/// </summary>
public unsafe interface ICapsMemory
{
    /// <summary><paramref name="size"/> bytes, 8-byte aligned at least, contents undefined; null
    /// when out of memory (the operation then fails with <see cref="CapsError.NoMemory"/> and
    /// changes nothing).</summary>
    void* Allocate(nuint size);

    /// <summary>Gives back a block exactly as <see cref="Allocate"/> returned it.</summary>
    void Free(void* block);
}

/// <summary>
/// Where token bytes come from: the kernel fills from RDRAND/RDSEED (retrying until the
/// carry flag says the value is good), host tests from a seeded generator. Must be
/// unpredictable to other processes: the tokens are the secrets IPC-1 rests on.
/// </summary>
public interface IRandomSource
{
    /// <summary>Fills all of <paramref name="destination"/> with unpredictable bytes; must not fail
    /// (retry until the source delivers).</summary>
    void Fill(System.Span<byte> destination);
}
