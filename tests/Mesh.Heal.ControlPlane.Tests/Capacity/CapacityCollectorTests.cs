using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Resources;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mesh.Heal.ControlPlane.Tests.Capacity;

/// <summary>The capacity collector against a WireMock stand-in for the Kubernetes API: the HPA (autoscaling/v2, with its
/// status) and its events (core/v1 EventList, <c>SuccessfulRescale</c> with <c>New size: N</c>, as the HPA controller writes them).</summary>
public sealed class CapacityCollectorTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 12, 0, 0, TimeSpan.Zero);

    private const string Hpa = """
        { "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": { "name": "orders", "namespace": "shop" },
          "spec": { "scaleTargetRef": { "kind": "Deployment", "name": "orders" }, "minReplicas": 2, "maxReplicas": 12,
            "metrics": [ { "type": "Resource", "resource": { "name": "cpu", "target": { "type": "Utilization", "averageUtilization": 60 } } } ],
            "behavior": { "scaleDown": { "stabilizationWindowSeconds": 120 } } },
          "status": { "currentReplicas": 5, "desiredReplicas": 5 } }
        """;

    private const string Events = """
        { "apiVersion": "v1", "kind": "EventList", "items": [
          { "metadata": { "name": "orders.1" }, "involvedObject": { "kind": "HorizontalPodAutoscaler", "name": "orders" }, "reason": "SuccessfulRescale",
            "message": "New size: 4; reason: cpu resource utilization (percentage of request) above target", "lastTimestamp": "2026-11-25T11:40:00Z", "type": "Normal" },
          { "metadata": { "name": "orders.2" }, "involvedObject": { "kind": "HorizontalPodAutoscaler", "name": "orders" }, "reason": "SuccessfulRescale",
            "message": "New size: 5; reason: cpu resource utilization (percentage of request) above target", "lastTimestamp": "2026-11-25T11:50:00Z", "type": "Normal" },
          { "metadata": { "name": "orders.3" }, "involvedObject": { "kind": "HorizontalPodAutoscaler", "name": "orders" }, "reason": "FailedGetResourceMetric",
            "message": "unable to get metrics", "lastTimestamp": "2026-11-25T11:55:00Z", "type": "Warning" },
          { "metadata": { "name": "orders.0" }, "involvedObject": { "kind": "HorizontalPodAutoscaler", "name": "orders" }, "reason": "SuccessfulRescale",
            "message": "New size: 9; reason: All metrics below target", "lastTimestamp": "2026-11-24T01:00:00Z", "type": "Normal" } ] }
        """;

    private const string Deployment = """
        { "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "orders", "namespace": "shop" },
          "spec": { "replicas": 5, "selector": { "matchLabels": { "app": "orders" } }, "template": { "metadata": { "labels": { "app": "orders" } }, "spec": { "containers": [ { "name": "orders", "image": "orders:1" } ] } } },
          "status": { "replicas": 5, "readyReplicas": 4, "availableReplicas": 4 } }
        """;

    private readonly WireMockServer _server = WireMockServer.Start();

    public void Dispose() => _server.Stop();

    [Fact]
    public async Task Collect_ReadsTheHpaPolicyStatusAndItsRescalesWithinTheLookback()
    {
        _server.Given(Request.Create().WithPath("/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/orders").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(Hpa));
        _server.Given(Request.Create().WithPath("/api/v1/namespaces/shop/events").WithParam("fieldSelector", "involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name=orders").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(Events));
        _server.Given(Request.Create().WithPath("/apis/apps/v1/namespaces/shop/deployments/orders").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(Deployment));
        var (collector, hpa) = Collector();

        await collector.CollectAsync(CancellationToken.None);

        var state = collector.Hpa("orders")!;
        Assert.Equal(5, state.CurrentReplicas);
        Assert.Equal(4, state.Serving);
        Assert.Equal([(Now.AddMinutes(-20), 4), (Now.AddMinutes(-10), 5)], state.Rescales);
        Assert.Equal(3, state.At(Now.AddMinutes(-30), before: 3));
        Assert.Equal(4, state.At(Now.AddMinutes(-15), before: 3));
        var policy = hpa.PolicyOf("orders")!;
        Assert.Equal((2, 12, 0.6, TimeSpan.FromMinutes(2)), (policy.MinReplicas, policy.MaxReplicas, policy.TargetUtilization, policy.ScaleDownStabilization));
    }

    [Fact]
    public async Task Collect_ApiRefusesLater_KeepsWhatItReadLast()
    {
        var (collector, _) = Collector();
        _server.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(403).WithBody("forbidden"));
        await collector.CollectAsync(CancellationToken.None);
        Assert.Null(collector.Hpa("orders"));

        _server.Reset();
        _server.Given(Request.Create().WithPath("/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/orders").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(Hpa));
        _server.Given(Request.Create().WithPath("/api/v1/namespaces/shop/events").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(Events));
        _server.Given(Request.Create().WithPath("/apis/apps/v1/namespaces/shop/deployments/orders").UsingGet())
            .RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(Deployment));
        await collector.CollectAsync(CancellationToken.None);
        _server.Reset();
        _server.Given(Request.Create().UsingGet()).RespondWith(Response.Create().WithStatusCode(503).WithBody("unavailable"));
        await collector.CollectAsync(CancellationToken.None);

        Assert.Equal(5, collector.Hpa("orders")!.CurrentReplicas);
        Assert.Equal(2, collector.Hpa("orders")!.Rescales.Count);
    }

    private (CapacityCollector Collector, HpaReader Hpa) Collector()
    {
        var capacity = Options.Create(new CapacityOptions { ScalingLookback = TimeSpan.FromHours(1) });
        capacity.Value.Services["orders"] = new ServiceCapacityOptions { Hpa = new HpaOptions { Namespace = "shop" } };
        var hpa = new HpaReader(new KubernetesApi(Options.Create(new KubernetesOptions { Server = _server.Url })), capacity);
        return (new CapacityCollector(hpa, new PrometheusClient(new HttpClient()), capacity, Options.Create(new ResourceOptions()), TestStore.Metrics(), new FakeTimeProvider(Now), NullLogger<CapacityCollector>.Instance), hpa);
    }
}
