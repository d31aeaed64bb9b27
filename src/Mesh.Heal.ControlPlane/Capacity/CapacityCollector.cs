using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using k8s;
using k8s.Autorest;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Kubernetes;
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
    KubernetesApi kubernetes, HpaActuator hpa, PrometheusClient prometheus, IOptions<CapacityOptions> options, IOptions<ResourceOptions> resources, ControlPlaneMetrics metrics,
    TimeProvider time, ILogger<CapacityCollector> logger) : BackgroundService
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
            if (settings.Hpa is { } configured && kubernetes.Client is { } client)
            {
                await ReadHpaAsync(client, service, configured, now - capacity.ScalingLookback, cancellationToken);
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
            await CollectAsync(stoppingToken);
            await Task.Delay(options.Value.Refresh, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task ReadHpaAsync(IKubernetes client, string service, HpaOptions configured, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var name = configured.Name ?? service;
        try
        {
            var read = await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, configured.Namespace, cancellationToken: cancellationToken);
            hpa.Remember(service, read);
            var events = await client.CoreV1.ListNamespacedEventAsync(
                configured.Namespace, fieldSelector: $"involvedObject.kind=HorizontalPodAutoscaler,involvedObject.name={name}", cancellationToken: cancellationToken);
            var rescales = new List<(DateTimeOffset Time, int Replicas)>();
            foreach (var e in events.Items)
            {
                var at = e.LastTimestamp ?? e.EventTime ?? e.FirstTimestamp;
                if (e.Reason == "SuccessfulRescale" && at is { } when && NewSize().Match(e.Message ?? string.Empty) is { Success: true } size
                    && new DateTimeOffset(DateTime.SpecifyKind(when, DateTimeKind.Utc)) is var stamp && stamp >= since)
                {
                    rescales.Add((stamp, int.Parse(size.Groups[1].Value, CultureInfo.InvariantCulture)));
                }
            }

            rescales.Sort((a, b) => a.Time.CompareTo(b.Time));

            // The replicas that serve are the scaled Deployment's ready ones; the HPA's count includes pods still starting.
            int? ready = null;
            if (read.Spec.ScaleTargetRef is { Kind: "Deployment", Name: { Length: > 0 } deployment })
            {
                var target = await client.AppsV1.ReadNamespacedDeploymentAsync(deployment, configured.Namespace, cancellationToken: cancellationToken);
                ready = target.Status?.ReadyReplicas ?? 0;
            }

            _hpas[service] = new HpaState(read.Status?.CurrentReplicas ?? 0, rescales) { ReadyReplicas = ready };
        }
        catch (Exception ex) when (ex is HttpOperationException or HttpRequestException or System.Text.Json.JsonException)
        {
            metrics.Rejected("kubernetes-hpa");
            LogHpaFailed(logger, service, $"{configured.Namespace}/{name}", ex is HttpOperationException http ? $"HTTP {(int)http.Response.StatusCode}" : ex.Message);
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

    [GeneratedRegex(@"New size: (\d+)")]
    private static partial Regex NewSize();

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
