using Xunit;

namespace Aurora.Vfs.Tests;

/// <summary>Hard links (link/linkat), device and FIFO nodes (mknod), owners (chown through
/// setattr) and statfs's magic: link counts as stat reports them, data shared between names,
/// Linux's errors and their order, and memory back at zero when the last name and reference go.</summary>
public class LinkTests
{
    private static byte[] P(string path) => Harness.P(path);

    [Fact]
    public void TwoNamesShareOneFileAndCountAsTwoLinks()
    {
        using var h = new Harness();
        h.CreateFile("/a", "one"u8.ToArray());
        Assert.Equal(VfsError.None, h.Vfs.Link(P("/a"), P("/b")));
        Assert.Equal(2UL, h.StatOk("/a").LinkCount);
        Assert.Equal(h.StatOk("/a").Inode, h.StatOk("/b").Inode);
        int fd = h.OpenOk("/b", OpenFlags.WriteOnly | OpenFlags.Append);
        Assert.Equal(4, h.Write(fd, " two"u8.ToArray()));
        h.Close(fd);
        Assert.Equal("one two"u8.ToArray(), h.ReadAll("/a"));
        Assert.Equal(VfsError.None, h.Vfs.Unlink(P("/a")));
        Assert.Equal(1UL, h.StatOk("/b").LinkCount);
        Assert.Equal("one two"u8.ToArray(), h.ReadAll("/b"));
        // Renaming one name onto another of the same file does nothing; both stay.
        Assert.Equal(VfsError.None, h.Vfs.Link(P("/b"), P("/c")));
        Assert.Equal(VfsError.None, h.Vfs.Rename(P("/b"), P("/c")));
        Assert.Equal(2UL, h.StatOk("/b").LinkCount);
        Assert.Equal(VfsError.None, h.Vfs.Unlink(P("/b")));
        Assert.Equal(VfsError.None, h.Vfs.Unlink(P("/c")));
    }

    [Fact]
    public void LinkErrorsFollowLinuxOrder()
    {
        using var h = new Harness();
        h.Mkdir("/d");
        h.Mkdir("/m");
        Assert.Equal(VfsError.None, h.Vfs.Mount(P("/m"), 0));
        h.CreateFile("/f", []);
        h.CreateFile("/g", []);
        Assert.Equal(VfsError.NoEntry, h.Vfs.Link(P("/none"), P("/x")));
        Assert.Equal(VfsError.Exists, h.Vfs.Link(P("/f"), P("/g")));
        Assert.Equal(VfsError.Exists, h.Vfs.Link(P("/d"), P("/g")));      // EEXIST before EPERM
        Assert.Equal(VfsError.Exists, h.Vfs.Link(P("/f"), P("/d/..")));
        Assert.Equal(VfsError.NoEntry, h.Vfs.Link(P("/f"), P("/x/")));
        Assert.Equal(VfsError.NotDirectory, h.Vfs.Link(P("/f/"), P("/x")));
        Assert.Equal(VfsError.CrossDevice, h.Vfs.Link(P("/f"), P("/m/x")));
        Assert.Equal(VfsError.CrossDevice, h.Vfs.Link(P("/d"), P("/m/x"))); // EXDEV before EPERM
        Assert.Equal(VfsError.NotPermitted, h.Vfs.Link(P("/d"), P("/x")));
        Assert.Equal(VfsError.NoEntry, h.Stat("/x", out _));
        Assert.Equal(2UL, h.StatOk("/d").LinkCount);
        Assert.Equal(VfsError.None, h.Vfs.Unmount(P("/m")));
    }

    [Fact]
    public void LinkatLinksTheSymbolicLinkUnlessAskedToFollow()
    {
        using var h = new Harness();
        h.CreateFile("/f", "x"u8.ToArray());
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("f"), P("/l")));
        Assert.Equal(VfsError.None, h.Vfs.Link(P("/l"), P("/l2")));
        Assert.Equal(VfsError.None, h.Vfs.LinkStatus(P("/l2"), out FileStatus l2));
        Assert.True(FileMode.IsSymbolicLink(l2.Mode));
        Assert.Equal(2UL, l2.LinkCount);
        Assert.Equal(VfsError.None, h.Vfs.LinkAt(default, P("/l"), default, P("/f2"), AtFlags.SymlinkFollow));
        Assert.Equal(2UL, h.StatOk("/f").LinkCount);
        Assert.Equal(VfsError.None, h.Vfs.LinkStatus(P("/f2"), out FileStatus f2));
        Assert.True(FileMode.IsRegular(f2.Mode));
        // AT_EMPTY_PATH: the handle's own node gets the new name.
        Assert.Equal(VfsError.None, h.Vfs.Lookup(default, P("/f"), 0, out NodeHandle handle));
        Assert.Equal(VfsError.None, h.Vfs.LinkAt(handle, [], default, P("/f3"), AtFlags.EmptyPath));
        h.Vfs.Release(ref handle);
        Assert.Equal(3UL, h.StatOk("/f").LinkCount);
    }

    [Fact]
    public void AnUnlinkedFileWithAnotherNameStaysAndIsFreedWithTheLast()
    {
        using var h = new Harness();
        int baseline = h.Ledger.Outstanding;
        h.CreateFile("/a", new byte[5000]);
        Assert.Equal(VfsError.None, h.Vfs.Link(P("/a"), P("/b")));
        int fd = h.OpenOk("/b", OpenFlags.ReadOnly);
        Assert.Equal(VfsError.None, h.Vfs.Unlink(P("/a")));
        Assert.Equal(VfsError.None, h.Vfs.Unlink(P("/b")));
        Assert.Equal(0UL, h.Vfs.FStat(ref h.Files, fd, out FileStatus st) == VfsError.None ? st.LinkCount : 99UL);
        Assert.Equal(5000, st.Size);
        h.Close(fd);
        Assert.Equal(baseline, h.Ledger.Outstanding);
    }

    [Fact]
    public void MknodMakesFifosAndDevicesWithTheirNumbers()
    {
        using var h = new Harness();
        Assert.Equal(VfsError.None, h.Vfs.MakeNode(P("/p"), FileMode.Fifo | 0x1A4, 1234));
        Assert.Equal(VfsError.None, h.Vfs.MakeNode(P("/c"), FileMode.CharacterDevice | 0x1B6, 0x103));
        Assert.Equal(VfsError.None, h.Vfs.MakeNode(P("/r"), 0x180, 0));             // type 0: regular
        FileStatus p = h.StatOk("/p"), c = h.StatOk("/c"), r = h.StatOk("/r");
        Assert.Equal(FileMode.Fifo | 0x1A4u, p.Mode);
        Assert.Equal(0UL, p.SpecialDevice);                                               // only devices keep it
        Assert.Equal(FileMode.CharacterDevice | 0x1B6u, c.Mode);
        Assert.Equal(0x103UL, c.SpecialDevice);
        Assert.Equal(FileMode.Regular | 0x180u, r.Mode);
        Assert.Equal(VfsError.Exists, h.Vfs.MakeNode(P("/p"), FileMode.Fifo, 0));
        Assert.Equal(VfsError.NotPermitted, h.Vfs.MakeNode(P("/q"), FileMode.Directory, 0));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.MakeNode(P("/q"), FileMode.SymbolicLink, 0));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.MakeNode(P("/q"), 0x3000, 0));
        Assert.Equal(VfsError.NoEntry, h.Vfs.MakeNode(P("/none/q"), FileMode.Fifo, 0));
        var names = h.List("/");
        Assert.Contains(names, n => n.Name == "p" && n.Type == DirectoryEntryType.Fifo);
        Assert.Contains(names, n => n.Name == "c" && n.Type == DirectoryEntryType.CharacterDevice);
        // O_TRUNC on a FIFO is ignored (it has no size to cut).
        int fd = h.OpenOk("/p", OpenFlags.ReadWrite | OpenFlags.Truncate);
        h.Close(fd);
    }

    [Fact]
    public void ChownStoresOwnerAndGroupSeparately()
    {
        using var h = new Harness();
        h.CreateFile("/f", []);
        Assert.Equal(0u, h.StatOk("/f").UserId);
        Assert.Equal(VfsError.None, h.Vfs.SetAttributes(P("/f"), new AttributeChange { Valid = AttributeMask.UserId, UserId = 1000 }));
        Assert.Equal(VfsError.None, h.Vfs.SetAttributes(P("/f"), new AttributeChange { Valid = AttributeMask.GroupId, GroupId = 50 }));
        FileStatus st = h.StatOk("/f");
        Assert.Equal(1000u, st.UserId);
        Assert.Equal(50u, st.GroupId);
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("f"), P("/l")));
        Assert.Equal(VfsError.None, h.Vfs.SetAttributesAt(default, P("/l"), AtFlags.SymlinkNoFollow,
            new AttributeChange { Valid = AttributeMask.UserId, UserId = 7 }));
        Assert.Equal(1000u, h.StatOk("/f").UserId);
        Assert.Equal(VfsError.None, h.Vfs.LinkStatus(P("/l"), out FileStatus link));
        Assert.Equal(7u, link.UserId);
    }

    [Fact]
    public void StatfsReportsTheMagicOfEachFileSystem()
    {
        using var h = new Harness();
        Assert.Equal(VfsError.None, h.Vfs.StatFileSystem(P("/"), out FileSystemStatus root));
        Assert.Equal(0x01021994UL, root.Magic);
        Assert.Equal(VfsError.None, h.Vfs.StatFileSystemAt(default, P("/"), 0, out FileSystemStatus at));
        Assert.Equal(root.Magic, at.Magic);
        Assert.Equal(VfsError.NoEntry, h.Vfs.StatFileSystemAt(default, P("/none"), 0, out _));
    }

    [Fact]
    public void LinkBuffersReservedUpFrontAreNotTakenAgain()
    {
        using var h = new Harness();
        Assert.Equal(VfsError.None, h.Vfs.ReserveLinkBuffers());
        int reserved = h.Ledger.Outstanding;
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("/"), P("/l")));
        Assert.Equal(VfsError.None, h.Vfs.Unlink(P("/l")));
        h.Mkdir("/d");
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("d"), P("/l")));
        int before = h.Ledger.Outstanding;
        Assert.Equal(VfsError.None, h.Stat("/l/", out _));
        Assert.Equal(before, h.Ledger.Outstanding);
        Assert.Equal(VfsError.None, h.Vfs.ReserveLinkBuffers());
        Assert.Equal(before, h.Ledger.Outstanding);
        Assert.True(reserved > 0);
    }
}
