using System.Globalization;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Injection;
using Microsoft.AspNetCore.Routing;

namespace Mesh.Heal.IntegrationTests.Deploy;

/// <summary>The plain example workload, injected by <c>meshctl inject</c>, is checked against the control planes as the
/// sidecar example is: it reaches the control plane's gRPC Service with its own service's token, and its probes and
/// Service land on the listeners that serve them.</summary>
public class InjectionDeployTests
{
    /// <summary>The example workload with no sidecar, the README's <c>meshctl inject</c> example.</summary>
    public const string PlainExample = "example-orders-plain.yaml";

    /// <summary>The mutating admission webhook's configuration.</summary>
    public const string Webhook = "injector-webhook.yaml";

    [Theory]
    [MemberData(nameof(DeployTests.ControlPlanes), MemberType = typeof(DeployTests))]
    public void Webhook_CallsAPathTheControlPlaneServes_OnItsHttpListener_ForLabelledNamespacesOnly(string controlPlane)
    {
        var all = Manifests.Kubernetes(controlPlane, Webhook);
        var hook = all.Single(d => d.Get("kind")?.Text == "MutatingWebhookConfiguration")["webhooks"].Items.Single();
        Assert.Equal(["v1"], hook["admissionReviewVersions"].Items.Select(v => v.Text));
        Assert.Equal("None", hook["sideEffects"].Text);
        Assert.Equal("Ignore", hook["failurePolicy"].Text);
        Assert.Equal("enabled", hook["namespaceSelector"]["matchLabels"]["meshheal.io/inject"].Text);
        var exclusion = hook["objectSelector"]["matchExpressions"].Items.Single();
        Assert.Equal(("meshheal.io/inject", "NotIn", "disabled"), (exclusion["key"].Text, exclusion["operator"].Text, exclusion["values"].Items.Single().Text));
        var rule = hook["rules"].Items.Single();
        Assert.Equal(["pods"], rule["resources"].Items.Select(r => r.Text));
        Assert.Equal([string.Empty], rule["apiGroups"].Items.Select(r => r.Text));

        // The Service and port reach the control plane container's HTTP listener.
        var target = hook["clientConfig"]["service"];
        var service = all.Single(d => d.Get("kind")?.Text == "Service" && d["metadata"]["name"].Text == target["name"].Text && d["metadata"].Get("namespace")?.Text == target["namespace"].Text);
        var port = service["spec"]["ports"].Items.Single(p => p["port"].Text == target["port"].Text);
        var cp = all.Single(d => d.Get("kind")?.Text == "Deployment" && d["metadata"]["name"].Text == "meshheal-control-plane");
        Assert.All(service["spec"]["selector"].Entries, s => Assert.Equal(s.Value.Text, cp["spec"]["template"]["metadata"]["labels"][s.Key].Text));
        Assert.False(service["spec"].Get("clusterIP")?.Text == "None", "the API server calls a webhook through the Service's cluster IP: it is not headless");
        var container = cp["spec"]["template"]["spec"]["containers"].Items.Single(c => c["name"].Text == "control-plane");
        var httpUrl = container["env"].Items.Single(e => e["name"].Text == "ControlPlane__HttpUrl")["value"].Text;
        var containerPort = container["ports"].Items.Single(p => p["name"].Text == port["targetPort"].Text)["containerPort"].Text;
        Assert.Equal(new Uri(httpUrl.Replace("://*", "://0.0.0.0", StringComparison.Ordinal)).Port.ToString(CultureInfo.InvariantCulture), containerPort);

        // The path is one the control plane maps, for POST.
        Assert.Equal(InjectionEndpoints.Path, target["path"].Text);
        using var app = ControlPlaneHost.Build(["--ControlPlane:GrpcUrl=http://127.0.0.1:0", "--ControlPlane:HttpUrl=http://127.0.0.1:0",
            "--ControlPlane:StorePath=" + Path.Combine(Directory.CreateTempSubdirectory("meshheal-webhook-").FullName, "cp.db")]);
        var routes = ((IEndpointRouteBuilder)app).DataSources.SelectMany(d => d.Endpoints).OfType<RouteEndpoint>();
        Assert.Contains(routes, r => r.RoutePattern.RawText == target["path"].Text
            && r.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods.Contains("POST") == true);
    }

    [Theory]
    [MemberData(nameof(DeployTests.ControlPlanes), MemberType = typeof(DeployTests))]
    public void PlainExample_Injected_ReachesTheControlPlaneWithItsServiceToken_ProbesAndServiceOnItsListeners(string controlPlane)
    {
        var injected = Manifests.Injected(PlainExample);
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
}
