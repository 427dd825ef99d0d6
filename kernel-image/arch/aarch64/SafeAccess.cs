using System.Runtime;
using System.Runtime.CompilerServices;

namespace Aurora.Kernel.Arch.Aarch64;

/// <summary>What the exception vectors saw when they recovered a probe: the abort's syndrome
/// (ESR_EL1) and address (FAR_EL1), read in the terms x86_64's FaultInfo speaks.</summary>
internal struct FaultInfo
{
    public ulong Address;
    public ulong Syndrome;

    /// <summary>The exception class (ESR bits 31:26): 0x21/0x25 an instruction/data abort at
    /// EL1, 0x20/0x24 from EL0 (ARM ARM D17.2.37).</summary>
    public uint ExceptionClass => (uint)(Syndrome >> 26) & 0x3F;
    /// <summary>DFSC/IFSC (ISS bits 5:0): 0b0001LL translation, 0b0011LL permission fault at level LL.</summary>
    public uint Status => (uint)Syndrome & 0x3F;
    /// <summary>Something was mapped there (an access flag or permission fault, not a
    /// translation fault): x86's P bit.</summary>
    public bool Present => (Status >> 2) is 2 or 3;
    public bool Permission => (Status >> 2) == 3;
    public bool Write => ExceptionClass is 0x24 or 0x25 && (Syndrome & (1 << 6)) != 0;
    public bool User => ExceptionClass is 0x20 or 0x24;
    public bool InstructionFetch => ExceptionClass is 0x20 or 0x21;
}

/// <summary>
/// Probes that survive an abort at EL1 (safe_access.S): Exceptions.Dispatch asks
/// <see cref="TryRecover"/>, which moves ELR to the landing, and the probe returns false with
/// the fault kept in <see cref="LastFault"/>. Only the in-kernel tests probe; user memory is
/// reached through the direct map (Processes.UserMemory), never by a fault.
/// </summary>
internal static unsafe class SafeAccess
{
    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_safe_read64")]
    private static extern bool Read64Raw(ulong address, ulong* value);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_safe_read64_user")]
    private static extern bool Read64UserRaw(ulong address, ulong* value);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_safe_write8")]
    private static extern bool Write8Raw(ulong address, byte value);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_safe_call")]
    private static extern bool CallRaw(ulong address);

    [MethodImpl(MethodImplOptions.InternalCall), RuntimeImport("*", "aurora_a64_safe_access_labels")]
    private static extern void ReadLabels(ulong* labels);

    private const uint ClassInstructionAbort = 0x21, ClassDataAbort = 0x25;

    private static ulong s_armedCallTarget;

    internal static FaultInfo LastFault;

    internal static bool TryRead64(ulong address, out ulong value)
    {
        ulong result = 0;
        bool ok = Read64Raw(address, &result);
        value = result;
        return ok;
    }

    /// <summary>Reads a user address with PAN lifted for the one load (PAN on only): how a
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
    /// fetching it faulted (execute-never, PXN, nothing mapped).</summary>
    internal static bool TryCall(ulong address)
    {
        s_armedCallTarget = address;
        bool ok = CallRaw(address);
        s_armedCallTarget = 0;
        return ok;
    }

    /// <summary>Called for every synchronous exception at EL1 (vector 4): true if it is a
    /// probe's abort and the frame now resumes at the landing.</summary>
    internal static bool TryRecover(TrapFrame* frame)
    {
        uint exceptionClass = (uint)(frame->Syndrome >> 26) & 0x3F;
        if (exceptionClass != ClassDataAbort && exceptionClass != ClassInstructionAbort) return false;
        ulong* labels = stackalloc ulong[5];
        ReadLabels(labels);
        ulong at = frame->ExceptionLink;
        bool probe = exceptionClass == ClassDataAbort && (at == labels[0] || at == labels[1] || at == labels[3]);
        bool fetch = exceptionClass == ClassInstructionAbort && s_armedCallTarget != 0 && at == s_armedCallTarget;
        if (!probe && !fetch) return false;
        LastFault.Address = frame->FaultAddress;
        LastFault.Syndrome = frame->Syndrome;
        // The call's landing unwinds aurora_a64_safe_call's frame record; x30 already points
        // back into it (BLR), the target did not run.
        frame->ExceptionLink = fetch ? labels[4] : labels[2];
        if (fetch) s_armedCallTarget = 0;
        return true;
    }
}
