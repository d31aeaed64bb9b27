using System.Globalization;
using System.Text.Json;

namespace Mesh.Heal.Chaos;

/// <summary>The resource exhaustion scenario: replicas that leak memory towards their limit, watched through a real
/// Prometheus, cleaned by the agent one at a time before they reach it.</summary>
internal static partial class Scenarios
{
    private const double MiB = 1024 * 1024;
    private const double MemoryLimit = 400 * MiB;

    private static async Task<ScenarioResult> LeakAsync(ChaosSettings settings, CancellationToken cancellationToken)
    {
        // The leak must show in 1 s scrapes for a dozen seconds before it is judged; the run is five times the usual.
        settings = settings with { Duration = settings.Duration * 5 };
        await using var mesh = new ChaosMesh();
        string[] limit = ["--memory-limit", ((long)MemoryLimit).ToString(CultureInfo.InvariantCulture)];
        UpstreamProcess[] replicas = [await mesh.UpstreamAsync("b-1", null, limit), await mesh.UpstreamAsync("b-2", null, limit)];
        var prometheus = await mesh.PrometheusAsync(("b", replicas.Select(r => r.Host).ToArray()));
        var controlPlane = await mesh.ControlPlaneAsync(
        [
            .. HealingArgs,
            "--ControlPlane:Healing:AutoApplyRisk=Medium",
            "--ControlPlane:Resources:Prometheus=" + prometheus.Url,
            "--ControlPlane:Resources:Lookback=00:02:00", "--ControlPlane:Resources:Step=00:00:01", "--ControlPlane:Resources:Refresh=00:00:01",
            "--ControlPlane:Resources:Services:b:Queries:memory:Query=process_resident_memory_bytes{{selector}}",
            "--ControlPlane:Resources:Services:b:Queries:memory:LimitQuery=meshheal_upstream_memory_limit_bytes{{selector}}",
            "--ControlPlane:Resources:Services:b:Cleanup:Method=webhook",
            "--ControlPlane:Resources:Services:b:Cleanup:Url=http://{instance}/_meshheal/cleanup",
            "--ControlPlane:Agents:Resources:CleanupLead=01:00:00",
        ]);
        var sidecar = await mesh.SidecarAsync(
            "a", ChaosMesh.SidecarConfig("a", ("b", replicas.Select(r => r.Address).ToArray()), ChaosMesh.Policy(fallback: null)),
            "--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:StateDirectory=" + Path.Combine(mesh.Directory, "state-a"));

        // b-1 would reach its limit about 30 s after the leak starts, b-2 about 50 s.
        var (samples, done, health) = await mesh.RunAsync(
            settings,
            [[sidecar.Proxy], [new Uri(replicas[0].Address)]],
            [new(settings.At(0.1), "fault", async () => { await replicas[0].LeakAsync("10MiB"); await replicas[1].LeakAsync("6MiB"); })],
            sidecar,
            "b",
            cancellationToken);

        await Wait.TryUntilAsync(async () => (await JsonAsync(controlPlane, "/v1/actions", "actions")).Count(a => a.GetProperty("state").GetString() == "succeeded") >= 2);
        var issues = (await JsonAsync(controlPlane, "/v1/issues", "issues")).Where(i => i.GetProperty("kind").GetString() == "resource.leak" && i.GetProperty("service").GetString() == "b").ToList();
        var cleanups = (await JsonAsync(controlPlane, "/v1/actions", "actions"))
            .Where(a => a.GetProperty("kind").GetString() == "resource.cleanup")
            .OrderBy(a => a.GetProperty("createdAt").GetDateTimeOffset())
            .ToList();
        var peaks = new List<double?>();
        foreach (var replica in replicas)
        {
            peaks.Add(await replica.MetricAsync("meshheal_upstream_peak_resident_bytes"));
        }

        var cleaned = replicas.Select(r => cleanups.Any(a => a.GetProperty("target").GetString() == "b/" + r.Host && a.GetProperty("state").GetString() == "succeeded")).ToList();
        var overlapping = cleanups.Zip(cleanups.Skip(1)).Count(p => p.Second.GetProperty("createdAt").GetDateTimeOffset() < p.First.GetProperty("updatedAt").GetDateTimeOffset());
        var failed = Failed(samples, ScenarioResult.WithSidecar);
        return ScenarioResult.From("leak", samples, done["fault"], heal: null, health,
        [
            Check("no failed request through the sidecar", failed == 0, $"{failed} of {samples.Count(s => s.Target == ScenarioResult.WithSidecar)} failed"),
            Check("the leak was found with a time to exhaustion", issues.Count == replicas.Length && issues.All(i => Evidence(i, "hoursToExhaustion") is not null),
                string.Join("; ", issues.Select(i => $"{i.GetProperty("summary")} (severity {i.GetProperty("severity")})"))),
            Check("each replica cleaned before its limit", cleaned.All(c => c) && peaks.All(p => p < MemoryLimit) && replicas.All(r => r.Running),
                string.Join("; ", replicas.Select((r, i) => string.Create(CultureInfo.InvariantCulture,
                    $"{r.Host}: {(cleaned[i] ? "cleaned" : "not cleaned")}, peak {peaks[i] / MiB:0} MiB of {MemoryLimit / MiB:0}, {(r.Running ? "running" : "dead")}")))),
            Check("one replica at a time", overlapping == 0,
                string.Join("; ", cleanups.Select(a => $"{a.GetProperty("target")} {a.GetProperty("state")} {a.GetProperty("createdAt").GetDateTimeOffset():HH:mm:ss}-{a.GetProperty("updatedAt").GetDateTimeOffset():HH:mm:ss}"))),
        ]);
    }

    private static string? Evidence(JsonElement issue, string key) =>
        issue.TryGetProperty("evidence", out var evidence) && evidence.TryGetProperty(key, out var value) ? value.GetString() : null;
}
