using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Hal;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Tasks;
using Aurora.Vfs;
using Aurora.Vmm;

namespace Aurora.Kernel.Processes;

/// <summary>
/// Starting user programs and ending them (SPEC PROC-1, PROC-4): a fresh address space with the
/// kernel half shared, the ELF loaded into it, a stack laid out as the System V x86-64 ABI
/// (§3.4.1) says a process starts (argc, argv, envp, auxiliary vector), and a thread that
/// leaves for user code. A process ends by exit/exit_group or by a CPU exception it caused;
/// <see cref="Wait"/> then frees everything it had.
/// </summary>
internal unsafe partial struct Process
{
    // User layout (SPEC SEC-2): the stack top, the start of anonymous mappings and the start
    // of the break move by a random number of pages per program (ChooseLayout). A fixed image
    // (ET_EXEC) stays where the ELF says; a position-independent one (ET_DYN: PIE, static PIE)
    // goes at a random page above ProgramBaseLowest (Linux's ELF_ET_DYN_BASE), its interpreter
    // at the random start of the mapping window.
    internal const ulong StackTopHighest = 0x0000_7FFF_FFFF_0000;
    internal const ulong StackSize = 8UL << 20; // RLIMIT_STACK's default; reserved, filled on touch
    internal const ulong MappingBaseLowest = 0x0000_1000_0000_0000;
    internal const ulong MappingLimit = 0x0000_7000_0000_0000;
    internal const ulong BreakLimit = 1UL << 30;

    internal const ulong ProgramBaseLowest = 0x0000_5555_5555_4000;

    // Entropy in pages, as Linux x86-64 gives: 22 bits for the stack (16 GiB), 28 for mmap
    // and a PIE's base (1 TiB), 13 for brk (32 MiB).
    private const int StackRandomBits = 22, MappingRandomBits = 28, BreakRandomBits = 13;

    /// <summary>A random page-aligned base for a position-independent program.</summary>
    internal static ulong RandomProgramBase() =>
        ProgramBaseLowest + ((KernelRandom.Next() & ((1UL << MappingRandomBits) - 1)) * UserMemory.PageSize);

    internal struct RandomLayout
    {
        public ulong StackTop;
        public ulong MappingBase;
        public ulong BreakStart;
    }

    /// <summary>A fresh random layout for a program whose image ends at <paramref name="imageEnd"/>.</summary>
    internal static RandomLayout ChooseLayout(ulong imageEnd)
    {
        RandomLayout layout;
        layout.StackTop = StackTopHighest - ((KernelRandom.Next() & ((1UL << StackRandomBits) - 1)) * UserMemory.PageSize);
        layout.MappingBase = MappingBaseLowest + ((KernelRandom.Next() & ((1UL << MappingRandomBits) - 1)) * UserMemory.PageSize);
        layout.BreakStart = imageEnd + ((KernelRandom.Next() & ((1UL << BreakRandomBits) - 1)) * UserMemory.PageSize);
        return layout;
    }

    // Linux signal numbers for the exceptions a program can cause.
    internal const int SignalIllegal = 4, SignalTrap = 5, SignalBus = 7, SignalFloatingPoint = 8, SignalKill = 9, SignalSegmentation = 11;

    private static ulong s_nextId = 1;

    /// <summary>The process the running thread belongs to, or null for kernel threads.</summary>
    internal static Process* Current => Scheduler.Current == null ? null : (Process*)Scheduler.Current->Process;

    /// <summary>Loads <paramref name="program"/> into a new process called
    /// <paramref name="name"/> (its argv[0]) and starts it. Null with the reason on failure.</summary>
    internal static Process* Start(ReadOnlySpan<byte> program, ReadOnlySpan<byte> name, out LoadError error) =>
        Start(program, name, default, out error);

    /// <summary><see cref="Start(ReadOnlySpan{byte}, ReadOnlySpan{byte}, out LoadError)"/> of the
    /// file at <paramref name="path"/> (what /proc/PID/exe shows; empty: /bin/NAME, where the
    /// boot modules are).</summary>
    internal static Process* Start(ReadOnlySpan<byte> program, ReadOnlySpan<byte> name, ReadOnlySpan<byte> path, out LoadError error)
    {
        // argv = { name }, no environment.
        byte* strings = stackalloc byte[NameCapacity + 1];
        int length = Math.Min(name.Length, NameCapacity - 1);
        name.Slice(0, length).CopyTo(new Span<byte>(strings, length));
        strings[length] = 0;
        return Start(program, name, new ReadOnlySpan<byte>(strings, length + 1), 1, 0, path, out error);
    }

    /// <summary><see cref="Start(ReadOnlySpan{byte}, ReadOnlySpan{byte}, out LoadError)"/> with
    /// an argument vector and environment: <paramref name="strings"/> holds
    /// <paramref name="argumentCount"/> then <paramref name="environmentCount"/> NUL-terminated
    /// strings, one after another (the layout execve copies in).</summary>
    internal static Process* Start(ReadOnlySpan<byte> program, ReadOnlySpan<byte> name, ReadOnlySpan<byte> strings,
        int argumentCount, int environmentCount, out LoadError error) =>
        Start(program, name, strings, argumentCount, environmentCount, default, out error);

    /// <summary>The same, for the file at <paramref name="path"/> (what /proc/PID/exe shows;
    /// empty: /bin/NAME, where the boot modules are).</summary>
    internal static Process* Start(ReadOnlySpan<byte> program, ReadOnlySpan<byte> name, ReadOnlySpan<byte> strings,
        int argumentCount, int environmentCount, ReadOnlySpan<byte> path, out LoadError error)
    {
        var process = (Process*)KernelMemory.Allocate((nuint)sizeof(Process));
        if (process == null) { error = LoadError.OutOfMemory; return null; }
        *process = default;
        process->FileCreationMask = 0x12; // 022, Linux's default
        process->Regions = NewRegions();
        for (int i = 0; i < name.Length && i < Process.NameCapacity - 1; i++) process->Name[i] = name[i];
        process->CapsHandle = Ipc.Capabilities.AllocateHandle();
        if (process->CapsHandle < 0)
        {
            KernelMemory.Free(process);
            error = LoadError.OutOfMemory;
            return null;
        }

        if (KernelMemory.Mapper.CreateAddressSpace(KernelMemory.KernelSpace, out process->Space) != VmmError.None)
        {
            Ipc.Capabilities.FreeHandle(process->CapsHandle);
            KernelMemory.Free(process);
            error = LoadError.OutOfMemory;
            return null;
        }

        error = LoadProgram(program, process->Space, ref process->Regions, out ElfImage.Layout layout, out RandomLayout random);
        if (error == LoadError.None)
        {
            StartFacts facts = default; // root, as every process the kernel starts
            facts.ExecutableName = path.IsEmpty ? name : path;
            process->InitialStackPointer = BuildStack(process->Space, ref process->Regions, random.StackTop, layout, strings, argumentCount, environmentCount, facts);
            process->SignalTrampoline = SignalTrampolineAddress(random.StackTop);
            if (process->InitialStackPointer == 0) error = LoadError.OutOfMemory;
        }
        if (error == LoadError.None && !ConsoleFile.InstallStandardDescriptors(ref process->Descriptors)) error = LoadError.OutOfMemory;
        if (error == LoadError.None)
        {
            process->Program = StartProgramInfo(process->NameText, path, strings, argumentCount);
            if (process->Program == null) error = LoadError.OutOfMemory;
        }

        KernelThread* thread = error == LoadError.None ? Scheduler.Create(&EnterUserMode, (ulong)process) : null;
        if (error == LoadError.None && thread == null) error = LoadError.OutOfMemory;
        if (error != LoadError.None)
        {
            process->Descriptors.CloseAll();
            KernelMemory.Free(process->Program);
            UserMemory.Destroy(process->Space);
            process->Regions.Clear();
            Ipc.Capabilities.FreeHandle(process->CapsHandle);
            KernelMemory.Free(process);
            return null;
        }

        process->Entry = layout.Entry;
        process->BreakStart = process->Break = random.BreakStart;
        process->MappingCursor = random.MappingBase;
        process->Thread = thread;
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        process->Id = s_nextId++;
        process->StartTick = Hal.Timer.Ticks();
        Register(process);
        Cpu.RestoreInterrupts(interrupts);
        thread->Process = process;
        thread->AddressSpaceRoot = process->Space.Root;
        Scheduler.Start(thread);
        return process;
    }

    /// <summary>Parses and maps a program the kernel starts, with its interpreter when it names
    /// one (read from the file tree; any trouble with it is <see cref="LoadError.Unsupported"/>,
    /// logged with the errno execve would give).</summary>
    private static LoadError LoadProgram(ReadOnlySpan<byte> program, AddressSpace space, ref UserRegions regions,
        out ElfImage.Layout layout, out RandomLayout random)
    {
        layout = default;
        random = default;
        LoadError error = ElfImage.Parse(program, out ElfImage.Image image);
        if (error != LoadError.None) return error;
        byte* interpreter = null;
        long interpreterSize = 0;
        ElfImage.Image interpreterImage = default;
        Files.OpenFileDescription* interpreterBacking = null;
        long result = image.HasInterpreter
            ? ReadInterpreter(null, ElfImage.InterpreterPath(program, image), out interpreter, out interpreterSize, out interpreterImage, out interpreterBacking)
            : 0;
        if (result == 0)
        {
            result = MapProgram(program, image, new ReadOnlySpan<byte>(interpreter, (int)interpreterSize), interpreterImage,
                space, ref regions, out layout, out random, null, interpreterBacking);
            error = result == 0 ? LoadError.None : result == -Syscalls.Errno.ENOMEM ? LoadError.OutOfMemory : LoadError.Malformed;
        }
        else
        {
            Log.Write("program loader: the interpreter could not be loaded (errno ");
            Log.WriteDecimal(-result);
            Log.WriteLine(")");
            error = result == -Syscalls.Errno.ENOMEM ? LoadError.OutOfMemory : LoadError.Unsupported;
        }

        KernelMemory.Free(interpreter);
        if (interpreterBacking != null) Files.OpenFileDescription.Release(interpreterBacking); // the regions hold their own
        return error;
    }

    /// <summary>The program record of a process the kernel starts: its strings (the first
    /// <paramref name="argumentCount"/> are the arguments), the path given or /bin/NAME.</summary>
    private static ProgramInfo* StartProgramInfo(ReadOnlySpan<byte> name, ReadOnlySpan<byte> path, ReadOnlySpan<byte> strings, int argumentCount)
    {
        byte* buffer = stackalloc byte[5 + NameCapacity + 1];
        ReadOnlySpan<byte> executable = path;
        if (executable.IsEmpty)
        {
            "/bin/"u8.CopyTo(new Span<byte>(buffer, 5));
            name.CopyTo(new Span<byte>(buffer + 5, name.Length));
            executable = new ReadOnlySpan<byte>(buffer, 5 + name.Length);
        }

        int argumentBytes = 0;
        for (int seen = 0; seen < argumentCount && argumentBytes < strings.Length; argumentBytes++)
        {
            if (strings[argumentBytes] == 0) seen++;
        }

        return ProgramInfo.Create(executable, strings, argumentBytes);
    }

    /// <summary>Waits for the process to end, frees its memory and returns its Linux wait status.</summary>
    internal static int Wait(Process* process) => Wait(process, default, out _);

    /// <summary><see cref="Wait(Process*)"/>, copying what the process wrote to standard output
    /// and error (up to <see cref="OutputCapacity"/> bytes) into <paramref name="output"/>.</summary>
    internal static int Wait(Process* process, Span<byte> output, out int outputLength)
    {
        // Out of the table before the thread is freed (Linux's release_task order): a lookup
        // under the table lock (/proc, kill) never meets a freed thread. The process's thread
        // may change while this waits (another thread ending the group takes its place), so
        // the wait follows the pointer, not the thread it first named.
        Scheduler.WaitForExitOf(&process->Thread);
        bool interrupts = Cpu.SaveAndDisableInterrupts();
        Unregister(process);
        Cpu.RestoreInterrupts(interrupts);
        Scheduler.Join(process->Thread);
        outputLength = Math.Min(process->OutputLength, output.Length);
        for (int i = 0; i < outputLength; i++) output[i] = process->Output[i];
        int status = process->WaitStatus;
        Ipc.Capabilities.FreeHandle(process->CapsHandle);
        ProgramInfo.Replace(process, null);
        UserMemory.Destroy(process->Space);
        process->Regions.Clear();
        KernelMemory.Free(process);
        return status;
    }

    /// <summary>Ends the calling process with a Linux wait status: its children become
    /// orphans, a parent blocked in wait4 wakes. Does not return.</summary>
    internal static void Exit(int waitStatus)
    {
        Process* process = Current;
        if (process == null) Panic.Fail("a kernel thread called the process exit");
        EndOtherThreads(process); // exit_group, a fatal signal: the whole group goes
        ReleaseRobustList(process, Scheduler.Current); // while the space lives: a shared lock's waiters wake
        Files.CallReferences.ReleaseAll(); // ending inside a call: its descriptions go too
        process->Descriptors.CloseAll(); // each object's close: files, sockets, the console
        process->WorkingDirectory.Release();
        process->Sandbox.Release();
        ForgetCapabilities(process);
        DisarmTimers(process);
        // A session leader's end hangs up its controlling terminal (SIGHUP and SIGCONT to the
        // foreground group; the session loses the terminal), as Linux's disassociate_ctty.
        if (process->SessionId == process->Id && process->ControllingTerminal != null)
            Terminals.Terminal.Disassociate(process);
        Cpu.DisableInterrupts();
        process->WaitStatus = waitStatus;
        HangUpOrphanedGroups(process);
        Process* subreaper = FindSubreaper(process);
        for (Process* child = process->FirstChild; child != null;)
        {
            Process* next = child->NextSibling;
            // prctl(PR_SET_PDEATHSIG): the child asked for a signal when its parent dies.
            if (child->DeathSignal != 0 && child->Thread->State != ThreadState.Exited) Post(child, child->DeathSignal, process->Id);
            if (subreaper != null)
            {
                // A subreaper adopts it: its wait4 collects it, and an ended child is told now.
                child->Parent = subreaper;
                child->NextSibling = subreaper->FirstChild;
                subreaper->FirstChild = child;
                if (child->Thread->State == ThreadState.Exited) NotifyParentOfExitLocked(child);
            }
            else
            {
                child->Parent = null;
                child->NextSibling = null;
                child->Orphan = true;
                if (child->Thread->State == ThreadState.Exited) HandToReaper(child);
            }

            child = next;
        }

        process->FirstChild = null;
        if (process->Orphan) HandToReaper(process);
        else NotifyParentOfExitLocked(process);
        Scheduler.Exit(waitStatus);
    }

    /// <summary>Detaches the process's shared segments and drops its tokens, ids and filter
    /// (freeing the pages of segments that no one else holds).</summary>
    private static void ForgetCapabilities(Process* process)
    {
        Ipc.SharedSegments.DetachAll(process);
        Ipc.SysvSemaphores.ProcessExited(process);
        ulong* pages = stackalloc ulong[CapsLimitsHoldings];
        Ipc.Capabilities.Lock();
        process->CapabilitiesForgotten = true; // no cap_grant reaches it from here (IpcCalls.Grant)
        long count = Ipc.Capabilities.Space.ProcessExited(process->CapsHandle, new Span<ulong>(pages, CapsLimitsHoldings));
        Ipc.Capabilities.Unlock();
        Ipc.Capabilities.QueuesChanged(); // its queues may be gone: their sleepers must see it
        for (long i = 0; i < count; i++) Ipc.SharedSegments.FreeSegment(pages[i]);
    }

    private const int CapsLimitsHoldings = Aurora.Caps.CapsLimits.MaxHoldingsPerProcess;

    /// <summary>A CPU exception in user code. A write to a copy-on-write page (after fork) gets
    /// its own copy and the instruction is retried (true). Anything else is reported on the
    /// console and the process ends as if by the matching signal; the kernel goes on.</summary>
    internal static bool OnUserFault(ulong vector, ulong errorCode, ulong address, ulong instruction)
    {
        Process* process = Current;
        if (process == null) Panic.Fail("a user-mode fault without a process");
        // Page faults the process's regions allow: demand paging and copy-on-write. Anything
        // else — an address outside every region (the kernel half: direct map, kernel data,
        // framebuffer), a right the region lacks, a reserved bit — is a real fault for the
        // process, never retried (issue 9, finding 6).
        process->BusError = false;
        if (vector == 14 && (errorCode & FaultReserved) == 0)
        {
            // Under the address-space lock: another thread may be changing the regions.
            process->SpaceLock.Acquire();
            bool resolved = ResolveFault(process, address, (errorCode & FaultWrite) != 0, (errorCode & FaultFetch) != 0, (errorCode & FaultPresent) != 0);
            bool outOfMemory = process->OutOfMemory; // read under the lock: another thread's fault resets it
            process->SpaceLock.Release();
            if (resolved) return true;
            if (outOfMemory) KillOutOfMemory(process, address);
        }
        int signal = vector switch
        {
            0 or 16 or 19 => SignalFloatingPoint,
            1 or 3 or FaultBreakpointAtInstruction => SignalTrap, // single step (TF), int3, arm64's BRK
            6 or FaultUndefinedAtInstruction => SignalIllegal,
            17 => SignalBus, // #AC (arm64: a misaligned PC, SP or access), Linux's SIGBUS/BUS_ADRALN
            14 when process->BusError => SignalBus,
            _ => SignalSegmentation,
        };
        // A handler the program installed for the signal, not blocked: it runs (the return path
        // delivers it) with si_code and si_addr, and the faulting instruction is retried when it
        // returns, as on Linux. Blocked or without a handler, the fault ends the process.
        // A fault at an instruction outside the user half (a refused return to a non-canonical or
        // kernel address) cannot be resumed after a handler: it always ends the process.
        if (instruction < UserMemory.UserLimit && CatchesFault(process, signal))
        {
            process->FaultSignal = signal;
            process->FaultCode = FaultCodeFor(process, vector, errorCode, address);
            // si_addr as Linux fills it: the faulting address for #PF, the instruction for the
            // faults that name one (#DE, #UD, #MF/#XM, single step), none for int3 and #GP
            // (SI_KERNEL).
            // (arm64's BRK and undefined instructions name the instruction: the pseudo-vectors.)
            process->FaultAddress = vector == 14 ? address : vector is 3 or 13 or 12 or 11 or 10 ? 0 : instruction;
            // For the faulting thread, not any thread of the group (Linux force_sig_fault).
            Scheduler.Current->ThreadPendingSignals |= 1UL << (signal - 1);
            return true;
        }

        Log.Write(Log.Yellow + "process " + Log.Reset);
        Log.WriteDecimal(process->Id);
        Log.Write(" (");
        Log.Write(process->NameText);
        Log.Write("): ");
        Log.Write(Hal.Cpu.ExceptionName(vector));
        if (vector == 14)
        {
            Log.Write(" at ");
            Log.WriteHex(address, 16);
        }

        Log.Write(", error code ");
        Log.WriteHex(errorCode);
        if (vector == 14 && KernelMemory.Mapper.Translate(process->Space, address, out Translation pte) == VmmError.None)
        {
            Log.Write(", entry ");
            Log.WriteHex(pte.Entry, 16);
        }
        Log.Write(", rip ");
        Log.WriteHex(instruction, 16);
        Log.Write("; killed by signal ");
        Log.WriteDecimal((long)signal);
        Log.WriteLine();
        Exit(signal);
        return false;
    }

    /// <summary>A page fault that needed a frame when user memory had only the kernel's reserve
    /// left: the process ends by SIGKILL (no handler can run: it would need memory too), as
    /// Linux's OOM killer ends its victim, and its frames go back. The kernel and the other
    /// processes go on. Does not return.</summary>
    private static void KillOutOfMemory(Process* process, ulong address)
    {
        Log.Write(Log.Yellow + "process " + Log.Reset);
        Log.WriteDecimal(process->Id);
        Log.Write(" (");
        Log.Write(process->NameText);
        Log.Write("): out of memory at ");
        Log.WriteHex(address, 16);
        Log.Write(" (");
        Log.WriteDecimal((long)(Memory.KernelMemory.Frames.FreeFrames));
        Log.Write(" frames free); killed by signal 9");
        Log.WriteLine();
        Exit(SignalKill);
    }

    private static bool CatchesFault(Process* process, int signal)
    {
        ulong bit = 1UL << (signal - 1);
        ulong handler = process->SignalHandler[signal - 1];
        return (process->BlockedSignals & bit) == 0 && handler != HandlerDefault && handler != HandlerIgnore;
    }

    // siginfo si_code values (Linux include/uapi/asm-generic/siginfo.h).
    private const int SegvMapErr = 1, SegvAccErr = 2, BusAdrAln = 1, BusAdrErr = 2, IllIllOpc = 1, IllIllOpn = 2, FpeIntDiv = 1, FpeFltInv = 7,
        TrapBrkpt = 1, TrapTrace = 2, SiKernel = 0x80;

    /// <summary>Faults beside the x86 vectors, for an architecture whose answers differ
    /// (arm64, arch/aarch64/UserEntry.cs): a breakpoint instruction that leaves the PC on
    /// itself (BRK: Linux's brk_handler sends SIGTRAP/TRAP_BRKPT with si_addr the instruction),
    /// and an undefined or trapped instruction (Linux's do_el0_undef and bad_el0_sync:
    /// SIGILL/ILL_ILLOPC with si_addr the instruction).</summary>
    internal const ulong FaultBreakpointAtInstruction = 0x100, FaultUndefinedAtInstruction = 0x101;

    private static int FaultCodeFor(Process* process, ulong vector, ulong errorCode, ulong address) => vector switch
    {
        14 when process->BusError => BusAdrErr,
        17 => BusAdrAln,
        14 => process->Regions.IndexOf(address & ~(UserMemory.PageSize - 1)) >= 0 ? SegvAccErr : SegvMapErr,
        0 => FpeIntDiv,
        16 or 19 => FpeFltInv,
        6 => IllIllOpn,
        FaultUndefinedAtInstruction => IllIllOpc,
        FaultBreakpointAtInstruction => TrapBrkpt,
        3 => SiKernel, // Linux: do_trap → force_sig(SIGTRAP)
        1 => TrapTrace,
        _ => SiKernel, // #GP and the rest: Linux reports SI_KERNEL
    };

    // Page-fault error code (Intel SDM Vol. 3A 4.7): P, W/R, U/S, RSVD, I/D.
    private const ulong FaultPresent = 1, FaultWrite = 2, FaultReserved = 8, FaultFetch = 16;

    private static long EnterUserMode(ulong processAddress)
    {
        var process = (Process*)processAddress;
        UserMode.Enter(process->Entry, process->InitialStackPointer);
        return 0;
    }

    // Auxiliary vector keys (Linux include/uapi/linux/auxvec.h, System V ABI §3.4.3).
    private const ulong AtNull = 0, AtPhdr = 3, AtPhent = 4, AtPhnum = 5, AtPagesz = 6, AtBase = 7, AtFlags = 8,
        AtEntry = 9, AtUid = 11, AtEuid = 12, AtGid = 13, AtEgid = 14, AtPlatform = 15, AtHwcap = 16, AtClktck = 17,
        AtSecure = 23, AtRandom = 25, AtHwcap2 = 26, AtExecfn = 31, AtMinsigstksz = 51;

    /// <summary>AT_PLATFORM: what Linux gives on x86-64 (ELF_PLATFORM, the machine's uname).</summary>

    /// <summary>What a starting program is told about itself and the one that starts it,
    /// besides its arguments and environment: the auxiliary vector's sources.</summary>
    internal ref struct StartFacts
    {
        public ReadOnlySpan<byte> ExecutableName; // AT_EXECFN: the path execve was given (no NUL)
        public uint Uid, Euid, Gid, Egid;
    }

    /// <summary>Maps a fresh stack in <paramref name="space"/> and writes what a starting
    /// process finds on it, as Linux's create_elf_tables lays it out: argc, argv, envp and the
    /// auxiliary vector (where the program headers and the interpreter are for a dynamic
    /// loader, page size, entry, ids, 16 random bytes for the stack protector and pointer
    /// guard, CPUID leaf 1 EDX as AT_HWCAP, the platform string, the file name, the smallest
    /// signal stack), with the strings it points at above it.
    /// <paramref name="strings"/> holds the <paramref name="argumentCount"/> arguments and then
    /// the <paramref name="environmentCount"/> environment entries, each NUL-terminated.
    /// Returns the initial stack pointer, or 0 when memory ran out.</summary>
    /// <summary>The signal trampoline's page, right above the stack (StackTopHighest leaves
    /// room below the user limit): 0 where the architecture has none.</summary>
    internal static ulong SignalTrampolineAddress(ulong stackTop) => UserAbi.SignalTrampoline().IsEmpty ? 0 : stackTop;

    /// <summary>Maps Hal.UserAbi.SignalTrampoline's code, read and execute only, as an image
    /// page (Linux's [vdso] holds it on arm64) at <see cref="SignalTrampolineAddress"/>.</summary>
    private static bool MapSignalTrampoline(AddressSpace space, ref UserRegions regions, ulong stackTop)
    {
        ReadOnlySpan<byte> code = UserAbi.SignalTrampoline();
        if (code.IsEmpty) return true;
        const RegionAccess ReadExecute = RegionAccess.Read | RegionAccess.Execute;
        ulong page = SignalTrampolineAddress(stackTop);
        if (regions.Insert(new Region(page, page + UserMemory.PageSize, ReadExecute, ReadExecute, RegionKind.Image)) != VmmError.None) return false;
        if (!UserMemory.MapZeroed(space, page, page + UserMemory.PageSize, PageRights(ReadExecute))) return false;
        if (KernelMemory.Mapper.Translate(space, page, out Translation frame) != VmmError.None) return false;
        code.CopyTo(new Span<byte>((void*)(frame.PhysicalAddress + KernelMemory.DirectMapOffset), code.Length));
        return true;
    }

    internal static ulong BuildStack(AddressSpace space, ref UserRegions regions, ulong stackTop, in ElfImage.Layout layout, ReadOnlySpan<byte> strings, int argumentCount, int environmentCount, scoped in StartFacts facts)
    {
        // AT_PLATFORM: the machine's name as uname -m gives it (Linux's ELF_PLATFORM: "x86_64",
        // "aarch64"), NUL-terminated. It was "x86_64" on aarch64 too.
        string machine = Cpu.MachineName();
        byte* platformBytes = stackalloc byte[machine.Length + 1];
        for (int c = 0; c < machine.Length; c++) platformBytes[c] = (byte)machine[c];
        platformBytes[machine.Length] = 0;
        var platform = new ReadOnlySpan<byte>(platformBytes, machine.Length + 1);

        const RegionAccess ReadWrite = RegionAccess.Read | RegionAccess.Write;
        // PT_GNU_STACK with PF_X asks for an executable stack (Linux's EXSTACK_ENABLE_X);
        // without it the x86-64 stack is never executable.
        RegionAccess stackAccess = layout.ExecutableStack ? ReadWrite | RegionAccess.Execute : ReadWrite;
        if (regions.Insert(new Region(stackTop - StackSize, stackTop, stackAccess, ReadWrite | RegionAccess.Execute, RegionKind.Stack)) != VmmError.None)
            return 0;
        if (!MapSignalTrampoline(space, ref regions, stackTop)) return 0;
        // The stack is a reservation like any anonymous region (its pages fill in on first
        // touch); only the top pages the loader writes below are mapped now, since it writes
        // before the space is the running one (kernel copies fill in pages only for the
        // running process): the end word, the program's name, the strings, the platform, the
        // random bytes, argv/envp/auxv and alignment.
        const int AuxiliaryWords = 2 * 24;
        int total = 1 + argumentCount + 1 + environmentCount + 1 + AuxiliaryWords;
        ulong needed = 8 + (ulong)Math.Min(facts.ExecutableName.Length, VfsLimits.MaxPathLength) + 1 + (ulong)strings.Length +
                       (ulong)platform.Length + 16 + 16 + (ulong)total * 8 + 64;
        ulong mapped = (needed + UserMemory.PageSize - 1) & ~(UserMemory.PageSize - 1);
        if (mapped > StackSize) return 0;
        if (!UserMemory.MapZeroed(space, stackTop - mapped, stackTop, PageRights(stackAccess)))
            return 0;

        ulong sp = stackTop - 8; // Linux leaves the top word for the end marker
        int nameLength = Math.Min(facts.ExecutableName.Length, VfsLimits.MaxPathLength);
        sp -= (ulong)nameLength + 1;
        ulong executableNameAddress = sp;
        if (!UserMemory.Fill(space, sp, facts.ExecutableName.Slice(0, nameLength))) return 0;
        sp -= (ulong)strings.Length;
        ulong stringsAddress = sp;
        if (!UserMemory.CopyTo(space, sp, strings)) return 0;
        sp -= (ulong)platform.Length;
        ulong platformAddress = sp;
        if (!UserMemory.CopyTo(space, sp, platform)) return 0;
        sp &= ~15UL;

        byte* random = stackalloc byte[16];
        KernelRandom.Fill(new Span<byte>(random, 16));
        sp -= 16;
        ulong randomAddress = sp;
        UserMemory.CopyTo(space, sp, new ReadOnlySpan<byte>(random, 16));

        ulong* words = (ulong*)Memory.KernelMemory.Allocate((nuint)(total * 8));
        if (words == null) return 0;
        int n = 0;
        words[n++] = (ulong)argumentCount;
        ulong at = stringsAddress;
        int offset = 0;
        for (int i = 0; i < argumentCount + environmentCount; i++)
        {
            if (i == argumentCount) words[n++] = 0; // end of argv
            words[n++] = at + (ulong)offset;
            while (strings[offset] != 0) offset++;
            offset++;
        }

        if (environmentCount == 0) words[n++] = 0; // end of argv (the loop did not reach it)
        words[n++] = 0;                                // end of envp
        Aux(words, ref n, AtMinsigstksz, MinimumSignalStack);
        Aux(words, ref n, AtHwcap, HardwareCapabilities());
        Aux(words, ref n, AtPagesz, UserMemory.PageSize);
        Aux(words, ref n, AtClktck, 100);
        if (layout.ProgramHeaders != 0)
        {
            Aux(words, ref n, AtPhdr, layout.ProgramHeaders);
            Aux(words, ref n, AtPhent, ElfImage.ProgramHeaderSize);
            Aux(words, ref n, AtPhnum, layout.ProgramHeaderCount);
        }

        Aux(words, ref n, AtBase, layout.InterpreterBase);
        Aux(words, ref n, AtFlags, 0);
        Aux(words, ref n, AtEntry, layout.ProgramEntry);
        Aux(words, ref n, AtUid, facts.Uid);
        Aux(words, ref n, AtEuid, facts.Euid);
        Aux(words, ref n, AtGid, facts.Gid);
        Aux(words, ref n, AtEgid, facts.Egid);
        // Linux's secureexec: ids that differ make the loader ignore LD_LIBRARY_PATH and the like.
        Aux(words, ref n, AtSecure, facts.Uid != facts.Euid || facts.Gid != facts.Egid ? 1UL : 0UL);
        Aux(words, ref n, AtRandom, randomAddress);
        Aux(words, ref n, AtHwcap2, 0); // no ring-3 MWAIT, FSGSBASE not enabled
        Aux(words, ref n, AtExecfn, executableNameAddress);
        Aux(words, ref n, AtPlatform, platformAddress);
        Aux(words, ref n, AtNull, 0);

        // The ABI wants rsp 16-byte aligned at the entry point, pointing at argc.
        sp -= (ulong)n * 8;
        sp &= ~15UL;
        bool stored = UserMemory.CopyTo(space, sp, new ReadOnlySpan<byte>(words, n * 8));
        Memory.KernelMemory.Free(words);
        return stored ? sp : 0;
    }

    /// <summary>AT_HWCAP (Linux's ELF_HWCAP): the architecture's answer.</summary>
    private static ulong HardwareCapabilities() => Hal.Cpu.HardwareCapabilities();

    private static void Aux(ulong* words, ref int count, ulong key, ulong value)
    {
        words[count++] = key;
        words[count++] = value;
    }
}
