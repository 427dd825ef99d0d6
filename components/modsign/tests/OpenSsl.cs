using System;
using System.Diagnostics;
using System.IO;

namespace Aurora.Modsign.Tests;

/// <summary>Runs the openssl command line, the peer the signatures must interoperate with.</summary>
internal static class OpenSsl
{
    public const string Path = "/usr/bin/openssl";

    public static bool Available => File.Exists(Path);

    /// <summary>Runs openssl with <paramref name="arguments"/> in <paramref name="directory"/>; returns stdout bytes, throws on failure.</summary>
    public static byte[] Run(string directory, params string[] arguments)
    {
        ProcessStartInfo start = new(Path)
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using Process process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        using MemoryStream stdout = new();
        System.Threading.Tasks.Task<string> stderr = process.StandardError.ReadToEndAsync();
        process.StandardOutput.BaseStream.CopyTo(stdout);
        if (!process.WaitForExit(60_000))
        {
            process.Kill();
            throw new TimeoutException("openssl " + string.Join(' ', arguments));
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"openssl {string.Join(' ', arguments)} exited {process.ExitCode}: {stderr.Result}");
        }

        return stdout.ToArray();
    }

    /// <summary>A fresh temporary directory, deleted on dispose.</summary>
    public sealed class TempDirectory : IDisposable
    {
        public TempDirectory()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "aurora-modsign-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose()
        {
            try
            {
                Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
