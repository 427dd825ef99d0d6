using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;
using Aurora.Vfs;
using Aurora.Vmm;

namespace Aurora.Kernel.Processes;

/// <summary>execve (SPEC PROC-1): the calling process continues as another program from the
/// file tree, with new arguments and environment, in a new address space; open files stay
/// open. Everything is read, checked and built before the old image is dropped, so a failed
/// execve returns an error to a process that is still whole.</summary>
internal unsafe partial struct Process
{
    /// <summary>Linux's limits on execve's strings (fs/exec.c): one string, its NUL included,
    /// at most MAX_ARG_STRLEN (32 pages); all of them with a pointer each at most a quarter of
    /// the 8 MiB stack (bprm_stack_limits with RLIMIT_STACK's default: 2 MiB); past either,
    /// E2BIG. The copy starts small and grows as the strings need it.</summary>
    private const int MaxArgumentString = 32 * 4096;
    private const int ArgumentSpace = 2 * 1024 * 1024;
    private const int FirstStringBuffer = 32 * 1024;

    internal static long Execute(Process* process, ulong userPath, ulong userArguments, ulong userEnvironment)
    {
        byte* path = stackalloc byte[VfsLimits.MaxPathLength + 2];
        long pathLength = Files.PathResolver.CopyAbsolute(process, userPath, new Span<byte>(path, VfsLimits.MaxPathLength + 2));
        if (pathLength < 0) return pathLength;
        process->Sandbox.Seal(); // the new program cannot add to a layer the old one opened
        long narrowed = Syscalls.SandboxCalls.ApplyExecPromises(process); // pledge's execpromises
        if (narrowed < 0) return narrowed;

        int capacity = FirstStringBuffer;
        byte* strings = (byte*)KernelMemory.Allocate((nuint)capacity);
        if (strings == null) return -Syscalls.Errno.ENOMEM;
        int used = 0, argumentCount = 0, environmentCount = 0;
        long error = CopyStringList(process, userArguments, ref strings, ref capacity, ref used, ref argumentCount, 0);
        int argumentBytes = used;
        if (error == 0) error = CopyStringList(process, userEnvironment, ref strings, ref capacity, ref used, ref environmentCount, argumentCount);
        byte* image = null;
        long imageSize = 0;
        if (error == 0) error = ReadProgram(process, new ReadOnlySpan<byte>(path, (int)pathLength), out image, out imageSize);
        ElfImage.Image programImage = default, interpreterImage = default;
        if (error == 0) error = ElfImage.Parse(new ReadOnlySpan<byte>(image, (int)imageSize), out programImage) switch
        {
            LoadError.None => 0,
            LoadError.OutOfMemory => -Syscalls.Errno.ENOMEM,
            LoadError.ShortRead => -Syscalls.Errno.EIO,
            _ => -Syscalls.Errno.ENOEXEC,
        };
        byte* interpreter = null;
        long interpreterSize = 0;
        Files.OpenFileDescription* programBacking = null, interpreterBacking = null;
        if (error == 0 && programImage.HasInterpreter)
            error = ReadInterpreter(process, ElfImage.InterpreterPath(new ReadOnlySpan<byte>(image, (int)imageSize), programImage), out interpreter, out interpreterSize, out interpreterImage, out interpreterBacking);
        // The file itself, for private file mappings of its segments (none: they are copied).
        if (error == 0 && Files.VfsFile.Open(new ReadOnlySpan<byte>(path, (int)pathLength), OpenFlags.ReadOnly, 0, out programBacking) < 0)
            programBacking = null;

        AddressSpace space = default;
        UserRegions regions = NewRegions();
        ElfImage.Layout layout = default;
        RandomLayout random = default;
        ulong stackPointer = 0;
        if (error == 0)
        {
            if (KernelMemory.Mapper.CreateAddressSpace(KernelMemory.KernelSpace, out space) != VmmError.None)
            {
                error = -Syscalls.Errno.ENOMEM;
            }
            else
            {
                error = MapImages(process, userPath, new ReadOnlySpan<byte>(image, (int)imageSize), programImage,
                    new ReadOnlySpan<byte>(interpreter, (int)interpreterSize), interpreterImage,
                    space, ref regions, new ReadOnlySpan<byte>(strings, used), argumentCount, environmentCount,
                    out layout, out random, out stackPointer, programBacking, interpreterBacking);
                if (error != 0)
                {
                    UserMemory.Destroy(space);
                    regions.Clear();
                }
            }
        }

        KernelMemory.Free(interpreter);
        // The regions hold their own references.
        if (programBacking != null) Files.OpenFileDescription.Release(programBacking);
        if (interpreterBacking != null) Files.OpenFileDescription.Release(interpreterBacking);
        // What /proc shows of the new program: made before the point of no return, so running
        // out of memory here still fails the execve cleanly.
        // The command name (comm) is the last component of the path as given, before the
        // program record resolves a symbolic link in it: /bin/sleep → busybox runs as "sleep"
        // (Linux takes it from bprm->filename).
        byte* command = stackalloc byte[NameCapacity];
        int nameStart = 0;
        for (int i = 0; i < (int)pathLength; i++)
        {
            if (path[i] == (byte)'/') nameStart = i + 1;
        }

        for (int i = 0; i < NameCapacity; i++)
            command[i] = i < NameCapacity - 1 && nameStart + i < (int)pathLength ? path[nameStart + i] : (byte)0;
        ProgramInfo* program = null;
        if (error == 0)
        {
            program = NewProgramInfo(new Span<byte>(path, VfsLimits.MaxPathLength + 2), (int)pathLength, new ReadOnlySpan<byte>(strings, used), argumentBytes);
            if (program == null)
            {
                error = -Syscalls.Errno.ENOMEM;
                UserMemory.Destroy(space);
                regions.Clear();
            }
        }

        KernelMemory.Free(image);
        KernelMemory.Free(strings);
        if (error != 0) return error;

        // Point of no return: the new image replaces the old one. Every other thread ends first
        // and the caller becomes the process's only thread, with the pid as its id (Linux's
        // de_thread). Shared segments are detached (as execve does on Linux); tokens and ids stay.
        // A thread already ending the group (exit_group, a fatal signal) wins: the new image goes
        // back and this thread ends on its way out. (It used to end inside EndOtherThreads and
        // the new space, its regions and program record were never freed: attack.thread_storm's
        // ledger, an execve from a thread racing an exit_group from another.)
        if (!BecomeOnlyThread(process))
        {
            UserMemory.Destroy(space);
            regions.Clear();
            KernelMemory.Free(program);
            return -Syscalls.Errno.EAGAIN;
        }

        Scheduler.Current->UserTid = 0;
        // The list lives in the old image; walked with the id the caller has now, the pid, as
        // Linux's futex_exec_release runs after de_thread.
        ReleaseRobustList(process, Scheduler.Current);
        Scheduler.Current->ClearTidAddress = 0;
        Ipc.SharedSegments.DetachAll(process);
        process->Descriptors.CloseOnExec();
        AddressSpace old = process->Space;
        KernelThread* thread = Scheduler.Current;
        Cpu.DisableInterrupts();
        process->Space = space;
        thread->AddressSpaceRoot = space.Root;
        Paging.ActivateRoot(space.Root);
        thread->ThreadPointer = 0;
        UserMode.SetThreadPointer(0);
        Cpu.EnableInterrupts();
        UserMemory.Destroy(old);
        process->Regions.Clear();
        process->Regions = regions;
        ProgramInfo.Replace(process, program);

        process->Entry = layout.Entry;
        process->InitialStackPointer = stackPointer;
        process->SignalTrampoline = SignalTrampolineAddress(random.StackTop);
        process->Executed = true; // setpgid by the parent: EACCES from now on
        process->BreakStart = process->Break = random.BreakStart;
        process->MappingCursor = random.MappingBase;
        // The new image has none of the old handlers: caught signals go back to their default
        // action; ignored ones stay ignored, and the mask stays (POSIX execve).
        for (int i = 0; i < SignalCount; i++)
        {
            if (process->SignalHandler[i] != 1) process->SignalHandler[i] = 0;
            process->SignalFlags[i] = 0;
            process->SignalRestorer[i] = 0;
            process->SignalHandlerMask[i] = 0;
        }

        // The alternate signal stack was the old image's memory (the robust list is walked above);
        // the ids stay, with the saved ones set to the effective ones (Linux execve).
        process->AlternateStack = default;
        process->MembarrierRegistrations = 0; // a new address space has none
        process->Credentials.OnExecute();
        for (int i = 0; i < NameCapacity; i++) process->Name[i] = command[i];
        Files.CallReferences.ReleaseAll(); // execve does not return through the call's end
        UserMode.Enter(layout.Entry, stackPointer);
        return 0;
    }

    /// <summary>Maps the program and its interpreter and builds the stack for execve.</summary>
    private static long MapImages(Process* process, ulong userPath, ReadOnlySpan<byte> file, in ElfImage.Image program,
        ReadOnlySpan<byte> interpreterFile, in ElfImage.Image interpreter, AddressSpace space, ref UserRegions regions,
        ReadOnlySpan<byte> strings, int argumentCount, int environmentCount,
        out ElfImage.Layout layout, out RandomLayout random, out ulong stackPointer,
        Files.OpenFileDescription* programBacking, Files.OpenFileDescription* interpreterBacking)
    {
        stackPointer = 0;
        long error = MapProgram(file, program, interpreterFile, interpreter, space, ref regions, out layout, out random,
            programBacking, interpreterBacking);
        if (error != 0) return error;

        // AT_EXECFN is the path as the caller gave it (Linux's bprm->filename).
        byte* name = Files.PathResolver.AllocateBuffer();
        if (name == null) return -Syscalls.Errno.ENOMEM;
        long nameLength = UserMemory.CopyString(process->Space, userPath, new Span<byte>(name, Files.PathResolver.BufferSize));
        StartFacts facts = default;
        facts.ExecutableName = new ReadOnlySpan<byte>(name, nameLength < 0 ? 0 : (int)nameLength);
        facts.Uid = process->Credentials.RealUid;
        facts.Euid = process->Credentials.EffectiveUid;
        facts.Gid = process->Credentials.RealGid;
        facts.Egid = process->Credentials.EffectiveGid;
        stackPointer = BuildStack(space, ref regions, random.StackTop, layout, strings, argumentCount, environmentCount, facts);
        KernelMemory.Free(name);
        return stackPointer == 0 ? -Syscalls.Errno.ENOMEM : 0;
    }

    /// <summary>Maps the program (a position-independent one at a random base) and, when it
    /// names one, its interpreter (at the random start of the mapping window, which then starts
    /// past it) into <paramref name="space"/> and chooses the rest of the random layout; the
    /// thread starts at the interpreter's entry when there is one. 0 or -errno; on an error the
    /// caller drops the space.</summary>
    internal static long MapProgram(ReadOnlySpan<byte> file, in ElfImage.Image program,
        ReadOnlySpan<byte> interpreterFile, in ElfImage.Image interpreter, AddressSpace space, ref UserRegions regions,
        out ElfImage.Layout layout, out RandomLayout random,
        Files.OpenFileDescription* programBacking = null, Files.OpenFileDescription* interpreterBacking = null)
    {
        layout = default;
        random = default;
        ulong bias = program.PositionIndependent ? ElfImage.Bias(program, RandomProgramBase()) : 0;
        if (!ElfImage.Fits(program, bias, regions)) return -Syscalls.Errno.ENOEXEC;
        LoadError load = ElfImage.Map(file, program, bias, space, ref regions, programBacking);
        if (load != LoadError.None) return load == LoadError.OutOfMemory ? -Syscalls.Errno.ENOMEM : -Syscalls.Errno.ENOEXEC;
        layout = ElfImage.ProgramLayout(program, bias);
        random = ChooseLayout(layout.End);
        if (!program.HasInterpreter) return 0;
        ulong interpreterBias = interpreter.PositionIndependent ? ElfImage.Bias(interpreter, random.MappingBase) : 0;
        if (!ElfImage.Fits(interpreter, interpreterBias, regions)) return -Syscalls.Errno.ELIBBAD;
        load = ElfImage.Map(interpreterFile, interpreter, interpreterBias, space, ref regions, interpreterBacking);
        if (load != LoadError.None) return load == LoadError.OutOfMemory ? -Syscalls.Errno.ENOMEM : -Syscalls.Errno.ELIBBAD;
        layout.Entry = interpreter.Entry + interpreterBias;
        layout.InterpreterBase = interpreterBias;
        if (interpreter.PositionIndependent) random.MappingBase = interpreter.End + interpreterBias + UserMemory.PageSize;
        return 0;
    }

    /// <summary>Reads and checks the interpreter PT_INTERP names (relative: from the working
    /// directory), with Linux's answers: a missing file ENOENT, a directory EACCES, a file too
    /// short for an ELF header EIO (Linux's elf_read); a null process (a program the kernel
    /// starts) reads relative paths from the root; anything that is not an x86-64 ELF
    /// executable or shared object ELIBBAD.</summary>
    internal static long ReadInterpreter(Process* process, ReadOnlySpan<byte> name, out byte* file, out long size, out ElfImage.Image image,
        out Files.OpenFileDescription* backing)
    {
        backing = null;
        file = null;
        size = 0;
        image = default;
        byte* path = Files.PathResolver.AllocateBuffer();
        if (path == null) return -Syscalls.Errno.ENOMEM;
        int length = 0;
        if (name[0] != (byte)'/')
        {
            ReadOnlySpan<byte> directory = process == null ? "/"u8 : process->WorkingDirectory.Path;
            directory.CopyTo(new Span<byte>(path, directory.Length));
            length = directory.Length;
            if (length > 1) path[length++] = (byte)'/';
        }

        long error = 0;
        if (length + name.Length > VfsLimits.MaxPathLength) error = -Syscalls.Errno.ENAMETOOLONG;
        else
        {
            name.CopyTo(new Span<byte>(path + length, name.Length));
            error = ReadProgram(process, new ReadOnlySpan<byte>(path, length + name.Length), out file, out size);
            // Open for private file mappings of its segments (none: they are copied).
            if (error == 0 && Files.VfsFile.Open(new ReadOnlySpan<byte>(path, length + name.Length), OpenFlags.ReadOnly, 0, out backing) < 0)
                backing = null;
        }

        KernelMemory.Free(path);
        if (error == -Syscalls.Errno.ENOEXEC) return -Syscalls.Errno.EIO; // empty
        if (error != 0) return error;
        if (size < 64) error = -Syscalls.Errno.EIO;
        else if (ElfImage.Parse(new ReadOnlySpan<byte>(file, (int)size), out image) != LoadError.None)
            error = -Syscalls.Errno.ELIBBAD;
        // An interpreter's own PT_INTERP is not followed (as Linux): no chain, no loop.
        if (error != 0)
        {
            KernelMemory.Free(file);
            file = null;
            size = 0;
            if (backing != null) Files.OpenFileDescription.Release(backing);
            backing = null;
        }

        return error;
    }

    /// <summary>The program record for /proc of an execve of <paramref name="path"/> (its
    /// first <paramref name="length"/> bytes): the real path of the file, every symbolic link
    /// on the way replaced by what it points at and "." and ".." gone (Linux's d_path of the
    /// file), so /proc/PID/exe names the file itself — a program started through
    /// /proc/self/exe must not name /proc/self/exe, or running itself again would loop, and
    /// one started through a linked directory names the directory it is really in (glibc's
    /// $ORIGIN). Where the walk fails (the heap is out), the path with "." and ".." gone.</summary>
    private static ProgramInfo* NewProgramInfo(Span<byte> path, int length, ReadOnlySpan<byte> strings, int argumentBytes)
    {
        byte* real = Files.PathResolver.AllocateBuffer();
        byte* scratch = Files.PathResolver.AllocateBuffer();
        byte* link = Files.PathResolver.AllocateBuffer();
        long realLength = real == null || scratch == null || link == null ? -Syscalls.Errno.ENOMEM
            : Files.PathResolver.Canonicalize(path.Slice(0, length), new Span<byte>(real, Files.PathResolver.BufferSize),
                new Span<byte>(scratch, Files.PathResolver.BufferSize), new Span<byte>(link, Files.PathResolver.BufferSize));
        ProgramInfo* program = realLength > 0
            ? ProgramInfo.Create(new ReadOnlySpan<byte>(real, (int)realLength), strings, argumentBytes)
            : ProgramInfo.Create(path.Slice(0, Files.PathResolver.Normalize(path.Slice(0, length), path)), strings, argumentBytes);
        KernelMemory.Free(real);
        KernelMemory.Free(scratch);
        KernelMemory.Free(link);
        return program;
    }

    /// <summary>Appends a user array of string pointers (NULL-terminated; a null array is
    /// empty) to the buffer, which grows (a new block; the old one is freed) up to Linux's
    /// limits; <paramref name="before"/> strings are already in it. 0, -EFAULT, -ENOMEM or
    /// -E2BIG.</summary>
    private static long CopyStringList(Process* process, ulong array, ref byte* buffer, ref int capacity, ref int used, ref int count, int before)
    {
        if (array == 0) return 0;
        for (int index = 0; ; index++)
        {
            // Each string takes a pointer on the new stack too (Linux counts them first).
            long room = ArgumentSpace - used - 8L * (before + count + 1);
            if (room <= 0) return -Syscalls.Errno.E2BIG;
            ulong pointer;
            if (!UserMemory.CopyFrom(process->Space, array + ((ulong)index * 8), new Span<byte>(&pointer, 8))) return -Syscalls.Errno.EFAULT;
            if (pointer == 0) return 0;
            if (Process.KillPending(process)) return -Syscalls.Errno.EINTR; // 256 Ki pointers take a while
            int limit = (int)Math.Min(room, MaxArgumentString);
            if (capacity - used < limit && !GrowStrings(ref buffer, ref capacity, used, used + limit)) return -Syscalls.Errno.ENOMEM;
            long length = UserMemory.CopyString(process->Space, pointer, new Span<byte>(buffer + used, limit));
            if (length == -Syscalls.Errno.ENAMETOOLONG) return -Syscalls.Errno.E2BIG;
            if (length < 0) return length;
            buffer[used + length] = 0;
            used += (int)length + 1;
            count++;
        }
    }

    /// <summary>Doubles the string buffer until <paramref name="needed"/> bytes fit.</summary>
    private static bool GrowStrings(ref byte* buffer, ref int capacity, int used, int needed)
    {
        int grown = capacity;
        while (grown < needed) grown *= 2;
        byte* larger = (byte*)KernelMemory.Allocate((nuint)grown);
        if (larger == null) return false;
        new ReadOnlySpan<byte>(buffer, used).CopyTo(new Span<byte>(larger, used));
        KernelMemory.Free(buffer);
        buffer = larger;
        capacity = grown;
        return true;
    }

    /// <summary>The environment the first program starts with: Linux's (init/main.c,
    /// envp_init).</summary>
    private static ReadOnlySpan<byte> InitEnvironment => "HOME=/\0TERM=linux\0"u8;
    private const int InitEnvironmentCount = 2;

    /// <summary>
    /// Runs the first program — /sbin/init, or the command line of the init= option — to its
    /// end and returns how it ended as a shell reports it: the exit status, 128 + the signal
    /// for a program a signal ended, 127 when the program was not found, 126 when it could not
    /// be run. <paramref name="arguments"/> holds <paramref name="argumentCount"/>
    /// NUL-terminated strings, the program's path first (its argv[0] too, as Linux gives init).
    /// </summary>
    internal static int RunInit(ReadOnlySpan<byte> arguments, int argumentCount)
    {
        int pathLength = 0, nameStart = 0;
        for (; pathLength < arguments.Length && arguments[pathLength] != 0; pathLength++)
        {
            if (arguments[pathLength] == (byte)'/') nameStart = pathLength + 1;
        }

        ReadOnlySpan<byte> path = arguments.Slice(0, pathLength);
        Log.Write("init: ");
        for (int i = 0; i < arguments.Length; i++)
        {
            if (arguments[i] != 0) Log.Write(arguments[i]);
            else if (i < arguments.Length - 1) Log.Write(" ");
        }

        long error = ReadProgram(null, path, out byte* image, out long size);
        LoadError load = LoadError.None;
        Process* process = null;
        byte* strings = (byte*)KernelMemory.Allocate((nuint)(arguments.Length + InitEnvironment.Length));
        if (strings == null) error = -Syscalls.Errno.ENOMEM;
        if (error == 0)
        {
            arguments.CopyTo(new Span<byte>(strings, arguments.Length));
            InitEnvironment.CopyTo(new Span<byte>(strings + arguments.Length, InitEnvironment.Length));
            process = Start(new ReadOnlySpan<byte>(image, (int)size), path.Slice(nameStart),
                new ReadOnlySpan<byte>(strings, arguments.Length + InitEnvironment.Length), argumentCount, InitEnvironmentCount, path, out load);
        }

        KernelMemory.Free(image);
        KernelMemory.Free(strings);
        if (process == null)
        {
            Log.Write(" could not start (errno ");
            Log.WriteDecimal(-error);
            Log.Write(", load error ");
            Log.WriteDecimal((long)load);
            Log.WriteLine(")");
            return error == -Syscalls.Errno.ENOENT ? 127 : 126;
        }

        Log.WriteLine();
        int status = Wait(process);
        int code = (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F);
        Log.Write("init: exit status ");
        Log.WriteDecimal((long)code);
        Log.WriteLine();
        return code;
    }

    /// <summary>The whole file at <paramref name="path"/> in a heap buffer; 0 or -errno.</summary>
    private static long ReadProgram(Process* process, ReadOnlySpan<byte> path, out byte* image, out long size)
    {
        image = null;
        size = 0;
        FileSystem.Lock();
        VfsError error = FileSystem.Vfs.Stat(path, out FileStatus status);
        FileTable files = default;
        long fd = error != VfsError.None ? -(long)error
            : !FileMode.IsRegular(status.Mode) ? -Syscalls.Errno.EACCES // Linux: a directory is not executable
            : FileSystem.Vfs.Open(ref files, path, OpenFlags.ReadOnly, 0);
        if (fd >= 0)
        {
            image = status.Size > 0 && status.Size < int.MaxValue ? (byte*)KernelMemory.Allocate((nuint)status.Size) : null;
            if (image == null)
            {
                fd = status.Size == 0 ? -Syscalls.Errno.ENOEXEC : -Syscalls.Errno.ENOMEM;
            }
            else
            {
                long read = FileSystem.Vfs.Read(ref files, (int)fd, new Span<byte>(image, (int)status.Size));
                size = read;
            }

            FileSystem.Vfs.CloseAll(ref files);
        }

        FileSystem.Unlock();
        if (fd < 0)
        {
            KernelMemory.Free(image);
            image = null;
            return fd;
        }

        return 0;
    }
}
