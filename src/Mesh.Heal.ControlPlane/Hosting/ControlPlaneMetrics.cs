using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Hosting;

/// <summary>The control plane's own metrics, exported at <c>/metrics</c>.</summary>
/// <remarks>
/// Prometheus names: <c>meshheal_controlplane_rejected_total{kind}</c> (bad or excess input, by kind),
/// <c>meshheal_policy_pushes_total</c> (snapshots offered to sidecars), <c>meshheal_policy_answers_total{result=ack|nack|stale}</c>,
/// <c>meshheal_telemetry_reports_total</c> (accepted reports), <c>meshheal_controlplane_streams{kind=policy|telemetry}</c>,
/// <c>meshheal_log_records_total{service}</c> (log records analysed; malformed lines count as rejected, kind <c>log-line</c>),
/// <c>meshheal_telemetry_instances_evicted_total</c> (sidecar instances forgotten after <c>Limits:InstanceTtl</c> without a report).
/// Telemetry reports refused as malformed carry a <c>reason</c> from a fixed set (<c>count</c>, <c>inconsistent</c>,
/// <c>histogram</c>, <c>latency</c>, <c>resources</c>, <c>time</c>, <c>name</c>, <c>clusters</c>).
/// <para>
/// <c>/metrics</c> needs no token, so a label whose values come from input (the service of pushed logs) keeps at most
/// <c>ControlPlane:Limits:MaxMetricLabelValues</c> distinct values (default 100), the first seen; the rest are counted
/// under <c>other</c>.
/// </para>
/// </remarks>
internal sealed class ControlPlaneMetrics
{
    public const string MeterName = "Mesh.Heal.ControlPlane";

    private readonly Counter<long> _rejected;
    private readonly Counter<long> _pushes;
    private readonly Counter<long> _answers;
    private readonly Counter<long> _reports;
    private readonly Counter<long> _logRecords;
    private readonly Counter<long> _evicted;
    private readonly BoundedLabel _logServices;
    private long _policyStreams;
    private long _telemetryStreams;

    /// <summary>The label value that stands for every value past the cap.</summary>
    public const string OtherLabelValue = "other";

    public ControlPlaneMetrics(IMeterFactory meterFactory, IOptions<LimitOptions>? limits = null)
    {
        _logServices = new BoundedLabel(limits?.Value.MaxMetricLabelValues ?? new LimitOptions().MaxMetricLabelValues);
        var meter = meterFactory.Create(MeterName);
        _rejected = meter.CreateCounter<long>("meshheal.controlplane.rejected", "{message}", "Input rejected or dropped, by kind.");
        _pushes = meter.CreateCounter<long>("meshheal.policy.pushes", "{snapshot}", "Policy snapshots offered to sidecar streams.");
        _answers = meter.CreateCounter<long>("meshheal.policy.answers", "{answer}", "ACKs and NACKs from sidecars.");
        _reports = meter.CreateCounter<long>("meshheal.telemetry.reports", "{report}", "Telemetry reports accepted.");
        _evicted = meter.CreateCounter<long>("meshheal.telemetry.instances.evicted", "{instance}", "Sidecar instances whose state was forgotten after InstanceTtl without a report.");
        _logRecords = meter.CreateCounter<long>("meshheal.log.records", "{record}", "Log records analysed, by service.");
        meter.CreateObservableGauge(
            "meshheal.controlplane.streams",
            () => new[]
            {
                new Measurement<long>(Interlocked.Read(ref _policyStreams), new KeyValuePair<string, object?>("kind", "policy")),
                new Measurement<long>(Interlocked.Read(ref _telemetryStreams), new KeyValuePair<string, object?>("kind", "telemetry")),
            },
            description: "Open sidecar streams.");
    }

    public void Rejected(string kind) => _rejected.Add(1, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Counts one rejection of <paramref name="kind"/> with its <paramref name="reason"/> (one of a fixed set, never taken from input).</summary>
    public void Rejected(string kind, string? reason)
    {
        if (reason is null)
        {
            Rejected(kind);
            return;
        }

        _rejected.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("reason", reason));
    }

    public void Pushed(int sessions) => _pushes.Add(sessions);

    public void Answer(string result) => _answers.Add(1, new KeyValuePair<string, object?>("result", result));

    public void ReportAccepted() => _reports.Add(1);

    public void InstancesEvicted(int count) => _evicted.Add(count);

    public void LogLines(string service, int records, int malformed)
    {
        if (records > 0)
        {
            _logRecords.Add(records, new KeyValuePair<string, object?>("service", _logServices.Of(service)));
        }

        if (malformed > 0)
        {
            _rejected.Add(malformed, new KeyValuePair<string, object?>("kind", "log-line"));
        }
    }

    public void PolicyStream(int delta) => Interlocked.Add(ref _policyStreams, delta);

    public void TelemetryStream(int delta) => Interlocked.Add(ref _telemetryStreams, delta);

    // The first values seen, up to the cap; the rest are folded into OtherLabelValue, so input cannot grow /metrics without bound.
    private sealed class BoundedLabel(int max)
    {
        private readonly ConcurrentDictionary<string, bool> _values = new(StringComparer.Ordinal);
        private readonly Lock _lock = new();

        public string Of(string value)
        {
            if (_values.ContainsKey(value))
            {
                return value;
            }

            lock (_lock)
            {
                if (_values.Count < max)
                {
                    _values.TryAdd(value, true);
                    return value;
                }
            }

            return OtherLabelValue;
        }
    }
}
