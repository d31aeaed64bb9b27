using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Capacity;

/// <summary>Changes a service's HorizontalPodAutoscaler (autoscaling/v2) through the Kubernetes API: min and max replicas,
/// the utilisation target, the stabilization windows.</summary>
/// <remarks>
/// The command names the service; its HPA is <c>ControlPlane:Capacity:Services:&lt;service&gt;:Hpa</c>. The actuator reads the
/// live HPA, changes only the fields named, and replaces it (a conflict on resourceVersion fails the action rather than
/// overwrite someone else's change); what it returns is the previous value of each field, which the undo writes back.
/// What it wrote is reported to the <see cref="HpaReader"/>, so the scaling adjuster judges the HPA as it is; it is never read from.
/// </remarks>
internal sealed class HpaActuator(KubernetesApi kubernetes, HpaReader reader, IOptions<CapacityOptions> options) : IActuator<HpaChange, HpaUndo>
{
    /// <summary>The fields an action may change.</summary>
    public static readonly string[] Fields = [.. Enum.GetValues<HpaField>().Select(HpaFields.Name)];

    public async Task<HpaUndo> ApplyAsync(HpaChange command, string actor, CancellationToken cancellationToken)
    {
        var service = command.ServiceName;
        var (client, name, ns) = Locate(service);
        var hpa = await CallAsync(() => client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, ns, cancellationToken: cancellationToken), "reading", ns, name);
        var previous = new Dictionary<HpaField, double?>();
        foreach (var (field, value) in command.Changes.Select(c => (c.Field, c.Value)))
        {
            if (!Enum.IsDefined(field))
            {
                throw new ActuatorException($"hpa: '{field}' cannot be changed; accepted: {string.Join(", ", Fields)}");
            }

            if (!(value >= 0))
            {
                throw new ActuatorException($"hpa: {HpaFields.Name(field)} '{value}' is not accepted; accepted: a non-negative number (replicas, a share of 1 for the target, seconds for the windows)");
            }

            previous[field] = Read(hpa, field);
            Write(hpa, field, value);
        }

        if (hpa.Spec.MinReplicas > hpa.Spec.MaxReplicas)
        {
            throw new ActuatorException($"hpa: minReplicas {hpa.Spec.MinReplicas} would exceed maxReplicas {hpa.Spec.MaxReplicas}; nothing was changed");
        }

        var written = await CallAsync(() => client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerAsync(hpa, name, ns, cancellationToken: cancellationToken), "replacing", ns, name);
        reader.Remember(service, written ?? hpa);
        return new HpaUndo(previous);
    }

    public async Task UndoAsync(HpaChange command, HpaUndo undo, string actor, CancellationToken cancellationToken)
    {
        var service = command.ServiceName;
        var (client, name, ns) = Locate(service);
        var hpa = await CallAsync(() => client.AutoscalingV2.ReadNamespacedHorizontalPodAutoscalerAsync(name, ns, cancellationToken: cancellationToken), "reading", ns, name);
        foreach (var (field, value) in undo.Previous)
        {
            if (value is null)
            {
                Clear(hpa, field);
            }
            else
            {
                Write(hpa, field, value.Value);
            }
        }

        var written = await CallAsync(() => client.AutoscalingV2.ReplaceNamespacedHorizontalPodAutoscalerAsync(hpa, name, ns, cancellationToken: cancellationToken), "replacing", ns, name);
        reader.Remember(service, written ?? hpa);
    }

    private (IKubernetes Client, string Name, string Namespace) Locate(string service)
    {
        if (!options.Value.Services.TryGetValue(service, out var settings) || settings.Hpa is not { } hpa)
        {
            throw new ActuatorException($"hpa: ControlPlane:Capacity:Services:{service}:Hpa is not configured; accepted: Name and Namespace of the service's HorizontalPodAutoscaler");
        }

        var client = kubernetes.Client
            ?? throw new ActuatorException("hpa: ControlPlane:Kubernetes has no Server and InCluster is false; accepted: an API server URL, or InCluster true");
        return (client, hpa.Name ?? service, hpa.Namespace);
    }

    // Absent fields read as null, so the undo removes what the change added and Kubernetes' defaults apply again.
    private static double? Read(V2HorizontalPodAutoscaler hpa, HpaField field) => field switch
    {
        HpaField.MinReplicas => hpa.Spec.MinReplicas,
        HpaField.MaxReplicas => hpa.Spec.MaxReplicas,
        HpaField.TargetUtilization => Utilization(hpa)?.AverageUtilization is { } p ? p / 100.0 : null,
        HpaField.ScaleUpStabilization => hpa.Spec.Behavior?.ScaleUp?.StabilizationWindowSeconds,
        _ => hpa.Spec.Behavior?.ScaleDown?.StabilizationWindowSeconds,
    };

    private static void Write(V2HorizontalPodAutoscaler hpa, HpaField field, double value)
    {
        switch (field)
        {
            case HpaField.MinReplicas:
                hpa.Spec.MinReplicas = (int)value;
                break;
            case HpaField.MaxReplicas:
                hpa.Spec.MaxReplicas = (int)value;
                break;
            case HpaField.TargetUtilization:
                var target = Utilization(hpa) ?? throw new ActuatorException("hpa: the HPA has no Resource metric with a Utilization target to change");
                target.AverageUtilization = (int)Math.Round(value * 100);
                break;
            case HpaField.ScaleUpStabilization:
                Rules(hpa, up: true).StabilizationWindowSeconds = (int)value;
                break;
            default:
                Rules(hpa, up: false).StabilizationWindowSeconds = (int)value;
                break;
        }
    }

    private static void Clear(V2HorizontalPodAutoscaler hpa, HpaField field)
    {
        switch (field)
        {
            case HpaField.MinReplicas:
                hpa.Spec.MinReplicas = null;
                break;
            case HpaField.ScaleUpStabilization:
                Rules(hpa, up: true).StabilizationWindowSeconds = null;
                break;
            case HpaField.ScaleDownStabilization:
                Rules(hpa, up: false).StabilizationWindowSeconds = null;
                break;
        }
    }

    private static V2MetricTarget? Utilization(V2HorizontalPodAutoscaler hpa) =>
        hpa.Spec.Metrics?.FirstOrDefault(m => m.Resource?.Target?.Type == "Utilization")?.Resource.Target;

    private static V2HPAScalingRules Rules(V2HorizontalPodAutoscaler hpa, bool up)
    {
        hpa.Spec.Behavior ??= new V2HorizontalPodAutoscalerBehavior();
        return up ? hpa.Spec.Behavior.ScaleUp ??= new V2HPAScalingRules() : hpa.Spec.Behavior.ScaleDown ??= new V2HPAScalingRules();
    }

    private static async Task<T> CallAsync<T>(Func<Task<T>> call, string doing, string ns, string name)
    {
        try
        {
            return await call();
        }
        catch (HttpOperationException ex)
        {
            var why = (int)ex.Response.StatusCode switch
            {
                404 => "no such HorizontalPodAutoscaler",
                409 => "it was changed meanwhile (resourceVersion conflict)",
                403 => "the control plane's service account may not change it (RBAC: horizontalpodautoscalers get, update in autoscaling)",
                _ => ex.Response.Content is { Length: > 0 } body ? body[..Math.Min(body.Length, 300)] : ex.Message,
            };
            throw new ActuatorException($"hpa: {doing} {ns}/{name}: HTTP {(int)ex.Response.StatusCode}: {why}");
        }
        catch (HttpRequestException ex)
        {
            throw new ActuatorException($"hpa: the Kubernetes API could not be reached: {ex.Message}");
        }
    }
}

/// <summary>What an <see cref="HpaChange"/> replaced: each field's value before, null where it was absent.</summary>
internal sealed record HpaUndo(IReadOnlyDictionary<HpaField, double?> Previous) : ActuatorUndo;
