namespace Aurora.Vfs;

/// <summary>Fixed limits, the Linux ones where Linux has one.</summary>
public static class VfsLimits
{
    /// <summary>NAME_MAX (linux/limits.h): bytes in one path component.</summary>
    public const int MaxNameLength = 255;

    /// <summary>PATH_MAX is 4096 bytes including the terminating NUL, so 4095 bytes of path.</summary>
    public const int MaxPathLength = 4095;

    /// <summary>File data lives in pages of this size; capacity and st_blocks count them.</summary>
    public const int PageSize = 4096;

    /// <summary>Largest file size (4 GiB). The page table of a file is one flat array, so the
    /// limit bounds what one sparse write far into a file can make it allocate (8 MiB).</summary>
    public const long MaxFileSize = 1L << 32;

    /// <summary>Symbolic links followed in one lookup before it is Loop (Linux MAXSYMLINKS).</summary>
    public const int MaxSymbolicLinks = 40;

    /// <summary>Descriptors per <see cref="FileTable"/>.</summary>
    public const int MaxOpenFiles = 64;
}
