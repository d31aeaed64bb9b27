using System.Globalization;
using Mesh.Heal.Cli.Inject;

namespace Mesh.Heal.IntegrationTests.Deploy;

/// <summary>The plain example workload, injected by <c>meshctl inject</c>, is checked against the control planes as the
/// sidecar example is: it reaches the control plane's gRPC Service with its own service's token, and its probes and
/// Service land on the listeners that serve them.</summary>
public class InjectionDeployTests
{
    /// <summary>The example workload with no sidecar, the README's <c>meshctl inject</c> example.</summary>
    public const string PlainExample = "example-orders-plain.yaml";

    [Theory]
    [MemberData(nameof(DeployTests.ControlPlanes), MemberType = typeof(DeployTests))]
    public async Task PlainExample_Injected_ReachesTheControlPlaneWithItsServiceToken_ProbesAndServiceOnItsListeners(string controlPlane)
    {
        var injected = await InjectAsync(Manifests.PathOf(Path.Combine("deploy/kubernetes", PlainExample)));
        var all = Manifests.Kubernetes(controlPlane).Concat(injected).ToList();

        var cp = all.Single(d => d.Get("kind")?.Text == "Deployment" && d["metadata"]["name"].Text == "meshheal-control-plane");
        var cpContainer = cp["spec"]["template"]["spec"]["containers"].Items.Single(c => c["name"].Text == "control-plane");
        var cpEnv = cpContainer["env"].Items.ToDictionary(e => e["name"].Text, e => e.Get("value")?.Text);
        var grpcPort = new Uri(cpEnv["ControlPlane__GrpcUrl"]!.Replace("://*", "://0.0.0.0", StringComparison.Ordinal)).Port;

        var orders = injected.Single(d => d.Get("kind")?.Text == "Deployment");
        var containers = orders["spec"]["template"]["spec"]["containers"].Items.ToList();
        var sidecar = containers.Single(c => c["name"].Text == "meshheal-sidecar");
        var env = sidecar["env"].Items.ToDictionary(e => e["name"].Text);

        // The control plane's Service, in its namespace, forwards the URL's port to the gRPC listener.
        var url = new Uri(env["Sidecar__ControlPlaneUrl"]["value"].Text);
        var host = url.Host.Split('.');
        var service = all.Single(d => d.Get("kind")?.Text == "Service" && d["metadata"]["name"].Text == host[0] && d["metadata"].Get("namespace")?.Text == host[1]);
        var port = service["spec"]["ports"].Items.Single(p => Convert.ToInt32(p["port"].Value, CultureInfo.InvariantCulture) == url.Port);
        var cpPorts = cpContainer["ports"].Items.ToDictionary(p => p["name"].Text, p => Convert.ToInt32(p["containerPort"].Value, CultureInfo.InvariantCulture));
        Assert.Equal(grpcPort, cpPorts[port["targetPort"].Text]);

        // Its token is the control plane's token of its own service.
        var serviceName = env["Sidecar__Service"]["value"].Text;
        Assert.True(cpEnv.TryGetValue($"ControlPlane__Auth__ServiceTokens__{serviceName}__0", out var tokenFile), $"the control plane has a token of service {serviceName}");
        var tokens = all.Single(d => d.Get("kind")?.Text == "Secret" && d["metadata"]["name"].Text == "meshheal-tokens")["stringData"];
        var reference = env["Sidecar__ControlPlaneToken"]["valueFrom"]["secretKeyRef"];
        var secret = injected.Single(d => d.Get("kind")?.Text == "Secret" && d["metadata"]["name"].Text == reference["name"].Text);
        Assert.Equal(tokens[Path.GetFileName(tokenFile!)].Text, secret["stringData"][reference["key"].Text].Text);

        // Probes on the admin listener, which serves /healthz and /readyz; the inbound target is the app's port.
        var ports = containers.SelectMany(c => c.Get("ports")?.Items ?? []).ToDictionary(p => p["name"].Text, p => Convert.ToInt32(p["containerPort"].Value, CultureInfo.InvariantCulture));
        var admin = new Uri(env["Sidecar__AdminUrl"]["value"].Text).Port;
        foreach (var probe in new[] { "readinessProbe", "livenessProbe" })
        {
            Assert.Equal(admin, ports[sidecar[probe]["httpGet"]["port"].Text]);
        }

        Assert.Equal(ports["http"], new Uri(env["Sidecar__InboundTarget"]["value"].Text).Port);
        Assert.Equal("/readyz", sidecar["readinessProbe"]["httpGet"]["path"].Text);
        Assert.Equal("/healthz", sidecar["livenessProbe"]["httpGet"]["path"].Text);
        var workloadService = injected.Single(d => d.Get("kind")?.Text == "Service");
        Assert.Contains(workloadService["spec"]["ports"].Items.Single()["targetPort"].Text, ports.Keys);
    }

    private static async Task<List<Node>> InjectAsync(string path)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(0, await InjectCommand.RunAsync(["inject", "-f", path], TextReader.Null, output, error));
        var file = Path.Combine(Directory.CreateTempSubdirectory("meshheal-inject-").FullName, PlainExample);
        await File.WriteAllTextAsync(file, output.ToString());
        return Manifests.Documents(file).ToList();
    }
}
