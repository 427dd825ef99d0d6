using System;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>
/// Busybox's interactive shell (ash) on the serial console, typed at as a person would: the
/// console is a real terminal (ttyS0 with a line discipline) that the shell's session controls
/// (userland/session_shell.c: setsid, TIOCSCTTY, then `busybox sh -i`), so Ctrl-C interrupts the
/// foreground job, Ctrl-Z stops it, `bg` continues it in the background where reading the
/// terminal stops it again (SIGTTIN), `fg` brings it back, `jobs` and `kill %1` work, and both
/// the shell's own line editor (raw mode) and the terminal's canonical mode erase with DEL.
/// Each step waits for an answer that its typed echo cannot contain (`$((1+1))` is typed, `2`
/// is answered; cat's answer to `pq<DEL>r` is `pr`), after the previous step's answer; keys for
/// a job are typed once the job has answered (it is in the foreground by then). The jobs are `cat` (reads the terminal) and a shell loop: busybox's
/// `sleep` needs clock_nanosleep, which another slice of issue 11 brings.
/// </summary>
public class TerminalShellTests
{
    [Fact]
    public void JobControlAndLineEditingWorkInBusyboxSh()
    {
        BootResult run = QemuBoot.Boot(BootPath.GrubBios, "init=/bin/session_shell.elf", TimeSpan.FromSeconds(480), new (string?, string)[]
        {
            // The terminal's canonical mode: cat reads a line edited with DEL; Ctrl-C ends cat.
            ("shell-ready", "echo c$((1+1)); cat\n"),
            ("c2", "qx\x7fz\n"),
            ("qz", "\x03"),
            (null, "echo st$((0))=$?\n"),
            // The shell's line editor: two DELs at the prompt.
            ("st0=130", "echo edit-abc\x7f\x7fZ\n"),
            // Ctrl-Z stops cat; bg continues it, and its read from the background stops it
            // with SIGTTIN; fg brings it back to read a line; Ctrl-D ends it.
            ("edit-aZ", "echo z$((2+3)); cat\n"),
            ("z5", "pq\x7fr\n"),
            ("pr", "\x1a"),
            ("Stopped", "bg\n"),
            ("[1] cat", "jobs; echo j$((3+4))\n"),
            ("j7", "fg\n"),
            ("cat", "bk\x7f" + "ck\n"),
            ("bck", "\x04"),
            (null, "echo d$((4+4))=$?\n"),
            // A background job: jobs lists it running, kill %1 ends it.
            ("d8=0", "while :; do :; done &\n"),
            (null, "jobs; echo r$((5+5))\n"),
            ("r10", "kill %1; echo k$((6+6))\n"),
            ("k12", "jobs; echo e$((7+7))\n"),
            ("e14", "exit\n"),
        });
        string serial = run.Serial;
        Assert.False(run.TimedOut, "timed out:\n" + serial);
        Assert.Contains("session_shell: ready, session 1, foreground group 1", serial);
        Assert.Contains("qz", serial);                                   // cat's answer to "qx<DEL>z"
        Assert.Contains("qx\b \bz", serial);                             // the terminal's echo of the erase
        Assert.Contains("st0=130", serial);                              // cat ended by SIGINT (128 + 2)
        Assert.Contains("edit-aZ", serial);                              // the shell's own line editing
        int stopped = serial.IndexOf("[1]+  Stopped                    cat", StringComparison.Ordinal);
        Assert.True(stopped >= 0, "Ctrl-Z did not stop cat:\n" + serial);
        Assert.True(serial.IndexOf("Stopped (tty input)", stopped, StringComparison.Ordinal) > stopped,
            "cat reading in the background was not stopped by SIGTTIN:\n" + serial);
        Assert.Contains("bck", serial);                                  // fg: cat reads again
        Assert.Contains("d8=0", serial);                                 // and ends at Ctrl-D
        int running = serial.IndexOf("Running", StringComparison.Ordinal);
        Assert.True(running >= 0, "jobs did not list the background loop:\n" + serial);
        Assert.True(serial.IndexOf("Terminated", running, StringComparison.Ordinal) > running, "kill %1 did not end the job:\n" + serial);
        Assert.Contains("init: exit status 0", serial);
        Assert.Equal(1, run.ExitCode); // init (the shell) ended with status 0: QEMU exits (0 << 1) | 1
    }
}
