using System.Net;
using Mesh.Heal.Chaos;
using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.Testing.Network;

namespace Mesh.Heal.IntegrationTests.Network;

/// <summary><c>meshctl init-network</c> (the built meshctl, run with dotnet inside a namespace the test made) against
/// the kernel: where connections really land, and that it is idempotent and removed cleanly.</summary>
/// <remarks>The "pod" namespace runs the rules, a port-echo listener standing in for the sidecar's outbound listener
/// (15001), one for its inbound listener (15006) and one for the application (8080); the "peer" namespace, across the
/// veth, has listeners on 8080 and on an excluded port. Each listener answers with its own port.</remarks>
[Collection(nameof(IntegrationCollection))]
public class InitNetworkTests
{
    private const int ProxyUid = 1337;
    private const int AppUid = 4242;
    private const int ServicePort = 8080;
    private const int ExcludedPort = 15010;

    [NetworkFact]
    public async Task InitNetwork_InAPodNamespace_RedirectsTheAppsTraffic_NotTheProxys_NorExcludedPorts_AndInboundToTheInboundListener()
    {
        var (pod, peer) = await NetworkNamespace.CreatePairAsync();
        await using (pod)
        await using (peer)
        {
            await using var outbound = PortEchoListener.Start(pod, IPAddress.Any, 15001);
            await using var inbound = PortEchoListener.Start(pod, IPAddress.Any, 15006);
            await using var app = PortEchoListener.Start(pod, IPAddress.Any, ServicePort);
            await using var peerService = PortEchoListener.Start(peer, IPAddress.Any, ServicePort);
            await using var peerExcluded = PortEchoListener.Start(peer, IPAddress.Any, ExcludedPort);
            var peerAddress = peer.Address!.ToString();

            await InitNetworkAsync(pod, "--proxy-uid", "1337", "--service-ports", "8080", "--exclude-ports", "15000,15010,15080");

            Assert.Equal("15001", await pod.ConnectAndReadAsync(peerAddress, ServicePort, AppUid));
            Assert.Equal("8080", await pod.ConnectAndReadAsync(peerAddress, ServicePort, ProxyUid));
            Assert.Equal("15010", await pod.ConnectAndReadAsync(peerAddress, ExcludedPort, AppUid));
            // An explicit call on loopback (the app to its sidecar, or to itself) is left alone.
            Assert.Equal("8080", await pod.ConnectAndReadAsync("127.0.0.1", ServicePort, AppUid));
            Assert.Equal("15006", await peer.ConnectAndReadAsync(pod.Address!.ToString(), ServicePort, AppUid));
            Assert.Equal((1, 1, 1, 1, 1), (outbound.Accepted, inbound.Accepted, app.Accepted, peerService.Accepted, peerExcluded.Accepted));
        }
    }

    [NetworkFact]
    public async Task InitNetwork_Ipv6_RedirectsTheAppsIpv6Traffic_NotTheProxys_NorExcludedPorts_NorLoopback_AndInbound_AndRemovesCleanly()
    {
        var (pod, peer) = await NetworkNamespace.CreatePairAsync(ipv6: true);
        await using (pod)
        await using (peer)
        {
            await using var outbound = PortEchoListener.Start(pod, IPAddress.IPv6Any, 15001);
            await using var inbound = PortEchoListener.Start(pod, IPAddress.IPv6Any, 15006);
            await using var app = PortEchoListener.Start(pod, IPAddress.IPv6Any, ServicePort);
            await using var peerService = PortEchoListener.Start(peer, IPAddress.IPv6Any, ServicePort);
            await using var peerExcluded = PortEchoListener.Start(peer, IPAddress.IPv6Any, ExcludedPort);
            var peerAddress = peer.Address6!.ToString();
            var original = await pod.RunCheckedAsync("ip6tables", "-t", "nat", "-S");

            // The default, --ipv6 auto: ip6tables is there and reads its table.
            await InitNetworkAsync(pod, "--proxy-uid", "1337", "--service-ports", "8080", "--exclude-ports", "15000,15010,15080");

            Assert.Equal("15001", await pod.ConnectAndReadAsync(peerAddress, ServicePort, AppUid));
            Assert.Equal("8080", await pod.ConnectAndReadAsync(peerAddress, ServicePort, ProxyUid));
            Assert.Equal("15010", await pod.ConnectAndReadAsync(peerAddress, ExcludedPort, AppUid));
            Assert.Equal("8080", await pod.ConnectAndReadAsync("::1", ServicePort, AppUid));
            Assert.Equal("15006", await peer.ConnectAndReadAsync(pod.Address6!.ToString(), ServicePort, AppUid));
            Assert.Equal((1, 1, 1, 1, 1), (outbound.Accepted, inbound.Accepted, app.Accepted, peerService.Accepted, peerExcluded.Accepted));
            Assert.Contains("-A MESHHEAL_OUTPUT -d ::1/128 -o lo -j RETURN", await pod.RunCheckedAsync("ip6tables", "-t", "nat", "-S"), StringComparison.Ordinal);

            await InitNetworkAsync(pod, "--remove");
            Assert.Equal(original, await pod.RunCheckedAsync("ip6tables", "-t", "nat", "-S"));
            Assert.DoesNotContain("MESHHEAL", await NatRulesAsync(pod), StringComparison.Ordinal);
        }
    }

    [NetworkFact]
    public async Task InitNetwork_Ipv6Off_LeavesIp6tablesAlone()
    {
        await using var pod = await NetworkNamespace.CreateAsync();
        var original = await pod.RunCheckedAsync("ip6tables", "-t", "nat", "-S");

        await InitNetworkAsync(pod, "--proxy-uid", "1337", "--service-ports", "8080", "--ipv6", "off");

        Assert.Equal(original, await pod.RunCheckedAsync("ip6tables", "-t", "nat", "-S"));
        Assert.Contains("-A OUTPUT -p tcp -j MESHHEAL_OUTPUT", await NatRulesAsync(pod), StringComparison.Ordinal);
    }

    [NetworkFact]
    public async Task InitNetwork_RunTwice_LeavesTheSameRules_AndRemoveRestoresTheTableExactly()
    {
        await using var pod = await NetworkNamespace.CreateAsync();
        // A rule of someone else's, which --remove must leave where it is.
        await pod.RunCheckedAsync("iptables", "-t", "nat", "-A", "OUTPUT", "-p", "udp", "--dport", "53", "-j", "RETURN");
        var original = await NatRulesAsync(pod);

        await InitNetworkAsync(pod, "--proxy-uid", "1337", "--service-ports", "8080,9090");
        var once = await NatRulesAsync(pod);
        await InitNetworkAsync(pod, "--proxy-uid", "1337", "--service-ports", "8080,9090");
        var twice = await NatRulesAsync(pod);
        await InitNetworkAsync(pod, "--remove");
        var removed = await NatRulesAsync(pod);
        var removeAgain = await RunMeshctlAsync(pod, "--remove");

        Assert.Contains("-A OUTPUT -p tcp -j MESHHEAL_OUTPUT", once, StringComparison.Ordinal);
        Assert.Contains("-A MESHHEAL_PREROUTING -p tcp -m tcp --dport 9090 -j REDIRECT --to-ports 15006", once, StringComparison.Ordinal);
        Assert.Equal(once, twice);
        Assert.Equal(original, removed);
        Assert.Equal(0, removeAgain.Code);
        Assert.Equal(original, await NatRulesAsync(pod));
    }

    [NetworkFact]
    public async Task InitNetwork_DryRun_PrintsTheCommands_AndChangesNothing()
    {
        await using var pod = await NetworkNamespace.CreateAsync();
        var original = await NatRulesAsync(pod);

        var (code, output) = await RunMeshctlAsync(pod, "--proxy-uid", "1337", "--dry-run");

        Assert.Equal(0, code);
        Assert.Contains("iptables -t nat -A MESHHEAL_OUTPUT -m owner --uid-owner 1337 -j RETURN\n", output, StringComparison.Ordinal);
        Assert.Equal(original, await NatRulesAsync(pod));
    }

    private static async Task InitNetworkAsync(NetworkNamespace network, params string[] args)
    {
        var (code, output) = await RunMeshctlAsync(network, args);
        Assert.True(code == 0, $"meshctl init-network {string.Join(' ', args)} exited with {code}: {output}");
    }

    private static Task<(int Code, string Output)> RunMeshctlAsync(NetworkNamespace network, params string[] args) =>
        network.RunAsync("dotnet", [Programs.Meshctl, "init-network", .. args]);

    private static Task<string> NatRulesAsync(NetworkNamespace network) => network.RunCheckedAsync("iptables", "-t", "nat", "-S");
}
