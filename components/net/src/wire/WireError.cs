namespace Aurora.Net;

/// <summary>Why a header view refused a packet; the interface counts each kind.</summary>
public enum WireError
{
    /// <summary>The view is valid.</summary>
    None = 0,
    /// <summary>Shorter than the header, or a length field pointing past the buffer.</summary>
    Truncated,
    /// <summary>A field with an impossible value (version, header length, option length …).</summary>
    Malformed,
    /// <summary>The Internet checksum does not verify.</summary>
    BadChecksum,
    /// <summary>Well-formed but outside what this stack handles (IP options, fragments, other hardware types).</summary>
    Unsupported,
}
