using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Aurora.Modsign.Cli;
using Xunit;

namespace Aurora.Modsign.Tests;

/// <summary>The aurora-modsign tool, run in process (Commands.Run) and once as a real process.</summary>
public sealed class CliTests : IDisposable
{
    private readonly OpenSsl.TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private (int Exit, string Out, string Err) Run(params string[] args)
    {
        StringWriter stdout = new();
        StringWriter stderr = new();
        int exit = Commands.Run(args, stdout, stderr);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private string Keygen(string directoryName)
    {
        string directory = _dir.File(directoryName);
        (int exit, _, string err) = Run("keygen", "--out-dir", directory);
        Assert.True(exit == Commands.ExitOk, err);
        return directory;
    }

    private string WriteModule(string name, int length)
    {
        byte[] bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        File.WriteAllBytes(_dir.File(name), bytes);
        return _dir.File(name);
    }

    [Fact]
    public void SignThenVerifySucceeds()
    {
        string keys = Keygen("keys");
        string module = WriteModule("driver.ko", 5000);
        (int exit, _, string err) = Run("sign", "--key", Path.Combine(keys, "private.pem"), module);
        Assert.True(exit == Commands.ExitOk, err);
        Assert.Equal(5000 + SignatureBlock.Size, new FileInfo(module + ".signed").Length);

        (exit, string output, _) = Run("verify", "--key", Path.Combine(keys, "public.pem"), module + ".signed");
        Assert.Equal(Commands.ExitOk, exit);
        Assert.Equal("OK", output.Trim());

        (exit, output, _) = Run("inspect", module + ".signed");
        Assert.Equal(Commands.ExitOk, exit);
        Assert.Contains("payload length   5000", output);
    }

    [Fact]
    public void TamperedModuleFailsWithAReason()
    {
        string keys = Keygen("keys");
        string module = WriteModule("driver.ko", 3000);
        string signed = _dir.File("out.signed");
        Assert.Equal(Commands.ExitOk, Run("sign", "--key", Path.Combine(keys, "private.pem"), module, "-o", signed).Exit);

        byte[] bytes = File.ReadAllBytes(signed);
        bytes[1234] ^= 0x01;
        File.WriteAllBytes(signed, bytes);
        (int exit, string output, _) = Run("verify", "--key", Path.Combine(keys, "public.pem"), signed);
        Assert.Equal(Commands.ExitInvalid, exit);
        Assert.Contains("FAILED", output);
        Assert.Contains("DigestMismatch", output);

        File.WriteAllBytes(signed, bytes.AsSpan(0, bytes.Length - 1).ToArray());
        (exit, output, _) = Run("verify", "--key", Path.Combine(keys, "public.pem"), signed);
        Assert.Equal(Commands.ExitInvalid, exit);
        Assert.Contains("BadMagic", output);

        (exit, output, _) = Run("verify", "--key", Path.Combine(Keygen("other"), "public.pem"), module + ".none");
        Assert.Equal(Commands.ExitError, exit);
    }

    [Fact]
    public void ModuleSignedByAnotherKeyIsUnknown()
    {
        string keys = Keygen("keys");
        string other = Keygen("other");
        string module = WriteModule("m", 100);
        Assert.Equal(Commands.ExitOk, Run("sign", "--key", Path.Combine(other, "private.pem"), module).Exit);
        (int exit, string output, _) = Run("verify", "--key", Path.Combine(keys, "public.pem"), module + ".signed");
        Assert.Equal(Commands.ExitInvalid, exit);
        Assert.Contains("UnknownKey", output);
    }

    [Fact]
    public void DetachedOpenSslSignatureVerifies()
    {
        OpenSsl.Run(_dir.Path, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", "o.key");
        OpenSsl.Run(_dir.Path, "rsa", "-in", "o.key", "-pubout", "-out", "o.pub");
        string file = WriteModule("blob", 200_000);
        OpenSsl.Run(_dir.Path, "dgst", "-sha256", "-sign", "o.key", "-out", "blob.sig", "blob");

        (int exit, string output, string err) = Run("verify", "--key", _dir.File("o.pub"), "--signature", _dir.File("blob.sig"), file);
        Assert.True(exit == Commands.ExitOk, output + err);
        Assert.Equal("OK", output.Trim());

        string other = WriteModule("other", 10);
        (exit, output, _) = Run("verify", "--key", _dir.File("o.pub"), "--signature", _dir.File("blob.sig"), other);
        Assert.Equal(Commands.ExitInvalid, exit);
        Assert.Contains("DigestMismatch", output);

        // The tool also signs with an OpenSSL traditional (PKCS#1 "RSA PRIVATE KEY") key.
        OpenSsl.Run(_dir.Path, "genrsa", "-traditional", "-out", "t.key", "2048");
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----", File.ReadAllText(_dir.File("t.key")));
        OpenSsl.Run(_dir.Path, "rsa", "-in", "t.key", "-pubout", "-out", "t.pub");
        Assert.Equal(Commands.ExitOk, Run("sign", "--key", _dir.File("t.key"), other).Exit);
        Assert.Equal(Commands.ExitOk, Run("verify", "--key", _dir.File("t.pub"), other + ".signed").Exit);
    }

    [Fact]
    public void KeygenWritesUsableKeysAndRefusesToOverwrite()
    {
        string keys = Keygen("keys");
        string privatePath = Path.Combine(keys, "private.pem");
        Assert.StartsWith("-----BEGIN PRIVATE KEY-----", File.ReadAllText(privatePath));
        Assert.StartsWith("-----BEGIN PUBLIC KEY-----", File.ReadAllText(Path.Combine(keys, "public.pem")));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(privatePath));
        }

        Assert.Equal(Commands.ExitError, Run("keygen", "--out-dir", keys).Exit);
        Assert.Equal(Commands.ExitOk, Run("keygen", "--out-dir", keys, "--force").Exit);

        // openssl reads what keygen wrote, and agrees on the key id.
        byte[] der = OpenSsl.Run(_dir.Path, "pkey", "-in", privatePath, "-pubout", "-outform", "DER");
        (int exit, string id, _) = Run("keyid", "--key", privatePath);
        Assert.Equal(Commands.ExitOk, exit);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(der)), id.Trim());
        Assert.Equal(id, Run("keyid", "--key", Path.Combine(keys, "public.pem")).Out);
    }

    [Fact]
    public void BadCommandLinesAndKeysExitWithTwo()
    {
        string keys = Keygen("keys");
        string module = WriteModule("m", 10);
        Assert.Equal(Commands.ExitError, Run().Exit);
        Assert.Equal(Commands.ExitOk, Run("--help").Exit);
        Assert.Equal(Commands.ExitError, Run("frobnicate").Exit);
        Assert.Equal(Commands.ExitError, Run("sign", module).Exit);
        Assert.Equal(Commands.ExitError, Run("sign", "--key").Exit);
        Assert.Equal(Commands.ExitError, Run("sign", "--key", Path.Combine(keys, "private.pem"), "--bogus", module).Exit);
        Assert.Equal(Commands.ExitError, Run("verify", "--key", Path.Combine(keys, "private.pem"), module).Exit);
        Assert.Equal(Commands.ExitError, Run("sign", "--key", Path.Combine(keys, "public.pem"), module).Exit);
        Assert.Equal(Commands.ExitError, Run("embed", "--key", Path.Combine(keys, "public.pem"), "--out", _dir.File("x.cs"), "--namespace", "A", "--class", "B", "--test-blobs").Exit);
        Assert.Equal(Commands.ExitError, Run("embed", "--key", Path.Combine(keys, "public.pem"), "--out", _dir.File("x.cs"), "--namespace", "1A", "--class", "B").Exit);

        using var small = System.Security.Cryptography.RSA.Create(1024);
        File.WriteAllText(_dir.File("small.pem"), small.ExportPkcs8PrivateKeyPem());
        (int exit, _, string err) = Run("sign", "--key", _dir.File("small.pem"), module);
        Assert.Equal(Commands.ExitError, exit);
        Assert.Contains("RSA-1024", err);
    }

    [Fact]
    public void EmbeddedTestBlobsVerifyAsLabelled()
    {
        string keys = Keygen("keys");
        string output = _dir.File("TrustedKeys.cs");
        (int exit, _, string err) = Run("embed", "--key", Path.Combine(keys, "public.pem"), "--out", output,
            "--namespace", "Aurora.Kernel.Modules", "--class", "TrustedKeys", "--test-blobs", "--signing-key", Path.Combine(keys, "private.pem"));
        Assert.True(exit == Commands.ExitOk, err);

        string source = File.ReadAllText(output);
        Assert.Contains("namespace Aurora.Kernel.Modules;", source);
        Assert.Contains("public static class TrustedKeys", source);
        Dictionary<string, byte[]> blobs = ParseBlobs(source);

        KeyRing ring = default;
        Assert.Equal(KeyResult.Ok, ring.Add(blobs["TrustedKey"]));
        Assert.True(ring.TryGet(blobs["TrustedKeyId"], out _));
        Assert.Equal(VerifyResult.Valid, ModuleSignature.Verify(blobs["SignedModule"], ring, out ReadOnlySpan<byte> payload));
        Assert.Equal(CSharpEmbedder.TestPayload(), payload.ToArray());
        Assert.Equal(VerifyResult.DigestMismatch, ModuleSignature.Verify(blobs["TamperedModule"], ring, out _));
        Assert.Equal(VerifyResult.BadMagic, ModuleSignature.Verify(blobs["TruncatedModule"], ring, out _));
        Assert.Equal(VerifyResult.UnknownKey, ModuleSignature.Verify(blobs["ForeignKeyModule"], ring, out _));
        Assert.Equal(VerifyResult.BadPadding, ModuleSignature.Verify(blobs["ForgedKeyIdModule"], ring, out _));

        (exit, _, err) = Run("embed", "--key", Path.Combine(keys, "public.pem"), "--out", output, "--namespace", "K", "--class", "Keys");
        Assert.True(exit == Commands.ExitOk, err);
        Assert.Equal(["TrustedKey", "TrustedKeyId"], ParseBlobs(File.ReadAllText(output)).Keys.Order());
    }

    private static Dictionary<string, byte[]> ParseBlobs(string source)
    {
        Dictionary<string, byte[]> blobs = new();
        foreach (Match match in Regex.Matches(source, @"ReadOnlySpan<byte> (\w+) => new byte\[\]\s*\{([^}]*)\};"))
        {
            blobs[match.Groups[1].Value] = Regex.Matches(match.Groups[2].Value, "0x([0-9a-f]{2})")
                .Select(m => byte.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToArray();
        }

        return blobs;
    }

    [Fact]
    public void RunsAsAProcess()
    {
        string keys = Keygen("keys");
        string module = WriteModule("m", 1000);
        string tool = Path.Combine(AppContext.BaseDirectory, "aurora-modsign.dll");
        Assert.Equal(0, RunProcess(tool, "sign", "--key", Path.Combine(keys, "private.pem"), module).Exit);
        (int exit, string output) = RunProcess(tool, "verify", "--key", Path.Combine(keys, "public.pem"), module + ".signed");
        Assert.Equal(0, exit);
        Assert.Equal("OK", output.Trim());
        (exit, output) = RunProcess(tool, "verify", "--key", Path.Combine(keys, "public.pem"), module);
        Assert.Equal(1, exit);
        Assert.Contains("BadMagic", output);
    }

    private static (int Exit, string Out) RunProcess(string tool, params string[] args)
    {
        ProcessStartInfo start = new("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(tool);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using Process process = Process.Start(start)!;
        string output = process.StandardOutput.ReadToEnd();
        process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
