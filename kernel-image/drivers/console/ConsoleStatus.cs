namespace Aurora.Kernel.Drivers.Console;

/// <summary>Outcome of initialising a console.</summary>
public enum ConsoleStatus : byte
{
    Ok,

    /// <summary>The buffer address is null.</summary>
    NullBuffer,

    /// <summary>Bits per pixel other than 16, 24 or 32, or a colour channel that does not fit in a pixel.</summary>
    UnsupportedPixelFormat,

    /// <summary>The pitch is smaller than one visible row of pixels.</summary>
    PitchTooSmall,

    /// <summary>Not even one 8x16 character cell fits.</summary>
    TooSmall,
}
