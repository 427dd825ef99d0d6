using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using Xunit;

namespace Aurora.Vfs.Tests;

/// <summary>
/// Random open/close/dup/read/write/seek/truncate/ftruncate/unlink/mkdir/rmdir/rename/stat/
/// readdir across a few directories, part of them on a second tmpfs mounted at /m and on a
/// read-only cpio file system mounted at /ro (fixed files, a directory and a symbolic link, where
/// every change is EROFS), checked against a model (path → file object, set of directories,
/// links, descriptor → shared description).
/// Every result — value or errno — must be the model's; file contents and directory listings
/// must match; after deleting everything the memory ledger is back where it started, and after
/// unmount and dispose at zero. The seed is in every failure message; replay with
/// AURORA_SEED=&lt;seed&gt; dotnet test components/vfs/tests.
/// </summary>
public class RandomizedTests
{
    private const int Rounds = 4;
    private const int OperationsPerRound = 50_000;

    [Fact]
    public void RandomOperationsMatchTheModelAndLeakNothing()
    {
        int seed = TestSeed.Get();
        for (int round = 0; round < Rounds; round++)
        {
            new ModelRun(seed, round).Run(OperationsPerRound);
        }
    }

    private sealed class ModelFile
    {
        public byte[] Data = [];
        public uint UserId;
        public uint GroupId;

        public void Resize(long length)
        {
            var grown = new byte[length];
            Array.Copy(Data, grown, Math.Min(Data.Length, length));
            Data = grown;
        }
    }

    private sealed class ModelDescription
    {
        public ModelFile? File;   // null for a directory
        public long Offset;
        public int Access;
        public bool Append;
    }

    private sealed unsafe class ModelRun
    {
        // Directories that come and go (all named d*; "/ro/d7" can never be made), and the fixed
        // ones: "/", the mounts "/m" and "/ro", and "/ro/d6" in the image.
        private static readonly string[] DirectoryPaths = ["/d0", "/d1", "/d0/d2", "/d1/d4", "/m/d3", "/m/d3/d5", "/ro/d7"];
        private static readonly string[] Parents = ["/", "/m", "/ro", "/ro/d6", .. DirectoryPaths];
        private static readonly string[] AllDirectories = Parents;
        private static readonly string[] FilePaths =
            Parents.SelectMany(p => new[] { "f0", "f1", "f2" }.Select(f => (p == "/" ? "/" : p + "/") + f)).Append("/ro/l0").ToArray();
        /// <summary>The image's files (contents random per round) and its one link.</summary>
        private static readonly string[] ReadOnlyFiles = ["/ro/f0", "/ro/f1", "/ro/d6/f2"];
        private readonly Dictionary<string, string> _links = new() { ["/ro/l0"] = "/ro/f0" };

        private readonly Random _random;
        private readonly string _context;
        private readonly Dictionary<string, ModelFile> _files = new();
        private readonly HashSet<string> _dirs = ["/", "/m", "/ro", "/ro/d6"];
        private readonly Dictionary<int, ModelDescription> _fds = new();
        private Harness _h = null!;
        private int _operation;
        private string _what = "";

        public ModelRun(int seed, int round)
        {
            _random = new Random(unchecked((seed * 397) ^ (round + 1)));
            _context = $"seed={seed} round={round}";
        }

        private void Check(bool condition, string detail)
        {
            if (!condition)
            {
                Assert.Fail($"{_context} op={_operation} ({_what}): {detail} (replay with AURORA_SEED)");
            }
        }

        private void Expect(VfsError expected, VfsError actual)
        {
            Check(expected == actual, $"expected {expected}, got {actual}");
            Count(expected == VfsError.None);
        }

        private void Expect(long expected, long actual)
        {
            Check(expected == actual, $"expected {Show(expected)}, got {Show(actual)}");
            Count(expected >= 0);
        }

        /// <summary>Outcomes per operation kind, so a generator that stopped reaching the
        /// interesting cases (say, no directory rename ever succeeding) fails the test.</summary>
        private readonly Dictionary<string, (int Succeeded, int Failed)> _outcomes = new();

        private void Count(bool succeeded)
        {
            string kind = _what.Split(' ')[0];
            _outcomes.TryGetValue(kind, out var o);
            _outcomes[kind] = succeeded ? (o.Succeeded + 1, o.Failed) : (o.Succeeded, o.Failed + 1);
        }

        private void CheckCoverage()
        {
            foreach (string kind in new[] { "open", "close", "dup", "write", "read", "seek", "truncate", "ftruncate", "unlink", "mkdir", "rmdir", "rename", "rename-directory", "stat", "fstat", "readdir", "link", "chown" })
            {
                _outcomes.TryGetValue(kind, out var o);
                Check(o.Succeeded >= 20 && o.Failed >= 5, $"{kind}: {o.Succeeded} succeeded, {o.Failed} failed; the generator misses cases");
            }

            Check(_cursorPasses >= 20, $"only {_cursorPasses} readdir passes with changes in between");
            Console.WriteLine($"{_context}: readdir passes {_cursorPasses}, " + string.Join(", ", _outcomes.OrderBy(x => x.Key).Select(x => $"{x.Key} {x.Value.Succeeded}/{x.Value.Failed}")));
        }

        private static string Show(long value) => value < 0 ? $"-{(VfsError)(-value)}" : value.ToString();

        private static string ParentOf(string path)
        {
            int slash = path.LastIndexOf('/');
            return slash == 0 ? "/" : path[..slash];
        }

        private static int DeviceOf(string dir) => IsInside(dir, "/m") ? 2 : IsInside(dir, "/ro") ? 3 : 1;

        private static bool IsReadOnly(string path) => IsInside(path, "/ro");

        private static bool IsMount(string path) => path == "/m" || path == "/ro";

        private bool Exists(string path) => _files.ContainsKey(path) || _links.ContainsKey(path);

        private string Follow(string path) => _links.TryGetValue(path, out string? target) ? target : path;

        private static bool IsInside(string path, string dir) => path == dir || path.StartsWith(dir + "/", StringComparison.Ordinal);

        private bool HasChildren(string dir) =>
            _dirs.Any(d => d != dir && ParentOf(d) == dir && d != "/") || _files.Keys.Any(f => ParentOf(f) == dir);

        private T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

        private byte[] RandomBytes(int length)
        {
            var data = new byte[length];
            _random.NextBytes(data);
            return data;
        }

        public void Run(int operations)
        {
            using (_h = new Harness())
            {
                Expect(VfsError.None, _h.Mkdir("/m"));
                Expect(VfsError.None, _h.Vfs.Mount(Harness.P("/m"), 0));
                var image = new CpioBuilder().Symlink("l0", "f0");
                foreach (string file in ReadOnlyFiles)
                {
                    byte[] data = RandomBytes(RandomLength());
                    _files[file] = new ModelFile { Data = data };
                    image.File(file["/ro/".Length..], data);
                }

                using var readOnly = new CpioImage(image.Build(), _h.Ledger);
                Expect(VfsError.None, readOnly.InitializeError);
                Expect(VfsError.None, _h.Mkdir("/ro"));
                Expect(VfsError.None, _h.Vfs.Mount<CpioFileSystem>(Harness.P("/ro"), readOnly.FileSystem));
                // The first link followed takes the VFS's path buffers for good (until Dispose).
                Expect(VfsError.None, _h.Stat("/ro/l0", out _));
                int baseline = _h.Ledger.Outstanding;

                for (_operation = 0; _operation < operations; _operation++)
                {
                    Step();
                    if (_operation % 2000 == 1999)
                    {
                        CheckEverything();
                    }
                }

                CheckEverything();
                CheckCoverage();
                TearDown(baseline);
            }
        }

        private void Step()
        {
            int r = _random.Next(100);
            if (r < 16) { Open(); }
            else if (r < 26) { Close(); }
            else if (r < 40) { Write(); }
            else if (r < 52) { Read(); }
            else if (r < 58) { Seek(); }
            else if (r < 62) { TruncatePath(); }
            else if (r < 65) { TruncateDescriptor(); }
            else if (r < 70) { Unlink(); }
            else if (r < 76) { Mkdir(); }
            else if (r < 81) { Rmdir(); }
            else if (r < 86) { RenameFile(); }
            else if (r < 89) { RenameDirectory(); }
            else if (r < 90) { Duplicate(); }
            else if (r < 92) { Link(); }
            else if (r < 93) { Chown(); }
            else if (r < 95) { StatPath(); }
            else if (r < 97) { StatDescriptor(); }
            else if (r < 98) { CheckListing(Pick(AllDirectories)); }
            else { ReadDirectoryStep(); }
        }

        // A directory read a few entries at a time between other random operations, unlinking
        // some entries as they come (rm -r): the cursor must survive every change in between.
        private string? _cursorDirectory;
        private long _cursorOffset;
        private Dictionary<string, ulong> _cursorStable = new();
        private readonly HashSet<string> _cursorReturned = new();
        private int _cursorPasses;

        /// <summary>Names in <paramref name="dir"/> with their inodes (the VFS's listing, checked
        /// against the model's names).</summary>
        private Dictionary<string, ulong> NamesIn(string dir)
        {
            string prefix = dir == "/" ? "/" : dir + "/";
            var model = _dirs.Where(d => d != "/" && ParentOf(d) == dir).Concat(_files.Keys.Where(f => ParentOf(f) == dir))
                .Concat(_links.Keys.Where(l => ParentOf(l) == dir)).Select(x => x[prefix.Length..]).OrderBy(x => x, StringComparer.Ordinal);
            var actual = _h.List(dir).ToDictionary(x => x.Name, x => x.Inode);
            Check(model.SequenceEqual(actual.Keys.OrderBy(x => x, StringComparer.Ordinal)), $"listing of {dir} differs from the model");
            return actual;
        }

        private void ReadDirectoryStep()
        {
            if (_cursorDirectory == null || !_dirs.Contains(_cursorDirectory))
            {
                _cursorDirectory = Pick(AllDirectories.Where(_dirs.Contains).ToList());
                _cursorOffset = 0;
                _cursorStable = NamesIn(_cursorDirectory);
                _cursorReturned.Clear();
            }

            string dir = _cursorDirectory;
            string prefix = dir == "/" ? "/" : dir + "/";
            _what = $"readdir-step {dir} at {_cursorOffset}";
            // A name still there with the inode it had when the pass began must be returned.
            Dictionary<string, ulong> now = NamesIn(dir);
            foreach (string gone in _cursorStable.Where(x => !now.TryGetValue(x.Key, out ulong inode) || inode != x.Value).Select(x => x.Key).ToList())
            {
                _cursorStable.Remove(gone);
            }

            var name = new byte[256];
            for (int k = _random.Next(1, 5); k > 0; k--)
            {
                long n = _h.Vfs.ReadDirectory(Harness.P(dir), _cursorOffset, name, out DirectoryEntry entry);
                Check(n >= 0, $"readdir: {Show(n)}");
                if (n == 0)
                {
                    var missed = _cursorStable.Keys.Where(x => !_cursorReturned.Contains(x)).ToList();
                    Check(missed.Count == 0, $"a pass over {dir} missed [{string.Join(",", missed)}], which stayed throughout");
                    _cursorPasses++;
                    _cursorDirectory = null;
                    Count(true);
                    return;
                }

                Check(entry.Offset > _cursorOffset, $"offset {entry.Offset} does not move on from {_cursorOffset}");
                _cursorOffset = entry.Offset;
                string s = Encoding.UTF8.GetString(name, 0, (int)n);
                if (s is "." or "..")
                {
                    continue;
                }

                Check(now.TryGetValue(s, out ulong inode) && inode == entry.Inode, $"returned {s} (inode {entry.Inode}), not in the directory");
                Check(!_cursorReturned.Contains(s) || !_cursorStable.ContainsKey(s), $"returned {s} twice, which stayed throughout");
                _cursorReturned.Add(s);
                string path = prefix + s;
                if (_files.ContainsKey(path) && !IsReadOnly(path) && _random.Next(2) == 0)
                {
                    _what = $"readdir-step unlink {path}";
                    Expect(VfsError.None, _h.Vfs.Unlink(Harness.P(path)));
                    _files.Remove(path);
                    now.Remove(s);
                    _cursorStable.Remove(s);
                }
            }

            Count(true);
        }

        private int LowestFreeDescriptor()
        {
            int fd = 0;
            while (_fds.ContainsKey(fd))
            {
                fd++;
            }

            return fd;
        }

        private int PickDescriptor() =>
            _fds.Count > 0 && _random.Next(10) != 0 ? Pick(_fds.Keys.ToList()) : _random.Next(-2, VfsLimits.MaxOpenFiles + 2);

        private void Open()
        {
            bool directory = _random.Next(5) == 0;
            string path = directory ? Pick(AllDirectories) : Pick(FilePaths);
            int flags = _random.Next(3);
            if (!directory && _random.Next(10) < 6) { flags |= OpenFlags.Create; }
            if (!directory && _random.Next(7) == 0) { flags |= OpenFlags.Exclusive; }
            if (_random.Next(7) == 0) { flags |= OpenFlags.Truncate; }
            if (_random.Next(4) == 0) { flags |= OpenFlags.Append; }
            _what = $"open {path} 0x{flags:x}";

            long actual = _h.Open(path, flags);
            int access = flags & OpenFlags.AccessModeMask;
            bool create = (flags & OpenFlags.Create) != 0;
            long expected;
            ModelFile? file = null;
            if (_fds.Count == VfsLimits.MaxOpenFiles)
            {
                expected = -(long)VfsError.TooManyOpenFiles;
            }
            else if (path != "/" && !_dirs.Contains(ParentOf(path)))
            {
                expected = -(long)VfsError.NoEntry;
            }
            else if (_dirs.Contains(path))
            {
                expected = access != OpenFlags.ReadOnly ? -(long)VfsError.IsDirectory : LowestFreeDescriptor();
            }
            else if (_links.ContainsKey(path) && create && (flags & OpenFlags.Exclusive) != 0)
            {
                expected = -(long)VfsError.Exists;
            }
            else if (_files.TryGetValue(Follow(path), out file))
            {
                bool truncates = (flags & OpenFlags.Truncate) != 0 && file.Data.Length != 0;
                expected = create && (flags & OpenFlags.Exclusive) != 0 ? -(long)VfsError.Exists :
                    IsReadOnly(path) && (access != OpenFlags.ReadOnly || truncates) ? -(long)VfsError.ReadOnlyFileSystem :
                    LowestFreeDescriptor();
            }
            else if (create && IsReadOnly(path))
            {
                expected = -(long)VfsError.ReadOnlyFileSystem;
            }
            else if (create)
            {
                file = new ModelFile();
                _files[path] = file;
                expected = LowestFreeDescriptor();
            }
            else
            {
                expected = -(long)VfsError.NoEntry;
            }

            Expect(expected, actual);
            if (expected >= 0)
            {
                if (file != null && (flags & OpenFlags.Truncate) != 0)
                {
                    file.Data = [];
                }

                _fds[(int)expected] = new ModelDescription
                {
                    File = file, Access = access, Append = (flags & OpenFlags.Append) != 0,
                };
            }
        }

        private void Close()
        {
            int fd = PickDescriptor();
            _what = $"close {fd}";
            Expect(_fds.Remove(fd) ? VfsError.None : VfsError.BadDescriptor, _h.Close(fd));
        }

        private void Duplicate()
        {
            int fd = PickDescriptor();
            _what = $"dup {fd}";
            long actual = _h.Vfs.Duplicate(ref _h.Files, fd);
            if (!_fds.TryGetValue(fd, out ModelDescription? description))
            {
                Expect(-(long)VfsError.BadDescriptor, actual);
            }
            else if (_fds.Count == VfsLimits.MaxOpenFiles)
            {
                Expect(-(long)VfsError.TooManyOpenFiles, actual);
            }
            else
            {
                int copy = LowestFreeDescriptor();
                Expect(copy, actual);
                _fds[copy] = description;
            }
        }

        private int RandomLength()
        {
            int r = _random.Next(100);
            return r < 70 ? _random.Next(600) : r < 95 ? _random.Next(5000) : _random.Next(20_000);
        }

        private void Write()
        {
            int fd = PickDescriptor();
            byte[] data = RandomBytes(RandomLength());
            _what = $"write {fd} {data.Length}";
            long actual = _h.Write(fd, data);
            if (!_fds.TryGetValue(fd, out ModelDescription? d) || d.Access == OpenFlags.ReadOnly)
            {
                Expect(-(long)VfsError.BadDescriptor, actual);
                return;
            }

            ModelFile file = d.File!;
            if (d.Append)
            {
                d.Offset = file.Data.Length;
            }

            Expect(data.Length, actual);
            if (data.Length > 0)
            {
                if (d.Offset + data.Length > file.Data.Length)
                {
                    file.Resize(d.Offset + data.Length);
                }

                data.CopyTo(file.Data, d.Offset);
                d.Offset += data.Length;
            }
        }

        private void Read()
        {
            int fd = PickDescriptor();
            var buffer = new byte[RandomLength()];
            _what = $"read {fd} {buffer.Length}";
            long actual = _h.Read(fd, buffer);
            if (!_fds.TryGetValue(fd, out ModelDescription? d) || d.Access == OpenFlags.WriteOnly)
            {
                Expect(-(long)VfsError.BadDescriptor, actual);
                return;
            }

            if (d.File == null)
            {
                Expect(-(long)VfsError.IsDirectory, actual);
                return;
            }

            long expected = Math.Max(0, Math.Min(buffer.Length, d.File.Data.Length - d.Offset));
            Expect(expected, actual);
            if (expected > 0)
            {
                Check(buffer.AsSpan(0, (int)expected).SequenceEqual(d.File.Data.AsSpan((int)d.Offset, (int)expected)),
                    $"read bytes differ at offset {d.Offset}");
                d.Offset += expected;
            }
        }

        private void Seek()
        {
            int fd = PickDescriptor();
            int whence = _random.Next(13) == 0 ? 3 : _random.Next(3);
            _fds.TryGetValue(fd, out ModelDescription? d);
            long size = d?.File?.Data.Length ?? 0;
            long offset = _random.Next(-100, (int)size + 10_000) - (whence == SeekOrigin.End ? size : whence == SeekOrigin.Current ? d?.Offset ?? 0 : 0);
            _what = $"seek {fd} {offset} {whence}";
            long actual = _h.Vfs.Seek(ref _h.Files, fd, offset, whence);
            if (d == null)
            {
                Expect(-(long)VfsError.BadDescriptor, actual);
                return;
            }

            long origin = whence switch { SeekOrigin.Set => 0, SeekOrigin.Current => d.Offset, _ => size };
            if (whence > 2 || (whence == SeekOrigin.End && d.File == null) || origin + offset < 0)
            {
                Expect(-(long)VfsError.InvalidArgument, actual);
                return;
            }

            Expect(origin + offset, actual);
            d.Offset = origin + offset;
        }

        private void TruncatePath()
        {
            string path = _random.Next(8) == 0 ? Pick(AllDirectories) : Pick(FilePaths);
            _files.TryGetValue(Follow(path), out ModelFile? file);
            long length = _random.Next((int)(file?.Data.Length ?? 0) + 8000);
            _what = $"truncate {path} {length}";
            VfsError actual = _h.Vfs.Truncate(Harness.P(path), length);
            if (_dirs.Contains(path))
            {
                Expect(VfsError.IsDirectory, actual);
            }
            else if (file == null)
            {
                Expect(VfsError.NoEntry, actual);
            }
            else if (IsReadOnly(path))
            {
                Expect(VfsError.ReadOnlyFileSystem, actual);
            }
            else
            {
                Expect(VfsError.None, actual);
                file.Resize(length);
            }
        }

        private void TruncateDescriptor()
        {
            int fd = PickDescriptor();
            _fds.TryGetValue(fd, out ModelDescription? d);
            long length = _random.Next((int)(d?.File?.Data.Length ?? 0) + 8000);
            _what = $"ftruncate {fd} {length}";
            VfsError actual = _h.Vfs.Truncate(ref _h.Files, fd, length);
            if (d == null)
            {
                Expect(VfsError.BadDescriptor, actual);
            }
            else if (d.File == null || d.Access == OpenFlags.ReadOnly)
            {
                Expect(VfsError.InvalidArgument, actual);
            }
            else
            {
                Expect(VfsError.None, actual);
                d.File.Resize(length);
            }
        }

        private void Unlink()
        {
            string path = _random.Next(8) == 0 ? Pick(AllDirectories) : Pick(FilePaths);
            _what = $"unlink {path}";
            VfsError actual = _h.Vfs.Unlink(Harness.P(path));
            if (_dirs.Contains(path))
            {
                Expect(VfsError.IsDirectory, actual);
            }
            else if (IsReadOnly(path) && Exists(path))
            {
                Expect(VfsError.ReadOnlyFileSystem, actual);
            }
            else
            {
                Expect(_files.Remove(path) ? VfsError.None : VfsError.NoEntry, actual);
            }
        }

        private void Mkdir()
        {
            string path = Pick(AllDirectories);
            _what = $"mkdir {path}";
            VfsError actual = _h.Mkdir(path);
            if (_dirs.Contains(path))
            {
                Expect(VfsError.Exists, actual);
            }
            else if (!_dirs.Contains(ParentOf(path)))
            {
                Expect(VfsError.NoEntry, actual);
            }
            else if (IsReadOnly(path))
            {
                Expect(VfsError.ReadOnlyFileSystem, actual);
            }
            else
            {
                Expect(VfsError.None, actual);
                _dirs.Add(path);
            }
        }

        private void Rmdir()
        {
            string path = Pick(AllDirectories);
            _what = $"rmdir {path}";
            VfsError actual = _h.Vfs.Rmdir(Harness.P(path));
            VfsError expected =
                path == "/" ? VfsError.Busy :
                !_dirs.Contains(path) ? VfsError.NoEntry :
                IsMount(path) ? VfsError.Busy :
                IsReadOnly(path) ? VfsError.ReadOnlyFileSystem :
                HasChildren(path) ? VfsError.NotEmpty :
                VfsError.None;
            Expect(expected, actual);
            if (expected == VfsError.None)
            {
                _dirs.Remove(path);
            }
        }

        private void RenameFile()
        {
            string from = Pick(FilePaths);
            string to = _random.Next(4) == 0 ? ParentOf(from) + (ParentOf(from) == "/" ? "" : "/") + "f" + _random.Next(3) : Pick(FilePaths);
            _what = $"rename {from} {to}";
            VfsError actual = _h.Vfs.Rename(Harness.P(from), Harness.P(to));
            VfsError expected =
                !_dirs.Contains(ParentOf(from)) || !_dirs.Contains(ParentOf(to)) ? VfsError.NoEntry :
                DeviceOf(ParentOf(from)) != DeviceOf(ParentOf(to)) ? VfsError.CrossDevice :
                !Exists(from) ? VfsError.NoEntry :
                from == to ? VfsError.None :
                IsReadOnly(from) ? VfsError.ReadOnlyFileSystem :
                VfsError.None;
            Expect(expected, actual);
            // Two names of one file: rename does nothing (Linux: both names stay).
            if (expected == VfsError.None && from != to && !(_files.TryGetValue(to, out ModelFile? same) && same == _files[from]))
            {
                _files[to] = _files[from];
                _files.Remove(from);
                NameMade(to);
            }
        }

        private void RenameDirectory()
        {
            string from = _random.Next(12) == 0 ? Pick(new[] { "/m", "/ro", "/ro/d6" }) : Pick(DirectoryPaths);
            string to = _random.Next(12) == 0 ? Pick(new[] { "/m", "/ro", "/ro/d6" }) : Pick(DirectoryPaths);
            _what = $"rename-directory {from} {to}";
            VfsError actual = _h.Vfs.Rename(Harness.P(from), Harness.P(to));
            VfsError expected =
                !_dirs.Contains(ParentOf(from)) || !_dirs.Contains(ParentOf(to)) ? VfsError.NoEntry :
                DeviceOf(ParentOf(from)) != DeviceOf(ParentOf(to)) ? VfsError.CrossDevice :
                !_dirs.Contains(from) ? VfsError.NoEntry :
                IsMount(from) ? VfsError.Busy :
                IsInside(ParentOf(to), from) ? VfsError.InvalidArgument :
                from == to ? VfsError.None :
                IsMount(to) ? VfsError.Busy :
                IsReadOnly(from) ? VfsError.ReadOnlyFileSystem :
                _dirs.Contains(to) && HasChildren(to) ? VfsError.NotEmpty :
                VfsError.None;
            Expect(expected, actual);
            if (expected != VfsError.None || from == to)
            {
                return;
            }

            _dirs.Remove(to);
            NameMade(to);
            string Moved(string p) => to + p[from.Length..];
            foreach (string d in _dirs.Where(d => IsInside(d, from)).ToList())
            {
                _dirs.Remove(d);
                _dirs.Add(Moved(d));
            }

            foreach (string f in _files.Keys.Where(f => IsInside(f, from)).ToList())
            {
                ModelFile file = _files[f];
                _files.Remove(f);
                _files[Moved(f)] = file;
            }
        }

        /// <summary>link(2), by Linux's order of checks: old path, new name free, read-only
        /// target, same mount, not a directory. Linked names share the model's file, so later
        /// writes through one are read through the other and the link count is the names.</summary>
        private void Link()
        {
            bool directory = _random.Next(8) == 0;
            string from = directory ? Pick(DirectoryPaths) : Pick(FilePaths);
            string to = _random.Next(3) == 0 ? ParentOf(from) + (ParentOf(from) == "/" ? "" : "/") + "f" + _random.Next(3) : Pick(FilePaths);
            _what = $"link {from} {to}";
            VfsError actual = _h.Vfs.Link(Harness.P(from), Harness.P(to));
            VfsError expected =
                !_dirs.Contains(ParentOf(from)) ? VfsError.NoEntry :
                !(directory ? _dirs.Contains(from) : Exists(from)) ? VfsError.NoEntry :
                !_dirs.Contains(ParentOf(to)) ? VfsError.NoEntry :
                Exists(to) || _dirs.Contains(to) ? VfsError.Exists :
                IsReadOnly(to) ? VfsError.ReadOnlyFileSystem :
                DeviceOf(ParentOf(from)) != DeviceOf(ParentOf(to)) ? VfsError.CrossDevice :
                directory ? VfsError.NotPermitted :
                VfsError.None;
            Expect(expected, actual);
            if (expected == VfsError.None)
            {
                _files[to] = _files[from];
                NameMade(to);
            }
        }

        /// <summary>A name made in the directory being read: with hard links it may be an old
        /// name back with its old inode (unlinked, then linked again), which Linux may list
        /// twice in one pass too, so it no longer counts as having stayed throughout.</summary>
        private void NameMade(string path)
        {
            if (_cursorDirectory != null && ParentOf(path) == _cursorDirectory)
            {
                _cursorStable.Remove(path[(_cursorDirectory == "/" ? 1 : _cursorDirectory.Length + 1)..]);
            }
        }

        /// <summary>chown(2) through setattr: links followed; read-only image EROFS.</summary>
        private void Chown()
        {
            bool directory = _random.Next(4) == 0;
            string path = directory ? Pick(AllDirectories) : Pick(FilePaths);
            var change = new AttributeChange { UserId = (uint)_random.Next(3), GroupId = (uint)_random.Next(3) };
            change.Valid = (uint)_random.Next(1, 4) * AttributeMask.UserId; // uid, gid or both
            _what = $"chown {path}";
            VfsError actual = _h.Vfs.SetAttributes(Harness.P(path), change);
            bool exists = directory ? _dirs.Contains(path) : _files.ContainsKey(Follow(path));
            VfsError expected = !exists ? VfsError.NoEntry : IsReadOnly(path) ? VfsError.ReadOnlyFileSystem : VfsError.None;
            Expect(expected, actual);
            if (expected == VfsError.None && !directory)
            {
                ModelFile file = _files[Follow(path)];
                if ((change.Valid & AttributeMask.UserId) != 0) file.UserId = change.UserId;
                if ((change.Valid & AttributeMask.GroupId) != 0) file.GroupId = change.GroupId;
            }
        }

        private void StatPath()
        {
            bool directory = _random.Next(5) == 0;
            string path = directory ? Pick(AllDirectories) : Pick(FilePaths);
            _what = $"stat {path}";
            VfsError actual = _h.Stat(path, out FileStatus st);
            if (_dirs.Contains(path))
            {
                Expect(VfsError.None, actual);
                Check(FileMode.IsDirectory(st.Mode), "not a directory");
                Check(st.Device == (ulong)DeviceOf(path), $"device {st.Device}");
            }
            else if (_files.TryGetValue(Follow(path), out ModelFile? file))
            {
                Expect(VfsError.None, actual);
                int names = _files.Values.Count(f => f == file);
                Check(FileMode.IsRegular(st.Mode) && st.LinkCount == (ulong)names, $"link count {st.LinkCount}, model {names}");
                Check(st.UserId == file.UserId && st.GroupId == file.GroupId, $"owner {st.UserId}:{st.GroupId}, model {file.UserId}:{file.GroupId}");
                Check(st.Size == file.Data.Length, $"size {st.Size}, model {file.Data.Length}");
                Check(st.Device == (ulong)DeviceOf(ParentOf(path)), $"device {st.Device}");
            }
            else
            {
                Expect(VfsError.NoEntry, actual);
            }
        }

        private void StatDescriptor()
        {
            int fd = PickDescriptor();
            _what = $"fstat {fd}";
            VfsError actual = _h.Vfs.FStat(ref _h.Files, fd, out FileStatus st);
            if (!_fds.TryGetValue(fd, out ModelDescription? d))
            {
                Expect(VfsError.BadDescriptor, actual);
                return;
            }

            Expect(VfsError.None, actual);
            Check(FileMode.IsDirectory(st.Mode) == (d.File == null), "wrong kind");
            if (d.File != null)
            {
                Check(st.Size == d.File.Data.Length, $"size {st.Size}, model {d.File.Data.Length}");
            }
        }

        private void CheckListing(string dir)
        {
            _what = $"readdir {dir}";
            if (!_dirs.Contains(dir))
            {
                Expect(-(long)VfsError.NoEntry, _h.Vfs.ReadDirectory(Harness.P(dir), 0, new byte[256], out _));
                return;
            }

            string prefix = dir == "/" ? "/" : dir + "/";
            var expected = _dirs.Where(d => d != "/" && ParentOf(d) == dir).Select(d => (d[prefix.Length..], DirectoryEntryType.Directory))
                .Concat(_files.Keys.Where(f => ParentOf(f) == dir).Select(f => (f[prefix.Length..], DirectoryEntryType.Regular)))
                .Concat(_links.Keys.Where(l => ParentOf(l) == dir).Select(l => (l[prefix.Length..], DirectoryEntryType.SymbolicLink)))
                .OrderBy(x => x.Item1, StringComparer.Ordinal).ToList();
            var actual = _h.List(dir).Select(x => (x.Name, x.Type)).OrderBy(x => x.Name, StringComparer.Ordinal).ToList();
            Check(expected.SequenceEqual(actual),
                $"listing [{string.Join(",", actual)}], model [{string.Join(",", expected)}]");
            Count(true);
        }

        private void CheckEverything()
        {
            foreach (string dir in AllDirectories)
            {
                CheckListing(dir);
            }

            foreach ((string path, ModelFile file) in _files)
            {
                _what = $"contents of {path}";
                byte[] actual = ReadAllWithoutDescriptor(path);
                Check(actual.AsSpan().SequenceEqual(file.Data), $"contents differ (length {actual.Length}, model {file.Data.Length})");
            }
        }

        /// <summary>Reads through a private table, so a full table in the run does not matter.</summary>
        private byte[] ReadAllWithoutDescriptor(string path)
        {
            FileTable table = default;
            long fd = _h.Vfs.Open(ref table, Harness.P(path), OpenFlags.ReadOnly, 0);
            Check(fd == 0, $"open for check: {Show(fd)}");
            var result = new List<byte>();
            var buffer = new byte[8192];
            long n;
            while ((n = _h.Vfs.Read(ref table, 0, buffer)) > 0)
            {
                result.AddRange(buffer.Take((int)n));
            }

            _h.Vfs.CloseAll(ref table);
            return result.ToArray();
        }

        private void TearDown(int baseline)
        {
            _operation = -1;
            _what = "teardown";
            _h.Vfs.CloseAll(ref _h.Files);
            _fds.Clear();
            foreach (string file in _files.Keys.Where(f => !IsReadOnly(f)).ToList())
            {
                Expect(VfsError.None, _h.Vfs.Unlink(Harness.P(file)));
            }

            foreach (string dir in _dirs.Where(d => d != "/" && d != "/m" && !IsReadOnly(d)).OrderByDescending(d => d.Length).ToList())
            {
                Expect(VfsError.None, _h.Vfs.Rmdir(Harness.P(dir)));
            }

            Check(_h.Ledger.Outstanding == baseline, $"{_h.Ledger.Outstanding} blocks outstanding after deleting everything, {baseline} before");
            Expect(VfsError.None, _h.Vfs.StatFileSystem(Harness.P("/m"), out FileSystemStatus m));
            Check(m.Inodes == 1 && m.UsedBytes == 0 && m.OpenFiles == 0, $"/m: {m.Inodes} inodes, {m.UsedBytes} bytes");
            Expect(VfsError.None, _h.Vfs.Unmount(Harness.P("/m")));
            Expect(VfsError.None, _h.Vfs.Rmdir(Harness.P("/m")));
            Expect(VfsError.None, _h.Vfs.StatFileSystem(Harness.P("/ro"), out FileSystemStatus ro));
            Check(ro.ReadOnly && ro.Inodes == 6 && ro.OpenFiles == 0, $"/ro: {ro.Inodes} inodes, {ro.OpenFiles} open");
            Expect(VfsError.None, _h.Vfs.Unmount(Harness.P("/ro")));
            Expect(VfsError.None, _h.Vfs.Rmdir(Harness.P("/ro")));
            Expect(VfsError.None, _h.Vfs.StatFileSystem(Harness.P("/"), out FileSystemStatus root));
            Check(root.Inodes == 1 && root.UsedBytes == 0, $"/: {root.Inodes} inodes, {root.UsedBytes} bytes");
            // Harness.Dispose: Dispose() and the ledger at zero.
        }
    }
}
