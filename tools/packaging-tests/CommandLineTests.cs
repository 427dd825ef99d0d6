using System;
using System.IO;
using Xunit;

namespace Aurora.Packaging.Tests;

/// <summary>
/// `./aurora` as a person meets it (issue 16): every command answers --help with its own usage
/// and does nothing else (a `test --help` that ran the suite, or a `build --help` that built,
/// would not end within the time limit and would leave new files); unknown commands, unknown
/// options and options missing their value get one clear line and exit status 2.
/// </summary>
public sealed class CommandLineTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);
    private static readonly string Root = Workspace.FindRepositoryRoot();

    [Theory]
    [InlineData("setup")]
    [InlineData("build")]
    [InlineData("pack")]
    [InlineData("run")]
    [InlineData("test")]
    [InlineData("check")]
    [InlineData("measure")]
    [InlineData("bench")]
    [InlineData("module")]
    [InlineData("docs")]
    [InlineData("sign")]
    [InlineData("verify")]
    [InlineData("symbolize")]
    public void EveryCommandAnswersHelpWithItsOwnUsageAndChangesNothing(string command)
    {
        string marker = Path.Combine(Path.GetTempPath(), "aurora-help-" + Guid.NewGuid().ToString("N"));
        File.WriteAllText(marker, "");
        try
        {
            foreach (string help in new[] { "--help", "-h" })
            {
                CommandResult result = Shell.Run($"./aurora {command} {help}", Root, Limit);
                Assert.False(result.TimedOut, result.ToString());
                Assert.Equal(0, result.ExitCode);
                Assert.StartsWith($"usage: ./aurora {command}", result.Output);
                Assert.DoesNotContain("error", result.Output);
            }

            // Nothing under artifacts/ is newer than the marker made before the calls.
            string artifacts = Path.Combine(Root, "artifacts");
            DateTime before = File.GetLastWriteTimeUtc(marker);
            foreach (string name in new[] { "aurora.elf", "aurora.iso", "aurora-test.elf", "aurora-test.iso", "aurora.manifest.json" })
            {
                string path = Path.Combine(artifacts, name);
                if (File.Exists(path)) Assert.True(File.GetLastWriteTimeUtc(path) <= before, $"{name} changed under ./aurora {command} --help");
            }
        }
        finally
        {
            File.Delete(marker);
        }
    }

    [Theory]
    [InlineData("frobnicate", "unknown command: frobnicate")]
    [InlineData("build --nope", "unknown option to build: --nope")]
    [InlineData("build --pins", "--pins needs a value")]
    [InlineData("pack --output", "--output needs a value")]
    [InlineData("pack --frob", "unknown option to pack: --frob")]
    [InlineData("run --init", "--init needs a value")]
    [InlineData("run --add", "--add needs a value")]
    [InlineData("run --initrd", "--initrd needs a value")]
    [InlineData("run --timeout", "--timeout needs a value")]
    [InlineData("run --timeout soon", "--timeout soon: not a number of seconds")]
    [InlineData("run --bogus", "unknown option to run: --bogus")]
    [InlineData("test --quick", "unknown option to test: --quick")]
    [InlineData("check extra", "unknown option to check: extra")]
    [InlineData("setup now", "unknown option to setup: now")]
    [InlineData("run --pins", "--pins needs a value")]
    [InlineData("bench --fast", "unknown option to bench: --fast")]
    [InlineData("module", "module needs a module folder")]
    [InlineData("module no/such/folder", "module no/such/folder: not a folder")]
    [InlineData("module modules/edu -o", "-o needs a value")]
    [InlineData("module modules/edu --key", "--key needs a value")]
    [InlineData("module modules/edu --frob", "unknown option to module: --frob")]
    [InlineData("sign --key", "option --key needs a value")]
    [InlineData("verify --bogus", "unknown option --bogus")]
    [InlineData("docs --frob", "unknown option to docs: --frob")]
    public void MistakesGetOneClearLineAndStatusTwo(string arguments, string message)
    {
        CommandResult result = Shell.Run($"./aurora {arguments}", Root, Limit);
        Assert.False(result.TimedOut, result.ToString());
        Assert.Equal(2, result.ExitCode);
        string[] lines = result.Output.TrimEnd('\n').Split('\n');
        Assert.True(lines.Length == 1, "more than one line:\n" + result);
        Assert.Contains(message, lines[0]);
        Assert.DoesNotContain("unbound variable", result.Output);
    }
}
