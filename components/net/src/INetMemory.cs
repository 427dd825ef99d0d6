namespace Aurora.Net;

/// <summary>
/// Where the stack gets memory: the socket table, the frame queues and the socket buffers. A
/// struct passed as a generic argument, so calls are direct; the kernel adapts its heap, host
/// tests count outstanding blocks.
/// </summary>
public unsafe interface INetMemory
{
    /// <summary><paramref name="size"/> bytes, 8-byte aligned at least, contents undefined; null
    /// when out of memory (the call then fails with <see cref="NetError.NoMemory"/>).</summary>
    void* Allocate(nuint size);

    /// <summary>Gives back a block exactly as <see cref="Allocate"/> returned it.</summary>
    void Free(void* block);
}
