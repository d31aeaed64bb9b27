using System.Net;
using Mesh.Heal.IntegrationTests.Support;
using Mesh.Heal.Testing.Network;

namespace Mesh.Heal.IntegrationTests.Network;

/// <summary>The network-namespace harness itself: two namespaces reach each other over their veth pair, a process
/// inside runs as the uid asked for, and nothing is left after dispose.</summary>
[Collection(nameof(IntegrationCollection))]
public class NetworkNamespaceTests
{
    [NetworkFact]
    public async Task CreatePairAsync_TwoNamespaces_ReachEachOtherOverTheVeth_AndAreGoneAfterDispose()
    {
        string firstName, secondName, firstVeth, secondVeth;
        var (first, second) = await NetworkNamespace.CreatePairAsync();
        await using (first)
        await using (second)
        {
            (firstName, secondName, firstVeth, secondVeth) = (first.Name, second.Name, first.VethName!, second.VethName!);
            Assert.Contains(firstName, await NetworkNamespace.ListAsync());
            await using var listener = PortEchoListener.Start(second, IPAddress.Any, 0);

            var answer = await first.ConnectAndReadAsync(second.Address!.ToString(), listener.Port);

            Assert.Equal(listener.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), answer);
            Assert.Equal(1, listener.Accepted);
            // Only the veth end and lo: the namespace is not joined to the host's.
            var links = await first.RunCheckedAsync("ip", "-o", "link");
            Assert.Equal(2, links.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        }

        var left = await NetworkNamespace.ListAsync();
        Assert.DoesNotContain(firstName, left);
        Assert.DoesNotContain(secondName, left);
        var (_, hostLinks) = await Benchmarks.Load.Tools.RunWithOutputAsync("ip", "-o", "link");
        Assert.DoesNotContain(firstVeth, hostLinks);
        Assert.DoesNotContain(secondVeth, hostLinks);
    }

    [NetworkFact]
    public async Task RunAsync_WithUid_RunsAsThatUid_InsideTheNamespace()
    {
        await using var network = await NetworkNamespace.CreateAsync();

        var (code, output) = await network.RunAsync("id", ["-u"], uid: 4242);

        Assert.Equal(0, code);
        Assert.Equal("4242", output.Trim());
    }

    [NetworkFact]
    public async Task DeleteLeftovers_NamespaceOfADeadTestProcess_IsDeleted_OneOfALiveProcessIsKept()
    {
        // pid 2^22 + 1 is above Linux's largest pid, so no process has it: a run that crashed.
        var dead = $"{NetworkNamespace.Prefix}{(1 << 22) + 1}-leftover";
        var live = $"{NetworkNamespace.Prefix}{Environment.ProcessId}-kept";
        await Benchmarks.Load.Tools.RunWithOutputAsync("ip", "netns", "add", dead);
        await Benchmarks.Load.Tools.RunWithOutputAsync("ip", "netns", "add", live);
        try
        {
            NetworkNamespace.DeleteLeftovers();

            var left = await NetworkNamespace.ListAsync();
            Assert.DoesNotContain(dead, left);
            Assert.Contains(live, left);
        }
        finally
        {
            await Benchmarks.Load.Tools.RunWithOutputAsync("ip", "netns", "delete", dead);
            await Benchmarks.Load.Tools.RunWithOutputAsync("ip", "netns", "delete", live);
        }
    }

    [NetworkFact]
    public async Task SetHostsAsync_NamesResolveForProgramsInside_NotOutside_AndTheFileGoesWithTheNamespace()
    {
        var network = await NetworkNamespace.CreateAsync();
        var etc = Path.Combine("/etc/netns", network.Name);
        await using (network)
        {
            await network.SetHostsAsync(("orders", IPAddress.Parse("10.1.2.3")));

            var (code, inside) = await network.RunAsync("getent", ["hosts", "orders"], uid: 4242);
            var (_, outside) = await Benchmarks.Load.Tools.RunWithOutputAsync("getent", "hosts", "orders");

            Assert.Equal(0, code);
            Assert.StartsWith("10.1.2.3", inside.Trim(), StringComparison.Ordinal);
            Assert.DoesNotContain("10.1.2.3", outside);
            Assert.True(Directory.Exists(etc));
        }

        Assert.False(Directory.Exists(etc));
    }

    [NetworkFact]
    public async Task DeleteLeftovers_HostsFileOfADeadTestProcess_IsDeleted_OneOfALiveProcessIsKept()
    {
        var dead = Path.Combine("/etc/netns", $"{NetworkNamespace.Prefix}{(1 << 22) + 1}-leftover");
        var live = Path.Combine("/etc/netns", $"{NetworkNamespace.Prefix}{Environment.ProcessId}-kept");
        Directory.CreateDirectory(dead);
        Directory.CreateDirectory(live);
        try
        {
            NetworkNamespace.DeleteLeftovers();

            Assert.False(Directory.Exists(dead));
            Assert.True(Directory.Exists(live));
        }
        finally
        {
            foreach (var directory in new[] { dead, live }.Where(Directory.Exists))
            {
                Directory.Delete(directory, recursive: true);
            }
        }
    }
}
