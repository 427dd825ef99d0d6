using System.Runtime.InteropServices;

namespace Aurora.Kernel.Modules;

/// <summary>
/// The whole contract between the kernel and a loadable module (docs/modules.md), compiled into
/// both. The kernel hands a module a pointer to one <see cref="KernelInterface"/> at init; the
/// module fills in a <see cref="ModuleDescriptor"/>. Only blittable data and unmanaged function
/// pointers cross: the kernel and each module are separately compiled NativeAOT images with
/// their own copy of the runtime, so no object, string or type identity may pass between them.
/// Bump <see cref="Version"/> on any change to either structure's layout or meaning; a module
/// built against another version is refused (ENOEXEC).
/// </summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct KernelInterface
{
    /// <summary>The layout version both sides were compiled with.</summary>
    public const uint Version = 2;

    /// <summary>Magic at the start of the table ("AURKAPI\0" little-endian).</summary>
    public const ulong MagicValue = 0x0049504B52554141;

    public ulong Magic;
    public uint InterfaceVersion;
    /// <summary>sizeof(KernelInterface) as the kernel sees it.</summary>
    public uint Size;
    /// <summary>Who is calling: the first argument of every call that acts for the module
    /// (the kernel gives each loaded module its own table, so a module cannot name another).</summary>
    public nint Module;

    /// <summary>Writes bytes to the kernel log (serial and console).</summary>
    public delegate* unmanaged<byte*, nuint, void> Log;
    /// <summary>(module, size): zeroed, 16-byte aligned memory from the module's own arena
    /// (released with the module), or null when the arena is full.</summary>
    public delegate* unmanaged<nint, nuint, void*> Allocate;
    /// <summary>(module, text, length): the module's runtime cannot go on (out of arena, a
    /// throw, a failed cast). Does not return: the kernel logs the text and abandons the call
    /// into the module, which returns -EFAULT to its caller (a failing init is unloaded).</summary>
    public delegate* unmanaged<nint, byte*, nuint, void> Fail;

    /// <summary>(module, vendor, device): claims the first unbound PCI function with these ids
    /// for the module; a handle (&gt;= 0) or a negative errno (ENODEV none, EBUSY bound).
    /// Released when the module is removed.</summary>
    public delegate* unmanaged<nint, ushort, ushort, int> ClaimPciDevice;
    /// <summary>(module, handle, bar, out size): maps memory BAR n of a claimed function uncached,
    /// enables memory decoding; the address, or null. Unmapped when the module is removed.</summary>
    public delegate* unmanaged<nint, int, int, ulong*, byte*> MapPciBar;

    /// <summary>(module, name, name length, read, write): creates the character device
    /// /dev/NAME (major 10, misc) whose read and write call the module with a kernel buffer,
    /// its length and the file offset, and return a count or a negative errno. 0 or a negative
    /// errno. Removed when the module is removed; the module cannot be removed while it is open.</summary>
    public delegate* unmanaged<nint, byte*, nuint, delegate* unmanaged<byte*, nuint, long, long>, delegate* unmanaged<byte*, nuint, long, long>, int> RegisterDevice;

    /// <summary>Milliseconds since boot.</summary>
    public delegate* unmanaged<ulong> Milliseconds;

    /// <summary>(module, handle, handler, context): connects a claimed function's interrupt
    /// (MSI when it has the capability, else its INTx line) to handler(context), which runs in
    /// interrupt context and returns nonzero when its device raised it. 0 or a negative errno.
    /// Disconnected when the module is removed, before its memory goes.</summary>
    public delegate* unmanaged<nint, int, delegate* unmanaged<void*, int>, void*, int> RequestInterrupt;
}

/// <summary>What a module tells the kernel about itself at init (the kernel zeroes it first).</summary>
[StructLayout(LayoutKind.Sequential)]
public unsafe struct ModuleDescriptor
{
    /// <summary>The kernel interface version the module was built against.</summary>
    public uint InterfaceVersion;
    public uint Reserved;
    /// <summary>Called by delete_module before the kernel releases the module's memory,
    /// devices and mappings; may be null.</summary>
    public delegate* unmanaged<void> Exit;
    /// <summary>Set by the kernel: the module's __modules section (its runtime start-up list).</summary>
    public void** ModulesStart;
    public void** ModulesEnd;
}
