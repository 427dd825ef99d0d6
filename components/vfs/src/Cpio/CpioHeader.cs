using System;

namespace Aurora.Vfs;

/// <summary>
/// One entry header of a cpio archive in the "newc" format (<c>cpio -H newc</c>, what Linux
/// unpacks as an initramfs: Documentation/driver-api/early-userspace/buffer-format.rst),
/// decoded, with where its name, data and successor lie. The one reader of the format: the
/// read-only <see cref="CpioFileSystem"/> and the kernel's initramfs unpacker both walk an
/// archive with <see cref="Read"/>.
/// </summary>
public struct CpioHeader
{
    /// <summary>"070701" + thirteen 8-digit hex fields.</summary>
    public const int Size = 110;

    /// <summary>c_ino: the archive's inode number (entries of one file with several names share
    /// it).</summary>
    public uint Inode;
    /// <summary>c_mode: file type and permission bits (<see cref="FileMode"/>).</summary>
    public uint Mode;
    /// <summary>c_uid: the owner.</summary>
    public uint UserId;
    /// <summary>c_gid: the group.</summary>
    public uint GroupId;
    /// <summary>nlink: entries of one file with several names share <see cref="Inode"/>.</summary>
    public uint Links;
    /// <summary>c_mtime: modification time, seconds since 1970.</summary>
    public long ModifyTime;
    /// <summary>Offset of the entry's name from the start of the archive.</summary>
    public long NameOffset;
    /// <summary>Without the terminating NUL.</summary>
    public int NameLength;
    /// <summary>Offset of the entry's data (a file's bytes, a link's target) from the start of the
    /// archive.</summary>
    public long DataOffset;
    /// <summary>c_filesize: length of the data in bytes.</summary>
    public long DataLength;
    /// <summary>Where the next header starts.</summary>
    public long Next;
    /// <summary>The "TRAILER!!!" entry that ends an archive.</summary>
    public bool IsTrailer;

    /// <summary>The header at <paramref name="offset"/> of the <paramref name="length"/>-byte
    /// archive at <paramref name="image"/>: "070701" (or "070702", the same with a checksum we
    /// do not check), thirteen 8-digit hex fields (ino, mode, uid, gid, nlink, mtime, filesize,
    /// devmajor, devminor, rdevmajor, rdevminor, namesize, check), the name with its NUL padded
    /// to 4 bytes from the header's start, then the data padded to 4. InvalidArgument for bad
    /// magic or hex, an empty name, or a name or data running past the end.</summary>
    public static unsafe VfsError Read(byte* image, long length, long offset, out CpioHeader header)
    {
        header = default;
        if (offset < 0 || length - offset < Size)
        {
            return VfsError.InvalidArgument;
        }

        byte* h = image + offset;
        if (!new ReadOnlySpan<byte>(h, 5).SequenceEqual("07070"u8) || (h[5] != (byte)'1' && h[5] != (byte)'2'))
        {
            return VfsError.InvalidArgument;
        }

        if (!Hex(h, 1, out uint inode) || !Hex(h, 2, out uint mode) || !Hex(h, 3, out uint uid) || !Hex(h, 4, out uint gid) ||
            !Hex(h, 5, out uint links) || !Hex(h, 6, out uint mtime) || !Hex(h, 7, out uint fileSize) ||
            !Hex(h, 12, out uint nameSize) || nameSize == 0)
        {
            return VfsError.InvalidArgument;
        }

        long nameOffset = offset + Size;
        if (length - nameOffset < nameSize || image[nameOffset + nameSize - 1] != 0)
        {
            return VfsError.InvalidArgument;
        }

        long dataOffset = Align4(nameOffset + nameSize);
        if (dataOffset > length || length - dataOffset < fileSize)
        {
            return VfsError.InvalidArgument;
        }

        header.Inode = inode;
        header.Mode = mode;
        header.UserId = uid;
        header.GroupId = gid;
        header.Links = links;
        header.ModifyTime = mtime;
        header.NameOffset = nameOffset;
        header.NameLength = (int)nameSize - 1;
        header.DataOffset = dataOffset;
        header.DataLength = fileSize;
        header.Next = Align4(dataOffset + fileSize);
        header.IsTrailer = new ReadOnlySpan<byte>(image + nameOffset, header.NameLength).SequenceEqual("TRAILER!!!"u8);
        return VfsError.None;
    }

    /// <summary>Where the next archive starts after a trailer whose successor is at
    /// <paramref name="offset"/>: Linux accepts archives one after another with NUL padding
    /// between them (buffer-format.rst), which is how an initramfs is extended without
    /// repacking it. -1 when only padding is left.</summary>
    public static unsafe long SkipPadding(byte* image, long length, long offset)
    {
        while (offset < length && image[offset] == 0)
        {
            offset++;
        }

        return offset < length ? offset : -1;
    }

    private static long Align4(long value) => (value + 3) & ~3L;

    private static unsafe bool Hex(byte* header, int field, out uint value)
    {
        value = 0;
        byte* digits = header + 6 + 8 * (field - 1);
        for (int i = 0; i < 8; i++)
        {
            byte c = digits[i];
            uint digit;
            if (c >= (byte)'0' && c <= (byte)'9')
            {
                digit = (uint)(c - '0');
            }
            else if (c >= (byte)'a' && c <= (byte)'f')
            {
                digit = (uint)(c - 'a' + 10);
            }
            else if (c >= (byte)'A' && c <= (byte)'F')
            {
                digit = (uint)(c - 'A' + 10);
            }
            else
            {
                return false;
            }

            value = (value << 4) | digit;
        }

        return true;
    }
}
