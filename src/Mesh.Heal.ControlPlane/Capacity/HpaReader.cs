using System.Collections.Concurrent;
using System.Globalization;
using System.Text.RegularExpressions;
using k8s;
using k8s.Models;
using Mesh.Heal.Agents.Scaling;
using Mesh.Heal.ControlPlane.Kubernetes;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Capacity;

/// <summary>Reads planned services' HorizontalPodAutoscalers (autoscaling/v2) through the Kubernetes API and keeps the
/// policy each was last seen with: what the capacity collector and the snapshot's loads read.</summary>
/// <remarks>
/// Reading is its only job: it changes nothing. The policy of a service is the one last read here or reported by the HPA
/// actuator after a write (so the scaling adjuster judges the HPA as it is, not as configured at start-up), else the one
/// configured in <c>ControlPlane:Capacity:Services:&lt;service&gt;:Hpa</c>, else none.
/// </remarks>
internal sealed partial class HpaReader(KubernetesApi kubernetes, IOptions<CapacityOptions> options)
{
    private readonly ConcurrentDictionary<string, HpaPolicy> _seen = new(StringComparer.Ordinal);

    /// <summary>Whether an API server is configured to read from.</summary>
    public bool CanRead => kubernetes.Client is not null;

    /// <summary>The policy of <paramref name="service"/>'s HPA as last seen, else as configured, else null.</summary>
    public HpaPolicy? PolicyOf(string service)
    {
        if (_seen.TryGetValue(service, out var seen))
        {
            return seen;
        }

        return options.Value.Services.TryGetValue(service, out var s) && s.Hpa is { } h
            ? new HpaPolicy(h.MinReplicas, h.MaxReplicas, h.TargetUtilization, h.ScaleUpStabilization, h.ScaleDownStabilization)
            : null;
    }

    /// <summary>Keeps the policy of <paramref name="hpa"/> as what <paramref name="service"/>'s HPA is now.</summary>
    public void Remember(string service, V2HorizontalPodAutoscaler hpa)
    {
        var configured = PolicyOf(service) ?? HpaPolicy.Default(1, 10, 0.7);
        _seen[service] = new HpaPolicy(
            hpa.Spec.MinReplicas ?? 1, hpa.Spec.MaxReplicas,
            hpa.Spec.Metrics?.FirstOrDefault(m => m.Resource?.Target?.Type == "Utilization")?.Resource.Target.AverageUtilization is { } percent ? percent / 100.0 : configured.TargetUtilization,
            TimeSpan.FromSeconds(hpa.Spec.Behavior?.ScaleUp?.StabilizationWindowSeconds ?? 0),
            TimeSpan.FromSeconds(hpa.Spec.Behavior?.ScaleDown?.StabilizationWindowSeconds ?? 300));
    }

    /// <summary>Reads <paramref name="service"/>'s HPA (remembering its policy), its rescale events since <paramref name="since"/>,
    /// and the ready replicas of the Deployment it scales; null when no API server is configured.</summary>
    /// <exception cref="k8s.Autorest.HttpOperationException">The API refused a read.</exception>
    /// <exception cref="HttpRequestException">The API could not be reached.</exception>
    public async Task<HpaState?> ReadAsync(string service, HpaOptions configured, DateTimeOffset since, CancellationToken cancellationToken)
    {
        if (kubernetes.Client is not { } client)
        {
            return null;
        }

        var name = configured.Name ?? service;
        var read = await client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, configured.Namespace, cancellationToken: cancellationToken);
        Remember(service, read);
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

        return new HpaState(read.Status?.CurrentReplicas ?? 0, rescales) { ReadyReplicas = ready };
    }

    [GeneratedRegex(@"New size: (\d+)")]
    private static partial Regex NewSize();
}
