using System;
using Aurora.Kernel.Files;
using Aurora.Kernel.Memory;
using Aurora.Kernel.Processes;
using Aurora.Vfs;

namespace Aurora.Kernel.Sandbox;

/// <summary>
/// The filesystem view's one check (unveil; docs/sandbox.md): every path a sandboxed process
/// names is walked to its real place first — "..", ".", repeated slashes and every symbolic
/// link on the way (and the last one unless <see cref="PathAccess.NoFollow"/>), /proc's
/// cwd/root/exe/fd links included, since they are links too — and the real path is what the
/// layers judge. Every directory the walk passes through must be visible or an ancestor of a
/// visible path, so "/secret/../box" does not tell whether /secret exists. A directory
/// descriptor is a path here (Files/PathResolver.cs), so openat from a descriptor opened
/// before the sandbox, or received later, is judged by where it really is.
///
/// Names that do not exist yet are taken as plain names (a file about to be created); the VFS
/// answers ENOENT for them itself. Races: a check and the operation after it are two walks,
/// so the view also refuses to let a sandboxed process make a name refer to a symbolic link
/// that leads out (<see cref="CheckLinkTarget"/> for symlink, rename and link): inside the
/// view every name a sandboxed process can rebind leads inside.
/// </summary>
internal static unsafe class FileView
{
    /// <summary>0, or -errno (ENOENT hidden, EACCES without the right, EPERM without the
    /// promise, ENOMEM, ELOOP, ENAMETOOLONG) for <paramref name="process"/> doing
    /// <paramref name="access"/> to <paramref name="path"/> (absolute, as PathResolver made it).</summary>
    internal static long Check(Process* process, ReadOnlySpan<byte> path, PathAccess access)
    {
        ref SandboxState sandbox = ref process->Sandbox;
        if (!sandbox.IsRestricted) return 0;
        if ((access & PathAccess.Mount) != 0) return Audit.Refused(process, "mount", path, -Syscalls.Errno.EPERM, "sandboxes do not mount");
        ulong promises = SandboxState.PromisesFor(access);
        if (promises == 0 && (access & ~PathAccess.NoFollow) == PathAccess.Look) promises = Promises.Rpath;
        if (!sandbox.Holds(promises)) return Audit.Refused(process, "path", path, -Syscalls.Errno.EPERM, "promises");
        // The block is held, not locked, for the walk: another thread of the process may
        // publish a narrower view meanwhile (SandboxState.Publish); this check judges by the one
        // in force when it began, whole.
        SandboxLayers* layers = sandbox.AcquireLayers();
        if (layers == null || !layers->Handles(SandboxLayer.HandlesPaths))
        {
            SandboxLayers.Release(layers);
            return 0;
        }

        byte* real = PathResolver.AllocateBuffer();
        if (real == null)
        {
            SandboxLayers.Release(layers);
            return -Syscalls.Errno.ENOMEM;
        }

        long length = RealPath(layers, path, (access & PathAccess.NoFollow) == 0, new Span<byte>(real, PathResolver.BufferSize));
        long result = length < 0 ? length : layers->Check(new ReadOnlySpan<byte>(real, (int)length), SandboxState.RightsFor(access));
        if (result == -Syscalls.Errno.ENOENT || result == -Syscalls.Errno.EACCES)
            result = Audit.Refused(process, "path", length > 0 ? new ReadOnlySpan<byte>(real, (int)length) : path, result, "view");
        KernelMemory.Free(real);
        SandboxLayers.Release(layers);
        return result;
    }

    /// <summary>A symbolic link a sandboxed process creates (target <paramref name="target"/>,
    /// at <paramref name="linkPath"/>) or moves must lead inside its view: 0 or -EACCES.</summary>
    internal static long CheckLinkTarget(Process* process, ReadOnlySpan<byte> linkPath, ReadOnlySpan<byte> target)
    {
        SandboxLayers* layers = process->Sandbox.Layers;
        if (layers == null) return 0;
        byte* joined = PathResolver.AllocateBuffer();
        if (joined == null) return -Syscalls.Errno.ENOMEM;
        int length;
        if (target.Length > 0 && target[0] == (byte)'/')
        {
            length = Math.Min(target.Length, VfsLimits.MaxPathLength);
            target.Slice(0, length).CopyTo(new Span<byte>(joined, length));
        }
        else
        {
            // Relative: from the link's directory (the link path up to its last slash).
            int directory = linkPath.Length - 1;
            while (directory > 0 && linkPath[directory] != (byte)'/') directory--;
            length = Math.Min(directory + 1 + target.Length, VfsLimits.MaxPathLength);
            linkPath.Slice(0, directory).CopyTo(new Span<byte>(joined, directory));
            joined[directory] = (byte)'/';
            target.Slice(0, length - directory - 1).CopyTo(new Span<byte>(joined + directory + 1, length - directory - 1));
        }

        long result = Check(process, new ReadOnlySpan<byte>(joined, length), PathAccess.Look);
        if (result != 0) result = Audit.Refused(process, "link to", new ReadOnlySpan<byte>(joined, length), -Syscalls.Errno.EACCES, "view: links lead inside");
        KernelMemory.Free(joined);
        return result;
    }

    /// <summary>The symbolic link at <paramref name="path"/> (if it is one) leads inside the
    /// view: 0 or -EACCES (rename and link of a link).</summary>
    internal static long CheckExistingLink(Process* process, ReadOnlySpan<byte> path)
    {
        if (process->Sandbox.Layers == null) return 0;
        byte* target = PathResolver.AllocateBuffer();
        if (target == null) return -Syscalls.Errno.ENOMEM;
        FileSystem.Lock();
        long length = FileSystem.Vfs.ReadLink(path, new Span<byte>(target, PathResolver.BufferSize));
        FileSystem.Unlock();
        long result = length <= 0 ? 0 : CheckLinkTarget(process, path, new ReadOnlySpan<byte>(target, (int)length));
        KernelMemory.Free(target);
        return result;
    }

    /// <summary>Linux's limit on symbolic links followed in one walk (MAXSYMLINKS).</summary>
    private const int MaxLinks = 40;

    /// <summary>
    /// The real path of <paramref name="path"/> into <paramref name="output"/>, as
    /// PathResolver.Canonicalize walks it, but a missing name is kept as a plain name, the last
    /// link is followed only when <paramref name="followLast"/>, and every directory passed
    /// through must be one <paramref name="layers"/> let a walk cross (else ENOENT). Null
    /// layers: no crossing check (unveil's own paths).
    /// </summary>
    internal static long RealPath(SandboxLayers* layers, ReadOnlySpan<byte> path, bool followLast, Span<byte> output)
    {
        if (path.Length > VfsLimits.MaxPathLength) return -Syscalls.Errno.ENAMETOOLONG;
        byte* scratchBuffer = PathResolver.AllocateBuffer();
        byte* linkBuffer = PathResolver.AllocateBuffer();
        long result = 0;
        if (scratchBuffer == null || linkBuffer == null) result = -Syscalls.Errno.ENOMEM;
        var scratch = new Span<byte>(scratchBuffer, PathResolver.BufferSize);
        var link = new Span<byte>(linkBuffer, PathResolver.BufferSize);
        int rest = path.Length, restStart = 0, length = 0, links = 0;
        if (result == 0)
        {
            path.CopyTo(scratch);
            FileSystem.Lock();
            while (true)
            {
                while (restStart < rest && scratch[restStart] == (byte)'/') restStart++;
                if (restStart == rest) break;
                int end = restStart;
                while (end < rest && scratch[end] != (byte)'/') end++;
                ReadOnlySpan<byte> name = scratch.Slice(restStart, end - restStart);
                restStart = end;
                int after = end;
                while (after < rest && scratch[after] == (byte)'/') after++;
                bool last = after == rest;
                if (!MayCross(layers, output.Slice(0, length)))
                {
                    result = -Syscalls.Errno.ENOENT;
                    break;
                }

                long step = PathResolver.StepInto(output, ref length, name, out int before);
                if (step > 0) continue; // "." or ".."
                if (step < 0)
                {
                    result = step;
                    break;
                }

                if (last && !followLast) break;
                long target = FileSystem.Vfs.ReadLink(output.Slice(0, length), link);
                if (target < 0)
                {
                    // Not a link (InvalidArgument) or not there: a plain name either way.
                    if (target == -(long)VfsError.InvalidArgument || target == -(long)VfsError.NoEntry ||
                        target == -(long)VfsError.NotDirectory)
                        continue;
                    result = target;
                    break;
                }

                // A link is crossed like a directory: its own name must be visible.
                if (target == 0 || !MayCross(layers, output.Slice(0, length)) || ++links > MaxLinks)
                {
                    result = target == 0 ? -Syscalls.Errno.ENOENT : links > MaxLinks ? -Syscalls.Errno.ELOOP : -Syscalls.Errno.ENOENT;
                    break;
                }

                if (!PathResolver.SpliceLink(scratch, link, (int)target, ref rest, ref restStart, ref length, before))
                {
                    result = -Syscalls.Errno.ENAMETOOLONG;
                    break;
                }
            }

            FileSystem.Unlock();
        }

        KernelMemory.Free(scratchBuffer);
        KernelMemory.Free(linkBuffer);
        if (result < 0) return result;
        if (length == 0) output[length++] = (byte)'/';
        return length;
    }

    private static bool MayCross(SandboxLayers* layers, ReadOnlySpan<byte> directory) =>
        layers == null || layers->MayTraverse(directory.Length == 0 ? "/"u8 : directory);
}
