using System.Diagnostics;
using System.Diagnostics.Metrics;
using Mesh.Heal.Sidecar.PolicySync;
using Mesh.Heal.Sidecar.Resilience;
using Mesh.Heal.Sidecar.Resilience.Internal;

namespace Mesh.Heal.Sidecar.Telemetry.Internal;

/// <summary>The sidecar's metrics, exported at the admin listener's <c>/metrics</c>.</summary>
/// <remarks>
/// Names follow OpenTelemetry conventions with a <c>meshheal.</c> prefix; Prometheus sees them with dots as
/// underscores and <c>_total</c> on counters (<c>meshheal_requests_total</c>). States are gauges whose value is the
/// enum's number: health 0 Healthy, 1 Degraded, 2 Failed, 3 Recovering; breaker 0 Closed, 1 Open, 2 HalfOpen, 3 Isolated.
/// <c>meshheal.process.allocated</c> (<c>meshheal_process_allocated_bytes_total</c>) is the process's managed allocations,
/// for measuring bytes per request over a load run (<c>tests/bench/hotpath.sh</c>). <c>meshheal.controlplane.connected</c>
/// says which control-plane address the policy stream is on. <c>meshheal.tcp.connections</c> and <c>meshheal.tcp</c>
/// (<c>meshheal_tcp_bytes_total</c>) count the redirected connections carried as opaque TCP and their bytes.
/// </remarks>
internal sealed class SidecarMetrics
{
    public const string MeterName = "Mesh.Heal.Sidecar";

    private readonly Counter<long> _requests;
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _retries;
    private readonly Counter<long> _callerErrors;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _inboundRefused;
    private readonly Counter<long> _tcpConnections;
    private readonly Counter<long> _tcpBytes;

    public SidecarMetrics(IMeterFactory meterFactory, ClusterResilienceRegistry registry, ControlPlaneStatus? controlPlane = null)
    {
        var meter = meterFactory.Create(MeterName);
        _requests = meter.CreateCounter<long>("meshheal.requests", "{request}", "Requests by cluster and the outcome the caller saw.");
        _attempts = meter.CreateCounter<long>("meshheal.upstream.attempts", "{attempt}", "Attempts on a cluster's primary by result.");
        _fallbacks = meter.CreateCounter<long>("meshheal.fallback.requests", "{request}", "Requests served by a fallback.");
        _retries = meter.CreateCounter<long>("meshheal.retries", "{retry}", "Retries taken from the retry budget.");
        _callerErrors = meter.CreateCounter<long>(
            "meshheal.caller.errors", "{attempt}", "Attempts that failed on the caller's side (aborted, slow or broken body), by reason; never counted against the upstream.");
        _inboundRefused = meter.CreateCounter<long>(
            "meshheal.inbound.refused", "{connection}", "Connections the inbound listener closed without an answer, by reason: plaintext, no_client_certificate, untrusted_client_certificate.");
        _tcpConnections = meter.CreateCounter<long>(
            "meshheal.tcp.connections", "{connection}", "Redirected connections carried as opaque TCP (not HTTP/1.x), by direction (outbound, inbound) and result: ok, connect_failed, reset.");
        _tcpBytes = meter.CreateCounter<long>(
            "meshheal.tcp", "By", "Bytes of opaque TCP connections by direction and way: sent to the destination, received from it.");
        _duration = meter.CreateHistogram<double>(
            "meshheal.request.duration", "s", "Time to serve a request through the sidecar.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        meter.CreateObservableGauge("meshheal.breaker.state", () => Observe(registry, c => (int)c.BreakerState), description: "Circuit breaker state per cluster.");
        meter.CreateObservableGauge("meshheal.health.state", () => Observe(registry, c => (int)c.Health), description: "Health state per cluster.");
        meter.CreateObservableCounter("meshheal.health.transitions", () => Observe(registry, c => c.Breaker.Transitions), description: "Health state transitions per cluster.");
        meter.CreateObservableGauge("meshheal.policy.version", () => registry.Policy.Version, description: "Version of the resilience policy in force.");
        if (controlPlane is not null)
        {
            meter.CreateObservableGauge(
                "meshheal.controlplane.connected", () => ObserveControlPlane(controlPlane),
                description: "1 while the policy stream is open to the control-plane address in the address attribute, 0 while it is down (the address it was last on).");
        }

        // Read only at scrape: two scrapes around a load run give the bytes the process allocated per request.
        meter.CreateObservableCounter(
            "meshheal.process.allocated", static () => GC.GetTotalAllocatedBytes(precise: true), "By", "Bytes allocated on the managed heap since the sidecar started.");
    }

    public void RecordRequest(string cluster, RequestOutcome outcome, TimeSpan duration)
    {
        var tags = new TagList { { "cluster", cluster }, { "outcome", OutcomeTag(outcome) } };
        _requests.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    public void RecordAttempt(string cluster, AttemptResult result) =>
        _attempts.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("result", result.ToTag()));

    public void RecordFallback(string cluster, string fallback) =>
        _fallbacks.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("fallback", fallback));

    public void RecordCallerError(string cluster, CallerError reason) =>
        _callerErrors.Add(1, new KeyValuePair<string, object?>("cluster", cluster), new KeyValuePair<string, object?>("reason", reason switch
        {
            CallerError.SlowBody => "slow_body",
            CallerError.BadBody => "bad_body",
            _ => "aborted",
        }));

    public void RecordInboundRefused(string reason) => _inboundRefused.Add(1, new KeyValuePair<string, object?>("reason", reason));

    public void RecordTcpConnection(string direction, string result) =>
        _tcpConnections.Add(1, new KeyValuePair<string, object?>("direction", direction), new KeyValuePair<string, object?>("result", result));

    public void RecordTcpBytes(string direction, string way, long bytes)
    {
        if (bytes > 0)
        {
            _tcpBytes.Add(bytes, new KeyValuePair<string, object?>("direction", direction), new KeyValuePair<string, object?>("way", way));
        }
    }

    public void RecordRetry(string cluster) => _retries.Add(1, new KeyValuePair<string, object?>("cluster", cluster));

    private static string OutcomeTag(RequestOutcome outcome) => outcome switch
    {
        RequestOutcome.Success => "success",
        RequestOutcome.Fallback => "fallback",
        RequestOutcome.Failure => "failure",
        _ => "client_aborted",
    };

    private static IEnumerable<Measurement<int>> ObserveControlPlane(ControlPlaneStatus status)
    {
        if (status.Address is { } address)
        {
            yield return new Measurement<int>(status.Connected ? 1 : 0, new KeyValuePair<string, object?>("address", address));
        }
    }

    private static IEnumerable<Measurement<T>> Observe<T>(ClusterResilienceRegistry registry, Func<ClusterResilience, T> value)
        where T : struct
    {
        foreach (var cluster in registry.Clusters)
        {
            yield return new Measurement<T>(value(cluster), new KeyValuePair<string, object?>("cluster", cluster.ClusterId));
        }
    }
}
