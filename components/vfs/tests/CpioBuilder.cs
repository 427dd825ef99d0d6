using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Text;
using Xunit;

namespace Aurora.Vfs.Tests;

/// <summary>Writes cpio "newc" archives (the layout of Linux's
/// Documentation/driver-api/early-userspace/buffer-format.rst), so tests can make read-only
/// file systems of any shape, malformed ones included.</summary>
public sealed class CpioBuilder
{
    private readonly MemoryStream _stream = new();
    private uint _inode = 100;

    public CpioBuilder Directory(string name, uint permissions = 0x1ED, uint mtime = 0) =>
        Entry(name, FileMode.Directory | permissions, [], mtime);

    public CpioBuilder File(string name, string contents, uint permissions = 0x1A4, uint mtime = 0) =>
        Entry(name, FileMode.Regular | permissions, Encoding.UTF8.GetBytes(contents), mtime);

    public CpioBuilder File(string name, byte[] contents, uint permissions = 0x1A4, uint mtime = 0) =>
        Entry(name, FileMode.Regular | permissions, contents, mtime);

    public CpioBuilder Symlink(string name, string target) =>
        Entry(name, FileMode.SymbolicLink | 0x1FF, Encoding.UTF8.GetBytes(target), 0);

    /// <summary>One file under several names as GNU cpio writes it: the same inode and link
    /// count on every entry, the data with the last name only.</summary>
    public CpioBuilder HardLinks(string contents, params string[] names)
    {
        uint inode = _inode++;
        for (int i = 0; i < names.Length; i++)
        {
            Entry(names[i], FileMode.Regular | 0x1A4, i == names.Length - 1 ? Encoding.UTF8.GetBytes(contents) : [], 0,
                inode: inode, links: (uint)names.Length);
        }

        return this;
    }

    public CpioBuilder Entry(string name, uint mode, byte[] data, uint mtime, string magic = "070701", uint? inode = null, uint links = 1)
    {
        byte[] nameBytes = Encoding.UTF8.GetBytes(name + "\0");
        var header = new StringBuilder(magic);
        foreach (uint field in new uint[] { inode ?? _inode++, mode, 0, 0, links, mtime, (uint)data.Length, 0, 0, 0, 0, (uint)nameBytes.Length, 0 })
        {
            header.Append(field.ToString("X8"));
        }

        Write(Encoding.ASCII.GetBytes(header.ToString()));
        Write(nameBytes);
        Pad();
        Write(data);
        Pad();
        return this;
    }

    public byte[] Build()
    {
        Entry("TRAILER!!!", 0, [], 0);
        return _stream.ToArray();
    }

    private void Write(byte[] bytes) => _stream.Write(bytes);

    private void Pad()
    {
        while (_stream.Length % 4 != 0)
        {
            _stream.WriteByte(0);
        }
    }
}

/// <summary>A <see cref="CpioFileSystem"/> over a copy of an image in native memory (the file
/// system keeps pointers into both, so neither may move), its node table from the harness's
/// ledger. Dispose after unmounting.</summary>
public sealed unsafe class CpioImage : IDisposable
{
    private readonly byte* _image;
    private readonly LedgerMemory _memory;

    public CpioFileSystem* FileSystem { get; }

    public VfsError InitializeError { get; }

    public CpioImage(byte[] image, MemoryLedger ledger)
    {
        _memory = new LedgerMemory(ledger);
        _image = (byte*)NativeMemory.Alloc((nuint)Math.Max(1, image.Length));
        image.CopyTo(new Span<byte>(_image, image.Length));
        FileSystem = (CpioFileSystem*)NativeMemory.AllocZeroed((nuint)sizeof(CpioFileSystem));
        LedgerMemory memory = _memory;
        InitializeError = FileSystem->Initialize(ref memory, _image, image.Length);
    }

    public static byte[] Fixture(string name) => System.IO.File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", name));

    public void Dispose()
    {
        LedgerMemory memory = _memory;
        FileSystem->Destroy(ref memory);
        NativeMemory.Free(FileSystem);
        NativeMemory.Free(_image);
    }
}
