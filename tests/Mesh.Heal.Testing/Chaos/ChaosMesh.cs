using System.Diagnostics;
using System.Text.Json;

namespace Mesh.Heal.Chaos;

/// <summary>How hard and how long a scenario runs. CI runs short; the benchmark runs longer at a higher rate.</summary>
internal sealed record ChaosSettings(int Rate, TimeSpan Duration, TimeSpan CallerDeadline)
{
    /// <summary>A few seconds per scenario, for tests/run.sh.</summary>
    public static ChaosSettings Short { get; } = new(100, TimeSpan.FromSeconds(8), TimeSpan.FromSeconds(2));

    /// <summary>The benchmark's default.</summary>
    public static ChaosSettings Long { get; } = new(200, TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(2));

    public TimeSpan At(double share) => Duration * share;
}

/// <summary>The processes of one scenario, stopped together; builds sidecar configs and runs the traffic with a health watch.</summary>
internal sealed class ChaosMesh : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private readonly List<ControlPlaneProcess> _controlPlanes = [];
    private readonly Stopwatch _age = Stopwatch.StartNew();

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("meshheal-chaos-").FullName;

    public async Task<UpstreamProcess> UpstreamAsync(string name, Uri? call = null, params string[] args) => Own(await UpstreamProcess.StartAsync(name, call, 0, args));

    /// <summary>A Prometheus scraping each job's targets every second, stopped with the mesh.</summary>
    public async Task<PrometheusServer> PrometheusAsync(params (string Job, string[] Targets)[] jobs) => Own(await PrometheusServer.StartAsync(jobs, TimeSpan.FromSeconds(1)));

    public async Task<SidecarProcess> SidecarAsync(string name, string config, params string[] args) =>
        Own(await SidecarProcess.StartAsync(name, config, Directory, args));

    /// <summary>A control plane on a store in the mesh's directory; when a <see cref="ControlPlaneReports"/> collection is open, its report
    /// over the mesh's life is asked for before the mesh stops.</summary>
    public async Task<ControlPlaneProcess> ControlPlaneAsync(params string[] args)
    {
        var controlPlane = Own(await ControlPlaneProcess.StartAsync(Directory, args));
        _controlPlanes.Add(controlPlane);
        return controlPlane;
    }

    /// <summary>A sidecar's configuration: one route to <paramref name="primary"/>, the other clusters, and the primary's policy.</summary>
    /// <param name="service">The service the sidecar belongs to.</param>
    /// <param name="primary">The primary cluster's id and destinations.</param>
    /// <param name="policy">The primary cluster's <c>Resilience</c> entry; <see cref="Policy"/> builds the usual one.</param>
    /// <param name="others">Other clusters (a fallback cluster) and their destinations.</param>
    public static string SidecarConfig(string service, (string Id, string[] Addresses) primary, object policy, params (string Id, string[] Addresses)[] others) =>
        JsonSerializer.Serialize(new
        {
            Sidecar = new { Service = service },
            ReverseProxy = new
            {
                Routes = new Dictionary<string, object> { ["all"] = new { ClusterId = primary.Id, Match = new { Path = "{**catch-all}" } } },
                Clusters = new[] { primary }.Concat(others).ToDictionary(
                    c => c.Id,
                    c => new { Destinations = c.Addresses.Select((a, i) => (a, i)).ToDictionary(x => $"d{x.i + 1}", x => new { Address = x.a }) }),
            },
            Resilience = new { Clusters = new Dictionary<string, object> { [primary.Id] = policy } },
        }, IgnoreNulls);

    /// <summary>A control-plane policy document (JSON, which is YAML) giving <paramref name="service"/>'s <paramref name="cluster"/> <paramref name="policy"/>.</summary>
    public static string PolicyDocument(string service, string cluster, object policy) =>
        JsonSerializer.Serialize(new { service, clusters = new Dictionary<string, object> { [cluster] = policy } }, IgnoreNulls);

    private static readonly JsonSerializerOptions IgnoreNulls = new() { DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull };

    /// <summary>The chaos suite's policy: a breaker that reacts within a second at 100 requests/s, retries within a budget,
    /// ejection of a failing replica, and <paramref name="fallback"/> (a cluster id, a static response object, or none).</summary>
    public static object Policy(object? fallback, string timeout = "00:00:00.5") => new
    {
        CircuitBreaker = new { FailureRatio = 0.5, MinimumThroughput = 10, SamplingDuration = "00:00:02", BreakDuration = "00:00:01", RecoveryDuration = "00:00:01" },
        Timeout = timeout,
        Retry = new { MaxAttempts = 2, BudgetPercent = 20 },
        OutlierDetection = new { ConsecutiveFailures = 3, EjectionDuration = "00:00:10", MaxEjectionPercent = 50 },
        Fallback = fallback switch
        {
            null => null,
            string cluster => (object)new { Cluster = cluster },
            var response => new { Response = response },
        },
    };

    /// <summary>Runs <paramref name="targets"/> (0: through the sidecar, 1: direct) under the script while watching a cluster's health.</summary>
    public async Task<(IReadOnlyList<Sample> Samples, IReadOnlyDictionary<string, TimeSpan> Done, IReadOnlyList<HealthPoint> Health)> RunAsync(
        ChaosSettings settings, IReadOnlyList<Uri[]> targets, IReadOnlyList<ScriptStep> script, SidecarProcess watch, string cluster, CancellationToken cancellationToken,
        Func<TimeSpan, double>? rateAt = null)
    {
        await WarmUpAsync(targets, settings.CallerDeadline * 5, cancellationToken);
        var clock = Stopwatch.StartNew();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var health = WatchAsync(watch, cluster, clock, stop.Token);
        var (samples, done) = await new Traffic(targets, settings.Rate, settings.Duration, settings.CallerDeadline, rateAt).RunAsync(script, clock, cancellationToken);
        await stop.CancelAsync();
        return (samples, done, await health);
    }

    public async ValueTask DisposeAsync()
    {
        await ControlPlaneReports.CaptureAsync(_controlPlanes, _age.Elapsed);
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            await _owned[i].DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Stops <paramref name="disposable"/> with the mesh.</summary>
    public T Own<T>(T disposable)
        where T : IAsyncDisposable
    {
        _owned.Add(disposable);
        return disposable;
    }

    /// <summary>A few requests down every path first: the figures are about the fault, not about JIT and first connections.</summary>
    internal static async Task WarmUpAsync(IReadOnlyList<Uri[]> targets, TimeSpan deadline, CancellationToken cancellationToken)
    {
        using var client = new HttpClient { Timeout = deadline };
        foreach (var address in targets.SelectMany(t => t))
        {
            for (var i = 0; i < 10; i++)
            {
                using var response = await client.GetAsync(new Uri(address, "/warm-up"), cancellationToken);
            }
        }
    }

    private static async Task<IReadOnlyList<HealthPoint>> WatchAsync(SidecarProcess sidecar, string cluster, Stopwatch clock, CancellationToken cancellationToken)
    {
        var points = new List<HealthPoint>();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var state = (await sidecar.StateAsync()).GetProperty("clusters").GetProperty(cluster);
                points.Add(new HealthPoint(clock.Elapsed, state.GetProperty("health").GetString()!, state.GetProperty("breaker").GetString()!));
                await Task.Delay(TimeSpan.FromMilliseconds(25), cancellationToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            catch (HttpRequestException)
            {
                // The watched sidecar is not reachable for a moment; the gap shows in the points.
            }
        }

        return points;
    }
}
