using System;
using System.Diagnostics;
using System.IO;
using BenchmarkDotNet.Attributes;
using Zio;
using Zio.FileSystems;

namespace Aurora.Vfs.Benchmarks;

/// <summary>
/// Two paths the file syscalls take: a whole file life (create + write 4 KiB + close + reopen +
/// read 4 KiB + close + unlink), and resolving a path six directories deep (stat). The peer
/// doing the same work in the same process is Zio's MemoryFileSystem (an in-memory file system
/// library for .NET: a tree of directory and file nodes, byte contents, streams), the baseline.
/// The host kernel's tmpfs (/dev/shm via glibc) runs too, for scale: its figures include the
/// system call entry and exit Aurora's in-kernel VFS calls do not pay, so they are a ceiling to
/// stay under, not a like-for-like race.
/// </summary>
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public unsafe class FileBenchmarks
{
    private const string DeepPath = "/a/b/c/d/e/f";

    private readonly byte[] _block = new byte[4096];
    private readonly byte[] _readBack = new byte[4096];
    private VirtualFileSystem<NativeVfsMemory> _vfs;
    private FileTable _files;
    private byte[] _auroraFile = null!;
    private byte[] _auroraDeep = null!;

    private MemoryFileSystem _zio = null!;
    private readonly UPath _zioFile = "/file";
    private readonly UPath _zioDeep = DeepPath;

    private string _hostRoot = null!;
    private byte[] _hostFile = null!;
    private byte[] _hostDeep = null!;

    [GlobalSetup]
    public void Setup()
    {
        new Random(1).NextBytes(_block);
        _vfs = new VirtualFileSystem<NativeVfsMemory>(default);
        Require(_vfs.Initialize(0) == VfsError.None, "Initialize");
        _auroraFile = "/file"u8.ToArray();
        _auroraDeep = System.Text.Encoding.ASCII.GetBytes(DeepPath);
        string dir = "";
        foreach (string part in DeepPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            dir += "/" + part;
            Require(_vfs.Mkdir(System.Text.Encoding.ASCII.GetBytes(dir), 0x1ED) == VfsError.None, "Mkdir");
        }

        _zio = new MemoryFileSystem();
        _zio.CreateDirectory(DeepPath);

        _hostRoot = $"/dev/shm/aurora-vfs-bench-{Environment.ProcessId}";
        _hostFile = Libc.CString(_hostRoot + "/file");
        _hostDeep = Libc.CString(_hostRoot + DeepPath);
        dir = _hostRoot;
        fixed (byte* p = Libc.CString(dir))
        {
            Libc.Check(Libc.mkdir(p, 0x1ED) == 0, "mkdir " + dir);
        }

        foreach (string part in DeepPath.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            dir += "/" + part;
            fixed (byte* p = Libc.CString(dir))
            {
                Libc.Check(Libc.mkdir(p, 0x1ED) == 0, "mkdir " + dir);
            }
        }

        // One round of each, checked, so a broken path fails here and not silently in the loop.
        Require(AuroraFileLife() == 8192, "Aurora file life");
        Require(_readBack.AsSpan().SequenceEqual(_block), "Aurora read back");
        _readBack.AsSpan().Clear();
        Require(ZioFileLife() == 8192, "Zio file life");
        Require(_readBack.AsSpan().SequenceEqual(_block), "Zio read back");
        HostFileLife();
        Require(_readBack.AsSpan().SequenceEqual(_block), "host read back");
        Require(AuroraDeepLookup() == 1 && HostDeepLookup() == 1 && ZioDeepLookup() == 1, "deep lookups");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _vfs.CloseAll(ref _files);
        Require(_vfs.Dispose() == VfsError.None, "Dispose");
        string dir = _hostRoot + DeepPath;
        while (dir.Length >= _hostRoot.Length)
        {
            fixed (byte* p = Libc.CString(dir))
            {
                Libc.rmdir(p);
            }

            dir = dir[..dir.LastIndexOf('/')];
        }
    }

    private static void Require(bool ok, string what)
    {
        if (!ok)
        {
            throw new InvalidOperationException(what + " failed");
        }
    }

    [Benchmark(Baseline = true, Description = "Zio MemoryFileSystem: create+write 4K+close+open+read 4K+close+unlink")]
    [BenchmarkCategory("file life")]
    public long ZioFileLife()
    {
        long n;
        using (Stream file = _zio.OpenFile(_zioFile, System.IO.FileMode.Create, FileAccess.Write))
        {
            file.Write(_block, 0, 4096);
            n = file.Length;
        }

        using (Stream file = _zio.OpenFile(_zioFile, System.IO.FileMode.Open, FileAccess.Read))
        {
            n += file.Read(_readBack, 0, 4096);
        }

        _zio.DeleteFile(_zioFile);
        return n;
    }

    [Benchmark(Description = "host tmpfs: create+write 4K+close+open+read 4K+close+unlink")]
    [BenchmarkCategory("file life")]
    public long HostFileLife()
    {
        fixed (byte* path = _hostFile)
        fixed (byte* data = _block)
        fixed (byte* back = _readBack)
        {
            int fd = Libc.open(path, OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Truncate, 0x1A4);
            long n = Libc.write(fd, data, 4096);
            Libc.close(fd);
            fd = Libc.open(path, OpenFlags.ReadOnly, 0);
            n += Libc.read(fd, back, 4096);
            Libc.close(fd);
            Libc.unlink(path);
            Debug.Assert(n == 8192);
            return n;
        }
    }

    [Benchmark(Description = "Aurora.Vfs: create+write 4K+close+open+read 4K+close+unlink")]
    [BenchmarkCategory("file life")]
    public long AuroraFileLife()
    {
        long fd = _vfs.Open(ref _files, _auroraFile, OpenFlags.WriteOnly | OpenFlags.Create | OpenFlags.Truncate, 0x1A4);
        long n = _vfs.Write(ref _files, (int)fd, _block);
        _vfs.Close(ref _files, (int)fd);
        fd = _vfs.Open(ref _files, _auroraFile, OpenFlags.ReadOnly, 0);
        n += _vfs.Read(ref _files, (int)fd, _readBack);
        _vfs.Close(ref _files, (int)fd);
        _vfs.Unlink(_auroraFile);
        Debug.Assert(n == 8192);
        return n;
    }

    [Benchmark(Baseline = true, Description = "Zio MemoryFileSystem: attributes of /a/b/c/d/e/f")]
    [BenchmarkCategory("lookup")]
    public ulong ZioDeepLookup() => (_zio.GetAttributes(_zioDeep) & FileAttributes.Directory) != 0 ? 1UL : 0UL;

    [Benchmark(Description = "host tmpfs: stat of /a/b/c/d/e/f")]
    [BenchmarkCategory("lookup")]
    public ulong HostDeepLookup()
    {
        FileStatus st;
        fixed (byte* path = _hostDeep)
        {
            Libc.stat(path, &st);
        }

        return st.LinkCount - 1;
    }

    [Benchmark(Description = "Aurora.Vfs: Stat of /a/b/c/d/e/f")]
    [BenchmarkCategory("lookup")]
    public ulong AuroraDeepLookup()
    {
        _vfs.Stat(_auroraDeep, out FileStatus st);
        return st.LinkCount - 1;
    }
}
