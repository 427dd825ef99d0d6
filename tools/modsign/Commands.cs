using System;
using System.IO;
using System.Security.Cryptography;

namespace Aurora.Modsign.Cli;

/// <summary>The aurora-modsign commands. Exit codes: 0 success, 1 verification failed, 2 usage or I/O error.</summary>
public static class Commands
{
    /// <summary>Success (for verify: the signature is valid).</summary>
    public const int ExitOk = 0;

    /// <summary>The signature or signed module did not verify.</summary>
    public const int ExitInvalid = 1;

    /// <summary>Bad command line, unreadable file or unusable key.</summary>
    public const int ExitError = 2;

    private const string Usage =
        "usage:\n" +
        "  aurora-modsign sign --key <private.pem> <module> [-o <out>]\n" +
        "      append a signature block; writes <module>.signed unless -o is given\n" +
        "  aurora-modsign verify --key <public.pem> <signed-module>\n" +
        "      check a signed module with the kernel's verifier; prints OK or the reason\n" +
        "  aurora-modsign verify --key <public.pem> --signature <sigfile> <file>\n" +
        "      check a detached raw RSA PKCS#1 v1.5 SHA-256 signature (openssl dgst -sha256 -sign)\n" +
        "  aurora-modsign keygen --out-dir <dir> [--force]\n" +
        "      write a new RSA-2048 key: <dir>/private.pem (PKCS#8) and <dir>/public.pem (SubjectPublicKeyInfo)\n" +
        "  aurora-modsign embed --key <public.pem> --out <file.cs> --namespace <ns> --class <name>\n" +
        "                       [--test-blobs --signing-key <private.pem>]\n" +
        "      write C# that embeds the trusted key (and signed/tampered/truncated/foreign test modules)\n" +
        "  aurora-modsign keyid --key <public.pem|private.pem>\n" +
        "      print the key id (SHA-256 of the DER SubjectPublicKeyInfo)\n" +
        "  aurora-modsign inspect <signed-module>\n" +
        "      print the signature block fields\n" +
        "exit status: 0 ok, 1 verification failed, 2 usage or I/O error\n";

    /// <summary>Runs one command line; output goes to <paramref name="stdout"/> and <paramref name="stderr"/>.</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
        {
            (args.Length == 0 ? stderr : stdout).Write(Usage);
            return args.Length == 0 ? ExitError : ExitOk;
        }

        string[] rest = args[1..];
        try
        {
            return args[0] switch
            {
                "sign" => Sign(rest, stdout, stderr),
                "verify" => Verify(rest, stdout, stderr),
                "keygen" => Keygen(rest, stdout, stderr),
                "embed" => Embed(rest, stdout, stderr),
                "keyid" => KeyId(rest, stdout, stderr),
                "inspect" => Inspect(rest, stdout, stderr),
                _ => Fail(stderr, $"unknown command '{args[0]}'\n" + Usage),
            };
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidDataException or ArgumentException or CryptographicException or InvalidOperationException)
        {
            stderr.WriteLine("aurora-modsign: " + e.Message);
            return ExitError;
        }
    }

    private static int Sign(string[] words, TextWriter stdout, TextWriter stderr)
    {
        Arguments? a = Arguments.Parse(words, ["--key", "-o", "--out"], [], out string error);
        if (a is null || a.Value("--key") is not string keyPath || a.Positionals.Count != 1)
        {
            return Fail(stderr, a is null ? error : "sign needs --key <private.pem> and one module");
        }

        string module = a.Positionals[0];
        string output = a.Value("-o") ?? a.Value("--out") ?? module + ".signed";
        using RSA rsa = ModuleSigner.LoadPrivateKey(File.ReadAllText(keyPath));
        byte[] signed = ModuleSigner.SignAndCheck(File.ReadAllBytes(module), rsa);
        File.WriteAllBytes(output, signed);
        stdout.WriteLine($"signed {module} -> {output} (key id {ModuleSigner.Hex(ModuleSigner.PublicKeyOf(rsa).KeyId)})");
        return ExitOk;
    }

    private static int Verify(string[] words, TextWriter stdout, TextWriter stderr)
    {
        Arguments? a = Arguments.Parse(words, ["--key", "--signature"], [], out string error);
        if (a is null || a.Value("--key") is not string keyPath || a.Positionals.Count != 1)
        {
            return Fail(stderr, a is null ? error : "verify needs --key <public.pem> and one file");
        }

        RsaPublicKey key = LoadPublicKey(keyPath);
        VerifyResult result;
        if (a.Value("--signature") is string signaturePath)
        {
            byte[] signature = File.ReadAllBytes(signaturePath);
            result = Pkcs1Sha256.VerifyDigest(key, HashFile(a.Positionals[0]), signature);
        }
        else
        {
            result = ModuleSignature.Verify(File.ReadAllBytes(a.Positionals[0]), key, out _);
        }

        if (result == VerifyResult.Valid)
        {
            stdout.WriteLine("OK");
            return ExitOk;
        }

        stdout.WriteLine($"FAILED: {ResultText.Describe(result)} ({result})");
        return ExitInvalid;
    }

    private static int Keygen(string[] words, TextWriter stdout, TextWriter stderr)
    {
        Arguments? a = Arguments.Parse(words, ["--out-dir"], ["--force"], out string error);
        if (a is null || a.Value("--out-dir") is not string directory || a.Positionals.Count != 0)
        {
            return Fail(stderr, a is null ? error : "keygen needs --out-dir <dir>");
        }

        string privatePath = Path.Combine(directory, "private.pem");
        string publicPath = Path.Combine(directory, "public.pem");
        if (!a.Flag("--force") && (File.Exists(privatePath) || File.Exists(publicPath)))
        {
            return Fail(stderr, $"{privatePath} or {publicPath} exists; pass --force to replace");
        }

        Directory.CreateDirectory(directory);
        using RSA rsa = RSA.Create(RsaPublicKey.ModulusBits);
        WritePrivate(privatePath, rsa.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(publicPath, rsa.ExportSubjectPublicKeyInfoPem() + "\n");
        stdout.WriteLine($"wrote {privatePath} and {publicPath} (key id {ModuleSigner.Hex(ModuleSigner.PublicKeyOf(rsa).KeyId)})");
        return ExitOk;
    }

    private static int Embed(string[] words, TextWriter stdout, TextWriter stderr)
    {
        Arguments? a = Arguments.Parse(words, ["--key", "--out", "--namespace", "--class", "--signing-key"], ["--test-blobs"], out string error);
        if (a is null || a.Value("--key") is not string keyPath || a.Value("--out") is not string output
            || a.Value("--namespace") is not string ns || a.Value("--class") is not string className || a.Positionals.Count != 0)
        {
            return Fail(stderr, a is null ? error : "embed needs --key, --out, --namespace and --class");
        }

        if (!IsDottedIdentifier(ns) || !IsDottedIdentifier(className) || className.Contains('.'))
        {
            return Fail(stderr, "--namespace must be a dotted C# name and --class a C# identifier");
        }

        bool testBlobs = a.Flag("--test-blobs");
        if (testBlobs != (a.Value("--signing-key") is not null))
        {
            return Fail(stderr, "--test-blobs and --signing-key <private.pem> go together");
        }

        RsaPublicKey key = LoadPublicKey(keyPath);
        byte[] der = new byte[RsaPublicKey.MaxSubjectPublicKeyInfoBytes];
        key.TryWriteSubjectPublicKeyInfo(der, out int length);
        Array.Resize(ref der, length);

        string source;
        if (testBlobs)
        {
            using RSA signing = ModuleSigner.LoadPrivateKey(File.ReadAllText(a.Value("--signing-key")!));
            using RSA other = SmallerKeyThan(signing);
            source = CSharpEmbedder.Generate(ns, className, der, signing, other, Path.GetFileName(keyPath));
        }
        else
        {
            source = CSharpEmbedder.Generate(ns, className, der, null, null, Path.GetFileName(keyPath));
        }

        File.WriteAllText(output, source);
        stdout.WriteLine($"wrote {output} (key id {ModuleSigner.Hex(key.KeyId)})");
        return ExitOk;
    }

    private static int KeyId(string[] words, TextWriter stdout, TextWriter stderr)
    {
        Arguments? a = Arguments.Parse(words, ["--key"], [], out string error);
        if (a is null || a.Value("--key") is not string keyPath || a.Positionals.Count != 0)
        {
            return Fail(stderr, a is null ? error : "keyid needs --key <pem>");
        }

        string text = File.ReadAllText(keyPath);
        RsaPublicKey key;
        if (text.Contains("PRIVATE KEY", StringComparison.Ordinal))
        {
            using RSA rsa = ModuleSigner.LoadPrivateKey(text);
            key = ModuleSigner.PublicKeyOf(rsa);
        }
        else
        {
            key = LoadPublicKey(keyPath);
        }

        stdout.WriteLine(ModuleSigner.Hex(key.KeyId));
        return ExitOk;
    }

    private static int Inspect(string[] words, TextWriter stdout, TextWriter stderr)
    {
        Arguments? a = Arguments.Parse(words, [], [], out string error);
        if (a is null || a.Positionals.Count != 1)
        {
            return Fail(stderr, a is null ? error : "inspect needs one signed module");
        }

        byte[] bytes = File.ReadAllBytes(a.Positionals[0]);
        VerifyResult result = ModuleSignature.ReadBlock(bytes, out ReadOnlySpan<byte> payload, out SignatureBlock block);
        if (result != VerifyResult.Valid)
        {
            stdout.WriteLine($"FAILED: {ResultText.Describe(result)} ({result})");
            return ExitInvalid;
        }

        stdout.WriteLine($"payload length   {block.PayloadLength} (file {bytes.Length} bytes, payload {payload.Length})");
        stdout.WriteLine($"format version   {block.Version}");
        stdout.WriteLine($"algorithm        {block.Algorithm} (RSA-2048 PKCS#1 v1.5 SHA-256)");
        stdout.WriteLine($"key id           {Convert.ToHexStringLower(block.KeyId)}");
        stdout.WriteLine($"signature length {block.SignatureLength}");
        stdout.WriteLine("(structure only: use verify to check the signature)");
        return ExitOk;
    }

    private static RsaPublicKey LoadPublicKey(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        KeyResult result = RsaPublicKey.Parse(bytes, out RsaPublicKey key);
        if (result != KeyResult.Ok)
        {
            throw new InvalidDataException($"{path}: {ResultText.Describe(result)}");
        }

        return key;
    }

    private static Sha256Digest HashFile(string path)
    {
        Sha256 hasher = Sha256.Create();
        byte[] buffer = new byte[1 << 16];
        using FileStream stream = File.OpenRead(path);
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            hasher.Update(buffer.AsSpan(0, read));
        }

        return hasher.Final();
    }

    private static void WritePrivate(string path, string pem)
    {
        FileStreamOptions options = new() { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        File.Delete(path); // a replaced key gets the owner-only mode too
        using FileStream stream = new(path, options);
        using StreamWriter writer = new(stream);
        writer.Write(pem);
    }

    private static bool IsDottedIdentifier(string name)
    {
        foreach (string part in name.Split('.'))
        {
            if (part.Length == 0 || !(char.IsLetter(part[0]) || part[0] == '_'))
            {
                return false;
            }

            foreach (char c in part)
            {
                if (!(char.IsLetterOrDigit(c) || c == '_'))
                {
                    return false;
                }
            }
        }

        return true;
    }

    private static int Fail(TextWriter stderr, string message)
    {
        stderr.WriteLine("aurora-modsign: " + message.TrimEnd('\n'));
        return ExitError;
    }

    /// <summary>A fresh RSA-2048 key whose modulus is below <paramref name="trusted"/>'s. The forged
    /// test blob (another key's signature under the trusted key's id) must then fail the padding
    /// check: a signature made with a larger modulus can exceed the trusted one, and verifying
    /// it would stop earlier with SignatureNotLessThanModulus (seen in about one run in six).</summary>
    private static RSA SmallerKeyThan(RSA trusted)
    {
        byte[] limit = trusted.ExportParameters(false).Modulus!;
        while (true)
        {
            RSA candidate = RSA.Create(RsaPublicKey.ModulusBits);
            byte[] modulus = candidate.ExportParameters(false).Modulus!;
            if (modulus.Length == limit.Length && modulus.AsSpan().SequenceCompareTo(limit) < 0) return candidate;
            candidate.Dispose();
        }
    }
}
