namespace Mesh.Heal.Agents.Logs;

/// <summary>What made a service fail, as the bug fixer tells it from the exception and the sidecars' telemetry.</summary>
/// <param name="Cause">One of <see cref="RootCauseClassifier.Causes"/>.</param>
/// <param name="Confidence">From 0 to 1.</param>
/// <param name="Evidence">What it rests on, in words: the rule that matched, the telemetry that agreed.</param>
public sealed record RootCause(string Cause, double Confidence, IReadOnlyList<string> Evidence);

/// <summary>What the sidecars saw around a service while its errors were logged: the figures that corroborate a timeout or a
/// dependency failure.</summary>
/// <param name="OutboundTimeouts">Timeouts the service's own sidecar saw calling its dependencies.</param>
/// <param name="OutboundTransportErrors">Refused or reset connections to its dependencies.</param>
/// <param name="OutboundServerErrors">5xx answers of its dependencies.</param>
/// <param name="InboundTimeouts">Timeouts its callers saw calling it.</param>
/// <param name="InboundServerErrors">5xx its callers got from it.</param>
public sealed record TelemetryContext(long OutboundTimeouts, long OutboundTransportErrors, long OutboundServerErrors, long InboundTimeouts, long InboundServerErrors)
{
    /// <summary>Nothing seen.</summary>
    public static TelemetryContext None { get; } = new(0, 0, 0, 0, 0);
}
