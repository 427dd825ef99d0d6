using System;
using System.Runtime.CompilerServices;

namespace Aurora.Vfs;

/// <summary>
/// The operations table of one mounted file system: <see cref="IFileSystem"/> with its type erased,
/// one function pointer per operation taking the instance as <c>void*</c> (Linux's
/// <c>inode_operations</c> and friends). <see cref="For{TFileSystem}"/> fills it with thunks that
/// make a constrained, direct call on the struct, so no interface dispatch and no boxing happen.
/// </summary>
internal unsafe struct FileSystemOperations<TMemory>
    where TMemory : struct, IVfsMemory
{
    public delegate*<void*, ulong> Root;
    public delegate*<void*, ulong, ReadOnlySpan<byte>, out ulong, out uint, VfsError> Lookup;
    public delegate*<void*, ulong, out FileStatus, void> GetAttributes;
    public delegate*<void*, ulong, int, VfsError> Open;
    public delegate*<void*, ref TMemory, ulong, void> Close;
    public delegate*<void*, ulong, long, Span<byte>, long, long> Read;
    public delegate*<void*, ref TMemory, ulong, long, ReadOnlySpan<byte>, long, long> Write;
    public delegate*<void*, ref TMemory, ulong, long, bool, out byte*, VfsError> GetPage;
    public delegate*<void*, ulong, long, Span<byte>, out DirectoryEntry, long> ReadDirectory;
    public delegate*<void*, ref TMemory, ulong, ReadOnlySpan<byte>, uint, long, out ulong, VfsError> Create;
    public delegate*<void*, ref TMemory, ulong, ReadOnlySpan<byte>, ReadOnlySpan<byte>, long, VfsError> Symlink;
    public delegate*<void*, ulong, Span<byte>, long> ReadLink;
    public delegate*<void*, ref TMemory, ulong, ReadOnlySpan<byte>, ulong, long, VfsError> Link;
    public delegate*<void*, ref TMemory, ulong, ReadOnlySpan<byte>, uint, ulong, long, VfsError> MakeNode;
    public delegate*<void*, ref TMemory, ulong, ReadOnlySpan<byte>, long, VfsError> Unlink;
    public delegate*<void*, ref TMemory, ulong, ReadOnlySpan<byte>, long, VfsError> RemoveDirectory;
    public delegate*<void*, ref TMemory, ulong, ReadOnlySpan<byte>, ulong, ReadOnlySpan<byte>, long, VfsError> Rename;
    public delegate*<void*, ref TMemory, ulong, in AttributeChange, long, VfsError> SetAttributes;
    public delegate*<void*, out FileSystemStatus, void> StatFileSystem;

    public static FileSystemOperations<TMemory> For<TFileSystem>()
        where TFileSystem : struct, IFileSystem
    {
        FileSystemOperations<TMemory> ops;
        ops.Root = &Thunks<TFileSystem>.Root;
        ops.Lookup = &Thunks<TFileSystem>.Lookup;
        ops.GetAttributes = &Thunks<TFileSystem>.GetAttributes;
        ops.Open = &Thunks<TFileSystem>.Open;
        ops.Close = &Thunks<TFileSystem>.Close;
        ops.Read = &Thunks<TFileSystem>.Read;
        ops.Write = &Thunks<TFileSystem>.Write;
        ops.GetPage = &Thunks<TFileSystem>.GetPage;
        ops.ReadDirectory = &Thunks<TFileSystem>.ReadDirectory;
        ops.Create = &Thunks<TFileSystem>.Create;
        ops.Symlink = &Thunks<TFileSystem>.Symlink;
        ops.ReadLink = &Thunks<TFileSystem>.ReadLink;
        ops.Link = &Thunks<TFileSystem>.Link;
        ops.MakeNode = &Thunks<TFileSystem>.MakeNode;
        ops.Unlink = &Thunks<TFileSystem>.Unlink;
        ops.RemoveDirectory = &Thunks<TFileSystem>.RemoveDirectory;
        ops.Rename = &Thunks<TFileSystem>.Rename;
        ops.SetAttributes = &Thunks<TFileSystem>.SetAttributes;
        ops.StatFileSystem = &Thunks<TFileSystem>.StatFileSystem;
        return ops;
    }

    private static class Thunks<TFileSystem>
        where TFileSystem : struct, IFileSystem
    {
        public static ulong Root(void* fs) => Unsafe.AsRef<TFileSystem>(fs).Root;

        public static VfsError Lookup(void* fs, ulong directory, ReadOnlySpan<byte> name, out ulong node, out uint type) =>
            Unsafe.AsRef<TFileSystem>(fs).Lookup(directory, name, out node, out type);

        public static void GetAttributes(void* fs, ulong node, out FileStatus status) =>
            Unsafe.AsRef<TFileSystem>(fs).GetAttributes(node, out status);

        public static VfsError Open(void* fs, ulong node, int flags) => Unsafe.AsRef<TFileSystem>(fs).Open(node, flags);

        public static void Close(void* fs, ref TMemory memory, ulong node) => Unsafe.AsRef<TFileSystem>(fs).Close(ref memory, node);

        public static long Read(void* fs, ulong node, long offset, Span<byte> buffer, long now) =>
            Unsafe.AsRef<TFileSystem>(fs).Read(node, offset, buffer, now);

        public static long Write(void* fs, ref TMemory memory, ulong node, long offset, ReadOnlySpan<byte> data, long now) =>
            Unsafe.AsRef<TFileSystem>(fs).Write(ref memory, node, offset, data, now);

        public static VfsError GetPage(void* fs, ref TMemory memory, ulong node, long offset, bool allocate, out byte* page) =>
            Unsafe.AsRef<TFileSystem>(fs).GetPage(ref memory, node, offset, allocate, out page);

        public static long ReadDirectory(void* fs, ulong directory, long index, Span<byte> name, out DirectoryEntry entry) =>
            Unsafe.AsRef<TFileSystem>(fs).ReadDirectory(directory, index, name, out entry);

        public static VfsError Create(void* fs, ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, long now, out ulong node) =>
            Unsafe.AsRef<TFileSystem>(fs).Create(ref memory, directory, name, mode, now, out node);

        public static VfsError Symlink(void* fs, ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ReadOnlySpan<byte> target, long now) =>
            Unsafe.AsRef<TFileSystem>(fs).Symlink(ref memory, directory, name, target, now);

        public static long ReadLink(void* fs, ulong node, Span<byte> buffer) => Unsafe.AsRef<TFileSystem>(fs).ReadLink(node, buffer);

        public static VfsError Link(void* fs, ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, ulong node, long now) =>
            Unsafe.AsRef<TFileSystem>(fs).Link(ref memory, directory, name, node, now);

        public static VfsError MakeNode(void* fs, ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, uint mode, ulong device, long now) =>
            Unsafe.AsRef<TFileSystem>(fs).MakeNode(ref memory, directory, name, mode, device, now);

        public static VfsError Unlink(void* fs, ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now) =>
            Unsafe.AsRef<TFileSystem>(fs).Unlink(ref memory, directory, name, now);

        public static VfsError RemoveDirectory(void* fs, ref TMemory memory, ulong directory, ReadOnlySpan<byte> name, long now) =>
            Unsafe.AsRef<TFileSystem>(fs).RemoveDirectory(ref memory, directory, name, now);

        public static VfsError Rename(void* fs, ref TMemory memory, ulong fromDirectory, ReadOnlySpan<byte> fromName, ulong toDirectory, ReadOnlySpan<byte> toName, long now) =>
            Unsafe.AsRef<TFileSystem>(fs).Rename(ref memory, fromDirectory, fromName, toDirectory, toName, now);

        public static VfsError SetAttributes(void* fs, ref TMemory memory, ulong node, in AttributeChange change, long now) =>
            Unsafe.AsRef<TFileSystem>(fs).SetAttributes(ref memory, node, in change, now);

        public static void StatFileSystem(void* fs, out FileSystemStatus status) => Unsafe.AsRef<TFileSystem>(fs).StatFileSystem(out status);
    }
}

/// <summary>One entry of the mount table (Linux's <c>struct mount</c> with its super_block):
/// which file system, where it is mounted, and what keeps it busy.</summary>
internal unsafe struct MountEntry<TMemory>
    where TMemory : struct, IVfsMemory
{
    public FileSystemOperations<TMemory> Operations;
    /// <summary>The file system struct the operations take.</summary>
    public void* Instance;
    /// <summary>A tmpfs the VFS made (<c>Mount(path, capacity)</c>, <c>Initialize</c>): the VFS
    /// destroys and frees it at unmount. Other instances belong to whoever mounted them.</summary>
    public bool OwnsTmpfs;
    /// <summary>st_dev of everything on it: 1 for the root, then 2, 3, … in mount order.</summary>
    public ulong Device;
    public ulong Root;
    /// <summary>The mount this one covers a directory of, and that directory; null and 0 for
    /// the root mount.</summary>
    public MountEntry<TMemory>* Parent;
    public ulong MountPoint;
    /// <summary>Open file descriptions and handles on nodes here; unmount needs zero.</summary>
    public ulong OpenFiles;
    /// <summary>Mounts on directories of this one; unmount needs zero.</summary>
    public uint ChildMounts;
    public MountEntry<TMemory>* Next;
}
