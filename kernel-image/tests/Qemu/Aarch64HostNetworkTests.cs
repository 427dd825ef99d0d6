using System;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace Aurora.KernelImage.Tests.Qemu;

/// <summary>The hostnet.* tests on arm64: the same host halves as x86_64's (HostNetworkTests),
/// each booting the arm64 test image (artifacts/aurora-aarch64-test.img) with its own test,
/// the virtio-net-pci card on QEMU's user network.</summary>
public class Aarch64HostNetworkTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output = output;

    private static string TestImage => Path.Combine(QemuBoot.Artifacts, "aurora-aarch64-test.img");

    private static BootResult Boot(string options, string network) =>
        Aarch64BootTests.Boot(options, TestImage, TimeSpan.FromSeconds(300), network: network);

    [Fact]
    public Task Guest_program_does_tcp_and_udp_round_trips_with_the_host_on_aarch64() =>
        HostNetworkTests.TcpAndUdpRoundTrips(Boot);

    [Fact]
    public Task Guest_socket_api_reaches_its_own_listener_through_the_host_on_aarch64() =>
        HostNetworkTests.SocketApiThroughTheHost(Boot);

    [Fact]
    public Task Guest_moves_bulk_data_both_ways_with_the_host_exactly_on_aarch64() =>
        HostNetworkTests.BulkTransferBothWays(Boot, "virtio-net");

    /// <summary>x86_64's flood (NetworkFloodTests) against the virtio-net card: junk frames, SYN
    /// floods and reset storms through a socket netdev on a hub with the card, while netserve
    /// answers the host's requests.</summary>
    [Fact]
    public Task Server_keeps_answering_through_junk_syn_floods_and_reset_storms_on_aarch64() =>
        NetworkFloodTests.FloodAndCheck(_output, (options, network, hubWith) =>
            Aarch64BootTests.Boot(options, TestImage, TimeSpan.FromSeconds(300), memory: "512M", network: network, hubWith: hubWith),
            passedExitCode: 0);
}
