using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Kernel.Tasks;
using Aurora.Vmm;
using Node = Aurora.Kernel.FileSystems.ProcFileSystem.Node;

namespace Aurora.Kernel.FileSystems;

/// <summary>
/// What the files of procfs say, in Linux's formats (fs/proc/array.c for PID/stat and
/// PID/status, fs/proc/meminfo.c, uptime.c, loadavg.c, stat.c, task_mmu.c for maps,
/// fs/proc_namespace.c for mounts), so ps, top, free, uptime, mount and df parse them.
/// Anything read from a process happens under the process-table lock, with the process
/// looked up by pid there: one that has ended and been reaped is simply not found, and one
/// found cannot be freed until the lock is dropped. Nothing here sleeps or touches user memory.
/// Called only from <see cref="ProcFileSystem"/>, under the VFS lock, which also guards the
/// read buffer.
/// </summary>
internal static unsafe class ProcFiles
{
    /// <summary>Clock ticks as /proc counts them (USER_HZ, what AT_CLKTCK says: 100).</summary>
    private const ulong TicksPerSecond = 100;

    private const int BufferSize = 64 * 1024;
    private const int LinkBufferSize = VfsLimitsPath + 1;
    private const int VfsLimitsPath = Aurora.Vfs.VfsLimits.MaxPathLength;

    // The last file made, for the thread that is reading it (Linux's seq_file buffer).
    private static byte* s_buffer;
    private static int s_length;
    private static ulong s_node;
    private static KernelThread* s_reader;
    private static byte* s_link;

    /// <summary>Takes the buffers (at boot: a missing buffer later would make reads fail).</summary>
    internal static void Initialize()
    {
        s_buffer = (byte*)KernelMemory.Allocate(BufferSize);
        s_link = (byte*)KernelMemory.Allocate(LinkBufferSize);
        if (s_buffer == null || s_link == null) Panic.Fail("no memory for the procfs buffers");
    }

    // ---- Lookups ---------------------------------------------------------------------------

    internal static bool ProcessExists(ulong pid)
    {
        bool table = Process.LockTable();
        bool found = Process.FindListed(pid) != null;
        Process.UnlockTable(table);
        return found;
    }

    internal static bool DescriptorExists(ulong pid, int fd)
    {
        bool table = Process.LockTable();
        Process* process = Process.FindListed(pid);
        bool found = process != null && process->Descriptors.IsOpen(fd);
        Process.UnlockTable(table);
        return found;
    }

    /// <summary>The smallest listed pid at or above <paramref name="pid"/>; 0 if none.</summary>
    internal static ulong FirstPidFrom(ulong pid)
    {
        bool table = Process.LockTable();
        Process* process = Process.FirstListedFrom(Math.Max(pid, 1));
        ulong found = process != null ? process->Id : 0;
        Process.UnlockTable(table);
        return found;
    }

    /// <summary>The lowest open descriptor of process <paramref name="pid"/> at or above
    /// <paramref name="fd"/>; -1 if none.</summary>
    internal static int FirstDescriptorFrom(ulong pid, int fd)
    {
        int found = -1;
        bool table = Process.LockTable();
        Process* process = Process.FindListed(pid);
        if (process != null)
        {
            int end = process->Descriptors.Size;
            for (int i = fd; i < end && found < 0; i++)
            {
                if (process->Descriptors.IsOpen(i)) found = i;
            }
        }

        Process.UnlockTable(table);
        return found;
    }

    // ---- Links -----------------------------------------------------------------------------

    /// <summary>Whether a procfs inode number is a /proc/PID/fd/N link.</summary>
    internal static bool IsDescriptorNode(ulong node) => Node.KindOf(node) == Node.Descriptor;

    /// <summary>The description behind the /proc/PID/fd/N link <paramref name="node"/>, with a
    /// reference the caller releases; null once the descriptor or its process is gone.</summary>
    internal static OpenFileDescription* AcquireDescription(ulong node)
    {
        bool table = Process.LockTable();
        Process* process = Process.FindListed(Node.PidOf(node));
        OpenFileDescription* description = process != null ? process->Descriptors.PeekUnderTableLock(Node.IndexOf(node)) : null;
        if (description != null) OpenFileDescription.Retain(description);
        Process.UnlockTable(table);
        return description;
    }

    /// <summary>open(2) through the /proc/PID/fd/N link <paramref name="node"/> whose target has
    /// no path (Files/VfsFile.DescriptorLinkAt): a pipe end opens anew on the same pipe
    /// (PipeFile.TryReopen); anything else, or a descriptor closed meanwhile, ENOENT (the
    /// walk's own answer; Linux gives ENXIO for a socket).</summary>
    internal static long Reopen(ulong node, int flags, out OpenFileDescription* description)
    {
        description = null;
        OpenFileDescription* target = AcquireDescription(node);
        if (target == null) return -Syscalls.Errno.ENOENT;
        long result = -Syscalls.Errno.ENOENT;
        if (PipeFile.TryReopen(target, flags, out description, out long error)) result = error;
        OpenFileDescription.Release(target);
        return result;
    }

    /// <summary>An fd link's permission bits say how the descriptor is open (Linux's
    /// proc_fd_link mode): r-x for reading, -wx for writing, rwx for both.</summary>
    internal static uint DescriptorPermissions(ulong node)
    {
        uint permissions = 0;
        bool table = Process.LockTable();
        Process* process = Process.FindListed(Node.PidOf(node));
        OpenFileDescription* description = process != null ? process->Descriptors.PeekUnderTableLock(Node.IndexOf(node)) : null;
        if (description != null)
        {
            if (description->CanRead) permissions |= 0x140;
            if (description->CanWrite) permissions |= 0xC0;
        }

        Process.UnlockTable(table);
        return permissions;
    }

    internal static long LinkLength(ulong node)
    {
        long length = ReadLink(node, new Span<byte>(s_link, LinkBufferSize));
        return length > 0 ? length : 0;
    }

    /// <summary>A link's target, cut to the buffer (readlink(2)); NoEntry when what it names
    /// is gone (the process, the descriptor) or the caller is not a process (for "self").</summary>
    internal static long ReadLink(ulong node, Span<byte> buffer)
    {
        TextBuilder text = new(buffer);
        if (Node.KindOf(node) == Node.SystemEntry)
        {
            Process* self = Process.Current;
            if (self == null) return -Syscalls.Errno.ENOENT;
            text.Unsigned(self->Id);
            return text.Length;
        }

        bool found = false;
        int named = -1;
        bool table = Process.LockTable();
        Process* process = Process.FindListed(Node.PidOf(node));
        if (process != null)
        {
            found = true;
            if (Node.KindOf(node) == Node.Descriptor)
            {
                OpenFileDescription* description = process->Descriptors.PeekUnderTableLock(Node.IndexOf(node));
                found = description != null;
                if (found)
                {
                    named = description->Operations->Name != null ? description->Operations->Name(description, buffer)
                        : MemoryDevices.Put("anon_inode:[file]", buffer);
                }
            }
            else
            {
                switch (Node.IndexOf(node))
                {
                    case ProcFileSystem.Executable:
                        found = process->Program != null;
                        if (found) text.Append(process->Program->Path);
                        break;
                    case ProcFileSystem.WorkingDirectory:
                        text.Append(process->WorkingDirectory.PathUnderTableLock);
                        break;
                    default:
                        text.Append('/');
                        break;
                }
            }
        }

        Process.UnlockTable(table);
        return !found ? -Syscalls.Errno.ENOENT : named >= 0 ? named : text.Length;
    }

    // ---- Reading ---------------------------------------------------------------------------

    /// <summary>read at <paramref name="offset"/>: the file is made afresh when a read starts
    /// at 0, or comes from another thread or for another file; otherwise the bytes come from
    /// the copy made for this reader's earlier read.</summary>
    internal static long Read(ulong node, long offset, Span<byte> buffer)
    {
        if (offset < 0) return -Syscalls.Errno.EINVAL;
        KernelThread* reader = Scheduler.Current;
        if (offset == 0 || s_node != node || s_reader != reader)
        {
            TextBuilder text = new(new Span<byte>(s_buffer, BufferSize));
            if (!Make(node, ref text)) return -Syscalls.Errno.ESRCH;
            s_length = text.Length;
            s_node = node;
            s_reader = reader;
        }

        if (offset >= s_length) return 0;
        int count = (int)Math.Min(buffer.Length, s_length - offset);
        new ReadOnlySpan<byte>(s_buffer + offset, count).CopyTo(buffer);
        return count;
    }

    /// <summary>The whole file; false when its process has gone.</summary>
    private static bool Make(ulong node, ref TextBuilder text)
    {
        if (Node.KindOf(node) == Node.SystemEntry)
        {
            switch (Node.IndexOf(node))
            {
                case ProcFileSystem.Mounts: Files.Mounts.Write(ref text); break;
                case ProcFileSystem.MemoryInfo: MemoryInfo(ref text); break;
                case ProcFileSystem.Uptime: Uptime(ref text); break;
                case ProcFileSystem.LoadAverage: LoadAverage(ref text); break;
                case ProcFileSystem.CpuInfo: Hal.Cpu.WriteCpuInfo(ref text); break;
                case ProcFileSystem.FileSystems: Files.Mounts.WriteTypes(ref text); break;
                case ProcFileSystem.Version: Version(ref text); break;
                case ProcFileSystem.Statistics: Statistics(ref text); break;
                case ProcFileSystem.Modules: Aurora.Kernel.Modules.ModuleLoader.Write(ref text); break;
            }

            return true;
        }

        int index = Node.IndexOf(node);
        if (index == ProcFileSystem.ProcessMounts || index == ProcFileSystem.MountInfo)
        {
            if (!ProcessExists(Node.PidOf(node))) return false;
            if (index == ProcFileSystem.MountInfo) Files.Mounts.WriteInfo(ref text);
            else Files.Mounts.Write(ref text);
            return true;
        }

        bool table = Process.LockTable();
        Process* process = Process.FindListed(Node.PidOf(node));
        if (process != null)
        {
            switch (index)
            {
                case ProcFileSystem.ProcessStat: ProcessStat(process, ref text); break;
                case ProcFileSystem.ProcessStatus: ProcessStatus(process, ref text); break;
                case ProcFileSystem.CommandLine: if (!IsZombie(process) && process->Program != null) text.Append(process->Program->Arguments); break;
                case ProcFileSystem.Environment: if (!IsZombie(process) && process->Program != null) text.Append(process->Program->Environment); break;
                case ProcFileSystem.Command: text.Append(Command(process)); text.Append('\n'); break;
                case ProcFileSystem.Maps: if (!IsZombie(process)) Maps(process, ref text); break;
            }
        }

        Process.UnlockTable(table);
        return process != null;
    }

    // ---- One process -----------------------------------------------------------------------

    private static bool IsZombie(Process* process) => process->Thread == null || process->Thread->State == ThreadState.Exited;

    /// <summary>The command name: the program file's name, at most 15 bytes (TASK_COMM_LEN).</summary>
    private static ReadOnlySpan<byte> Command(Process* process)
    {
        ReadOnlySpan<byte> name = process->NameText;
        return name.Length > 15 ? name.Slice(0, 15) : name;
    }

    private static char StateLetter(Process* process)
    {
        if (IsZombie(process)) return 'Z';
        return process->Thread->State == ThreadState.Runnable || process == Process.Current ? 'R' : 'S';
    }

    private static string StateText(char letter) => letter switch
    {
        'R' => "R (running)", 'Z' => "Z (zombie)", _ => "S (sleeping)",
    };

    private static ulong ParentPid(Process* process) => (ulong)Process.ParentId(process);

    /// <summary>
    /// Process group and session, as /proc reports them.
    /// TTY HAND-OVER POINT: the tty helper's process groups and sessions replace these (Linux:
    /// task_pgrp_nr_ns, task_session_nr_ns); until then each process leads its own.
    /// </summary>
    private static ulong GroupOf(Process* process) => process->Id;

    private static ulong SessionOf(Process* process) => process->Id;

    private static ulong CpuTicks(Process* process) =>
        process->Thread == null ? 0 : process->Thread->Scheduling.TotalRuntimeNs / (1_000_000_000 / TicksPerSecond);

    private static ulong VirtualBytes(Process* process)
    {
        ulong total = 0;
        int count = process->Regions.Count;
        for (int i = 0; i < count; i++) total += process->Regions[i].Length;
        return total;
    }

    /// <summary>Pages present in the user half of the process's page tables (its resident set),
    /// counted by walking the tables through the direct map. An entry that points outside the
    /// direct map is not followed, so a table being changed at this moment can make the count
    /// wrong but never a fault.</summary>
    private static ulong ResidentPages(Process* process)
    {
        const ulong Present = 1, Large = 0x80, AddressMask = 0x000F_FFFF_FFFF_F000;
        ulong count = 0;
        ulong* pml4 = Table(process->Space.Root & AddressMask);
        if (pml4 == null) return 0;
        for (int a = 0; a < 256; a++)
        {
            if ((pml4[a] & Present) == 0) continue;
            ulong* pdpt = Table(pml4[a] & AddressMask);
            if (pdpt == null) continue;
            for (int b = 0; b < 512; b++)
            {
                if ((pdpt[b] & Present) == 0) continue;
                if ((pdpt[b] & Large) != 0) { count += 512 * 512; continue; }
                ulong* pd = Table(pdpt[b] & AddressMask);
                if (pd == null) continue;
                for (int c = 0; c < 512; c++)
                {
                    if ((pd[c] & Present) == 0) continue;
                    if ((pd[c] & Large) != 0) { count += 512; continue; }
                    ulong* pt = Table(pd[c] & AddressMask);
                    if (pt == null) continue;
                    for (int d = 0; d < 512; d++)
                    {
                        if ((pt[d] & Present) != 0) count++;
                    }
                }
            }
        }

        return count;
    }

    private static ulong* Table(ulong physical) =>
        physical == 0 || physical + 4096 > KernelMemory.DirectMapSize ? null : (ulong*)(physical + KernelMemory.DirectMapOffset);

    private static ulong SignalMask(Process* process, ulong handlerValue)
    {
        ulong mask = 0;
        for (int i = 0; i < Process.SignalCount; i++)
        {
            ulong handler = process->SignalHandler[i];
            bool match = handlerValue == 1 ? handler == 1 : handler > 1;
            if (match) mask |= 1UL << i;
        }

        return mask;
    }

    /// <summary>PID/stat: the 52 fields of Linux's do_task_stat, in its order.</summary>
    private static void ProcessStat(Process* process, ref TextBuilder text)
    {
        bool zombie = IsZombie(process);
        text.Unsigned(process->Id);
        text.Append(" (");
        text.Append(Command(process));
        text.Append(") ");
        text.Append(StateLetter(process));
        Field(ref text, ParentPid(process));
        Field(ref text, GroupOf(process));
        Field(ref text, SessionOf(process));
        Field(ref text, 0);                 // tty_nr: no controlling terminal yet
        text.Append(" -1");                 // tpgid
        Field(ref text, 0x400000);          // flags: PF_RANDOMIZE (the layout is random)
        Field(ref text, 0); Field(ref text, 0); Field(ref text, 0); Field(ref text, 0); // minflt cminflt majflt cmajflt
        Field(ref text, CpuTicks(process)); // utime (all of it: user and kernel time are not told apart)
        Field(ref text, 0);                 // stime
        Field(ref text, 0); Field(ref text, 0); // cutime cstime
        Field(ref text, 20);                // priority: 20 + nice
        Field(ref text, 0);                 // nice
        Field(ref text, 1);                 // num_threads
        Field(ref text, 0);                 // itrealvalue
        Field(ref text, process->StartTick / (1000 / TicksPerSecond)); // starttime, clock ticks after boot
        Field(ref text, zombie ? 0 : VirtualBytes(process));            // vsize, bytes
        Field(ref text, zombie ? 0 : ResidentPages(process));           // rss, pages
        text.Append(" 18446744073709551615"); // rsslim: RLIM_INFINITY
        Field(ref text, 0); Field(ref text, 0); Field(ref text, 0);     // startcode endcode startstack
        Field(ref text, 0); Field(ref text, 0);                         // kstkesp kstkeip
        Field(ref text, process->PendingSignals);
        Field(ref text, process->BlockedSignals);
        Field(ref text, SignalMask(process, 1)); // sigignore
        Field(ref text, SignalMask(process, 2)); // sigcatch
        Field(ref text, zombie || process->Thread->State == ThreadState.Runnable ? 0UL : 1UL); // wchan: waiting or not
        Field(ref text, 0); Field(ref text, 0); // nswap cnswap
        Field(ref text, 17);                // exit_signal: SIGCHLD
        Field(ref text, 0);                 // processor
        Field(ref text, 0); Field(ref text, 0); // rt_priority policy
        Field(ref text, 0); Field(ref text, 0); Field(ref text, 0); // delayacct_blkio_ticks guest_time cguest_time
        Field(ref text, 0); Field(ref text, 0); // start_data end_data
        Field(ref text, zombie ? 0 : process->BreakStart); // start_brk
        Field(ref text, 0); Field(ref text, 0); Field(ref text, 0); Field(ref text, 0); // arg_start arg_end env_start env_end
        Field(ref text, zombie ? (ulong)(uint)process->WaitStatus : 0); // exit_code
        text.Append('\n');
    }

    private static void Field(ref TextBuilder text, ulong value)
    {
        text.Append(' ');
        text.Unsigned(value);
    }

    /// <summary>PID/status: Linux's keys in Linux's order (proc_pid_status), the memory lines
    /// only for a live process, as Linux omits them for one without an mm.</summary>
    private static void ProcessStatus(Process* process, ref TextBuilder text)
    {
        bool zombie = IsZombie(process);
        char state = StateLetter(process);
        text.Append("Name:\t"); text.Append(Command(process));
        text.Append("\nUmask:\t0022\nState:\t"); text.Append(StateText(state));
        text.Append("\nTgid:\t"); text.Unsigned(process->Id);
        text.Append("\nNgid:\t0\nPid:\t"); text.Unsigned(process->Id);
        text.Append("\nPPid:\t"); text.Unsigned(ParentPid(process));
        text.Append("\nTracerPid:\t0\nUid:\t0\t0\t0\t0\nGid:\t0\t0\t0\t0\nFDSize:\t");
        text.Unsigned((ulong)Math.Max(64, process->Descriptors.Size));
        text.Append("\nGroups:\t\nNStgid:\t"); text.Unsigned(process->Id);
        text.Append("\nNSpid:\t"); text.Unsigned(process->Id);
        text.Append("\nNSpgid:\t"); text.Unsigned(GroupOf(process));
        text.Append("\nNSsid:\t"); text.Unsigned(SessionOf(process));
        text.Append('\n');
        if (!zombie)
        {
            ulong virtualKb = VirtualBytes(process) / 1024, residentKb = ResidentPages(process) * 4, stackKb = 0, dataKb = 0, exeKb = 0;
            for (int i = 0; i < process->Regions.Count; i++)
            {
                ref Region region = ref process->Regions[i];
                if (region.Kind == RegionKind.Stack) stackKb += region.Length / 1024;
                else if (region.Kind == RegionKind.Image && (region.Access & RegionAccess.Execute) != 0) exeKb += region.Length / 1024;
                else if (region.Kind != RegionKind.Shared) dataKb += region.Length / 1024;
            }

            Kilobytes(ref text, "VmPeak:\t", virtualKb);
            Kilobytes(ref text, "VmSize:\t", virtualKb);
            Kilobytes(ref text, "VmLck:\t", 0);
            Kilobytes(ref text, "VmPin:\t", 0);
            Kilobytes(ref text, "VmHWM:\t", residentKb);
            Kilobytes(ref text, "VmRSS:\t", residentKb);
            Kilobytes(ref text, "RssAnon:\t", residentKb);
            Kilobytes(ref text, "RssFile:\t", 0);
            Kilobytes(ref text, "RssShmem:\t", 0);
            Kilobytes(ref text, "VmData:\t", dataKb);
            Kilobytes(ref text, "VmStk:\t", stackKb);
            Kilobytes(ref text, "VmExe:\t", exeKb);
            Kilobytes(ref text, "VmLib:\t", 0);
            Kilobytes(ref text, "VmPTE:\t", 0);
            Kilobytes(ref text, "VmSwap:\t", 0);
        }

        text.Append("Threads:\t1\nSigQ:\t0/");
        text.Unsigned(ResourceLimits.SoftLimit(process->CapsHandle, ResourceLimits.PendingSignals));
        text.Append("\nSigPnd:\t"); text.Hex(process->PendingSignals, 16);
        text.Append("\nShdPnd:\t"); text.Hex(process->PendingSignals, 16);
        text.Append("\nSigBlk:\t"); text.Hex(process->BlockedSignals, 16);
        text.Append("\nSigIgn:\t"); text.Hex(SignalMask(process, 1), 16);
        text.Append("\nSigCgt:\t"); text.Hex(SignalMask(process, 2), 16);
        text.Append("\nCapInh:\t0000000000000000\nCapPrm:\t000001ffffffffff\nCapEff:\t000001ffffffffff\n");
        text.Append("CapBnd:\t000001ffffffffff\nCapAmb:\t0000000000000000\nNoNewPrivs:\t0\nSeccomp:\t0\n");
        text.Append("Cpus_allowed:\t1\nCpus_allowed_list:\t0\n");
        if (process->Thread != null)
        {
            text.Append("voluntary_ctxt_switches:\t"); text.Unsigned(process->Thread->VoluntarySwitches);
            text.Append("\nnonvoluntary_ctxt_switches:\t"); text.Unsigned(process->Thread->InvoluntarySwitches);
            text.Append('\n');
        }
    }

    private static void Kilobytes(ref TextBuilder text, string key, ulong kilobytes)
    {
        text.Append(key);
        text.Unsigned(kilobytes, 8);
        text.Append(" kB\n");
    }

    /// <summary>PID/maps: "start-end perms offset dev inode" and, from column 73, what the
    /// region is (Linux's show_map_vma: the program for its image, [heap], [stack]).</summary>
    private static void Maps(Process* process, ref TextBuilder text)
    {
        int count = process->Regions.Count;
        byte* fileNameBuffer = stackalloc byte[255];
        for (int i = 0; i < count && !text.Overflowed; i++)
        {
            Region region = process->Regions[i];
            int start = text.Length;
            text.Hex(region.Start, 8);
            text.Append('-');
            text.Hex(region.End, 8);
            text.Append(' ');
            text.Append((region.Access & RegionAccess.Read) != 0 ? 'r' : '-');
            text.Append((region.Access & RegionAccess.Write) != 0 ? 'w' : '-');
            text.Append((region.Access & RegionAccess.Execute) != 0 ? 'x' : '-');
            text.Append(region.Kind == RegionKind.Shared ? 's' : 'p');
            text.Append(" 00000000 00:00 0 ");
            string name = region.Kind switch { RegionKind.Stack => "[stack]", RegionKind.Break => "[heap]", _ => "" };
            bool image = region.Kind == RegionKind.Image && process->Program != null;
            // A file mapping (a program's segments mapped by execve, a library by ld.so): the
            // file's path, as Linux's show_map_vma (up to 255 bytes here).
            int fileName = 0;
            if (Process.HoldsObject(region))
            {
                var description = (OpenFileDescription*)region.Tag;
                if (description->Operations->Name != null) fileName = description->Operations->Name(description, new Span<byte>(fileNameBuffer, 255));
            }

            if (name.Length != 0 || image || fileName > 0)
            {
                while (text.Length - start < 73) text.Append(' ');
                if (fileName > 0) text.Append(new ReadOnlySpan<byte>(fileNameBuffer, fileName));
                else if (image) text.Append(process->Program->Path);
                else text.Append(name);
            }

            text.Append('\n');
        }
    }

    // ---- The system ------------------------------------------------------------------------

    /// <summary>/proc/meminfo: "Key:" padded to 16 columns, the value in 8, " kB" (Linux's
    /// show_val_kb). Free is the frame allocator's free frames; the kernel heap counts as Slab.</summary>
    private static void MemoryInfo(ref TextBuilder text)
    {
        ulong totalKb = KernelMemory.Frames.TotalBytes / 1024;
        ulong freeKb = KernelMemory.Frames.FreeBytes / 1024;
        ulong slabKb = KernelMemory.Heap.Statistics.BytesFromPageSource / 1024;
        Meminfo(ref text, "MemTotal:", totalKb);
        Meminfo(ref text, "MemFree:", freeKb);
        Meminfo(ref text, "MemAvailable:", freeKb);
        Meminfo(ref text, "Buffers:", 0);
        Meminfo(ref text, "Cached:", 0);
        Meminfo(ref text, "SwapCached:", 0);
        Meminfo(ref text, "Active:", 0);
        Meminfo(ref text, "Inactive:", 0);
        Meminfo(ref text, "SwapTotal:", 0);
        Meminfo(ref text, "SwapFree:", 0);
        Meminfo(ref text, "Dirty:", 0);
        Meminfo(ref text, "Writeback:", 0);
        Meminfo(ref text, "AnonPages:", 0);
        Meminfo(ref text, "Mapped:", 0);
        Meminfo(ref text, "Shmem:", 0);
        Meminfo(ref text, "Slab:", slabKb);
        Meminfo(ref text, "SReclaimable:", 0);
        Meminfo(ref text, "SUnreclaim:", slabKb);
        Meminfo(ref text, "KernelStack:", 0);
        Meminfo(ref text, "PageTables:", 0);
        Meminfo(ref text, "CommitLimit:", totalKb);
        Meminfo(ref text, "Committed_AS:", totalKb - freeKb);
        Meminfo(ref text, "VmallocTotal:", 0);
        Meminfo(ref text, "VmallocUsed:", 0);
        Meminfo(ref text, "VmallocChunk:", 0);
    }

    private static void Meminfo(ref TextBuilder text, string key, ulong kilobytes)
    {
        text.Append(key);
        for (int i = key.Length; i < 16; i++) text.Append(' ');
        text.Unsigned(kilobytes, 8);
        text.Append(" kB\n");
    }

    private static ulong UptimeHundredths => (ulong)Syscalls.TimeCalls.MonotonicNanoseconds() / 10_000_000;

    /// <summary>CPU time every listed process has used, in clock ticks (the busy time of the
    /// one processor, near enough: the kernel's own threads are not counted).</summary>
    private static ulong BusyTicks()
    {
        ulong busy = 0;
        bool table = Process.LockTable();
        for (Process* p = Process.FirstListedFrom(1); p != null; p = Process.FirstListedFrom(p->Id + 1)) busy += CpuTicks(p);
        Process.UnlockTable(table);
        return busy;
    }

    /// <summary>/proc/uptime: seconds since boot and seconds the processor was idle.</summary>
    private static void Uptime(ref TextBuilder text)
    {
        ulong up = UptimeHundredths;
        ulong busy = BusyTicks();
        text.Hundredths(up);
        text.Append(' ');
        text.Hundredths(up > busy ? up - busy : 0);
        text.Append('\n');
    }

    /// <summary>/proc/loadavg: the three load averages (not kept yet: 0.00), runnable/total
    /// scheduling entities, the last pid.</summary>
    private static void LoadAverage(ref TextBuilder text)
    {
        bool table = Process.LockTable();
        Process.CountListed(out int total, out int runnable);
        ulong last = Process.LastPid;
        Process.UnlockTable(table);
        text.Append("0.00 0.00 0.00 ");
        text.Unsigned((ulong)Math.Max(runnable, 1));
        text.Append('/');
        text.Unsigned((ulong)total);
        text.Append(' ');
        text.Unsigned(last);
        text.Append('\n');
    }

    /// <summary>/proc/stat: the cpu lines (user nice system idle iowait irq softirq steal guest
    /// guest_nice, in clock ticks), interrupts and switches, btime, processes, procs_running,
    /// procs_blocked.</summary>
    private static void Statistics(ref TextBuilder text)
    {
        ulong up = UptimeHundredths;
        ulong busy = BusyTicks();
        ulong idle = up > busy ? up - busy : 0;
        for (int line = 0; line < 2; line++)
        {
            text.Append(line == 0 ? "cpu " : "cpu0");
            Field(ref text, busy);
            Field(ref text, 0);
            Field(ref text, 0);
            Field(ref text, idle);
            for (int i = 0; i < 6; i++) Field(ref text, 0);
            text.Append('\n');
        }

        text.Append("intr 0\nctxt 0\nbtime ");
        text.Unsigned((ulong)((Syscalls.TimeCalls.RealtimeNanoseconds() - Syscalls.TimeCalls.MonotonicNanoseconds()) / 1_000_000_000));
        bool table = Process.LockTable();
        Process.CountListed(out int total, out int runnable);
        ulong made = Process.LastPid;
        Process.UnlockTable(table);
        text.Append("\nprocesses ");
        text.Unsigned(made);
        text.Append("\nprocs_running ");
        text.Unsigned((ulong)Math.Max(runnable, 1));
        text.Append("\nprocs_blocked 0\nsoftirq 0 0 0 0 0 0 0 0 0 0 0\n");
    }

    /// <summary>/proc/version: the same facts uname reports, in Linux's layout.</summary>
    private static void Version(ref TextBuilder text)
    {
        text.Append("Aurora version ");
        text.Append(BuildManifest.Version);
        text.Append(" (aurora@aurora) #1 Aurora ");
        string commit = BuildManifest.Commit;
        for (int i = 0; i < commit.Length && i < 10; i++) text.Append(commit[i]);
        text.Append('\n');
    }
}
