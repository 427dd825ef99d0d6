namespace Aurora.Heap;

/// <summary>What went wrong. <see cref="None"/> means nothing did.</summary>
public enum HeapError : byte
{
    /// <summary>No fault: the operation did what was asked.</summary>
    None = 0,

    /// <summary>Free of an address the heap never handed out: not in heap memory at all, or in
    /// the middle of a block, or in a page the heap already gave back.</summary>
    InvalidPointer,

    /// <summary>Free of a block that is already free.</summary>
    DoubleFree,

    /// <summary>Debug mode: a freed block no longer held the 0xDEADBEEF fill when it was handed
    /// out again. Something wrote to it after it was freed.</summary>
    WriteAfterFree,
}

/// <summary>
/// A reported misuse or corruption: what, where (<see cref="Address"/>: the pointer passed to
/// Free, or the first overwritten byte), and in which block (<see cref="Block"/>: the block's
/// start, or 0 when the address lies in no block).
/// </summary>
public readonly struct HeapFault
{
    /// <summary>What went wrong; <see cref="HeapError.None"/> when nothing did.</summary>
    public readonly HeapError Error;
    /// <summary>The pointer passed to Free, or (for <see cref="HeapError.WriteAfterFree"/>) the
    /// first byte found overwritten; 0 with no fault.</summary>
    public readonly nuint Address;
    /// <summary>Start of the block <see cref="Address"/> lies in, or 0 when it lies in no
    /// block.</summary>
    public readonly nuint Block;

    /// <summary>A fault of kind <paramref name="error"/> at <paramref name="address"/> in the block
    /// starting at <paramref name="block"/> (0: none).</summary>
    public HeapFault(HeapError error, nuint address, nuint block)
    {
        Error = error;
        Address = address;
        Block = block;
    }

    /// <summary>True for any fault (<see cref="Error"/> is not <see
    /// cref="HeapError.None"/>).</summary>
    public bool IsError => Error != HeapError.None;

    /// <summary>A fixed description for panic messages (no formatting needed).</summary>
    public string Description => Error switch
    {
        HeapError.None => "no heap fault",
        HeapError.InvalidPointer => "kfree of a pointer the heap never handed out",
        HeapError.DoubleFree => "kfree of a block that is already free",
        HeapError.WriteAfterFree => "write to heap memory after it was freed",
        _ => "unknown heap fault",
    };
}
