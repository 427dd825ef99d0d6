using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Aurora.Caps;

/// <summary>
/// A process's syscall filter (SPEC SEC-5): which syscall numbers it may make. Stored as the
/// set of <em>denied</em> numbers 0..1023 (a 1024-bit bitmap) plus one bit for every higher
/// number, so <c>default</c> (all zero) is "no filter, everything allowed" and
/// <see cref="Allows"/> is one shift and mask. Installing a filter only ever adds denials
/// (<see cref="Narrow"/>): a sandboxed process cannot widen what it may do. Like a Linux seccomp
/// filter, it is always inherited: fork copies it to the child (and execve keeps it), so a
/// filtered process cannot escape its filter by forking.
/// </summary>
public unsafe struct SyscallFilter
{
    private fixed ulong _denied[CapsLimits.FilterSyscallCount / 64];
    private bool _deniesBeyond;
    private bool _installed;

    /// <summary>True once any filter has been installed.</summary>
    public readonly bool IsInstalled => _installed;

    /// <summary>True when fork copies the filter to the child: since 1.0 every installed filter
    /// (the <see cref="SyscallFilterSpec.Inheritable"/> flag is accepted and changes nothing).</summary>
    public readonly bool IsInheritable => _installed;

    /// <summary>Whether syscall <paramref name="number"/> (RAX, taken unsigned as Linux does) is allowed. O(1).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public readonly bool Allows(ulong number)
    {
        if (number < CapsLimits.FilterSyscallCount)
        {
            return ((_denied[number >> 6] >> (int)(number & 63)) & 1) == 0;
        }

        return !_deniesBeyond;
    }

    /// <summary>
    /// Intersects this filter with <paramref name="spec"/>: a number stays allowed only if both
    /// allow it. InvalidArgument (and no change) for unknown flags.
    /// </summary>
    public CapsError Narrow(in SyscallFilterSpec spec)
    {
        if ((spec.Flags & ~(SyscallFilterSpec.DefaultAllow | SyscallFilterSpec.Inheritable)) != 0)
        {
            return CapsError.InvalidArgument;
        }

        bool defaultAllow = (spec.Flags & SyscallFilterSpec.DefaultAllow) != 0;
        for (int i = 0; i < CapsLimits.FilterSyscallCount / 64; i++)
        {
            ulong bits = spec.Bits[i];
            // Default deny: the bits name the allowed numbers, so the denied ones are the rest.
            _denied[i] |= defaultAllow ? bits : ~bits;
        }

        _deniesBeyond |= !defaultAllow;
        _installed = true;
        return CapsError.None;
    }
}

/// <summary>
/// A filter as a process passes it to <see cref="AuroraSyscalls.InstallFilter"/> (136 bytes):
/// a 1024-bit bitmap (bit n of <c>Bits[n / 64]</c> is syscall n) and flags. With
/// <see cref="DefaultAllow"/> the bits name the denied numbers and every number ≥ 1024 is
/// allowed; without it (default deny) the bits name the allowed numbers and every number ≥ 1024
/// is denied. <see cref="Inheritable"/> is accepted for compatibility: every filter is inherited.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct SyscallFilterSpec
{
    /// <summary>Flag: the bits name denied syscalls and every other number (including those ≥ 1024)
    /// is allowed; without it the bits name the allowed ones.</summary>
    public const uint DefaultAllow = 1;
    /// <summary>Before 1.0 only filters with this flag passed to children; now all do.</summary>
    public const uint Inheritable = 2;

    /// <summary>The bitmap: bit n of <c>Bits[n / 64]</c> stands for syscall n (0-1023).</summary>
    public fixed ulong Bits[CapsLimits.FilterSyscallCount / 64];
    /// <summary><see cref="DefaultAllow"/> and <see cref="Inheritable"/>; any other bit is refused
    /// with InvalidArgument.</summary>
    public uint Flags;
    /// <summary>Not read; pass 0 (room for later use, so a later meaning cannot surprise an old
    /// caller).</summary>
    public uint Reserved;

    /// <summary>Sets bit <paramref name="number"/> (ignored when ≥ 1024).</summary>
    public void Set(int number)
    {
        if ((uint)number < CapsLimits.FilterSyscallCount)
        {
            Bits[number >> 6] |= 1UL << (number & 63);
        }
    }
}
