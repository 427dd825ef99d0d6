using System;
using Xunit;

namespace Aurora.Vfs.Tests;

/// <summary>GetPage (mmap's view of a file) and ReadAt: tmpfs gives its own page-aligned pages,
/// so what a mapping writes is what read(2) sees and the other way round; holes, the end of the
/// file and the capacity behave as a shared mapping needs; a read-only image says NoDevice.</summary>
public unsafe class PageTests
{
    private const int Page = 4096;

    private static byte[] Bytes(int count, byte value)
    {
        var bytes = new byte[count];
        Array.Fill(bytes, value);
        return bytes;
    }

    [Fact]
    public void A_file_page_is_page_aligned_and_shared_with_read_and_write()
    {
        using var h = new Harness();
        h.CreateFile("/f", Bytes(Page + 10, (byte)'a'));
        int fd = h.OpenOk("/f", OpenFlags.ReadWrite);

        Assert.Equal(VfsError.None, h.Vfs.GetPage(ref h.Files, fd, Page, allocate: false, out byte* page));
        Assert.True(page != null);
        Assert.Equal(0UL, (ulong)page & (Page - 1));
        Assert.Equal((byte)'a', page[9]);
        Assert.Equal(0, page[10]); // beyond the end of the file, inside its last page: zero

        page[0] = (byte)'M';                                     // a store through a mapping ...
        byte[] back = h.ReadAll("/f");
        Assert.Equal((byte)'M', back[Page]);                     // ... is what read(2) sees
        h.Vfs.Seek(ref h.Files, fd, 1, SeekOrigin.Set);
        Assert.Equal(1, h.Write(fd, [(byte)'W']));
        Assert.Equal(VfsError.None, h.Vfs.GetPage(ref h.Files, fd, 0, allocate: false, out byte* first));
        Assert.Equal((byte)'W', first[1]);                       // and write(2) is seen through it
        Assert.Equal(VfsError.None, h.Close(fd));
    }

    // A write zeroes only what it leaves of a new page (the host's pages come poisoned with
    // 0xA5): the hole in front of it and the rest after it read as zeros, a whole page is data.
    [Fact]
    public void A_new_page_is_zero_around_the_bytes_written_into_it()
    {
        using var h = new Harness();
        int fd = h.OpenOk("/f", OpenFlags.ReadWrite | OpenFlags.Create);
        Assert.Equal(5000, h.Vfs.Seek(ref h.Files, fd, 5000, SeekOrigin.Set));
        Assert.Equal(10, h.Write(fd, Bytes(10, (byte)'x')));
        Assert.Equal(VfsError.None, h.Vfs.GetPage(ref h.Files, fd, Page, allocate: false, out byte* page));
        var bytes = new ReadOnlySpan<byte>(page, Page);
        Assert.True(bytes.Slice(0, 5000 - Page).IndexOfAnyExcept((byte)0) < 0, "the hole before the write");
        Assert.True(bytes.Slice(5000 - Page, 10).IndexOfAnyExcept((byte)'x') < 0, "the bytes written");
        Assert.True(bytes.Slice(5010 - Page).IndexOfAnyExcept((byte)0) < 0, "the page beyond the end of the file");

        Assert.Equal(2 * Page, h.Vfs.Seek(ref h.Files, fd, 2 * Page, SeekOrigin.Set));
        Assert.Equal(Page, h.Write(fd, Bytes(Page, (byte)'y')));
        Assert.Equal(VfsError.None, h.Vfs.GetPage(ref h.Files, fd, 2 * Page, allocate: false, out byte* whole));
        Assert.True(new ReadOnlySpan<byte>(whole, Page).IndexOfAnyExcept((byte)'y') < 0, "a page written whole");
        byte[] all = h.ReadAll("/f");
        Assert.Equal(3 * Page, all.Length);
        Assert.True(all.AsSpan(0, 5000).IndexOfAnyExcept((byte)0) < 0, "the hole up to the first write");
        Assert.True(all.AsSpan(5010, 2 * Page - 5010).IndexOfAnyExcept((byte)0) < 0, "the hole between the writes");
        Assert.Equal(VfsError.None, h.Close(fd));
    }

    [Fact]
    public void A_hole_is_null_or_a_new_zeroed_page_counted_against_the_capacity()
    {
        using var h = new Harness(capacityBytes: 2 * Page);
        int fd = h.OpenOk("/sparse", OpenFlags.ReadWrite | OpenFlags.Create);
        Assert.Equal(VfsError.None, h.Vfs.Truncate(ref h.Files, fd, 4 * Page));
        int pagesBefore = h.Ledger.PagesOutstanding;

        Assert.Equal(VfsError.None, h.Vfs.GetPage(ref h.Files, fd, 2 * Page, allocate: false, out byte* hole));
        Assert.True(hole == null);
        Assert.Equal(pagesBefore, h.Ledger.PagesOutstanding);

        Assert.Equal(VfsError.None, h.Vfs.GetPage(ref h.Files, fd, 2 * Page, allocate: true, out byte* filled));
        Assert.True(filled != null);
        Assert.True(new ReadOnlySpan<byte>(filled, Page).IndexOfAnyExcept((byte)0) < 0);
        Assert.Equal(pagesBefore + 1, h.Ledger.PagesOutstanding);
        Assert.Equal(VfsError.None, h.Vfs.GetPage(ref h.Files, fd, 2 * Page, allocate: true, out byte* again));
        Assert.True(again == filled);

        Assert.Equal(VfsError.None, h.Vfs.GetPage(ref h.Files, fd, 0, allocate: true, out _));
        Assert.Equal(VfsError.NoSpace, h.Vfs.GetPage(ref h.Files, fd, Page, allocate: true, out byte* full));
        Assert.True(full == null);
        Assert.Equal(VfsError.None, h.Close(fd));
        Assert.Equal(VfsError.None, h.Vfs.Unlink(Harness.P("/sparse")));
        Assert.Equal(0, h.Ledger.PagesOutstanding); // every page back through FreePage
    }

    [Fact]
    public void Offsets_beyond_the_last_page_misaligned_or_on_other_kinds_are_refused()
    {
        using var h = new Harness();
        h.CreateFile("/f", Bytes(100, 1));
        h.Mkdir("/d");
        int fd = h.OpenOk("/f", OpenFlags.ReadOnly);
        int dir = h.OpenOk("/d", OpenFlags.ReadOnly | OpenFlags.Directory);

        Assert.Equal(VfsError.InvalidArgument, h.Vfs.GetPage(ref h.Files, fd, Page, allocate: true, out _));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.GetPage(ref h.Files, fd, 1, allocate: false, out _));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.GetPage(ref h.Files, fd, -Page, allocate: false, out _));
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.GetPage(ref h.Files, fd, long.MaxValue & ~(long)(Page - 1), allocate: true, out _));
        Assert.Equal(VfsError.IsDirectory, h.Vfs.GetPage(ref h.Files, dir, 0, allocate: false, out _));
        Assert.Equal(VfsError.BadDescriptor, h.Vfs.GetPage(ref h.Files, 40, 0, allocate: false, out _));

        using var image = new CpioImage(new CpioBuilder().File("motd", "hello\n").Build(), h.Ledger);
        h.Mkdir("/ro");
        Assert.Equal(VfsError.None, h.Vfs.Mount<CpioFileSystem>(Harness.P("/ro"), image.FileSystem));
        int ro = h.OpenOk("/ro/motd", OpenFlags.ReadOnly);
        Assert.Equal(VfsError.NoDevice, h.Vfs.GetPage(ref h.Files, ro, 0, allocate: false, out _));
        var buffer = new byte[16];
        Assert.Equal(4, h.Vfs.ReadAt(ref h.Files, ro, 2, buffer));
        Assert.Equal("llo\n"u8.ToArray(), buffer[..4]);
        Assert.Equal(6, h.Read(ro, buffer)); // ReadAt left the descriptor's offset alone
        Assert.Equal(-(long)VfsError.BadDescriptor, h.Vfs.ReadAt(ref h.Files, 41, 0, buffer));
        Assert.Equal(VfsError.None, h.Close(ro));
        Assert.Equal(VfsError.None, h.Close(fd));
        Assert.Equal(VfsError.None, h.Close(dir));
        Assert.Equal(VfsError.None, h.Vfs.Unmount(Harness.P("/ro")));
    }

    [Fact]
    public void Bytes_stored_past_the_end_never_become_file_data_when_the_file_grows()
    {
        using var h = new Harness();
        h.CreateFile("/f", Bytes(10, (byte)'a'));
        int fd = h.OpenOk("/f", OpenFlags.ReadWrite);
        Assert.Equal(VfsError.None, h.Vfs.GetPage(ref h.Files, fd, 0, allocate: false, out byte* page));
        page[20] = (byte)'X';  // a mapping may store past the end inside the last page
        page[300] = (byte)'Y';

        // Growing by truncate: the tail comes back as zeros.
        Assert.Equal(VfsError.None, h.Vfs.Truncate(ref h.Files, fd, 100));
        byte[] grown = h.ReadAll("/f");
        Assert.Equal(100, grown.Length);
        Assert.Equal(0, grown[20]);

        // Growing by a write past the end: the gap reads as zeros too.
        page[200] = (byte)'Z';
        h.Vfs.Seek(ref h.Files, fd, 400, SeekOrigin.Set);
        Assert.Equal(1, h.Write(fd, [(byte)'w']));
        byte[] written = h.ReadAll("/f");
        Assert.Equal(401, written.Length);
        Assert.Equal(0, written[200]);
        Assert.Equal(0, written[300]);
        Assert.Equal((byte)'w', written[400]);
        Assert.Equal(VfsError.None, h.Close(fd));
    }
}
