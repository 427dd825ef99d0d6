namespace Internal.Runtime;

/// <summary>
/// What the runtime needs from whoever hosts it (the kernel, or a consumer's kernel): memory for
/// objects and a way to stop with a message. Both are function pointers so the host can swap
/// the allocator (a bump allocator at boot, the heap component later) without the runtime
/// knowing either.
/// </summary>
public static unsafe class RuntimeHost
{
    /// <summary>Returns zeroed, 8-byte aligned memory of the given size, or null.</summary>
    public static delegate*<nuint, void*> Allocate;

    /// <summary>Never returns. Gets a reason and an optional detail (may be null).</summary>
    public static delegate*<string, string?, void> FailFast;

    internal static void Fail(string reason, string? detail = null)
    {
        if (FailFast != null) FailFast(reason, detail);
        // No host to report to: stop here forever rather than run on with a broken invariant.
        while (true) { }
    }
}
