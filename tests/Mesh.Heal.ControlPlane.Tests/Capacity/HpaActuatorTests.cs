using System.Text.Json;
using Mesh.Heal.ControlPlane.Capacity;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Options;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mesh.Heal.ControlPlane.Tests.Capacity;

/// <summary>The HPA actuator against a WireMock stand-in for the Kubernetes API serving the documented
/// autoscaling/v2 HorizontalPodAutoscaler shapes (GET and PUT on /apis/autoscaling/v2/namespaces/{ns}/horizontalpodautoscalers/{name}).</summary>
public sealed class HpaActuatorTests : IDisposable
{
    private const string Path = "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers/b";

    private const string Hpa = """
        { "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler",
          "metadata": { "name": "b", "namespace": "shop", "resourceVersion": "4711" },
          "spec": { "scaleTargetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": "b" }, "minReplicas": 2, "maxReplicas": 6,
            "metrics": [ { "type": "Resource", "resource": { "name": "cpu", "target": { "type": "Utilization", "averageUtilization": 70 } } } ] },
          "status": { "currentReplicas": 3, "desiredReplicas": 3 } }
        """;

    private readonly WireMockServer _server = WireMockServer.Start();
    private HpaReader? _reader;

    public void Dispose() => _server.Stop();

    [Fact]
    public async Task Apply_ChangesOnlyTheNamedFieldsAndReturnsTheirPreviousValues()
    {
        _server.Given(Request.Create().WithPath(Path).UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(Hpa));
        _server.Given(Request.Create().WithPath(Path).UsingPut()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(r => r.Body!));
        var actuator = Actuator();

        var undo = await actuator.ApplyAsync(
            Change((HpaField.MaxReplicas, 9), (HpaField.ScaleDownStabilization, 600), (HpaField.TargetUtilization, 0.6)), "coordinator", CancellationToken.None);

        Assert.Equal(6, undo.Previous[HpaField.MaxReplicas]);
        Assert.Null(undo.Previous[HpaField.ScaleDownStabilization]);
        Assert.Equal(0.7, undo.Previous[HpaField.TargetUtilization]);
        var put = JsonDocument.Parse(_server.LogEntries.Single(e => e.RequestMessage!.Method == "PUT").RequestMessage!.Body!).RootElement;
        var spec = put.GetProperty("spec");
        Assert.Equal(9, spec.GetProperty("maxReplicas").GetInt32());
        Assert.Equal(2, spec.GetProperty("minReplicas").GetInt32());
        Assert.Equal(60, spec.GetProperty("metrics")[0].GetProperty("resource").GetProperty("target").GetProperty("averageUtilization").GetInt32());
        Assert.Equal(600, spec.GetProperty("behavior").GetProperty("scaleDown").GetProperty("stabilizationWindowSeconds").GetInt32());
        Assert.Equal("4711", put.GetProperty("metadata").GetProperty("resourceVersion").GetString());
        var seen = _reader!.PolicyOf("b")!;
        Assert.Equal((2, 9, 0.6, TimeSpan.FromMinutes(10)), (seen.MinReplicas, seen.MaxReplicas, seen.TargetUtilization, seen.ScaleDownStabilization));
    }

    [Fact]
    public async Task Undo_WritesThePreviousValuesBackAndRemovesWhatWasAdded()
    {
        var changed = Hpa.Replace("\"maxReplicas\": 6", "\"maxReplicas\": 9, \"behavior\": { \"scaleDown\": { \"stabilizationWindowSeconds\": 600 } }", StringComparison.Ordinal);
        _server.Given(Request.Create().WithPath(Path).UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(changed));
        _server.Given(Request.Create().WithPath(Path).UsingPut()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(r => r.Body!));

        await Actuator().UndoAsync(
            Change((HpaField.MaxReplicas, 9), (HpaField.ScaleDownStabilization, 600)),
            new HpaUndo(new Dictionary<HpaField, double?> { [HpaField.MaxReplicas] = 6, [HpaField.ScaleDownStabilization] = null }), "operator", CancellationToken.None);

        var spec = JsonDocument.Parse(_server.LogEntries.Single(e => e.RequestMessage!.Method == "PUT").RequestMessage!.Body!).RootElement.GetProperty("spec");
        Assert.Equal(6, spec.GetProperty("maxReplicas").GetInt32());
        var down = spec.GetProperty("behavior").GetProperty("scaleDown");
        Assert.False(down.TryGetProperty("stabilizationWindowSeconds", out var window) && window.ValueKind != JsonValueKind.Null);
    }

    [Fact]
    public async Task Apply_Conflict_FailsSayingSomeoneChangedIt()
    {
        _server.Given(Request.Create().WithPath(Path).UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(Hpa));
        _server.Given(Request.Create().WithPath(Path).UsingPut()).RespondWith(Response.Create().WithStatusCode(409).WithHeader("Content-Type", "application/json")
            .WithBody("""{ "kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": "Conflict", "code": 409 }"""));

        var error = await Assert.ThrowsAsync<ActuatorException>(() => Actuator().ApplyAsync(Change((HpaField.MaxReplicas, 9)), "coordinator", CancellationToken.None));

        Assert.Contains("HTTP 409: it was changed meanwhile", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Apply_UnknownField_NamesTheAcceptedOnes()
    {
        _server.Given(Request.Create().WithPath(Path).UsingGet()).RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody(Hpa));

        var error = await Assert.ThrowsAsync<ActuatorException>(() => Actuator().ApplyAsync(Change(((HpaField)99, 9)), "coordinator", CancellationToken.None));

        Assert.Contains("'99' cannot be changed; accepted: minReplicas, maxReplicas", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(_server.LogEntries, e => e.RequestMessage!.Method == "PUT");
    }

    private static HpaChange Change(params (HpaField Field, double Value)[] changes) => new("b", [.. changes.Select(c => new HpaFieldChange(c.Field, c.Value))]);

    private HpaActuator Actuator()
    {
        var capacity = new CapacityOptions();
        capacity.Services["b"] = new ServiceCapacityOptions { Hpa = new HpaOptions { Namespace = "shop" } };
        var kubernetes = new KubernetesApi(Options.Create(new KubernetesOptions { Server = _server.Url, Token = "test-token" }));
        _reader = new HpaReader(kubernetes, Options.Create(capacity));
        return new HpaActuator(kubernetes, _reader, Options.Create(capacity));
    }
}
