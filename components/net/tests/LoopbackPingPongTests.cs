using System;
using System.Collections.Generic;
using Xunit;

namespace Aurora.Net.Tests;

/// <summary>A one-byte request/response over loopback, as ./aurora bench's TCP round trip: each
/// write is followed by the kernel's polls (a socket call's flush, then the network thread's
/// polls while a poll says looped frames wait), all at the same millisecond. Every reply must
/// be readable by then: no round trip may wait for a timer (a delayed ACK, a retransmission).</summary>
public class LoopbackPingPongTests
{
    /// <summary>What the kernel does after a socket call: poll, and poll again while the stack
    /// says it has more (looped frames); the clock does not move. Whichever poll makes one of
    /// <paramref name="watched"/> readable must move <see cref="NetInterface{T}.SocketChanges"/>:
    /// that is what tells the kernel to wake the socket's reader, whoever's call polled.</summary>
    private static void Settle(Host host, ulong now, params int[] watched)
    {
        for (int i = 0; i < 16; i++)
        {
            var readable = new long[watched.Length];
            for (int w = 0; w < watched.Length; w++) readable[w] = host.Iface.ReadableBytes(watched[w]);
            ulong changes = host.Iface.SocketChanges;
            var device = new ListDevice { Frames = new List<byte[]>() };
            bool more = host.Iface.Poll(now, ref device);
            for (int w = 0; w < watched.Length; w++)
            {
                if (host.Iface.ReadableBytes(watched[w]) > readable[w])
                {
                    Assert.True(host.Iface.SocketChanges != changes, $"poll {i} made socket {watched[w]} readable without a change to report");
                }
            }

            if (!more && host.Iface.NextTimerMs() > now)
            {
                return;
            }
        }

        Assert.Fail("the stack kept asking for another poll");
    }

    [Fact]
    public void EveryRoundTripCompletesWithoutWaitingForATimer()
    {
        using var host = new Host(1);
        ulong now = 1000;
        int listener = host.Iface.OpenTcp();
        Assert.Equal(NetError.None, host.Iface.Bind(listener, Ipv4Address.Any, 40300));
        Assert.Equal(NetError.None, host.Iface.Listen(listener, 1));
        int client = host.Iface.OpenTcp();
        Assert.Equal(NetError.InProgress, host.Iface.Connect(client, new Ipv4Address(127, 0, 0, 1), 40300, now));
        Settle(host, now);
        int server = host.Iface.Accept(listener, out _, out _);
        Assert.True(server >= 0, "accepted at once");
        Assert.Equal(TcpState.Established, host.Iface.GetTcpState(client));

        var one = new byte[1];
        NetStatistics before = host.Iface.Statistics;
        const int RoundTrips = 200; // far more than the quick-ACK burst
        for (int i = 0; i < RoundTrips; i++)
        {
            now++; // a round trip per millisecond: well within the 40 ms delayed-ACK timer
            Assert.Equal(1, host.Iface.Write(client, "x"u8));
            Settle(host, now, client, server);
            Assert.True(host.Iface.Read(server, one) == 1, $"round trip {i}: the request did not arrive in its poll");
            Settle(host, now, client, server);
            Assert.Equal(1, host.Iface.Write(server, one));
            Settle(host, now, client, server);
            Assert.True(host.Iface.Read(client, one) == 1, $"round trip {i}: the reply did not arrive in its poll");
            Settle(host, now, client, server);
        }

        NetStatistics after = host.Iface.Statistics;
        Assert.Equal(before.TcpDelayedAcks, after.TcpDelayedAcks);
        Assert.Equal(before.TcpRetransmissionTimeouts, after.TcpRetransmissionTimeouts);
        // Each byte's ACK rides on the reply once the quick-ACK burst is over: about two
        // segments per round trip, not four.
        ulong segments = after.TcpSegmentsSent - before.TcpSegmentsSent;
        Assert.True(segments <= 2 * RoundTrips + 2 * TcpSocketQuickAcks, $"{segments} segments for {RoundTrips} round trips");
    }

    private const int TcpSocketQuickAcks = 16;

    /// <summary>The sender's own poll (the socket call's flush) carries a loopback segment to
    /// its reader and takes in what that provokes (the quick ACK), asking for no further poll:
    /// the kernel's network thread need not wake for a loopback exchange.</summary>
    [Fact]
    public void TheSendersPollFinishesALoopbackExchange()
    {
        using var host = new Host(1);
        ulong now = 1000;
        int listener = host.Iface.OpenTcp();
        Assert.Equal(NetError.None, host.Iface.Bind(listener, Ipv4Address.Any, 40300));
        Assert.Equal(NetError.None, host.Iface.Listen(listener, 1));
        int client = host.Iface.OpenTcp();
        Assert.Equal(NetError.InProgress, host.Iface.Connect(client, new Ipv4Address(127, 0, 0, 1), 40300, now));
        Settle(host, now);
        int server = host.Iface.Accept(listener, out _, out _);
        Assert.True(server >= 0, "accepted at once");

        var one = new byte[1];
        for (int i = 0; i < 40; i++) // through the quick-ACK burst and past it
        {
            now++;
            foreach ((int from, int to) in new[] { (client, server), (server, client) })
            {
                Assert.Equal(1, host.Iface.Write(from, "x"u8));
                ulong changes = host.Iface.SocketChanges;
                var device = new ListDevice { Frames = new List<byte[]>() };
                Assert.False(host.Iface.Poll(now, ref device), $"exchange {i}: the poll asked for another");
                Assert.Empty(device.Frames);
                Assert.NotEqual(changes, host.Iface.SocketChanges);
                Assert.Equal(1, host.Iface.Read(to, one));
            }
        }

        Assert.Equal(0UL, host.Iface.Statistics.TcpDelayedAcks);
    }
}
