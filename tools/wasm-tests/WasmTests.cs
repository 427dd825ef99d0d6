using System;
using System.Diagnostics;
using System.IO;
using System.Text.Json;
using Xunit;

namespace Aurora.Wasm.HostTests;

/// <summary>
/// The components in WebAssembly, checked from the host: their own suites pass inside the
/// runtime (Node.js), and the playground's four panels give their results in Chromium.
/// Needs `./aurora wasm` first (./aurora test runs it).
/// </summary>
public class WasmTests
{
    private static readonly string Root = FindRoot();
    private static string Artifacts => Path.Combine(Root, "artifacts");

    [Fact]
    public void ComponentSuitesPassInsideWebAssembly()
    {
        string runner = Path.Combine(Artifacts, "wasm", "tests", "run.mjs");
        Assert.True(File.Exists(runner), $"{runner} is missing: run ./aurora wasm first");
        // The fuzzer's default million frames take minutes in the interpreter; 20000 still
        // mutate every header field many times over.
        (int exit, string output) = Run("node", [runner], Path.GetDirectoryName(runner)!, ("AURORA_FUZZ_FRAMES", "20000"));
        string tail = output.Length > 6000 ? output[^6000..] : output;
        Assert.True(exit == 0, $"the WebAssembly runner exited with {exit}:\n{tail}");
        Assert.Matches(@"(?m)^[1-9][0-9]* passed, 0 failed, 0 skipped", output);
        foreach (string suite in new[] { "Pmm", "Vmm", "Heap", "Sched", "Vfs", "Net", "Caps", "Modsign" })
        {
            Assert.Matches($@"(?m)^Aurora\.{suite}\.Tests: [1-9][0-9]* passed, 0 failed", output);
        }
    }

    [Fact]
    public void PlaygroundPanelsProduceTheirResultsInChromium()
    {
        string page = Path.Combine(Artifacts, "wasm", "playground");
        Assert.True(File.Exists(Path.Combine(page, "index.html")), "artifacts/wasm/playground is missing: run ./aurora wasm first");
        string shot = Path.Combine(Artifacts, "test-results", "playground.png");
        Directory.CreateDirectory(Path.GetDirectoryName(shot)!);
        (int exit, string output) = Run("node", [Path.Combine(Root, "tools", "wasm-tests", "browser.mjs"), page, shot], Root);
        Assert.True(exit == 0, $"browser.mjs exited with {exit}: {Tail(output)}");
        Assert.True(new FileInfo(shot).Length > 10_000, "the screenshot is missing or empty");

        string json = output.Split('\n')[0];
        using JsonDocument doc = JsonDocument.Parse(json);
        JsonElement r = doc.RootElement;
        string Text(string panel) => r.GetProperty(panel).GetProperty("text").GetString()!;
        bool Ok(string panel) => r.GetProperty(panel).GetProperty("ok").GetBoolean();

        Assert.True(Ok("net"), Text("net"));
        Assert.Contains("bytes delivered intact", Text("net"));
        Assert.True(Ok("netLossy"), "with every 7th TCP frame dropped: " + Text("netLossy"));
        Assert.True(Ok("sched"), Text("sched"));
        Assert.True(Ok("heap"), Text("heap"));
        Assert.Equal("signed.ko: OK", Text("modsignSigned"));

        // The refusal text is the one ./aurora verify prints for the same file and key.
        (int verifyExit, string verify) = Run("dotnet", [Path.Combine(Artifacts, "tools", "modsign", "aurora-modsign.dll"), "verify", "--key",
            Path.Combine(page, "trusted-key.pem"), Path.Combine(page, "samples", "corrupt.ko")], Root);
        Assert.NotEqual(0, verifyExit);
        Assert.StartsWith("FAILED: ", verify.Trim());
        Assert.Equal("corrupt.ko: " + verify.Trim(), Text("modsignCorrupt"));
    }

    [Fact]
    public void APageWithoutWebAssemblySaysSo()
    {
        string page = Path.Combine(Artifacts, "wasm", "playground");
        Assert.True(File.Exists(Path.Combine(page, "index.html")), "artifacts/wasm/playground is missing: run ./aurora wasm first");
        string shot = Path.Combine(Artifacts, "test-results", "playground-no-wasm.png");
        (int exit, string output) = Run("node", [Path.Combine(Root, "tools", "wasm-tests", "browser.mjs"), page, shot, "--no-wasm"], Root);
        Assert.True(exit == 0, $"browser.mjs exited with {exit}: {Tail(output)}");
        Assert.Contains("status: This browser offers no WebAssembly", output);
    }

    private static string Tail(string s) => s.Length > 4000 ? s[^4000..] : s;

    private static (int Exit, string Output) Run(string program, string[] args, string directory, params (string, string)[] environment)
    {
        var start = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string a in args) start.ArgumentList.Add(a);
        foreach ((string name, string value) in environment) start.Environment[name] = value;
        using Process process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromMinutes(10)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, "timed out after 10 minutes\n" + stdout);
        }
        string err = stderr.Result;
        return (process.ExitCode, stdout + (err.Length > 0 ? "\nstderr: " + (err.Length > 2000 ? err[^2000..] : err) : ""));
    }

    private static string FindRoot()
    {
        for (string? d = AppContext.BaseDirectory; d != null; d = Path.GetDirectoryName(d))
        {
            if (File.Exists(Path.Combine(d, "Aurora.sln"))) return d;
        }
        throw new InvalidOperationException("Aurora.sln not found above " + AppContext.BaseDirectory);
    }
}
