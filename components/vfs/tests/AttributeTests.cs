using Xunit;

namespace Aurora.Vfs.Tests;

/// <summary>setattr on tmpfs: chmod keeps the type, times are set as given (ctime from the clock),
/// size truncates; errors for directories and negative sizes.</summary>
public class AttributeTests
{
    private static byte[] P(string path) => Harness.P(path);

    [Fact]
    public void ModeTimesAndSizeChange()
    {
        using var h = new Harness();
        h.CreateFile("/f", new byte[10]);
        h.Vfs.Now = 9_000_000_000;
        var change = new AttributeChange
        {
            Valid = AttributeMask.Mode | AttributeMask.AccessTime | AttributeMask.ModifyTime | AttributeMask.Size,
            Mode = 0xFFFF_F1C0, AccessTime = 1_000_000_000, ModifyTime = -1, Size = 3,
        };
        Assert.Equal(VfsError.None, h.Vfs.SetAttributes(P("/f"), change));
        FileStatus st = h.StatOk("/f");
        Assert.Equal(FileMode.Regular | 0x1C0u, st.Mode);
        Assert.Equal(1, st.AccessTimeSeconds);
        Assert.Equal(-1, st.ModifyTimeSeconds);
        Assert.Equal(999_999_999, st.ModifyTimeNanoseconds);
        Assert.Equal(9, st.ChangeTimeSeconds);
        Assert.Equal(3, st.Size);
    }

    [Fact]
    public void Errors()
    {
        using var h = new Harness();
        h.Mkdir("/d");
        var size = new AttributeChange { Valid = AttributeMask.Size, Size = 1 };
        Assert.Equal(VfsError.IsDirectory, h.Vfs.SetAttributes(P("/d"), size));
        Assert.Equal(VfsError.NoEntry, h.Vfs.SetAttributes(P("/none"), size));
        size.Size = -1;
        Assert.Equal(VfsError.InvalidArgument, h.Vfs.SetAttributes(P("/d"), size));
        size.Size = VfsLimits.MaxFileSize + 1;
        h.CreateFile("/f", []);
        Assert.Equal(VfsError.FileTooLarge, h.Vfs.SetAttributes(P("/f"), size));
        // chmod of a link follows it; with AT_SYMLINK_NOFOLLOW it reaches the link (Linux refuses
        // lchmod; tmpfs here stores the bits).
        Assert.Equal(VfsError.None, h.Vfs.Symlink(P("d"), P("/l")));
        var chmod = new AttributeChange { Valid = AttributeMask.Mode, Mode = 0x1C0 };
        Assert.Equal(VfsError.None, h.Vfs.SetAttributes(P("/l"), chmod));
        Assert.Equal(FileMode.Directory | 0x1C0u, h.StatOk("/d").Mode);
    }
}
