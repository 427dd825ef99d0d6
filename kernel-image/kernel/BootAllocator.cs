namespace Aurora.Kernel;

/// <summary>
/// Object memory before the heap exists: a bump allocator over a fixed arena in .bss. It never
/// frees. The runtime uses it for the few objects created during early boot (static holders,
/// exceptions on their way to a panic).
/// </summary>
internal static unsafe class BootAllocator
{
    private const int ArenaSize = 1 << 20;

    private struct Arena
    {
        public fixed byte Bytes[ArenaSize];
    }

    private static Arena s_arena;
    private static nuint s_used;

    internal static nuint Used => s_used;

    internal static void* Allocate(nuint size)
    {
        nuint aligned = (size + 15) & ~(nuint)15;
        if (aligned > ArenaSize - s_used) return null;
        fixed (Arena* arena = &s_arena)
        {
            byte* result = arena->Bytes + s_used;
            s_used += aligned;
            return result; // .bss is zeroed and never reused: already clear
        }
    }
}
