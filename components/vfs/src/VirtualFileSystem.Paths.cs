using System;

namespace Aurora.Vfs;

public unsafe partial struct VirtualFileSystem<TMemory>
{
    /// <summary>What the last component of a path is.</summary>
    private enum LastKind
    {
        /// <summary>No component: the path is "/" (or only slashes).</summary>
        Root,
        Normal,
        Dot,
        DotDot,
    }

    /// <summary>
    /// A path split into the directory that holds its last component (resolved, mounts crossed)
    /// and that component, which is not looked up. Creating and removing operations start here.
    /// </summary>
    private ref struct ParentPath
    {
        public Inode* Directory;
        public ReadOnlySpan<byte> Name;
        public LastKind Kind;
        /// <summary>The path ended in '/': the target must be a directory.</summary>
        public bool TrailingSlash;
    }

    /// <summary>
    /// Walks every component but the last. Rules (Linux path_lookupat): repeated slashes count
    /// as one; "." stays, ".." goes to the parent, and from a mount root to the parent of the
    /// directory the file system is mounted on; ".." at "/" stays at "/". A component over 255
    /// bytes or a path over 4095 is NameTooLong, an empty path NoEntry, a relative path or a NUL
    /// byte InvalidArgument; a non-directory met on the way is NotDirectory.
    /// </summary>
    private readonly VfsError WalkToParent(ReadOnlySpan<byte> path, out ParentPath result)
    {
        result = default;
        if (_rootFileSystem == null || path.IsEmpty)
        {
            return VfsError.NoEntry;
        }

        if (path.Length > VfsLimits.MaxPathLength)
        {
            return VfsError.NameTooLong;
        }

        if (path[0] != (byte)'/')
        {
            return VfsError.InvalidArgument;
        }

        Inode* dir = _rootFileSystem->Root;
        int i = 0;
        while (true)
        {
            while (i < path.Length && path[i] == (byte)'/')
            {
                i++;
            }

            if (i == path.Length)
            {
                // Only slashes left: the path names the root.
                result.Directory = dir;
                result.Kind = LastKind.Root;
                result.TrailingSlash = true;
                return VfsError.None;
            }

            int end = i;
            while (end < path.Length && path[end] != (byte)'/')
            {
                if (path[end] == 0)
                {
                    return VfsError.InvalidArgument;
                }

                end++;
            }

            if (end - i > VfsLimits.MaxNameLength)
            {
                return VfsError.NameTooLong;
            }

            ReadOnlySpan<byte> name = path.Slice(i, end - i);
            int next = end;
            while (next < path.Length && path[next] == (byte)'/')
            {
                next++;
            }

            if (next == path.Length)
            {
                if (!dir->IsDirectory)
                {
                    return VfsError.NotDirectory;
                }

                result.Directory = dir;
                result.Name = name;
                result.Kind = KindOf(name);
                result.TrailingSlash = end < path.Length;
                return VfsError.None;
            }

            VfsError error = Step(dir, name, out dir);
            if (error != VfsError.None)
            {
                return error;
            }

            i = next;
        }
    }

    /// <summary>Resolves a whole path to its inode, crossing mounts; a trailing slash on a
    /// non-directory is NotDirectory.</summary>
    private readonly VfsError Resolve(ReadOnlySpan<byte> path, out Inode* target)
    {
        target = null;
        VfsError error = WalkToParent(path, out ParentPath parent);
        if (error != VfsError.None)
        {
            return error;
        }

        if (parent.Kind == LastKind.Root)
        {
            target = parent.Directory;
            return VfsError.None;
        }

        error = Step(parent.Directory, parent.Name, out target);
        if (error != VfsError.None)
        {
            return error;
        }

        if (parent.TrailingSlash && !target->IsDirectory)
        {
            target = null;
            return VfsError.NotDirectory;
        }

        return VfsError.None;
    }

    /// <summary>One component from <paramref name="dir"/>: ".", "..", or a name looked up and
    /// followed into any file system mounted on it.</summary>
    private static VfsError Step(Inode* dir, ReadOnlySpan<byte> name, out Inode* next)
    {
        next = null;
        if (!dir->IsDirectory)
        {
            return VfsError.NotDirectory;
        }

        switch (KindOf(name))
        {
            case LastKind.Dot:
                next = dir;
                return VfsError.None;
            case LastKind.DotDot:
                next = ParentOf(dir);
                return VfsError.None;
        }

        DirectoryNode* node = Tmpfs.Find(dir, name);
        if (node == null)
        {
            return VfsError.NoEntry;
        }

        next = Covering(node->Inode);
        return VfsError.None;
    }

    /// <summary>The root of what is mounted on <paramref name="inode"/>, or the inode itself.</summary>
    private static Inode* Covering(Inode* inode)
    {
        while (inode->MountedHere != null)
        {
            inode = inode->MountedHere->Root;
        }

        return inode;
    }

    /// <summary>"..": from a mount root, first down to the mount point it covers.</summary>
    private static Inode* ParentOf(Inode* dir)
    {
        while (dir == dir->FileSystem->Root && dir->FileSystem->MountPoint != null)
        {
            dir = dir->FileSystem->MountPoint;
        }

        return dir->Parent;
    }

    private static LastKind KindOf(ReadOnlySpan<byte> name)
    {
        if (name.Length == 1 && name[0] == (byte)'.')
        {
            return LastKind.Dot;
        }

        if (name.Length == 2 && name[0] == (byte)'.' && name[1] == (byte)'.')
        {
            return LastKind.DotDot;
        }

        return LastKind.Normal;
    }
}
