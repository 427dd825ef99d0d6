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
}
