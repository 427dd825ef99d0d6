namespace Aurora.Modsign;

/// <summary>
/// A 2048-bit unsigned number as 32 little-endian 64-bit limbs in a fixed buffer: the storage
/// every RSA operand lives in (key fields and stack locals). Arithmetic is in
/// <see cref="Montgomery2048"/>, which takes the limbs by pointer.
/// </summary>
internal unsafe struct UInt2048
{
    internal fixed ulong Limbs[Montgomery2048.Limbs];
}
