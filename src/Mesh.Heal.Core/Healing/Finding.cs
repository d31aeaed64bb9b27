namespace Mesh.Heal.Healing;

/// <summary>Something an agent found about a service, with the evidence that supports it.</summary>
/// <param name="Kind">What was found, in dotted lowercase: <c>breaker.degraded</c>, <c>memory.leak</c>.</param>
/// <param name="Subject">What it is about within the service: a cluster, a process, a log template; empty for the service itself.</param>
/// <param name="Summary">One sentence for an operator.</param>
/// <param name="Severity">How grave it is.</param>
/// <param name="Confidence">How sure the agent is, from 0 to 1.</param>
public sealed record Finding(string Kind, string Subject, string Summary, FindingSeverity Severity, double Confidence)
{
    /// <summary>The figures behind the finding, by name (<c>failureRatio</c>: <c>0.42</c>), as shown to operators.</summary>
    public IReadOnlyDictionary<string, string> Evidence { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The other services it involves (the callers at risk of a cascade), besides the one it is about.</summary>
    public IReadOnlyList<string> Services { get; init; } = [];

    /// <summary>The key that merges the same finding across runs and sidecars into one issue.</summary>
    /// <remarks>Agent, service, kind and subject: the summary and the figures change from run to run, the fingerprint does not.</remarks>
    public string Fingerprint(string agent, string service) => new IssueFingerprint(agent, service, Kind, Subject).ToString();
}
