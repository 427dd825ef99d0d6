using System;
using System.Runtime.InteropServices;
using Xunit;

namespace Aurora.Vfs.Tests;

/// <summary>The host example of the README, as written there.</summary>
public class ReadmeExampleTests
{
    private unsafe struct HostMemory : IVfsMemory
    {
        public void* Allocate(nuint size) => NativeMemory.Alloc(size);
        public void Free(void* block) => NativeMemory.Free(block);
        public void* AllocatePage() => NativeMemory.AlignedAlloc(4096, 4096);
        public void FreePage(void* page) => NativeMemory.AlignedFree(page);
    }

    [Fact]
    public void TheReadmeHostExampleWorks()
    {
        var vfs = new VirtualFileSystem<HostMemory>(default);
        vfs.Initialize(capacityBytes: 0);
        FileTable files = default;

        vfs.Mkdir("/tmp"u8, 0x1ED);
        long fd = vfs.Open(ref files, "/tmp/hello"u8, OpenFlags.ReadWrite | OpenFlags.Create, 0x1A4);
        Assert.Equal(0, fd);
        vfs.Write(ref files, (int)fd, "hi\n"u8);
        vfs.Seek(ref files, (int)fd, 0, SeekOrigin.Set);
        Span<byte> buffer = stackalloc byte[16];
        long n = vfs.Read(ref files, (int)fd, buffer);
        Assert.Equal(3, n);
        Assert.True(buffer[..3].SequenceEqual("hi\n"u8));
        vfs.Close(ref files, (int)fd);
        vfs.CloseAll(ref files);
        Assert.Equal(VfsError.None, vfs.Dispose());
    }

    // "Writing a file system", as written there.
    /// <summary>One read-only file, "hello", holding "hi\n": node 1 is the root, node 2 the file.</summary>
    public struct HelloFileSystem : IFileSystem
    {
        private static ReadOnlySpan<byte> Text => "hi\n"u8;

        public readonly ulong Root => 1;

        public readonly VfsError Lookup(ulong directory, ReadOnlySpan<byte> name, out ulong node, out uint type)
        {
            bool hello = name.SequenceEqual("hello"u8);
            node = hello ? 2UL : name.SequenceEqual(".."u8) ? 1UL : 0;   // the root's ".." is itself
            type = hello ? FileMode.Regular : FileMode.Directory;
            return node != 0 ? VfsError.None : VfsError.NoEntry;
        }

        public readonly void GetAttributes(ulong node, out FileStatus status)
        {
            status = default;                                            // the VFS sets Device
            status.Inode = node;
            status.Mode = node == 1 ? FileMode.Directory | 0x16D : FileMode.Regular | 0x124;   // 0555, 0444
            status.LinkCount = node == 1 ? 2UL : 1UL;
            status.Size = node == 1 ? 0 : Text.Length;
        }

        public readonly long Read(ulong node, long offset, Span<byte> buffer, long now)
        {
            if (offset >= Text.Length) return 0;
            int count = Math.Min(buffer.Length, Text.Length - (int)offset);
            Text.Slice((int)offset, count).CopyTo(buffer);
            return count;
        }

        public readonly long ReadDirectory(ulong directory, long index, Span<byte> name, out DirectoryEntry entry)
        {
            entry = default;                                             // "." and ".." come from the VFS
            if (index != 0) return 0;
            if (name.Length < 5) return -(long)VfsError.InvalidArgument;
            "hello"u8.CopyTo(name);
            entry = new DirectoryEntry { Inode = 2, Type = DirectoryEntryType.Regular, NameLength = 5, Offset = 1 };
            return 5;
        }

        // References: nothing to keep alive here. Writing access is refused at open.
        public readonly VfsError Open(ulong node, int flags) =>
            flags != OpenFlags.Path && (flags & OpenFlags.AccessModeMask) != OpenFlags.ReadOnly
                ? VfsError.ReadOnlyFileSystem : VfsError.None;
        public readonly void Close<TMemory>(ref TMemory memory, ulong node) where TMemory : struct, IVfsMemory { }
        public readonly long ReadLink(ulong node, Span<byte> buffer) => -(long)VfsError.InvalidArgument;
        public readonly void StatFileSystem(out FileSystemStatus status) { status = default; status.Inodes = 2; status.ReadOnly = true; }

        // Data read in place: no pages to map (mmap copies through Read).
        public readonly unsafe VfsError GetPage<TMemory>(ref TMemory memory, ulong node, long offset, bool allocate, out byte* page)
            where TMemory : struct, IVfsMemory { page = null; return VfsError.NoDevice; }

        // Every change: read-only.
        public readonly long Write<TMemory>(ref TMemory memory, ulong node, long offset, ReadOnlySpan<byte> data, long now)
            where TMemory : struct, IVfsMemory => -(long)VfsError.ReadOnlyFileSystem;
        public readonly VfsError Create<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, long now, out ulong node)
            where TMemory : struct, IVfsMemory { node = 0; return VfsError.ReadOnlyFileSystem; }
        public readonly VfsError Symlink<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, long now)
            where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;
        public readonly VfsError Link<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ulong node, long now)
            where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;
        public readonly VfsError MakeNode<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, ulong device, long now)
            where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;
        public readonly VfsError Unlink<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now)
            where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;
        public readonly VfsError RemoveDirectory<TMemory>(ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now)
            where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;
        public readonly VfsError Rename<TMemory>(ref TMemory memory, ulong fromDirectory, ReadOnlySpan<byte> fromName, ulong toDirectory, ReadOnlySpan<byte> toName, long now)
            where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;
        public readonly VfsError SetAttributes<TMemory>(ref TMemory memory, ulong node, in AttributeChange change, long now)
            where TMemory : struct, IVfsMemory => VfsError.ReadOnlyFileSystem;
    }

    [Fact]
    public unsafe void TheReadmeFileSystemExampleWorks()
    {
        var vfs = new VirtualFileSystem<HostMemory>(default);
        vfs.Initialize(capacityBytes: 0);
        // The instance must stay at one address while mounted: a static, or memory that does not move.
        var hello = (HelloFileSystem*)NativeMemory.AllocZeroed((nuint)sizeof(HelloFileSystem));
        vfs.Mkdir("/hello"u8, 0x1ED);
        vfs.Mount<HelloFileSystem>("/hello"u8, hello);          // st_dev 2

        FileTable files = default;
        long fd = vfs.Open(ref files, "/hello/hello"u8, OpenFlags.ReadOnly, 0);
        Span<byte> buffer = stackalloc byte[16];
        long n = vfs.Read(ref files, (int)fd, buffer);          // 3: "hi\n"
        long refused = vfs.Open(ref files, "/hello/new"u8, OpenFlags.WriteOnly | OpenFlags.Create, 0x1A4);
                                                                // -(long)VfsError.ReadOnlyFileSystem
        vfs.CloseAll(ref files);
        vfs.Unmount("/hello"u8);                                // the instance is yours again
        NativeMemory.Free(hello);
        vfs.Dispose();

        Assert.Equal(3, n);
        Assert.True(buffer[..3].SequenceEqual("hi\n"u8));
        Assert.Equal(-(long)VfsError.ReadOnlyFileSystem, refused);
    }
}
