using System.Globalization;
using k8s;
using k8s.Autorest;
using Mesh.Heal.ControlPlane.Kubernetes;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Logs;

/// <summary>Reads the logs of each service's pods through the Kubernetes API (<c>GET /api/v1/namespaces/{ns}/pods/{pod}/log</c>)
/// into the <see cref="LogCollector"/>.</summary>
/// <remarks>
/// Every <see cref="LogOptions.PollInterval"/> the pods matching the service's selector are listed; each pod's log is read
/// with <c>timestamps=true</c> and <c>sinceSeconds</c> reaching just past the last line taken from it, and lines at or
/// before that line's timestamp are dropped, so a line is taken once. A pod seen for the first time is read over
/// <see cref="PodLogOptions.InitialWindow"/>. An API that fails is logged and retried at the next poll.
/// </remarks>
internal sealed partial class PodLogReader(
    LogCollector collector, KubernetesApi kubernetes, IOptions<LogOptions> options, TimeProvider time, ILogger<PodLogReader> logger) : BackgroundService
{
    private readonly Dictionary<(string Service, string Pod), DateTimeOffset> _last = [];

    private LogOptions Options => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Options.Services.Values.Any(s => s.Kubernetes is not null))
        {
            return;
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await PollOnceAsync(stoppingToken);
                await Task.Delay(Options.PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
        }
    }

    /// <summary>Reads what every configured service's pods logged since the last poll.</summary>
    public async Task PollOnceAsync(CancellationToken cancellationToken)
    {
        var client = kubernetes.Client;
        if (client is null)
        {
            return;
        }

        foreach (var (service, settings) in Options.Services)
        {
            if (settings.Kubernetes is not { } pods)
            {
                continue;
            }

            try
            {
                var list = await client.CoreV1.ListNamespacedPodAsync(pods.Namespace, labelSelector: pods.Selector, cancellationToken: cancellationToken);
                foreach (var pod in list.Items.Where(p => p.Status?.Phase is "Running" or "Succeeded" or "Failed"))
                {
                    await ReadAsync(client, service, pods, pod.Metadata.Name, cancellationToken);
                }

                // Pods that are gone are forgotten: a replacement gets a new name.
                var names = list.Items.Select(p => p.Metadata.Name).ToHashSet(StringComparer.Ordinal);
                foreach (var gone in _last.Keys.Where(k => k.Service == service && !names.Contains(k.Pod)).ToList())
                {
                    _last.Remove(gone);
                }
            }
            catch (HttpOperationException ex)
            {
                LogFailed(logger, service, $"HTTP {(int)ex.Response.StatusCode}: {ex.Response.Content}");
            }
            catch (HttpRequestException ex)
            {
                LogFailed(logger, service, ex.Message);
            }
        }
    }

    private async Task ReadAsync(IKubernetes client, string service, PodLogOptions pods, string pod, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var key = (service, pod);
        var since = _last.TryGetValue(key, out var last) ? last : now - pods.InitialWindow;
        var seconds = (int)Math.Max(1, Math.Ceiling((now - since).TotalSeconds) + 1);
        await using var stream = await client.CoreV1.ReadNamespacedPodLogAsync(
            pod, pods.Namespace, container: pods.Container, sinceSeconds: seconds, timestamps: true, cancellationToken: cancellationToken);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        var newest = last;
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            // "2026-12-01T10:00:00.123456789Z message": the API's timestamp, then the line as the container wrote it.
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0 || ParseTimestamp(line[..space]) is not { } at)
            {
                lines.Add(line);
                continue;
            }

            if (at <= last)
            {
                continue;
            }

            newest = at > newest ? at : newest;
            lines.Add(line[(space + 1)..]);
        }

        if (newest > last)
        {
            _last[key] = newest;
        }

        collector.Add(service, pod, $"pod:{pods.Namespace}/{pod}", lines, complete: lines.Count == 0);
    }

    // RFC 3339 with nanoseconds: .NET reads seven fractional digits at most.
    internal static DateTimeOffset? ParseTimestamp(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            var end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }

            if (end - dot - 1 > 7)
            {
                text = text[..(dot + 8)] + text[end..];
            }
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null;
    }

    [LoggerMessage(EventId = 802, Level = LogLevel.Warning, Message = "Pod logs of {Service} could not be read: {Reason}")]
    private static partial void LogFailed(ILogger logger, string service, string reason);
}
