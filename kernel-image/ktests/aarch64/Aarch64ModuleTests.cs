using Aurora.Kernel.Arch.Aarch64;

namespace Aurora.Kernel.Tests;

/// <summary>The module signature's hashing on arm64.</summary>
internal static class Aarch64ModuleTests
{
    /// <summary>modsign.sha256_fast_path_matches_portable on arm64: the SHA-2 instructions
    /// (Sha256Acceleration, sha256_ce.S) where ID_AA64ISAR0_EL1 reports them.</summary>
    internal static void Sha256FastPathMatchesPortable() =>
        ModuleSignatureTests.SelectedSha256MatchesPortable(Sha256Acceleration.Offered(), "SHA-2 instructions");
}
