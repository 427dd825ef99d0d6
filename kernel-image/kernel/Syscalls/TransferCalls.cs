using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;

namespace Aurora.Kernel.Syscalls;

/// <summary>
/// sendfile(out_fd, in_fd, offset, count) (Linux fs/read_write.c do_sendfile): bytes of a
/// regular file copied in the kernel to any description that takes kernel bytes (its
/// SpliceWrite: files and pipes; others EINVAL, where programs such as busybox cat fall back
/// to read and write). With an offset pointer the input is read from *offset, which moves, and
/// the input's own offset stays; without one the input's offset is used and moves.
/// </summary>
internal static unsafe class TransferCalls
{
    /// <summary>Linux's MAX_RW_COUNT: one call moves at most this much.</summary>
    private const ulong MaxCount = 0x7FFFF000;

    private const int ChunkSize = 4096;

    /// <summary>Linux's order: *offset read (EFAULT); the input open and readable (EBADF); an
    /// offset given for an input without positions ESPIPE; a negative position EINVAL; the
    /// output open and writable (EBADF); an O_APPEND output or one that cannot take kernel
    /// bytes, or an input that is not a regular file, EINVAL. Stops short at the input's end or
    /// a short write; an error after some bytes moved reports the count.</summary>
    internal static long SendFile(Process* process, ulong outDescriptor, ulong inDescriptor, ulong offsetPointer, ulong count)
    {
        long position = 0;
        if (offsetPointer != 0 && !UserMemory.CopyFrom(process->Space, offsetPointer, new Span<byte>(&position, 8))) return -Errno.EFAULT;
        OpenFileDescription* input = process->Descriptors.Get((uint)inDescriptor);
        if (input == null || !input->CanRead) return -Errno.EBADF;
        if (offsetPointer != 0 && input->Operations->ReadAt == null) return -Errno.ESPIPE;
        if (offsetPointer == 0) position = input->Offset;
        if (position < 0) return -Errno.EINVAL;
        OpenFileDescription* output = process->Descriptors.Get((uint)outDescriptor);
        if (output == null || !output->CanWrite) return -Errno.EBADF;
        if ((output->StatusFlags & OpenFileDescription.Append) != 0 || output->Operations->SpliceWrite == null) return -Errno.EINVAL;
        if (count > MaxCount) count = MaxCount;

        byte* chunk = (byte*)KernelMemory.Allocate(ChunkSize);
        if (chunk == null) return -Errno.ENOMEM;
        long total = 0, result = 0;
        while ((ulong)total < count)
        {
            int want = (int)Math.Min((ulong)ChunkSize, count - (ulong)total);
            long got = VfsFile.ReadKernel(input, position, new Span<byte>(chunk, want));
            if (got <= 0)
            {
                result = got;
                break;
            }

            long written = output->Operations->SpliceWrite(output, process, chunk, (int)got);
            if (written <= 0)
            {
                result = written;
                break;
            }

            total += written;
            position += written;
            if (written < got || got < want) break;
        }

        KernelMemory.Free(chunk);
        if (offsetPointer != 0)
        {
            if (!UserMemory.CopyTo(process->Space, offsetPointer, new ReadOnlySpan<byte>(&position, 8))) return -Errno.EFAULT;
        }
        else if (total > 0)
        {
            // A VFS file's offset changes under the VFS lock (it is shared by dup and fork).
            FileSystem.Lock();
            input->Offset = position;
            FileSystem.Unlock();
        }

        return total > 0 ? total : result;
    }
}
