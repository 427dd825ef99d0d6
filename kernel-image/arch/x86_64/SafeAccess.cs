using System.Runtime;
using System.Runtime.CompilerServices;

namespace Aurora.Kernel.Arch.X86_64;

/// <summary>What the page-fault handler saw when it recovered a probe.</summary>
internal struct FaultInfo
{
    public ulong Address;
    public ulong ErrorCode;

    public bool Present => (ErrorCode & 1) != 0;
    public bool Write => (ErrorCode & 2) != 0;
    public bool User => (ErrorCode & 4) != 0;
    public bool InstructionFetch => (ErrorCode & 16) != 0;
}

/// <summary>
/// Probes that survive a page fault (safe_access.S): the handler moves RIP to the landing and
/// the probe returns false, with the fault's address and error code kept in <see cref="LastFault"/>.
/// </summary>
internal static unsafe class SafeAccess
{
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_safe_read64")]
    private static extern bool Read64Raw(ulong address, ulong* value);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_safe_read64_user")]
    private static extern bool Read64UserRaw(ulong address, ulong* value);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_safe_write8")]
    private static extern bool Write8Raw(ulong address, byte value);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_safe_call")]
    private static extern bool CallRaw(ulong address);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_safe_access_labels")]
    private static extern void ReadLabels(ulong* labels);

    private static ulong s_armedCallTarget;

    internal static FaultInfo LastFault;

    internal static bool TryRead64(ulong address, out ulong value)
    {
        ulong result = 0;
        bool ok = Read64Raw(address, &result);
        value = result;
        return ok;
    }

    /// <summary>Reads a user address inside a STAC/CLAC bracket (SMAP on only): how a
    /// deliberate kernel access to user memory through a user address looks.</summary>
    internal static bool TryReadUser64(ulong address, out ulong value)
    {
        ulong result = 0;
        bool ok = Read64UserRaw(address, &result);
        value = result;
        return ok;
    }

    internal static bool TryWrite8(ulong address, byte value) => Write8Raw(address, value);

    /// <summary>Calls code at <paramref name="address"/> (which should return); false when
    /// fetching it faulted, e.g. on a non-executable page.</summary>
    internal static bool TryCall(ulong address)
    {
        s_armedCallTarget = address;
        bool ok = CallRaw(address);
        s_armedCallTarget = 0;
        return ok;
    }

    /// <summary>Called by the page-fault handler: true if the fault belongs to a probe and the
    /// frame now resumes at the landing.</summary>
    internal static bool TryRecover(InterruptFrame* frame, ulong faultAddress)
    {
        if ((frame->Cs & 3) != 0) return false; // probes are kernel code
        ulong* labels = stackalloc ulong[4];
        ReadLabels(labels);
        bool probe = frame->Rip == labels[0] || frame->Rip == labels[1] || frame->Rip == labels[3];
        bool fetch = s_armedCallTarget != 0 && frame->Rip == s_armedCallTarget && (frame->ErrorCode & 16) != 0;
        if (!probe && !fetch) return false;
        LastFault.Address = faultAddress;
        LastFault.ErrorCode = frame->ErrorCode;
        if (fetch)
        {
            // The faulting "instruction" is the call's target: pop the return address the call
            // pushed, as if the target had returned at once.
            frame->Rsp += 8;
            s_armedCallTarget = 0;
        }
        frame->Rip = labels[2];
        return true;
    }
}
