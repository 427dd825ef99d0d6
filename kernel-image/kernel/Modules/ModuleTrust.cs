using System;
using Aurora.Modsign;

namespace Aurora.Kernel.Modules;

/// <summary>
/// SEC-4, the verifying half: the module keys built into this image (TrustedKeys.g.cs, made by
/// ./aurora from a PEM file) and the check every loadable module passes before a byte of it is
/// used. Boot modules handed over by the loader are checked at boot and the result logged.
/// </summary>
internal static unsafe class ModuleTrust
{
    private static KeyRing s_keys;

    // Each boot module's verdict from CheckBootModules, so the initramfs and the .cpio images
    // are hashed once at boot and not again where they are used (under QEMU's TCG, SHA-256 of
    // the reference image's initramfs was most of the kernel's part of the boot, and it was
    // done twice). Boot modules lie in memory nothing but the kernel writes, and nothing else
    // runs between the check and the use, so the verdict still holds there.
    private static BootVerdicts s_bootVerdicts;

    private struct BootVerdicts
    {
        // VerifyResult + 1; 0: not checked yet.
        public fixed byte Results[Boot.BootInfo.MaxModules];
    }

    internal static ref KeyRing Keys => ref s_keys;

    internal static void Initialize()
    {
        KeyResult result = s_keys.Add(TrustedKeys.TrustedKey);
        if (result != KeyResult.Ok) Panic.Fail("the built-in module key is unusable", ResultText.Describe(result));
        Log.Write("modules: ");
        Log.WriteDecimal((long)s_keys.Count);
        Log.Write(" trusted RSA-2048 key, id ");
        ReadOnlySpan<byte> id = TrustedKeys.TrustedKeyId;
        for (int i = 0; i < 8; i++) WriteHexByte(id[i]);
        Log.WriteLine("...");
    }

    /// <summary>Checks a signed module against the built-in keys; on success
    /// <paramref name="payload"/> is the module without its signature block.</summary>
    internal static VerifyResult Verify(ReadOnlySpan<byte> signedModule, out ReadOnlySpan<byte> payload) =>
        ModuleSignature.Verify(signedModule, s_keys, out payload);

    /// <summary>Logs the verdict for each module the boot loader loaded.</summary>
    internal static void CheckBootModules(ref Boot.BootInfo info)
    {
        for (int i = 0; i < info.ModuleCount; i++)
        {
            if (IsProgram(info.ModuleName(i)))
            {
                // User programs (ELF files) are not kernel modules: the process loader takes them.
                Log.Write("module ");
                Log.WriteDecimal((long)i);
                Log.Write(": user program ");
                Log.Write(info.ModuleName(i));
                Log.WriteLine();
                continue;
            }

            VerifyResult result = VerifyBootModule(ref info, i, out _);
            Log.Write("module ");
            Log.WriteDecimal((long)i);
            Log.Write(result == VerifyResult.Valid ? ": signature valid" : ": REJECTED, ");
            if (result != VerifyResult.Valid) Log.Write(ResultText.Describe(result));
            Log.WriteLine();
        }
    }

    /// <summary>Boot module <paramref name="index"/> checked against the built-in keys, the
    /// verdict taken once per boot (<see cref="CheckBootModules"/> takes them all, before any
    /// module is used); on success <paramref name="payload"/> is the module without its
    /// signature block.</summary>
    internal static VerifyResult VerifyBootModule(ref Boot.BootInfo info, int index, out ReadOnlySpan<byte> payload)
    {
        var module = new ReadOnlySpan<byte>((byte*)(info.ModulePhysical[index] + info.DirectMapOffset), (int)info.ModuleSize[index]);
        byte recorded = s_bootVerdicts.Results[index];
        if (recorded == 0)
        {
            VerifyResult verdict = Verify(module, out payload);
            s_bootVerdicts.Results[index] = (byte)(verdict + 1);
            return verdict;
        }

        payload = default;
        var result = (VerifyResult)(recorded - 1);
        // The block's structure again (no hashing): it gives the payload the signature covers.
        if (result == VerifyResult.Valid && ModuleSignature.ReadBlock(module, out payload, out _) != VerifyResult.Valid)
        {
            Panic.Fail("a boot module's signature block changed after it verified");
        }

        return result;
    }

    internal static bool IsProgram(ReadOnlySpan<byte> name) =>
        name.Length > 4 && name[name.Length - 4] == (byte)'.' && name[name.Length - 3] == (byte)'e' &&
        name[name.Length - 2] == (byte)'l' && name[name.Length - 1] == (byte)'f';

    private static void WriteHexByte(byte value)
    {
        const string digits = "0123456789abcdef";
        Log.Write((byte)digits[value >> 4]);
        Log.Write((byte)digits[value & 15]);
    }
}
