using System;
using System.Collections.Generic;
using System.Runtime.InteropServices.JavaScript;
using Aurora.Net;

namespace Aurora.Wasm.Playground;

/// <summary>
/// Two Aurora.Net stacks (10.0.0.1 and 10.0.0.2) joined by an in-memory Ethernet link with 1 ms
/// latency: A connects to B's port 80, sends a payload, closes; every frame on the wire is
/// recorded with its time and decoded TCP header for the page's timeline.
/// </summary>
public static partial class NetExports
{
    private struct FrameSink : INetworkDevice
    {
        public List<byte[]> Sent;
        private byte[]? _tx;

        // Frames reach the stacks through Receive (the link below delays them), not the device.
        public bool TryReceive(out ReadOnlySpan<byte> frame)
        {
            frame = default;
            return false;
        }

        public void ReleaseReceived()
        {
        }

        public bool TryReserveTransmit(out Span<byte> buffer)
        {
            _tx ??= new byte[2048];
            buffer = _tx;
            return true;
        }

        public void Transmit(int length)
        {
            if (length > 0) Sent.Add(_tx.AsSpan(0, length).ToArray());
        }
    }

    [JSExport]
    public static string Transfer(int payloadBytes, int lossEveryNth)
    {
        payloadBytes = Math.Clamp(payloadBytes, 0, 1 << 20);
        var a = new NetInterface<WasmNetMemory>(default);
        var b = new NetInterface<WasmNetMemory>(default);
        var json = new Json().Open('{');
        try
        {
            Ipv4Address ipA = new(10, 0, 0, 1), ipB = new(10, 0, 0, 2);
            Check(a.Initialize(Config(1, ipA)), "initialize A");
            Check(b.Initialize(Config(2, ipB)), "initialize B");

            int listener = b.OpenTcp();
            Check(b.Bind(listener, Ipv4Address.Any, 80), "bind");
            Check(b.Listen(listener, 4), "listen");
            ulong now = 1000;
            int client = a.OpenTcp();
            NetError connect = a.Connect(client, ipB, 80, now);
            if (connect != NetError.InProgress) throw new InvalidOperationException($"connect: {connect}");

            byte[] payload = new byte[payloadBytes];
            for (int i = 0; i < payload.Length; i++) payload[i] = (byte)(i * 7 + 3);
            var received = new List<byte>(payloadBytes);
            byte[] buffer = new byte[4096];
            int server = -1, written = 0, frameNumber = 0;
            bool closedA = false, sawEof = false, closedB = false;
            var inFlight = new List<(ulong At, bool ToB, byte[] Frame)>();
            json.Open('[', "frames");
            int shown = 0;
            // Until both have closed, then a few more milliseconds for the last ACK to cross.
            int after = 5;
            for (int step = 0; step < 60_000 && after > 0; step++)
            {
                if (closedB && a.GetTcpState(client) is TcpState.Closed or TcpState.TimeWait) after--;
                if (server < 0) server = b.Accept(listener, out _, out _);
                if (a.GetTcpState(client) == TcpState.Established && written < payload.Length)
                {
                    long n = a.Write(client, payload.AsSpan(written));
                    if (n > 0) written += (int)n;
                }
                if (written == payload.Length && !closedA && a.GetTcpState(client) == TcpState.Established)
                {
                    a.Close(client);
                    closedA = true;
                }
                if (server >= 0 && !sawEof)
                {
                    long n;
                    while ((n = b.Read(server, buffer)) > 0) received.AddRange(buffer.AsSpan(0, (int)n).ToArray());
                    if (n == 0) sawEof = true;
                }
                if (sawEof && !closedB)
                {
                    b.Close(server);
                    closedB = true;
                }

                foreach (bool fromA in new[] { true, false })
                {
                    var device = new FrameSink { Sent = new List<byte[]>() };
                    if (fromA) a.Poll(now, ref device); else b.Poll(now, ref device);
                    foreach (byte[] frame in device.Sent)
                    {
                        frameNumber++;
                        bool dropped = lossEveryNth > 1 && frameNumber % lossEveryNth == 0 && IsTcp(frame);
                        if (shown++ < 400) Describe(json, frame, now, fromA, dropped);
                        if (!dropped) inFlight.Add((now + 1, fromA, frame));
                    }
                }
                now++;
                for (int i = 0; i < inFlight.Count; i++)
                {
                    if (inFlight[i].At > now) continue;
                    if (inFlight[i].ToB) b.Receive(inFlight[i].Frame, now); else a.Receive(inFlight[i].Frame, now);
                    inFlight.RemoveAt(i--);
                }
            }
            json.Close(']');
            bool intact = received.Count == payload.Length && received.ToArray().AsSpan().SequenceEqual(payload);
            json.Number("sent", written).Number("received", received.Count).Bool("intact", intact)
                .Number("frameCount", frameNumber).Number("elapsedMs", now - 1000)
                .String("stateA", a.GetTcpState(client).ToString())
                .String("stateB", server >= 0 ? "closed by its owner" : "never accepted");
        }
        catch (Exception e)
        {
            json.String("error", e.Message);
        }
        finally
        {
            a.Dispose();
            b.Dispose();
        }
        return json.Close('}').ToString();
    }

    private static InterfaceConfig Config(byte n, Ipv4Address address) => new()
    {
        Mac = new MacAddress(0x02, 0, 0, 0, 0, n),
        Address = address,
        Netmask = new Ipv4Address(255, 255, 255, 0),
        Gateway = new Ipv4Address(10, 0, 0, 254),
        Seed = 0x1234_5678_9ABC_DEF0UL * n,
    };

    private static void Check(NetError error, string what)
    {
        if (error != NetError.None) throw new InvalidOperationException($"{what}: {error}");
    }

    private static bool IsTcp(byte[] frame) =>
        EthernetFrame.TryParse(frame, out EthernetFrame eth) == WireError.None && eth.EtherType == EtherType.Ipv4
        && Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip) == WireError.None && ip.Protocol == IpProtocol.Tcp;

    /// <summary>One frame for the timeline, decoded by the stack's own wire parsers.</summary>
    private static void Describe(Json json, byte[] frame, ulong now, bool fromA, bool dropped)
    {
        json.Open('{').Number("t", now - 1000).Bool("fromA", fromA).Bool("dropped", dropped).Number("bytes", frame.Length);
        if (EthernetFrame.TryParse(frame, out EthernetFrame eth) != WireError.None)
        {
            json.String("kind", "bad frame");
        }
        else if (eth.EtherType == EtherType.Arp)
        {
            json.String("kind", "ARP");
        }
        else if (Ipv4Packet.TryParse(eth.Payload, out Ipv4Packet ip) == WireError.None && ip.Protocol == IpProtocol.Tcp
                 && TcpSegment.TryParse(ip.Payload, ip.Source, ip.Destination, out TcpSegment tcp) == WireError.None)
        {
            string flags = "";
            if (tcp.Has(TcpFlags.Syn)) flags += "SYN ";
            if (tcp.Has(TcpFlags.Fin)) flags += "FIN ";
            if (tcp.Has(TcpFlags.Rst)) flags += "RST ";
            if (tcp.Has(TcpFlags.Psh)) flags += "PSH ";
            if (tcp.Has(TcpFlags.Ack)) flags += "ACK";
            json.String("kind", "TCP").String("flags", flags.Trim()).Number("seq", tcp.SequenceNumber)
                .Number("ack", tcp.AcknowledgmentNumber).Number("len", tcp.Payload.Length).Number("window", tcp.Window);
        }
        else
        {
            json.String("kind", "IPv4");
        }
        json.Close('}');
    }
}
