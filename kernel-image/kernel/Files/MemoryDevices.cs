using System;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Files;

/// <summary>
/// The memory devices of major 1 (Linux drivers/char/mem.c and random.c): /dev/null (reads
/// end at once, writes vanish), /dev/zero (reads zeros, writes vanish), /dev/full (reads
/// zeros, writes fail with ENOSPC), /dev/random and /dev/urandom (reads KernelRandom, as
/// getrandom; writes are accepted and, as Linux does without CAP_SYS_ADMIN credit, only mixed
/// in — here simply dropped). No object: every description of one is the same. lseek succeeds
/// and leaves the offset at 0, as Linux's null_lseek/zero_lseek. pread/pwrite (and their
/// vector forms) work and ignore the position: Linux opens character devices with
/// FMODE_PREAD/FMODE_PWRITE and mem.c's read_iter/write_iter never look at it. sendfile and
/// splice into null, zero and the random devices take the bytes (splice_write_null,
/// iter_file_splice_write); full has no splice_write, so sendfile to it is EINVAL, as Linux.
/// </summary>
internal static unsafe class MemoryDevices
{
    private const int ChunkSize = 256;

    private static FileOperations s_null, s_zero, s_full, s_random, s_urandom;

    internal static void Register()
    {
        Devices.Register(Devices.MemoryMajor, Devices.NullMinor, &OpenNull);
        Devices.Register(Devices.MemoryMajor, Devices.ZeroMinor, &OpenZero);
        Devices.Register(Devices.MemoryMajor, Devices.FullMinor, &OpenFull);
        Devices.Register(Devices.MemoryMajor, Devices.RandomMinor, &OpenRandom);
        Devices.Register(Devices.MemoryMajor, Devices.UrandomMinor, &OpenUrandom);
    }

    private static OpenFileDescription* OpenNull() { fixed (FileOperations* o = &s_null) return Open(o, &ReadNothing, &WriteAll, &ReadNothingAt, &WriteAllAt, &SpliceWriteAll, &StatNull, &NameNull); }

    private static OpenFileDescription* OpenZero() { fixed (FileOperations* o = &s_zero) return Open(o, &ReadZeros, &WriteAll, &ReadZerosAt, &WriteAllAt, &SpliceWriteAll, &StatZero, &NameZero); }

    private static OpenFileDescription* OpenFull() { fixed (FileOperations* o = &s_full) return Open(o, &ReadZeros, &WriteNoSpace, &ReadZerosAt, &WriteNoSpaceAt, null, &StatFull, &NameFull); }

    private static OpenFileDescription* OpenRandom() { fixed (FileOperations* o = &s_random) return Open(o, &ReadRandom, &WriteAll, &ReadRandomAt, &WriteAllAt, &SpliceWriteAll, &StatRandom, &NameRandom); }

    private static OpenFileDescription* OpenUrandom() { fixed (FileOperations* o = &s_urandom) return Open(o, &ReadRandom, &WriteAll, &ReadRandomAt, &WriteAllAt, &SpliceWriteAll, &StatUrandom, &NameUrandom); }

    // Function-pointer statics are not preinitialised by the compiler: each table is filled on first open.
    private static OpenFileDescription* Open(FileOperations* operations,
        delegate*<OpenFileDescription*, Process*, ulong, ulong, long> read,
        delegate*<OpenFileDescription*, Process*, ulong, ulong, long> write,
        delegate*<OpenFileDescription*, Process*, ulong, ulong, long, long> readAt,
        delegate*<OpenFileDescription*, Process*, ulong, ulong, long, long> writeAt,
        delegate*<OpenFileDescription*, Process*, byte*, int, long> spliceWrite,
        delegate*<OpenFileDescription*, FileStatus*, long> stat,
        delegate*<OpenFileDescription*, Span<byte>, int> name)
    {
        if (operations->Read == null)
        {
            operations->Write = write;
            operations->ReadAt = readAt;
            operations->WriteAt = writeAt;
            operations->SpliceWrite = spliceWrite;
            operations->Stat = stat;
            operations->Seek = &Seek;
            operations->Name = name;
            // Written last: a thread preempted mid-way leaves the table looking unset, never half set.
            operations->Read = read;
        }

        return OpenFileDescription.Create(operations, null, OpenFileDescription.ReadWrite | OpenFileDescription.LargeFile);
    }

    private static long ReadNothing(OpenFileDescription* description, Process* process, ulong buffer, ulong length) => 0;

    private static long WriteAll(OpenFileDescription* description, Process* process, ulong buffer, ulong length) => (long)Math.Min(length, long.MaxValue);

    private static long WriteNoSpace(OpenFileDescription* description, Process* process, ulong buffer, ulong length) => -Syscalls.Errno.ENOSPC;

    private static long ReadZeros(OpenFileDescription* description, Process* process, ulong buffer, ulong length) =>
        Fill(process, buffer, length, random: false);

    private static long ReadRandom(OpenFileDescription* description, Process* process, ulong buffer, ulong length) =>
        Fill(process, buffer, length, random: true);

    // The positioned forms: the same answers whatever the position.
    private static long ReadNothingAt(OpenFileDescription* d, Process* p, ulong buffer, ulong length, long position) => 0;

    private static long WriteAllAt(OpenFileDescription* d, Process* p, ulong buffer, ulong length, long position) => WriteAll(d, p, buffer, length);

    private static long WriteNoSpaceAt(OpenFileDescription* d, Process* p, ulong buffer, ulong length, long position) => -Syscalls.Errno.ENOSPC;

    private static long ReadZerosAt(OpenFileDescription* d, Process* p, ulong buffer, ulong length, long position) => Fill(p, buffer, length, random: false);

    private static long ReadRandomAt(OpenFileDescription* d, Process* p, ulong buffer, ulong length, long position) => Fill(p, buffer, length, random: true);

    private static long SpliceWriteAll(OpenFileDescription* d, Process* p, byte* bytes, int length) => length;

    /// <summary>Zeros or random bytes into user memory, a chunk at a time: the count, or EFAULT
    /// when not even the first byte could be stored. A signal cuts a long read short (Linux
    /// checks signal_pending between pages), so reading a huge length stays interruptible.</summary>
    private static long Fill(Process* process, ulong buffer, ulong length, bool random)
    {
        const ulong MaxCount = 0x7FFFF000; // Linux's MAX_RW_COUNT
        if (length > MaxCount) length = MaxCount;
        byte* chunk = stackalloc byte[ChunkSize];
        var bytes = new Span<byte>(chunk, ChunkSize);
        bytes.Clear();
        ulong done = 0;
        while (done < length)
        {
            int n = (int)Math.Min((ulong)ChunkSize, length - done);
            if (random) KernelRandom.Fill(bytes.Slice(0, n));
            bool copied = UserMemory.CopyTo(process->Space, buffer + done, bytes.Slice(0, n));
            if (!copied) break;
            done += (ulong)n;
            if (done < length && (done & 0xFFF) == 0 && Process.HasDeliverableSignal(process)) break;
        }

        if (random) bytes.Clear();
        return done > 0 ? (long)done : length == 0 ? 0 : -Syscalls.Errno.EFAULT;
    }

    private static long Seek(OpenFileDescription* description, long offset, int whence)
    {
        description->Offset = 0;
        return 0;
    }

    private static long StatNull(OpenFileDescription* d, FileStatus* s) => Stat(s, Devices.NullMinor);
    private static long StatZero(OpenFileDescription* d, FileStatus* s) => Stat(s, Devices.ZeroMinor);
    private static long StatFull(OpenFileDescription* d, FileStatus* s) => Stat(s, Devices.FullMinor);
    private static long StatRandom(OpenFileDescription* d, FileStatus* s) => Stat(s, Devices.RandomMinor);
    private static long StatUrandom(OpenFileDescription* d, FileStatus* s) => Stat(s, Devices.UrandomMinor);

    private static long Stat(FileStatus* status, uint minor)
    {
        status->Mode = FileMode.CharacterDevice | 0x1B6; // crw-rw-rw-
        status->SpecialDevice = Devices.Encode(Devices.MemoryMajor, minor);
        status->LinkCount = 1;
        status->BlockSize = 4096;
        return 0;
    }

    private static int NameNull(OpenFileDescription* d, Span<byte> name) => Put("/dev/null", name);
    private static int NameZero(OpenFileDescription* d, Span<byte> name) => Put("/dev/zero", name);
    private static int NameFull(OpenFileDescription* d, Span<byte> name) => Put("/dev/full", name);
    private static int NameRandom(OpenFileDescription* d, Span<byte> name) => Put("/dev/random", name);
    private static int NameUrandom(OpenFileDescription* d, Span<byte> name) => Put("/dev/urandom", name);

    internal static int Put(string text, Span<byte> output)
    {
        int n = Math.Min(text.Length, output.Length);
        for (int i = 0; i < n; i++) output[i] = (byte)text[i];
        return n;
    }
}
