using System;

namespace Aurora.Vfs;

/// <summary>
/// tmpfs: file systems whose inodes, directory entries and file pages all live in memory from
/// <c>TMemory</c>. Everything here works on one file system and knows nothing of paths, mounts
/// or descriptors; <see cref="TmpfsFileSystem"/> offers it to the VFS through
/// <see cref="IFileSystem"/>.
/// </summary>
internal static unsafe class Tmpfs
{
    /// <summary>Mode of a new file system's root: tmpfs's default (sticky, world-writable).</summary>
    public const uint RootMode = FileMode.Directory | 0x3FF; // 01777

    /// <summary>st_size of directories, as Linux tmpfs reports it (BOGO_DIRENT_SIZE per entry,
    /// two for "." and "..").</summary>
    private const long DirectoryEntrySize = 20;

    public static Superblock* Create<TMemory>(ref TMemory memory, ulong capacityBytes, long now)
        where TMemory : struct, IVfsMemory
    {
        var fs = (Superblock*)memory.Allocate((nuint)sizeof(Superblock));
        if (fs == null)
        {
            return null;
        }

        *fs = default;
        fs->NextInodeNumber = 1;
        // Rounded up to whole pages, without overflowing for capacities near ulong.MaxValue.
        fs->CapacityPages = capacityBytes / VfsLimits.PageSize + (capacityBytes % VfsLimits.PageSize != 0 ? 1UL : 0UL);
        Inode* root = NewInode(ref memory, fs, RootMode, now);
        if (root == null)
        {
            memory.Free(fs);
            return null;
        }

        root->LinkCount = 2;
        root->Parent = root;
        fs->Root = root;
        return fs;
    }

    /// <summary>Frees every inode, entry and page of <paramref name="fs"/>, then the superblock.
    /// Iterative (post-order through Parent links), so a deep tree needs no deep stack.</summary>
    public static void Destroy<TMemory>(ref TMemory memory, Superblock* fs)
        where TMemory : struct, IVfsMemory
    {
        Inode* root = fs->Root;
        Inode* dir = root;
        while (true)
        {
            DirectoryNode* node = dir->FirstEntry;
            if (node == null)
            {
                if (dir == root)
                {
                    break;
                }

                // Empty now: climb; the parent frees it through its entry on the next round.
                dir = dir->Parent;
                continue;
            }

            Inode* child = node->Inode;
            if (child->IsDirectory && child->FirstEntry != null)
            {
                dir = child;
                continue;
            }

            Unlink(dir, node);
            memory.Free(node);
            // A file with several names (hard links) goes with its last one.
            if (child->IsDirectory || --child->LinkCount == 0)
            {
                FreeInode(ref memory, child);
            }
        }

        FreeInode(ref memory, root);
        memory.Free(fs);
    }

    public static Inode* NewInode<TMemory>(ref TMemory memory, Superblock* fs, uint mode, long now)
        where TMemory : struct, IVfsMemory
    {
        var inode = (Inode*)memory.Allocate((nuint)sizeof(Inode));
        if (inode == null)
        {
            return null;
        }

        *inode = default;
        inode->Number = fs->NextInodeNumber++;
        inode->FileSystem = fs;
        inode->Mode = mode;
        inode->AccessTime = now;
        inode->ModifyTime = now;
        inode->ChangeTime = now;
        fs->Inodes++;
        return inode;
    }

    /// <summary>Frees the inode and its file pages. Its entries (if a directory) must be gone.</summary>
    public static void FreeInode<TMemory>(ref TMemory memory, Inode* inode)
        where TMemory : struct, IVfsMemory
    {
        if (inode->Pages != null)
        {
            FreePagesFrom(ref memory, inode, 0);
            memory.Free(inode->Pages);
        }

        if (inode->LinkTarget != null)
        {
            memory.Free(inode->LinkTarget);
        }

        inode->FileSystem->Inodes--;
        memory.Free(inode);
    }

    /// <summary>Frees the inode if nothing refers to it any more (no name, no open file).</summary>
    public static void ReleaseIfUnused<TMemory>(ref TMemory memory, Inode* inode)
        where TMemory : struct, IVfsMemory
    {
        if (inode->LinkCount == 0 && inode->OpenCount == 0)
        {
            FreeInode(ref memory, inode);
        }
    }

    public static long DirectorySize(Inode* dir) => (2 + (long)dir->EntryCount) * DirectoryEntrySize;

    // ---- Directory entries -------------------------------------------------------------

    /// <summary>FNV-1a over the name: compared before the bytes, so a lookup in a large
    /// directory touches one word per non-matching entry.</summary>
    public static uint Hash(ReadOnlySpan<byte> name)
    {
        uint h = 2166136261;
        for (int i = 0; i < name.Length; i++)
        {
            h = (h ^ name[i]) * 16777619;
        }

        return h;
    }

    public static DirectoryNode* Find(Inode* dir, ReadOnlySpan<byte> name)
    {
        uint hash = Hash(name);
        for (DirectoryNode* node = dir->FirstEntry; node != null; node = node->Next)
        {
            if (node->Hash == hash && node->NameLength == name.Length &&
                new ReadOnlySpan<byte>(DirectoryNode.NameOf(node), node->NameLength).SequenceEqual(name))
            {
                return node;
            }
        }

        return null;
    }

    /// <summary>A detached entry for <paramref name="child"/> named <paramref name="name"/>;
    /// null when out of memory.</summary>
    public static DirectoryNode* NewEntry<TMemory>(ref TMemory memory, ReadOnlySpan<byte> name, Inode* child)
        where TMemory : struct, IVfsMemory
    {
        var node = (DirectoryNode*)memory.Allocate((nuint)(sizeof(DirectoryNode) + name.Length));
        if (node == null)
        {
            return null;
        }

        node->Next = null;
        node->Previous = null;
        node->Inode = child;
        node->Hash = Hash(name);
        node->NameLength = name.Length;
        name.CopyTo(new Span<byte>(DirectoryNode.NameOf(node), name.Length));
        return node;
    }

    public static void Link(Inode* dir, DirectoryNode* node)
    {
        node->Cookie = dir->NextCookie++;
        node->Next = null;
        node->Previous = dir->LastEntry;
        if (dir->LastEntry != null)
        {
            dir->LastEntry->Next = node;
        }
        else
        {
            dir->FirstEntry = node;
        }

        dir->LastEntry = node;
        dir->EntryCount++;
    }

    public static void Unlink(Inode* dir, DirectoryNode* node)
    {
        if (node->Previous != null)
        {
            node->Previous->Next = node->Next;
        }
        else
        {
            dir->FirstEntry = node->Next;
        }

        if (node->Next != null)
        {
            node->Next->Previous = node->Previous;
        }
        else
        {
            dir->LastEntry = node->Previous;
        }

        dir->EntryCount--;
    }

    // ---- File data ---------------------------------------------------------------------

    /// <summary>Copies bytes at <paramref name="offset"/> into <paramref name="buffer"/>; holes
    /// read as zeros. Returns the count (0 at or past the end).</summary>
    public static int Read(Inode* file, long offset, Span<byte> buffer)
    {
        if (offset >= file->Size || buffer.IsEmpty)
        {
            return 0;
        }

        long available = file->Size - offset;
        int total = available < buffer.Length ? (int)available : buffer.Length;
        int done = 0;
        while (done < total)
        {
            long position = offset + done;
            nuint pageIndex = (nuint)(position >> 12);
            int inPage = (int)(position & (VfsLimits.PageSize - 1));
            int count = Math.Min(VfsLimits.PageSize - inPage, total - done);
            Span<byte> target = buffer.Slice(done, count);
            byte* page = pageIndex < file->PageSlots ? file->Pages[pageIndex] : null;
            if (page == null)
            {
                target.Clear();
            }
            else
            {
                new ReadOnlySpan<byte>(page + inPage, count).CopyTo(target);
            }

            done += count;
        }

        return done;
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/>, allocating pages
    /// as needed. Returns bytes written, or -errno when nothing was written. Like Linux, a write
    /// that runs out of space part-way returns the bytes it wrote, and one that would pass
    /// <see cref="VfsLimits.MaxFileSize"/> is cut short there.</summary>
    public static long Write<TMemory>(ref TMemory memory, Inode* file, long offset, ReadOnlySpan<byte> data, long now)
        where TMemory : struct, IVfsMemory
    {
        if (data.IsEmpty)
        {
            return 0;
        }

        if (offset >= VfsLimits.MaxFileSize)
        {
            return -(long)VfsError.FileTooLarge;
        }

        int total = data.Length;
        if (VfsLimits.MaxFileSize - offset < total)
        {
            total = (int)(VfsLimits.MaxFileSize - offset);
        }

        long end = offset + total;
        if (!EnsurePageSlots(ref memory, file, (nuint)((end + VfsLimits.PageSize - 1) >> 12)))
        {
            return -(long)VfsError.NoMemory;
        }

        if (end > file->Size)
        {
            ZeroTail(file);
        }

        Superblock* fs = file->FileSystem;
        int done = 0;
        VfsError failure = VfsError.None;
        while (done < total)
        {
            long position = offset + done;
            nuint pageIndex = (nuint)(position >> 12);
            int inPage = (int)(position & (VfsLimits.PageSize - 1));
            int count = Math.Min(VfsLimits.PageSize - inPage, total - done);
            byte* page = file->Pages[pageIndex];
            if (page == null)
            {
                if (fs->CapacityPages != 0 && fs->UsedPages >= fs->CapacityPages)
                {
                    failure = VfsError.NoSpace;
                    break;
                }

                page = (byte*)memory.AllocatePage();
                if (page == null)
                {
                    failure = VfsError.NoMemory;
                    break;
                }

                // Zero only what this write leaves of the new page (a hole before it, the rest
                // beyond the end): unpacking an initramfs fills most pages whole, and clearing
                // them first doubled the bytes stored.
                if (inPage != 0)
                {
                    new Span<byte>(page, inPage).Clear();
                }

                if (inPage + count < VfsLimits.PageSize)
                {
                    new Span<byte>(page + inPage + count, VfsLimits.PageSize - inPage - count).Clear();
                }

                file->Pages[pageIndex] = page;
                file->PagesInUse++;
                fs->UsedPages++;
            }

            data.Slice(done, count).CopyTo(new Span<byte>(page + inPage, count));
            done += count;
        }

        if (done == 0)
        {
            return -(long)failure;
        }

        if (offset + done > file->Size)
        {
            file->Size = offset + done;
        }

        file->ModifyTime = now;
        file->ChangeTime = now;
        return done;
    }

    /// <summary>Sets the size: pages wholly past the new end go back to memory and the tail of
    /// the last page is zeroed (keeping the zero-beyond-Size invariant); growing only moves
    /// Size, the new range being a hole. Cannot fail for lengths up to the limit.</summary>
    public static VfsError Truncate<TMemory>(ref TMemory memory, Inode* file, long length, long now)
        where TMemory : struct, IVfsMemory
    {
        if (length > VfsLimits.MaxFileSize)
        {
            return VfsError.FileTooLarge;
        }

        if (length < file->Size && file->Pages != null)
        {
            nuint keep = (nuint)((length + VfsLimits.PageSize - 1) >> 12);
            FreePagesFrom(ref memory, file, keep);
            int inPage = (int)(length & (VfsLimits.PageSize - 1));
            if (inPage != 0 && keep - 1 < file->PageSlots)
            {
                byte* last = file->Pages[keep - 1];
                if (last != null)
                {
                    new Span<byte>(last + inPage, VfsLimits.PageSize - inPage).Clear();
                }
            }

            if (length == 0)
            {
                memory.Free(file->Pages);
                file->Pages = null;
                file->PageSlots = 0;
            }
        }

        if (length > file->Size)
        {
            ZeroTail(file);
        }

        file->Size = length;
        file->ModifyTime = now;
        file->ChangeTime = now;
        return VfsError.None;
    }

    /// <summary>Zeroes the last page beyond <see cref="Inode.Size"/> before the file grows over
    /// it: a shared mapping may have written there (Linux zeroes the partial page on
    /// extension too), and growing must never expose those bytes as file data.</summary>
    private static void ZeroTail(Inode* file)
    {
        int inPage = (int)(file->Size & (VfsLimits.PageSize - 1));
        nuint index = (nuint)(file->Size >> 12);
        if (inPage != 0 && index < file->PageSlots && file->Pages[index] != null)
        {
            new Span<byte>(file->Pages[index] + inPage, VfsLimits.PageSize - inPage).Clear();
        }
    }

    /// <summary>mmap's view of a file: the page holding <paramref name="offset"/> (page
    /// aligned), memory from <see cref="IVfsMemory.AllocatePage"/> that a kernel may map. A hole
    /// is null, or with <paramref name="allocate"/> a new zeroed page (counted against the
    /// capacity: NoSpace). Beyond the last page of the file: InvalidArgument (SIGBUS for the
    /// mapping).</summary>
    public static VfsError GetPage<TMemory>(ref TMemory memory, Inode* file, long offset, bool allocate, out byte* page)
        where TMemory : struct, IVfsMemory
    {
        page = null;
        if (offset < 0 || (offset & (VfsLimits.PageSize - 1)) != 0)
        {
            return VfsError.InvalidArgument;
        }

        if (offset >= ((file->Size + VfsLimits.PageSize - 1) & ~(long)(VfsLimits.PageSize - 1)))
        {
            return VfsError.InvalidArgument;
        }

        nuint index = (nuint)(offset >> 12);
        page = index < file->PageSlots ? file->Pages[index] : null;
        if (page != null || !allocate)
        {
            return VfsError.None;
        }

        Superblock* fs = file->FileSystem;
        if (fs->CapacityPages != 0 && fs->UsedPages >= fs->CapacityPages)
        {
            return VfsError.NoSpace;
        }

        if (!EnsurePageSlots(ref memory, file, index + 1))
        {
            return VfsError.NoMemory;
        }

        page = (byte*)memory.AllocatePage();
        if (page == null)
        {
            return VfsError.NoMemory;
        }

        new Span<byte>(page, VfsLimits.PageSize).Clear();
        file->Pages[index] = page;
        file->PagesInUse++;
        fs->UsedPages++;
        return VfsError.None;
    }

    private static void FreePagesFrom<TMemory>(ref TMemory memory, Inode* file, nuint first)
        where TMemory : struct, IVfsMemory
    {
        Superblock* fs = file->FileSystem;
        for (nuint i = first; i < file->PageSlots; i++)
        {
            byte* page = file->Pages[i];
            if (page != null)
            {
                memory.FreePage(page);
                file->Pages[i] = null;
                file->PagesInUse--;
                fs->UsedPages--;
            }
        }
    }

    /// <summary>Grows the page table to at least <paramref name="slots"/> entries (doubling, so
    /// appends cost amortised O(1)); false when out of memory, with nothing changed.</summary>
    private static bool EnsurePageSlots<TMemory>(ref TMemory memory, Inode* file, nuint slots)
        where TMemory : struct, IVfsMemory
    {
        if (slots <= file->PageSlots)
        {
            return true;
        }

        nuint grown = file->PageSlots * 2;
        if (grown < 8)
        {
            grown = 8;
        }

        if (grown < slots)
        {
            grown = slots;
        }

        nuint maxSlots = (nuint)(VfsLimits.MaxFileSize / VfsLimits.PageSize);
        if (grown > maxSlots)
        {
            grown = maxSlots;
        }

        var table = (byte**)memory.Allocate(grown * (nuint)sizeof(byte*));
        if (table == null)
        {
            return false;
        }

        for (nuint i = 0; i < grown; i++)
        {
            table[i] = i < file->PageSlots ? file->Pages[i] : null;
        }

        if (file->Pages != null)
        {
            memory.Free(file->Pages);
        }

        file->Pages = table;
        file->PageSlots = grown;
        return true;
    }
}
