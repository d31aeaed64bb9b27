using System.Text.Json;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mesh.Heal.ControlPlane.Tests.Resources;

/// <summary>The cleanup actuator against real endpoints: a WireMock webhook, a real shell command, and a WireMock stand-in
/// for the Kubernetes API serving the documented Eviction shapes (policy/v1 Eviction, 201 Created; 429 when a
/// PodDisruptionBudget refuses).</summary>
public sealed class CleanupActuatorTests : IDisposable
{
    private readonly WireMockServer _server = WireMockServer.Start();
    private readonly string _directory = Directory.CreateTempSubdirectory("meshheal-cleanup-").FullName;

    public void Dispose()
    {
        _server.Stop();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Apply_Webhook_PostsTheReplica()
    {
        _server.Given(Request.Create().WithPath("/cleanup/b-1").UsingPost()).RespondWith(Response.Create().WithStatusCode(204));
        var actuator = Actuator(new CleanupOptions { Method = "webhook", Url = _server.Url + "/cleanup/{instance}" });

        var undo = await actuator.ApplyAsync(For("b-1"), "coordinator", CancellationToken.None);

        Assert.Equal(new CleanupUndo(), undo);
        var body = JsonDocument.Parse(Assert.Single(_server.LogEntries).RequestMessage!.Body!).RootElement;
        Assert.Equal("b", body.GetProperty("service").GetString());
        Assert.Equal("b-1", body.GetProperty("instance").GetString());
        Assert.Equal("memory", body.GetProperty("resource").GetString());
    }

    [Fact]
    public async Task Apply_WebhookAnswers500_FailsNamingTheStatus()
    {
        _server.Given(Request.Create().UsingPost()).RespondWith(Response.Create().WithStatusCode(500));
        var actuator = Actuator(new CleanupOptions { Method = "webhook", Url = _server.Url + "/cleanup" });

        var error = await Assert.ThrowsAsync<ActuatorException>(() => actuator.ApplyAsync(For("b-1"), "coordinator", CancellationToken.None));

        Assert.Contains("HTTP 500", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_Command_RunsWithTheReplicaInItsEnvironment()
    {
        var file = Path.Combine(_directory, "cleaned");
        var actuator = Actuator(new CleanupOptions { Method = "command", Command = ["/bin/sh", "-c", $"echo \"$MESHHEAL_SERVICE $MESHHEAL_INSTANCE {{resource}}\" > {file}"] });

        await actuator.ApplyAsync(For("b-2"), "coordinator", CancellationToken.None);

        Assert.Equal("b b-2 memory", (await File.ReadAllTextAsync(file)).Trim());
    }

    [Fact]
    public async Task Apply_CommandFails_ReportsItsExitCodeAndError()
    {
        var actuator = Actuator(new CleanupOptions { Method = "command", Command = ["/bin/sh", "-c", "echo no such replica >&2; exit 3"] });

        var error = await Assert.ThrowsAsync<ActuatorException>(() => actuator.ApplyAsync(For("b-2"), "coordinator", CancellationToken.None));

        Assert.Contains("exited with 3: no such replica", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_Kubernetes_PostsAnEvictionForThePod()
    {
        _server.Given(Request.Create().WithPath("/api/v1/namespaces/shop/pods/b-7f9c-x2/eviction").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json")
                .WithBody("""{"kind":"Eviction","apiVersion":"policy/v1","metadata":{"name":"b-7f9c-x2","namespace":"shop"}}"""));
        var actuator = Actuator(new CleanupOptions { Method = "kubernetes", Namespace = "shop" });

        await actuator.ApplyAsync(For("b-7f9c-x2"), "coordinator", CancellationToken.None);

        var request = Assert.Single(_server.LogEntries).RequestMessage!;
        var body = JsonDocument.Parse(request.Body!).RootElement;
        Assert.Equal("Eviction", body.GetProperty("kind").GetString());
        Assert.Equal("policy/v1", body.GetProperty("apiVersion").GetString());
        Assert.Equal("b-7f9c-x2", body.GetProperty("metadata").GetProperty("name").GetString());
        Assert.Equal("Bearer test-token", request.Headers!["Authorization"].Single());
    }

    [Fact]
    public async Task Apply_KubernetesDisruptionBudgetRefuses_FailsSayingSo()
    {
        _server.Given(Request.Create().WithPath("/api/v1/namespaces/default/pods/b-1/eviction").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(429).WithHeader("Content-Type", "application/json")
                .WithBody("""{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Cannot evict pod as it would violate the pod's disruption budget.","reason":"TooManyRequests","code":429}"""));
        var actuator = Actuator(new CleanupOptions { Method = "kubernetes" });

        var error = await Assert.ThrowsAsync<ActuatorException>(() => actuator.ApplyAsync(For("b-1"), "coordinator", CancellationToken.None));

        Assert.Contains("HTTP 429: a PodDisruptionBudget allows no disruption now", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_ServiceWithoutCleanup_FailsNamingTheSetting()
    {
        var actuator = Actuator(null);

        var error = await Assert.ThrowsAsync<ActuatorException>(() => actuator.ApplyAsync(For("b-1"), "coordinator", CancellationToken.None));

        Assert.Contains("ControlPlane:Resources:Services:b:Cleanup is not configured", error.Message, StringComparison.Ordinal);
    }

    private static Cleanup For(string instance) => new("b", instance, "memory", "x");

    private CleanupActuator Actuator(CleanupOptions? cleanup)
    {
        var resources = new ResourceOptions();
        if (cleanup is not null)
        {
            resources.Services["b"] = new ServiceResourceOptions { Cleanup = cleanup };
        }

        var kubernetes = new KubernetesOptions { Server = _server.Url, Token = "test-token" };
        return new CleanupActuator(new HttpClient(), new KubernetesApi(Options.Create(kubernetes)), Options.Create(resources), new FakeTimeProvider());
    }
}
