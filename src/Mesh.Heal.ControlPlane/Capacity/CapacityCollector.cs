using System.Collections.Concurrent;
using k8s.Autorest;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Resources;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Capacity;

/// <summary>Refreshes, in the background, what the capacity planner and the scaling adjuster read from outside the mesh:
/// each planned service's HPA (spec, status and its rescale events, and the ready replicas of the Deployment it scales,
/// from the Kubernetes API) and its demand history from
/// Prometheus (<see cref="ServiceCapacityOptions.DemandQuery"/>).</summary>
/// <remarks>
/// A source that cannot be reached or refuses is logged and counted (<c>meshheal_controlplane_rejected_total{kind}</c>,
/// <c>kubernetes-hpa</c> or <c>prometheus-query</c>); what it gave last is kept, so one failed read does not blind the agents.
/// Rescale events are the HPA's <c>SuccessfulRescale</c> events (<c>New size: 4; reason: ...</c>), kept for the scaling lookback.
/// </remarks>
internal sealed partial class CapacityCollector(
    HpaReader hpas, PrometheusClient prometheus, IOptions<CapacityOptions> options, IOptions<ResourceOptions> resources, ControlPlaneMetrics metrics,
    TimeProvider time, ILogger<CapacityCollector> logger, Replication.LeaderElection? leadership = null) : BackgroundService
{
    private readonly ConcurrentDictionary<string, HpaState> _hpas = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, IReadOnlyList<SeriesPoint>> _demand = new(StringComparer.Ordinal);

    /// <summary>What the HPA of <paramref name="service"/> said last, or null when it was never read.</summary>
    public HpaState? Hpa(string service) => _hpas.GetValueOrDefault(service);

    /// <summary>The demand Prometheus gave last for <paramref name="service"/>, or empty.</summary>
    public IReadOnlyList<SeriesPoint> Demand(string service) => _demand.GetValueOrDefault(service) ?? [];

    /// <summary>Reads every planned service's sources once.</summary>
    public async Task CollectAsync(CancellationToken cancellationToken)
    {
        var capacity = options.Value;
        var now = time.GetUtcNow();
        foreach (var (service, settings) in capacity.Services)
        {
            if (settings.Hpa is { } configured && hpas.CanRead)
            {
                await ReadHpaAsync(service, configured, now - capacity.ScalingLookback, cancellationToken);
            }

            if (settings.DemandQuery is { Length: > 0 } query)
            {
                await ReadDemandAsync(service, settings, query, now, cancellationToken);
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.Value.Services.Count == 0)
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            // Only the leader's agents read what is collected: followers spare the sources, and a new leader collects at once.
            if (leadership is not null)
            {
                await leadership.WaitForTermAsync(stoppingToken);
            }

            await CollectAsync(stoppingToken);
            await Task.Delay(options.Value.Refresh, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task ReadHpaAsync(string service, HpaOptions configured, DateTimeOffset since, CancellationToken cancellationToken)
    {
        try
        {
            if (await hpas.ReadAsync(service, configured, since, cancellationToken) is { } state)
            {
                _hpas[service] = state;
            }
        }
        catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or System.Text.Json.JsonException)
        {
            metrics.Rejected("kubernetes-hpa");
            LogHpaFailed(logger, service, $"{configured.Namespace}/{configured.Name ?? service}", ex is HttpOperationException http ? $"HTTP {(int)http.Response.StatusCode}" : ex.Message);
        }
    }

    private async Task ReadDemandAsync(string service, ServiceCapacityOptions settings, string query, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var server = settings.Prometheus ?? resources.Value.Prometheus;
        if (server is not { Length: > 0 } || !Uri.TryCreate(server.EndsWith('/') ? server : server + "/", UriKind.Absolute, out var uri))
        {
            return;
        }

        var expanded = query.Replace("{selector}", settings.Selector ?? $"job=\"{service}\"", StringComparison.Ordinal);
        try
        {
            var found = await prometheus.QueryRangeAsync(uri, expanded, now - options.Value.Lookback, now, settings.DemandStep, cancellationToken);

            // The query should give one series (a sum); several are added up step by step.
            _demand[service] = found.SelectMany(f => f.Points).GroupBy(p => p.Time).OrderBy(g => g.Key).Select(g => new SeriesPoint(g.Key, g.Sum(p => p.Value))).ToList();
        }
        catch (PrometheusException ex)
        {
            metrics.Rejected("prometheus-query");
            LogDemandFailed(logger, service, ex.Message);
        }
    }

    [LoggerMessage(EventId = 280, Level = LogLevel.Warning, Message = "Capacity of {Service}: reading HPA {Hpa} failed: {Problem}")]
    private static partial void LogHpaFailed(ILogger logger, string service, string hpa, string problem);

    [LoggerMessage(EventId = 281, Level = LogLevel.Warning, Message = "Capacity of {Service}: the demand query failed: {Problem}")]
    private static partial void LogDemandFailed(ILogger logger, string service, string problem);
}

/// <summary>An HPA's status as last read: replicas now and its rescales over the scaling lookback.</summary>
internal sealed record HpaState(int CurrentReplicas, IReadOnlyList<(DateTimeOffset Time, int Replicas)> Rescales)
{
    /// <summary>The scaled Deployment's ready replicas, or null when the HPA scales something else.</summary>
    public int? ReadyReplicas { get; init; }

    /// <summary>The replicas serving now: the Deployment's ready ones when known, else the HPA's current count.</summary>
    public int Serving => ReadyReplicas ?? CurrentReplicas;

    /// <summary>The replicas at <paramref name="time"/>: the last rescale before it, or before the first rescale the size it
    /// rescaled from (unknown, so the current count when there was none).</summary>
    public int At(DateTimeOffset time, int before)
    {
        var replicas = Rescales.Count == 0 ? CurrentReplicas : before;
        foreach (var (at, size) in Rescales)
        {
            if (at > time)
            {
                break;
            }

            replicas = size;
        }

        return replicas;
    }
}
