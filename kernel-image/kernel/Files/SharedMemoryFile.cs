using System;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Files;

/// <summary>
/// Anonymous shared memory (mmap MAP_SHARED | MAP_ANONYMOUS) as a kind of file with no name,
/// as Linux backs it with a shmem file (shmem_zero_setup): the mapping's regions hold the
/// description, fork shares it, and its pages are the object's, so parent and child write the
/// same frames. A page is a zeroed frame made on first touch and kept until the last mapping
/// of the object goes; its size is fixed when it is made (mremap beyond it: SIGBUS, as Linux).
/// No descriptor ever names it: only mappings hold it.
/// </summary>
internal static unsafe class SharedMemoryFile
{
    private struct Object
    {
        public ulong PageCount;
        /// <summary>A frame per page, 0 until first touched. Slots are filled under the share
        /// lock (UserMemory.ObjectFrame), so two processes touching a page at once get one frame.</summary>
        public ulong* Frames;
    }

    private static FileOperations s_operations;

    private static FileOperations* Operations
    {
        get
        {
            fixed (FileOperations* operations = &s_operations)
            {
                if (operations->Map == null)
                {
                    operations->Close = &Close;
                    // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
                    operations->Map = &Map;
                }

                return operations;
            }
        }
    }

    /// <summary>A new object of <paramref name="pages"/> pages with one reference (the caller's),
    /// or null without memory.</summary>
    internal static OpenFileDescription* Create(ulong pages)
    {
        if (pages > (1UL << 24)) return null; // 64 GiB: its frame table alone would be 128 MiB of heap
        var shared = (Object*)KernelMemory.Allocate((nuint)sizeof(Object));
        var frames = (ulong*)KernelMemory.Allocate((nuint)(pages * sizeof(ulong)));
        if (shared == null || frames == null)
        {
            KernelMemory.Free(shared);
            KernelMemory.Free(frames);
            return null;
        }

        new Span<byte>(frames, (int)(pages * sizeof(ulong))).Clear();
        shared->PageCount = pages;
        shared->Frames = frames;
        OpenFileDescription* description = OpenFileDescription.Create(Operations, shared, OpenFileDescription.ReadWrite);
        if (description == null) Close(shared);
        return description;
    }

    private static long Map(OpenFileDescription* description, ulong offset, bool shared, MappedPage* result)
    {
        var memory = (Object*)description->Object;
        ulong index = offset >> 12;
        if (index >= memory->PageCount) return -Syscalls.Errno.ENXIO;
        result->Copy = false;
        return UserMemory.ObjectFrame(memory->Frames + index, out result->Frame) ? 0 : -Syscalls.Errno.ENOMEM;
    }

    private static void Close(void* obj)
    {
        var memory = (Object*)obj;
        for (ulong i = 0; i < memory->PageCount; i++)
        {
            if (memory->Frames[i] != 0) UserMemory.ReleaseObjectFrame(memory->Frames[i]);
        }

        KernelMemory.Free(memory->Frames);
        KernelMemory.Free(memory);
    }
}
