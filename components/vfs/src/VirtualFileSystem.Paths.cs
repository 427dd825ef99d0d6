using System;

namespace Aurora.Vfs;

public unsafe partial struct VirtualFileSystem<TMemory>
{
    /// <summary>Bytes of one link-rewriting buffer: a whole path, PATH_MAX.</summary>
    private const int ScratchSize = VfsLimits.MaxPathLength + 1;

    /// <summary>A node of the tree: its mount, its id in that file system, its type.</summary>
    private struct Node
    {
        public MountEntry<TMemory>* Mount;
        public ulong Id;
        public uint Type;

        public Node(MountEntry<TMemory>* mount, ulong id, uint type)
        {
            Mount = mount;
            Id = id;
            Type = type;
        }

        public readonly bool IsDirectory => Type == FileMode.Directory;

        public readonly bool IsSymbolicLink => Type == FileMode.SymbolicLink;
    }

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
    /// A lookup under way, and then its result: a path split into the directory that holds its
    /// last component (resolved, mounts crossed, links followed) and that component, which is not
    /// looked up — creating and removing operations start there. A symbolic link met rewrites the
    /// rest of the path as target + rest in a scratch buffer (kept right-aligned, so later links
    /// only prepend).
    /// </summary>
    private ref struct Walk
    {
        /// <summary>Where the walk stands: its start, then the parent of the last component.</summary>
        public Node Directory;
        /// <summary>What is left of the path; after <see cref="WalkToParent"/>, the last
        /// component's trailing slashes.</summary>
        public ReadOnlySpan<byte> Rest;
        public ReadOnlySpan<byte> Name;
        public LastKind Kind;
        /// <summary>The path ended in '/': the target must be a directory.</summary>
        public bool TrailingSlash;
        /// <summary>Symbolic links followed so far.</summary>
        public int Links;
        /// <summary>Which of the two scratch buffers the walk rewrites into.</summary>
        public int Scratch;
        public bool RestInScratch;
    }

    private readonly Node RootNode => new(_rootMount, _rootMount->Root, FileMode.Directory);

    private readonly Node StartOf(in NodeHandle handle) =>
        handle.Mount == null ? RootNode : new Node((MountEntry<TMemory>*)handle.Mount, handle.Node, handle.Type);

    /// <summary>Checks a path and places a walk at its start: "/" for an absolute path,
    /// <paramref name="start"/> otherwise (or InvalidArgument when only absolute paths are
    /// taken). An empty path is NoEntry, one over 4095 bytes NameTooLong.</summary>
    private readonly VfsError BeginWalk(in NodeHandle start, ReadOnlySpan<byte> path, bool absoluteOnly, int scratch, out Walk walk)
    {
        walk = default;
        if (_rootMount == null || path.IsEmpty)
        {
            return VfsError.NoEntry;
        }

        if (path.Length > VfsLimits.MaxPathLength)
        {
            return VfsError.NameTooLong;
        }

        if (path[0] == (byte)'/')
        {
            walk.Directory = RootNode;
        }
        else if (absoluteOnly)
        {
            return VfsError.InvalidArgument;
        }
        else
        {
            walk.Directory = StartOf(start);
        }

        walk.Rest = path;
        walk.Scratch = scratch;
        return VfsError.None;
    }

    /// <summary>
    /// Walks every component but the last. Rules (Linux path_lookupat): repeated slashes count
    /// as one; "." stays, ".." goes to the parent, and from a mount root to the parent of the
    /// directory the file system is mounted on; ".." at "/" stays at "/"; a symbolic link met on
    /// the way is followed (Loop after <see cref="VfsLimits.MaxSymbolicLinks"/>). A component over
    /// 255 bytes is NameTooLong, a NUL byte InvalidArgument; a non-directory met on the way is
    /// NotDirectory. Leaves the walk at the parent with the rest (the last component's trailing
    /// slashes) in <see cref="Walk.Rest"/>.
    /// </summary>
    private VfsError WalkToParent(ref Walk walk)
    {
        Node dir = walk.Directory;
        ReadOnlySpan<byte> path = walk.Rest;
        int i = 0;
        while (true)
        {
            while (i < path.Length && path[i] == (byte)'/')
            {
                i++;
            }

            if (i == path.Length)
            {
                // Only slashes: the path (or a link's target) names the root.
                walk.Directory = dir;
                walk.Name = default;
                walk.Kind = LastKind.Root;
                walk.TrailingSlash = true;
                walk.Rest = default;
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
                if (!dir.IsDirectory)
                {
                    return VfsError.NotDirectory;
                }

                walk.Directory = dir;
                walk.Name = name;
                walk.Kind = KindOf(name);
                walk.TrailingSlash = end < path.Length;
                walk.Rest = path.Slice(end);
                return VfsError.None;
            }

            VfsError error = Step(dir, name, out Node child);
            if (error != VfsError.None)
            {
                return error;
            }

            if (child.IsSymbolicLink)
            {
                walk.Rest = path;
                error = FollowLink(ref walk, child, dir, path.Slice(end));
                if (error != VfsError.None)
                {
                    return error;
                }

                dir = walk.Directory;
                path = walk.Rest;
                i = 0;
                continue;
            }

            dir = child;
            i = next;
        }
    }

    /// <summary>
    /// Looks up the last component of <paramref name="walk"/>. A symbolic link there is
    /// followed when <paramref name="follow"/> says so or the path ends in '/', and the walk goes
    /// on from the link's directory (so the walk ends at the parent of what is
    /// finally looked up). <paramref name="lastMissing"/> tells a NoEntry of that final name
    /// (where O_CREAT creates) from one met on the way.
    /// </summary>
    private VfsError LookupLast(ref Walk walk, bool follow, out Node target, out bool lastMissing)
    {
        lastMissing = false;
        while (true)
        {
            if (walk.Kind == LastKind.Root)
            {
                target = walk.Directory;
                return VfsError.None;
            }

            VfsError error = Step(walk.Directory, walk.Name, out target);
            if (error != VfsError.None)
            {
                lastMissing = error == VfsError.NoEntry;
                return error;
            }

            if (target.IsSymbolicLink && (follow || walk.TrailingSlash))
            {
                error = FollowLink(ref walk, target, walk.Directory, walk.Rest);
                if (error == VfsError.None)
                {
                    error = WalkToParent(ref walk);
                }

                if (error != VfsError.None)
                {
                    return error;
                }

                continue;
            }

            if (walk.TrailingSlash && !target.IsDirectory)
            {
                return VfsError.NotDirectory;
            }

            return VfsError.None;
        }
    }

    /// <summary>Resolves a whole path to its node, crossing mounts and following links (the last
    /// one only if <paramref name="follow"/>); a trailing slash on a non-directory is
    /// NotDirectory.</summary>
    private VfsError ResolvePath(in NodeHandle start, ReadOnlySpan<byte> path, bool follow, bool absoluteOnly, out Node target)
    {
        target = default;
        VfsError error = BeginWalk(start, path, absoluteOnly, 0, out Walk walk);
        if (error == VfsError.None)
        {
            error = WalkToParent(ref walk);
            if (error == VfsError.None)
            {
                error = LookupLast(ref walk, follow, out target, out _);
            }
        }

        return error;
    }

    /// <summary>
    /// Replaces the walk's rest by <c>target + <paramref name="rest"/></c> (rest being what
    /// followed the link: empty or starting with '/'), from <paramref name="directory"/> or, for
    /// an absolute target, from "/". Loop past <see cref="VfsLimits.MaxSymbolicLinks"/> links,
    /// NoEntry for an empty target, NameTooLong when the two do not fit in a path, NoMemory if the
    /// scratch buffers cannot be had.
    /// </summary>
    private VfsError FollowLink(ref Walk walk, Node link, Node directory, ReadOnlySpan<byte> rest)
    {
        if (++walk.Links > VfsLimits.MaxSymbolicLinks)
        {
            return VfsError.Loop;
        }

        if (_linkScratch == null)
        {
            _linkScratch = (byte*)_memory.Allocate(2 * ScratchSize);
            if (_linkScratch == null)
            {
                return VfsError.NoMemory;
            }
        }

        byte* scratch = _linkScratch + walk.Scratch * ScratchSize;
        int start = ScratchSize - rest.Length;
        if (!walk.RestInScratch)
        {
            rest.CopyTo(new Span<byte>(scratch + start, rest.Length));
        }

        // Otherwise the rest is already the buffer's tail: walks only ever drop a prefix.
        Fill(link, out FileStatus status);
        if (status.Size == 0)
        {
            return VfsError.NoEntry;
        }

        if (status.Size > start)
        {
            return VfsError.NameTooLong;
        }

        MountEntry<TMemory>* mount = link.Mount;
        long length = mount->Operations.ReadLink(mount->Instance, link.Id, new Span<byte>(scratch, (int)status.Size));
        if (length <= 0)
        {
            return length == 0 ? VfsError.NoEntry : (VfsError)(-length);
        }

        byte* target = scratch + start - length;
        new ReadOnlySpan<byte>(scratch, (int)length).CopyTo(new Span<byte>(target, (int)length));
        walk.Rest = new ReadOnlySpan<byte>(target, (int)length + rest.Length);
        walk.RestInScratch = true;
        walk.Directory = target[0] == (byte)'/' ? RootNode : directory;
        return VfsError.None;
    }

    /// <summary>Takes the link-rewriting buffers now instead of with the first symbolic link
    /// followed (a kernel does it at boot, so no later call's memory accounting sees them).
    /// NoMemory if they cannot be had; Dispose frees them.</summary>
    public VfsError ReserveLinkBuffers()
    {
        if (_linkScratch == null)
        {
            _linkScratch = (byte*)_memory.Allocate(2 * ScratchSize);
        }

        return _linkScratch == null ? VfsError.NoMemory : VfsError.None;
    }

    /// <summary>One component from <paramref name="dir"/>: ".", "..", or a name looked up in its
    /// file system and followed into any file system mounted on it.</summary>
    private readonly VfsError Step(Node dir, ReadOnlySpan<byte> name, out Node next)
    {
        next = default;
        if (!dir.IsDirectory)
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

        VfsError error = LookupIn(dir, name, out next);
        if (error != VfsError.None)
        {
            return error;
        }

        next = Covering(next);
        return VfsError.None;
    }

    /// <summary>The name in one file system, mounts not crossed.</summary>
    private static VfsError LookupIn(Node dir, ReadOnlySpan<byte> name, out Node found)
    {
        MountEntry<TMemory>* mount = dir.Mount;
        VfsError error = mount->Operations.Lookup(mount->Instance, dir.Id, name, out ulong id, out uint type);
        found = new Node(mount, id, type);
        return error;
    }

    /// <summary>The root of what is mounted on <paramref name="node"/>, or the node itself.</summary>
    private readonly Node Covering(Node node)
    {
        while (true)
        {
            MountEntry<TMemory>* mounted = MountedOn(node);
            if (mounted == null)
            {
                return node;
            }

            node = new Node(mounted, mounted->Root, FileMode.Directory);
        }
    }

    /// <summary>The mount whose mount point is <paramref name="node"/>, if any. The table is
    /// scanned only when the node's file system has mounts on it at all.</summary>
    private readonly MountEntry<TMemory>* MountedOn(Node node)
    {
        if (node.Mount->ChildMounts == 0 || !node.IsDirectory)
        {
            return null;
        }

        for (MountEntry<TMemory>* mount = _mounts; mount != null; mount = mount->Next)
        {
            if (mount->Parent == node.Mount && mount->MountPoint == node.Id)
            {
                return mount;
            }
        }

        return null;
    }

    /// <summary>"..": from a mount root, first down to the mount point it covers.</summary>
    private static Node ParentOf(Node dir)
    {
        while (dir.Id == dir.Mount->Root && dir.Mount->Parent != null)
        {
            dir = new Node(dir.Mount->Parent, dir.Mount->MountPoint, FileMode.Directory);
        }

        return LookupIn(dir, ".."u8, out Node parent) == VfsError.None ? parent : dir;
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
