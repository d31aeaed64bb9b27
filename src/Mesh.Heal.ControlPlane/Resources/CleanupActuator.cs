using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.Healing;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Resources;

/// <summary>Cleans up one replica of a service the way its <see cref="CleanupOptions"/> say: a webhook, a command, or a
/// pod eviction through the Kubernetes API.</summary>
/// <remarks>
/// A cleanup cannot be undone (the replica's state is gone), so
/// <see cref="UndoAsync"/> changes nothing: the coordinator records the rollback and holds further cleanups of the service
/// for its cooldown. A Kubernetes eviction goes through the Eviction API, so a PodDisruptionBudget that allows no
/// disruption now refuses it (HTTP 429) and the action fails rather than taking a service below its budget.
/// </remarks>
internal sealed class CleanupActuator(HttpClient http, KubernetesApi kubernetes, IOptions<ResourceOptions> options, TimeProvider time) : IActuator<Cleanup, CleanupUndo>
{
    public async Task<CleanupUndo> ApplyAsync(Cleanup command, string actor, CancellationToken cancellationToken)
    {
        var (service, instance, resource) = (command.ServiceName, command.Instance, command.Resource);
        var target = command.Target;
        if (instance.Length == 0)
        {
            throw new ActuatorException($"cleanup: target '{target}' names no instance; accepted: service/instance");
        }

        if (!options.Value.Services.TryGetValue(service, out var settings) || settings.Cleanup is not { } cleanup)
        {
            throw new ActuatorException($"cleanup: ControlPlane:Resources:Services:{service}:Cleanup is not configured; accepted methods: {string.Join(", ", CleanupOptions.Methods)}");
        }

        string Expand(string text) => text.Replace("{service}", service, StringComparison.Ordinal)
            .Replace("{instance}", instance, StringComparison.Ordinal).Replace("{resource}", resource, StringComparison.Ordinal);
        using var timer = new CancellationTokenSource(cleanup.Timeout, time);
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            switch (cleanup.Method)
            {
                case "webhook":
                    await WebhookAsync(Expand(cleanup.Url ?? string.Empty), new { service, instance, resource, actor }, budget.Token);
                    break;
                case "command":
                    await CommandAsync(cleanup.Command.Select(Expand).ToArray(), service, instance, resource, budget.Token);
                    break;
                case "kubernetes":
                    await EvictAsync(cleanup.Namespace, instance, cleanup.Evict, budget.Token);
                    break;
                default:
                    throw new ActuatorException($"cleanup: method '{cleanup.Method}' of {service} is not known; accepted: {string.Join(", ", CleanupOptions.Methods)}");
            }
        }
        catch (OperationCanceledException) when (timer.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ActuatorException($"cleanup: {cleanup.Method} for {target} did not finish within {cleanup.Timeout.TotalSeconds:0} s");
        }

        return new CleanupUndo();
    }

    public Task UndoAsync(Cleanup command, CleanupUndo undo, string actor, CancellationToken cancellationToken) => Task.CompletedTask;

    private async Task WebhookAsync(string url, object body, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new ActuatorException($"cleanup: Url '{url}' is not accepted; accepted: an http:// or https:// URL");
        }

        try
        {
            using var response = await http.PostAsJsonAsync(uri, body, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                throw new ActuatorException($"cleanup: {uri} answered HTTP {(int)response.StatusCode}");
            }
        }
        catch (HttpRequestException ex)
        {
            throw new ActuatorException($"cleanup: {uri} could not be reached: {ex.Message}");
        }
    }

    private async Task CommandAsync(string[] command, string service, string instance, string resource, CancellationToken cancellationToken)
    {
        if (command.Length == 0)
        {
            throw new ActuatorException("cleanup: Command is empty; accepted: a program and its arguments");
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["MESHHEAL_SERVICE"] = service,
            ["MESHHEAL_INSTANCE"] = instance,
            ["MESHHEAL_RESOURCE"] = resource,
        };
        try
        {
            // The cleanup's own timeout cancels the token; the runner kills the command then.
            await ProcessRunner.RunAsync(command[0], Environment.CurrentDirectory, command[1..], Timeout.InfiniteTimeSpan, time, cancellationToken, environment: environment);
        }
        catch (ProcessFailedException ex)
        {
            throw new ActuatorException("cleanup: " + ex.Message);
        }
    }

    private async Task EvictAsync(string ns, string pod, bool evict, CancellationToken cancellationToken)
    {
        var client = kubernetes.Client
            ?? throw new ActuatorException("cleanup: ControlPlane:Kubernetes has no Server and InCluster is false; accepted: an API server URL, or InCluster true");
        try
        {
            if (evict)
            {
                var eviction = new V1Eviction { ApiVersion = "policy/v1", Kind = "Eviction", Metadata = new V1ObjectMeta { Name = pod, NamespaceProperty = ns } };
                await client.CoreV1.CreateNamespacedPodEvictionAsync(eviction, pod, ns, cancellationToken: cancellationToken);
            }
            else
            {
                await client.CoreV1.DeleteNamespacedPodAsync(pod, ns, cancellationToken: cancellationToken);
            }
        }
        catch (HttpOperationException ex)
        {
            var why = (int)ex.Response.StatusCode switch
            {
                429 => "a PodDisruptionBudget allows no disruption now",
                404 => "no such pod",
                403 => "the control plane's service account may not evict pods (RBAC: pods/eviction create)",
                _ => ex.Response.Content is { Length: > 0 } body ? body[..Math.Min(body.Length, 300)] : ex.Message,
            };
            throw new ActuatorException($"cleanup: {(evict ? "evicting" : "deleting")} pod {ns}/{pod}: HTTP {(int)ex.Response.StatusCode}: {why}");
        }
        catch (HttpRequestException ex)
        {
            throw new ActuatorException($"cleanup: the Kubernetes API could not be reached: {ex.Message}");
        }
    }
}

/// <summary>What a <see cref="Cleanup"/> leaves to undo: nothing (the replica's state is gone).</summary>
internal sealed record CleanupUndo : ActuatorUndo;
