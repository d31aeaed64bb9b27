using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mesh.Heal.Chaos;

/// <summary>The growth scenario: traffic that grows past what the HPA may scale to; the capacity planner sees it coming and
/// raises the HPA's ceiling through the Kubernetes API before the replicas saturate.</summary>
/// <remarks>
/// Kubernetes cannot run here, so its part is played in this process: a WireMock stand-in serves the HPA (autoscaling/v2
/// GET and PUT, with status, its SuccessfulRescale events, and the Deployment it scales), and a controller loop does what the HPA controller would,
/// once a second: desired = ceil(load ÷ (capacity × target)) within min and max, the replicas made active by rewriting
/// the calling sidecar's cluster (its configuration file is watched and reloaded). The replicas are real
/// <c>meshctl upstream --capacity</c> processes, each serving a fixed rate and queueing past it. The same traffic goes
/// straight to two other such replicas, as the service would be with the HPA stuck at its old ceiling.
/// </remarks>
internal static partial class Scenarios
{
    private static async Task<ScenarioResult> GrowthAsync(ChaosSettings settings, CancellationToken cancellationToken)
    {
        // Long enough for the planner to see a trend at 1 s steps and for the new replicas to take over.
        settings = settings with { Duration = settings.Duration * 6 };
        var perReplica = (double)settings.Rate;
        double RateAt(TimeSpan t) => settings.Rate * (1 + (2 * t / settings.Duration));
        await using var mesh = new ChaosMesh();
        var capacityArgs = new[] { "--capacity", perReplica.ToString(CultureInfo.InvariantCulture) };
        var started = await Task.WhenAll(Enumerable.Range(1, 8).Select(i => mesh.UpstreamAsync($"b-{i}", null, capacityArgs)));
        var pool = started[..6];
        var stuck = started[6..];
        using var kubernetes = WireMockServer.Start();
        var hpa = new HpaStandIn(kubernetes, "b", min: 1, max: 2, target: 0.7, current: 2);
        var controlPlane = await mesh.ControlPlaneAsync(
        [
            .. HealingArgs,
            "--ControlPlane:Healing:AutoApplyRisk=Medium",

            "--ControlPlane:Kubernetes:Server=" + kubernetes.Url,
            "--ControlPlane:Capacity:Resolution=00:00:01", "--ControlPlane:Capacity:Refresh=00:00:01",
            "--ControlPlane:Capacity:Lookback=00:10:00", "--ControlPlane:Capacity:ScalingLookback=00:10:00",
            "--ControlPlane:Capacity:Services:b:Planner:CapacityPerReplica=" + perReplica.ToString(CultureInfo.InvariantCulture),
            "--ControlPlane:Capacity:Services:b:Planner:Horizons:0=00:00:20", "--ControlPlane:Capacity:Services:b:Planner:Horizons:1=00:00:40",
            "--ControlPlane:Capacity:Services:b:Planner:Horizons:2=00:01:00", "--ControlPlane:Capacity:Services:b:Planner:PlanningWindow=00:00:40",
            "--ControlPlane:Capacity:Services:b:Hpa:MinReplicas=1", "--ControlPlane:Capacity:Services:b:Hpa:MaxReplicas=2",
            "--ControlPlane:Agents:Capacity:MinimumPoints=10", "--ControlPlane:Agents:Capacity:CriticalWithin=00:00:20",
            "--ControlPlane:Agents:Scaling:MinimumSamples=10", "--ControlPlane:Agents:Scaling:JudgeWindow=00:00:05", "--ControlPlane:Agents:Scaling:FlapWindow=00:00:08",
        ]);
        string Config(int replicas) => ChaosMesh.SidecarConfig("a", ("b", pool.Take(replicas).Select(r => r.Address).ToArray()), ChaosMesh.Policy(fallback: null, "00:00:01"));
        var sidecar = await mesh.SidecarAsync(
            "a", Config(hpa.Current), "--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:StateDirectory=" + Path.Combine(mesh.Directory, "state-a"));
        var configPath = Path.Combine(mesh.Directory, "a.json");

        // A pod gets traffic once it is ready; here, once its first requests have been served (and its code compiled).
        using (var warm = new HttpClient { Timeout = TimeSpan.FromSeconds(10) })
        {
            foreach (var replica in pool)
            {
                for (var i = 0; i < 20; i++)
                {
                    using var response = await warm.GetAsync(new Uri(replica.Address + "ready"), cancellationToken);
                }
            }
        }

        using var stop = new CancellationTokenSource();
        var begun = TimeProvider.System.GetUtcNow();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var controller = ControlAsync(hpa, t => RateAt(t), perReplica, pool.Length, async n => await File.WriteAllTextAsync(configPath, Config(n)), clock, stop.Token);
        var (samples, _, health) = await mesh.RunAsync(settings, [[sidecar.Proxy], stuck.Select(r => new Uri(r.Address)).ToArray()], [], sidecar, "b", cancellationToken, RateAt);
        await stop.CancelAsync();
        await controller;

        // The old ceiling, two replicas, is reached half way through.
        var crossing = settings.Duration / 2;
        var issues = (await JsonAsync(controlPlane, "/v1/issues", "issues")).Where(i => i.GetProperty("service").GetString() == "b").ToList();
        var saturation = issues.FirstOrDefault(i => i.GetProperty("kind").GetString() == "capacity.saturation");
        var warnedAt = saturation.ValueKind == JsonValueKind.Object ? saturation.GetProperty("firstSeen").GetDateTimeOffset() - begun : (TimeSpan?)null;
        var provisions = (await JsonAsync(controlPlane, "/v1/actions", "actions")).Where(a => a.GetProperty("kind").GetString() == "capacity.provision").ToList();
        var applied = provisions.FirstOrDefault(a => a.GetProperty("state").GetString() is "applied" or "succeeded");
        var appliedAt = applied.ValueKind == JsonValueKind.Object ? applied.GetProperty("updatedAt").GetDateTimeOffset() - begun : (TimeSpan?)null;
        var late = samples.Where(s => s.Target == ScenarioResult.WithSidecar && s.SentAt >= crossing).ToList();
        var lateP99 = ScenarioResult.Percentile(late.Select(s => s.Latency.TotalMilliseconds).Order().ToList(), 0.99);
        var stuckP99 = ScenarioResult.Percentile(samples.Where(s => s.Target == ScenarioResult.Direct && s.SentAt >= crossing).Select(s => s.Latency.TotalMilliseconds).Order().ToList(), 0.99);
        var failed = Failed(samples, ScenarioResult.WithSidecar);
        var scaling = issues.Where(i => i.GetProperty("kind").GetString() is "scaling.accuracy" or "scaling.flapping")
            .Select(i => $"{i.GetProperty("kind").GetString()}: {i.GetProperty("summary").GetString()}").ToList();
        return ScenarioResult.From("growth", samples, crossing, heal: null, health,
        [
            Check("the planner warned before the old ceiling was reached", warnedAt is { } w && w < crossing,
                $"capacity.saturation first seen {Seconds(warnedAt)} into the run, the ceiling of 2 replicas reached at {crossing.TotalSeconds:0} s; "
                + string.Join("; ", issues.Select(i => $"{i.GetProperty("kind").GetString()}: {i.GetProperty("summary").GetString()}"))),
            Check("maxReplicas raised through the Kubernetes API before then", appliedAt is { } a && a < crossing && hpa.Max > 2,
                $"capacity.provision {(applied.ValueKind == JsonValueKind.Object ? applied.GetProperty("state").GetString() : "not applied")} at {Seconds(appliedAt)}; HPA maxReplicas now {hpa.Max}, replicas {hpa.Current}, rescales {hpa.Rescales}"),
            // In bounds: under the sidecar's 1 s timeout, past which a request fails, and at most one request in 200 failed.
            Check("latency stayed in bounds past the old ceiling", lateP99 < 1000 && failed <= samples.Count(s => s.Target == ScenarioResult.WithSidecar) / 200,
                $"p99 {lateP99:0} ms after {crossing.TotalSeconds:0} s (HPA stuck at 2: {stuckP99:0} ms); {failed} failed through the sidecar; {(scaling.Count == 0 ? "no scaling verdict yet" : string.Join("; ", scaling))}"),
        ]) with { Baseline = "HPA stuck at 2" };
    }

    private static string Seconds(TimeSpan? t) => t is { } x ? $"{x.TotalSeconds:0.0} s" : "never";

    // The HPA controller's part, once a second, as its documented algorithm has it: desired = ceil(current × utilisation ÷
    // target), no change within the 10 % tolerance, within min and max.
    private static async Task ControlAsync(
        HpaStandIn hpa, Func<TimeSpan, double> rateAt, double perReplica, int pool, Func<int, Task> apply, System.Diagnostics.Stopwatch clock, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var (min, max, target) = hpa.Spec;
            var ratio = rateAt(clock.Elapsed) / (hpa.Current * perReplica) / target;
            var desired = Math.Clamp(Math.Abs(ratio - 1) <= 0.1 ? hpa.Current : (int)Math.Ceiling(hpa.Current * ratio), min, Math.Min(max, pool));
            if (desired != hpa.Current)
            {
                await apply(desired);
                hpa.Rescaled(desired);
            }

            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>The HPA as a Kubernetes API would serve it: autoscaling/v2 GET and PUT on its path, status included, a
    /// core/v1 EventList of its SuccessfulRescale events, and the apps/v1 Deployment it scales with its ready replicas.</summary>
    private sealed class HpaStandIn
    {
        private readonly Lock _lock = new();
        private readonly string _name;
        private readonly List<(DateTimeOffset At, int Size)> _events = [];
        private JsonObject _hpa;

        public HpaStandIn(WireMockServer server, string name, int min, int max, double target, int current)
        {
            _name = name;
            Current = current;
            _hpa = JsonNode.Parse(string.Create(CultureInfo.InvariantCulture, $$"""
                { "apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": { "name": "{{name}}", "namespace": "default", "resourceVersion": "1" },
                  "spec": { "scaleTargetRef": { "apiVersion": "apps/v1", "kind": "Deployment", "name": "{{name}}" }, "minReplicas": {{min}}, "maxReplicas": {{max}},
                    "metrics": [ { "type": "Resource", "resource": { "name": "cpu", "target": { "type": "Utilization", "averageUtilization": {{(int)(target * 100)}} } } } ] } }
                """))!.AsObject();
            var path = $"/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers/{name}";
            server.Given(Request.Create().WithPath(path).UsingGet()).RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(_ => Json()));
            server.Given(Request.Create().WithPath(path).UsingPut()).RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(r =>
            {
                lock (_lock)
                {
                    var sent = JsonNode.Parse(r.Body!)!.AsObject();
                    _hpa["spec"] = sent["spec"]!.DeepClone();
                    _hpa["metadata"]!["resourceVersion"] = (int.Parse(_hpa["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture) + 1).ToString(CultureInfo.InvariantCulture);
                }

                return Json();
            }));
            server.Given(Request.Create().WithPath("/api/v1/namespaces/default/events").UsingGet()).RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(_ => Events()));
            server.Given(Request.Create().WithPath($"/apis/apps/v1/namespaces/default/deployments/{name}").UsingGet()).RespondWith(Response.Create().WithHeader("Content-Type", "application/json").WithBody(_ =>
                string.Create(CultureInfo.InvariantCulture, $$"""
                    { "apiVersion": "apps/v1", "kind": "Deployment", "metadata": { "name": "{{name}}", "namespace": "default" },
                      "spec": { "replicas": {{Current}}, "selector": { "matchLabels": { "app": "{{name}}" } }, "template": { "metadata": { "labels": { "app": "{{name}}" } }, "spec": { "containers": [ { "name": "{{name}}", "image": "{{name}}:1" } ] } } },
                      "status": { "replicas": {{Current}}, "readyReplicas": {{Current}} } }
                    """)));
        }

        public int Current { get; private set; }

        public int Rescales { get; private set; }

        public int Max => Spec.Max;

        public (int Min, int Max, double Target) Spec
        {
            get
            {
                lock (_lock)
                {
                    var spec = _hpa["spec"]!;
                    return (spec["minReplicas"]?.GetValue<int>() ?? 1, spec["maxReplicas"]!.GetValue<int>(),
                        spec["metrics"]![0]!["resource"]!["target"]!["averageUtilization"]!.GetValue<int>() / 100.0);
                }
            }
        }

        public void Rescaled(int size)
        {
            lock (_lock)
            {
                Current = size;
                Rescales++;
                _events.Add((TimeProvider.System.GetUtcNow(), size));
            }
        }

        private string Json()
        {
            lock (_lock)
            {
                var copy = _hpa.DeepClone().AsObject();
                copy["status"] = new JsonObject { ["currentReplicas"] = Current, ["desiredReplicas"] = Current };
                return copy.ToJsonString();
            }
        }

        private string Events()
        {
            lock (_lock)
            {
                var items = new JsonArray([.. _events.Select((e, i) => (JsonNode)new JsonObject
                {
                    ["metadata"] = new JsonObject { ["name"] = $"{_name}.{i}" },
                    ["involvedObject"] = new JsonObject { ["kind"] = "HorizontalPodAutoscaler", ["name"] = _name },
                    ["reason"] = "SuccessfulRescale",
                    ["message"] = $"New size: {e.Size}; reason: cpu resource utilization (percentage of request) above target",
                    ["lastTimestamp"] = e.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
                    ["type"] = "Normal",
                })]);
                return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "EventList", ["items"] = items }.ToJsonString();
            }
        }
    }
}
