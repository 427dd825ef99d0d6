using System.Runtime.CompilerServices;

namespace Aurora.Kernel.Drivers.Console;

/// <summary>
/// Block copy and fill in 8-byte moves for scrolling and clearing. Under TCG emulation every
/// guest instruction costs a lot, so moving a framebuffer one byte or one pixel at a time is
/// several times slower than moving it a ulong at a time.
/// </summary>
internal static unsafe class ConsoleMemory
{
    /// <summary>
    /// Copies <paramref name="count"/> bytes from low addresses to high. Overlap is fine when
    /// <paramref name="destination"/> is below <paramref name="source"/> (scrolling up): every
    /// chunk is read before the write that could reach it.
    /// </summary>
    public static void CopyForward(byte* destination, byte* source, nuint count)
    {
        nuint i = 0;
        for (; i + 32 <= count; i += 32)
        {
            ulong a = Unsafe.ReadUnaligned<ulong>(source + i);
            ulong b = Unsafe.ReadUnaligned<ulong>(source + i + 8);
            ulong c = Unsafe.ReadUnaligned<ulong>(source + i + 16);
            ulong d = Unsafe.ReadUnaligned<ulong>(source + i + 24);
            Unsafe.WriteUnaligned(destination + i, a);
            Unsafe.WriteUnaligned(destination + i + 8, b);
            Unsafe.WriteUnaligned(destination + i + 16, c);
            Unsafe.WriteUnaligned(destination + i + 24, d);
        }

        for (; i + 8 <= count; i += 8)
        {
            Unsafe.WriteUnaligned(destination + i, Unsafe.ReadUnaligned<ulong>(source + i));
        }

        for (; i < count; i++)
        {
            destination[i] = source[i];
        }
    }

    /// <summary>
    /// Fills <paramref name="count"/> bytes with the 24-byte pattern <paramref name="p0"/>,
    /// <paramref name="p1"/>, <paramref name="p2"/> (little-endian), starting at its beginning.
    /// 24 bytes is a whole number of 2-, 3- and 4-byte pixels, so one routine serves all depths.
    /// </summary>
    public static void FillPattern(byte* destination, nuint count, ulong p0, ulong p1, ulong p2)
    {
        nuint i = 0;
        for (; i + 24 <= count; i += 24)
        {
            Unsafe.WriteUnaligned(destination + i, p0);
            Unsafe.WriteUnaligned(destination + i + 8, p1);
            Unsafe.WriteUnaligned(destination + i + 16, p2);
        }

        ulong tail = p0;
        if (i + 8 <= count)
        {
            Unsafe.WriteUnaligned(destination + i, p0);
            i += 8;
            tail = p1;
            if (i + 8 <= count)
            {
                Unsafe.WriteUnaligned(destination + i, p1);
                i += 8;
                tail = p2;
            }
        }

        for (; i < count; i++)
        {
            destination[i] = (byte)tail;
            tail >>= 8;
        }
    }
}
