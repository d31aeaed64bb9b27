using Mesh.Heal.IntegrationTests.Support;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.IntegrationTests.ControlPlane;

[Collection(nameof(IntegrationCollection))]
public class PolicyDirectoryTests
{
    [Fact]
    public async Task Files_AreLoadedAtStart_ChangesMakeVersions_AndAnInvalidFileKeepsTheOldVersion()
    {
        var directory = Directory.CreateTempSubdirectory("meshheal-policies-").FullName;
        var file = Path.Combine(directory, "orders.yaml");
        await File.WriteAllTextAsync(file, "service: orders\nclusters:\n  backend:\n    timeout: 2s\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "payments.json"), """{ "service": "payments", "clusters": { "stripe": { "timeout": "500ms" } } }""");
        await using var controlPlane = await TestControlPlane.StartAsync("--ControlPlane:PolicyDirectory=" + directory);

        Assert.Equal(1, (await Policy(controlPlane, "orders")).Version);
        var payments = await Policy(controlPlane, "payments");
        Assert.Equal(TimeSpan.FromMilliseconds(500), payments.Policy.Clusters["stripe"].Timeout.ToTimeSpan());
        Assert.Equal("file:payments.json", payments.Source);

        await File.WriteAllTextAsync(file, "service: orders\nclusters:\n  backend:\n    timeout: 3s\n");
        await Wait.UntilAsync(async () => (await Policy(controlPlane, "orders")).Version == 2, "the changed file made version 2");

        await File.WriteAllTextAsync(file, "service: orders\nclusters:\n  backend:\n    timeout: soon\n");
        await Wait.UntilAsync(
            () => Task.FromResult(controlPlane.Store.AuditLog("orders", 10).Any(e => e.Kind == "policy.rejected" && e.Subject == "file:" + Path.GetFileName(file))),
            "the invalid file was rejected, with the file as the audit entry's subject");
        var current = await Policy(controlPlane, "orders");
        Assert.Equal(2, current.Version);
        Assert.Equal(TimeSpan.FromSeconds(3), current.Policy.Clusters["backend"].Timeout.ToTimeSpan());
    }

    private static async Task<Wire.PolicyVersion> Policy(TestControlPlane controlPlane, string service) =>
        await controlPlane.Control.GetPolicyAsync(new Wire.GetPolicyRequest { Service = service });
}
