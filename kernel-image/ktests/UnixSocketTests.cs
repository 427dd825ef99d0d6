using Aurora.Kernel.Files;
using Aurora.Kernel.Syscalls;
using static Aurora.Kernel.Tests.TestRunner;

namespace Aurora.Kernel.Tests;

/// <summary>AF_UNIX socket pairs (Syscalls/SocketCalls.Unix.cs), proven by userland/unix.c,
/// which prints "0 wrong" on Linux too.</summary>
internal static unsafe class UnixSocketTests
{
    /// <summary>Stream, datagram and seqpacket pairs, SCM_RIGHTS, shutdown, EPIPE/SIGPIPE and
    /// readiness as Linux; sockets sent over themselves and rings of sockets in flight are
    /// collected once their descriptors close (none outlives the program), as are the pipes.</summary>
    /// <summary>SCM_CREDENTIALS and SO_PASSCRED (issue 13): userland/passcred.c, which prints
    /// "0 wrong" on Linux too: the sender's credentials on every message, named ones checked
    /// (EINVAL, ESRCH), first in the control buffer, cut with MSG_CTRUNC, streams not joined
    /// across senders.</summary>
    internal static void PassedCredentialsFollowLinux()
    {
        int sockets = SocketCalls.LiveUnixSockets;
        int status = ProcessTests.RunProgram("passcred.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("passcred: 0 wrong"), "SCM_CREDENTIALS gave a different answer than Linux");
        Check(status == 0, "the program failed");
        CheckEqual(sockets, SocketCalls.LiveUnixSockets, "AF_UNIX sockets alive after the program");
    }

    internal static void UnixSocketsFollowLinux()
    {
        int sockets = SocketCalls.LiveUnixSockets, pipes = PipeFile.Live;
        int status = ProcessTests.RunProgram("unix.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("unix: 0 wrong"), "an AF_UNIX call gave a different answer than Linux");
        Check(status == 0, "the program failed");
        CheckEqual(sockets, SocketCalls.LiveUnixSockets, "AF_UNIX sockets alive after the program");
        CheckEqual(pipes, PipeFile.Live, "pipes alive after the program");
    }

    /// <summary>userland/attack_readiness.c: epoll loops and bad pointers, an instance torn down
    /// from two processes, SCM_RIGHTS floods, sockets and instances in flight in cycles when
    /// everything closes. Linux's answers, and nothing left behind.</summary>
    internal static void HostileReadinessAndPassingLeaveNothing()
    {
        int sockets = SocketCalls.LiveUnixSockets, pipes = PipeFile.Live;
        int instances = EventPollFile.LiveInstances, watches = EventPollFile.LiveWatches;
        int status = ProcessTests.RunProgram("attack_readiness.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("attack_readiness: 0 wrong"), "an attack got a different answer than on Linux");
        Check(status == 0, "the program failed");
        CheckEqual(sockets, SocketCalls.LiveUnixSockets, "AF_UNIX sockets alive after the program");
        CheckEqual(pipes, PipeFile.Live, "pipes alive after the program");
        CheckEqual(instances, EventPollFile.LiveInstances, "epoll instances alive after the program");
        CheckEqual(watches, EventPollFile.LiveWatches, "epoll watches alive after the program");
    }

    /// <summary>userland/unix_names.c: AF_UNIX sockets bound to paths (socket nodes in the VFS)
    /// and abstract names, listen/connect/accept, named datagrams, as Linux; none outlives the
    /// program.</summary>
    internal static void NamedUnixSocketsFollowLinux()
    {
        int sockets = SocketCalls.LiveUnixSockets;
        int status = ProcessTests.RunProgram("unix_names.elf", checkMemory: true);
        Check(ProcessTests.OutputHas("unix_names: 0 wrong"), "a named AF_UNIX call gave a different answer than Linux");
        Check(status == 0, "the program failed");
        CheckEqual(sockets, SocketCalls.LiveUnixSockets, "AF_UNIX sockets alive after the program");
    }
}
