using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Text;

namespace Aurora.Packaging.Tests;

/// <summary>What one command printed (stdout and stderr interleaved) and how it ended.</summary>
public sealed record CommandResult(string Command, int ExitCode, string Output, bool TimedOut)
{
    public override string ToString() => $"$ {Command}\nexit {ExitCode}{(TimedOut ? " (timed out)" : "")}\n{Output}";
}

/// <summary>Runs commands the way a person at a shell would: bash, a working directory, no
/// MSBuild state inherited from the test host (a nested `dotnet` must start clean).</summary>
public static class Shell
{
    public static CommandResult Run(string command, string workingDirectory, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("bash")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add("-c");
        info.ArgumentList.Add(command);
        foreach (string key in info.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase))
                info.Environment.Remove(key);
        }
        info.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        info.Environment["DOTNET_NOLOGO"] = "1";
        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        if (environment is not null)
            foreach (var (key, value) in environment) info.Environment[key] = value;

        using var process = Process.Start(info)!;
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        bool exited = process.WaitForExit((int)timeout.TotalMilliseconds);
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
        }
        process.WaitForExit(); // drain the output handlers
        string text;
        lock (output) text = output.ToString();
        return new CommandResult(command, exited ? process.ExitCode : -1, text, !exited);
    }

    /// <summary>Runs a command that must succeed; fails the test with everything it printed otherwise.</summary>
    public static CommandResult Check(string command, string workingDirectory, TimeSpan timeout, IDictionary<string, string>? environment = null)
    {
        CommandResult result = Run(command, workingDirectory, timeout, environment);
        if (result.ExitCode != 0) throw new Xunit.Sdk.XunitException("command failed:\n" + result);
        return result;
    }

    public static string Quote(string path) => "'" + path.Replace("'", "'\\''") + "'";

    /// <summary>Removes terminal escape sequences and carriage returns from serial output.</summary>
    public static string StripAnsi(string text)
    {
        var result = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            if (text[i] == '\u001b' && i + 1 < text.Length && text[i + 1] == '[')
            {
                i += 2;
                while (i < text.Length && !(text[i] >= '@' && text[i] <= '~')) i++;
                continue;
            }
            if (text[i] == '\r') continue;
            result.Append(text[i]);
        }
        return result.ToString();
    }
}
