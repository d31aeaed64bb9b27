using System.Globalization;
using Mesh.Heal.Agents.CircuitBreaker.Internal;
using Mesh.Heal.Healing;
using Mesh.Heal.Health;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Agents.CircuitBreaker;

/// <summary>Sees each service from all its callers: fleet-wide failure with a quorum, cascade risk along the call graph,
/// recovery time, and breaker thresholds tuned by replaying history.</summary>
/// <remarks>
/// For a service U it reads every sidecar's observations of U (<see cref="EdgesSlice.CallersOf"/>). A failure seen by a
/// quorum of the observing callers is U's (<c>upstream.unhealthy</c>); one seen by fewer is the caller's own
/// (<c>caller.local-failure</c>) and moves nothing fleet-wide. When U fails or is slower than its callers' callers wait, each
/// transitive caller gets a cascade risk (<c>cascade.risk</c>); a direct caller at risk with a fallback gets it forced on,
/// and its timeout towards U tightened below its callers' (low risk, temporary: undone when the issue resolves); the rest
/// is proposed. While every caller is held on its fallback nobody sees U, so the verdict is held for the recovery estimate
/// (at least <see cref="CircuitBreakerAgentOptions.MinimumHold"/>, doubled for each hold of the last hour), then released
/// so the sidecars' breakers probe U again. From per-second history it proposes breaker thresholds that would have tripped
/// on past outages and not on noise (<c>breaker.tuning</c>).
/// </remarks>
public sealed class CircuitBreakerAgent : IHealingAgent
{
    /// <summary>The agent's name.</summary>
    public const string AgentName = "circuit-breaker";

    private readonly CircuitBreakerAgentOptions _options;

    /// <summary>Creates the agent with <paramref name="options"/>, or the defaults.</summary>
    public CircuitBreakerAgent(CircuitBreakerAgentOptions? options = null) => _options = options ?? new CircuitBreakerAgentOptions();

    /// <inheritdoc/>
    public string Name => AgentName;

    /// <inheritdoc/>
    public IReadOnlyList<SnapshotSliceKey> Reads { get; } = [EdgesSlice.Key, HealingHistorySlice.Key];

    /// <inheritdoc/>
    public AgentOutput Analyze(MeshSnapshot snapshot, string service, CancellationToken cancellationToken)
    {
        var findings = new List<Finding>();
        var actions = new List<HealingAction>();
        var unhealthy = new Finding("upstream.unhealthy", string.Empty, string.Empty, FindingSeverity.Info, 0);
        var graph = snapshot.Get(EdgesSlice.Key);
        var open = snapshot.Get(HealingHistorySlice.Key).OpenIssues.Contains(unhealthy.Fingerprint(Name, service));
        var verdict = FleetVerdict.Judge(graph, service, _options, open);
        var history = Outages.Merge(graph.History.Where(h => h.Key.EndsWith("/" + service, StringComparison.Ordinal)).Select(h => h.Value));
        var outages = Outages.Find(history, _options.FailingRatio, _options.OutageMinimum);
        var hold = Hold(snapshot, service, verdict, outages, open);
        var state = hold is not null ? UpstreamState.Held : verdict.State;
        var risks = state is UpstreamState.Failing or UpstreamState.Held || verdict.P99Ms >= _options.SlowLatency.TotalMilliseconds
            ? CascadeRisk.Score(graph, service, verdict, _options)
            : [];
        if (state is UpstreamState.Healthy or UpstreamState.Degraded && risks.Any(r => r.Depth == 1 && r.Score >= _options.ActionRisk))
        {
            state = UpstreamState.Slow;
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (state != UpstreamState.Healthy)
        {
            findings.Add(Unhealthy(snapshot, service, state, verdict, outages, hold));
        }

        findings.AddRange(LocalFailures(service, verdict));
        if (state is UpstreamState.Failing or UpstreamState.Slow)
        {
            foreach (var risk in risks.Where(r => r.Score >= _options.ActionRisk))
            {
                findings.Add(CascadeFinding(service, risk));
                actions.AddRange(Mitigations(service, risk));
            }
        }
        else if (hold is { } held)
        {
            // The risk is mitigated, not gone: keep its issue (and the healings that hold it) until the hold ends.
            findings.AddRange(held.Targets.Select(t => HeldFinding(service, t, held.Length)));
        }

        cancellationToken.ThrowIfCancellationRequested();
        foreach (var (finding, action) in Tuning(snapshot, service, verdict))
        {
            findings.Add(finding);
            actions.Add(action);
        }

        return new AgentOutput(Name, service, AgentOutput.StatusFor(findings), snapshot.Time)
        {
            Findings = findings,
            Actions = actions,
            Metrics = new Dictionary<string, double>(StringComparer.Ordinal)
            {
                ["callers"] = graph.CallersOf(service).Count(),
                ["observers"] = verdict.Observers.Count,
                ["failing.callers"] = verdict.Failing.Count,
                ["failure.ratio"] = Math.Round(verdict.FailureRatio, 4),
                ["latency.p99.ms"] = Math.Round(verdict.P99Ms, 1),
                ["cascade.risk.max"] = risks.Select(r => r.Score).DefaultIfEmpty(0).Max(),
                ["state"] = (int)state,
            },
        };
    }

    /// <summary>How long the current hold lasts and when it began, while every caller of <paramref name="service"/> is held on
    /// its fallback by this agent and the hold has not run out; otherwise null.</summary>
    private (DateTimeOffset Since, TimeSpan Length, RecoveryEstimate Estimate, IReadOnlyList<string> Targets)? Hold(
        MeshSnapshot snapshot, string service, FleetVerdict verdict, IReadOnlyList<Outage> outages, bool open)
    {
        if (!open || verdict.Observers.Count > 0 || verdict.Forced.Count == 0)
        {
            return null;
        }

        var targets = verdict.Forced.Select(e => $"{e.Caller}/{e.Cluster}").ToHashSet(StringComparer.Ordinal);
        var ours = snapshot.Get(HealingHistorySlice.Key).Actions.Where(a => a.Kind == FallbackActivate && targets.Contains(a.Target)).ToList();
        var inForce = ours.Where(a => a.InForce).ToList();
        if (inForce.Count == 0)
        {
            // An operator forced it: not ours to hold or release.
            return null;
        }

        var since = inForce.Min(a => a.UpdatedAt);
        var estimate = Estimate(snapshot, service, verdict, outages, since);
        var holds = ours.Count(a => a.CreatedAt >= snapshot.Time - TimeSpan.FromHours(1));
        var baseHold = Clamp(estimate.Remaining is { } r ? (snapshot.Time - since) + r : _options.MinimumHold);
        var length = Clamp(baseHold * Math.Pow(2, Math.Max(0, holds - 1)));
        return snapshot.Time - since < length ? (since, length, estimate, inForce.Select(a => a.Target).Distinct(StringComparer.Ordinal).ToList()) : null;
    }

    private RecoveryEstimate Estimate(MeshSnapshot snapshot, string service, FleetVerdict verdict, IReadOnlyList<Outage> outages, DateTimeOffset? heldSince)
    {
        var current = outages.LastOrDefault(o => o.End is null);
        var start = current?.Start ?? heldSince ?? snapshot.Time;
        var past = outages.Where(o => o.End is not null).Select(o => o.Duration(snapshot.Time)).ToList();
        var recovering = verdict.Observers.Count(e => (e.Breaker == BreakerState.HalfOpen || e.Health == HealthState.Recovering) && e.Counts.Success > 0);
        var ramp = verdict.Observers.Select(e => snapshot.Get(EdgesSlice.Key).PolicyOf(e.Caller, e.Cluster)?.CircuitBreaker.RecoveryDuration ?? PolicyConstants.DefaultRecoveryDuration)
            .DefaultIfEmpty(PolicyConstants.DefaultRecoveryDuration).Max();
        return RecoveryEstimator.Estimate(past, snapshot.Time - start, recovering, verdict.Observers.Count, ramp);
    }

    private Finding Unhealthy(
        MeshSnapshot snapshot, string service, UpstreamState state, FleetVerdict verdict, IReadOnlyList<Outage> outages,
        (DateTimeOffset Since, TimeSpan Length, RecoveryEstimate Estimate, IReadOnlyList<string> Targets)? hold)
    {
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["state"] = state.ToString().ToLowerInvariant(),
            ["callers"] = string.Join(", ", snapshot.Get(EdgesSlice.Key).CallersOf(service).Select(e => $"{e.Caller}/{e.Instance}").Distinct(StringComparer.Ordinal)),
            ["observers"] = $"{verdict.Observers.Count}",
            ["failingCallers"] = $"{verdict.Failing.Count} (quorum {verdict.Needed})",
            ["failureRatio"] = CascadeRisk.F(verdict.FailureRatio),
            ["latencyP99"] = CascadeRisk.Ms(verdict.P99Ms),
            ["pastOutages"] = outages.Count(o => o.End is not null).ToString(CultureInfo.InvariantCulture),
        };
        string summary;
        FindingSeverity severity;
        double confidence = verdict.Confidence;
        switch (state)
        {
            case UpstreamState.Held:
                var (since, length, estimate, _) = hold!.Value;
                estimate.AddTo(evidence);
                evidence["heldSince"] = since.ToString("O", CultureInfo.InvariantCulture);
                evidence["hold"] = RecoveryEstimate.Format(length);
                summary = $"{service}'s callers are held on their fallback for {RecoveryEstimate.Format(length)}; nobody sees {service} until then";
                severity = FindingSeverity.Critical;
                break;
            case UpstreamState.Failing:
                Estimate(snapshot, service, verdict, outages, null).AddTo(evidence);
                summary = string.Create(CultureInfo.InvariantCulture,
                    $"{service} is failing for {verdict.Failing.Count} of {verdict.Observers.Count} callers ({verdict.FailureRatio:P0} of attempts); recovery in {evidence["recovery.eta"]}");
                severity = FindingSeverity.Critical;
                break;
            case UpstreamState.Slow:
                summary = string.Create(CultureInfo.InvariantCulture, $"{service} answers in {verdict.P99Ms:0} ms at p99, longer than its callers' callers wait");
                severity = FindingSeverity.Warning;
                break;
            default:
                summary = string.Create(CultureInfo.InvariantCulture, $"{service} fails {verdict.FailureRatio:P0} of attempts from {verdict.Observers.Count} callers");
                severity = FindingSeverity.Warning;
                break;
        }

        return new Finding("upstream.unhealthy", string.Empty, summary, severity, confidence)
        {
            Evidence = evidence,
            Services = snapshot.Get(EdgesSlice.Key).CallersOf(service).Select(e => e.Caller).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList(),
        };
    }

    private static IEnumerable<Finding> LocalFailures(string service, FleetVerdict verdict)
    {
        if (verdict.State == UpstreamState.Failing)
        {
            yield break;
        }

        foreach (var e in verdict.Failing)
        {
            yield return new Finding(
                "caller.local-failure",
                $"{e.Caller}/{e.Instance}",
                string.Create(CultureInfo.InvariantCulture,
                    $"{e.Caller}/{e.Instance} sees {service} fail {e.Counts.FailureRatio:P0} of attempts while {verdict.Observers.Count - verdict.Failing.Count} other callers do not: its own path, not {service}; nothing changes fleet-wide"),
                FindingSeverity.Warning,
                Math.Round(Math.Min(0.9, 0.4 + (0.1 * (verdict.Observers.Count - verdict.Failing.Count))), 2))
            {
                Evidence = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["failureRatio"] = CascadeRisk.F(e.Counts.FailureRatio),
                    ["attempts"] = e.Counts.Attempts.ToString(CultureInfo.InvariantCulture),
                    ["breaker"] = e.Breaker?.ToString() ?? "unknown",
                    ["fleetFailingCallers"] = $"{verdict.Failing.Count} of {verdict.Observers.Count} (quorum {verdict.Needed})",
                },
                Services = [e.Caller],
            };
        }
    }

    private static Finding CascadeFinding(string service, CallerRisk risk)
    {
        var evidence = new Dictionary<string, string>(risk.Factors, StringComparer.Ordinal) { ["path"] = risk.Path, ["score"] = CascadeRisk.F(risk.Score) };
        var advice = risk.Depth > 1 ? string.Empty : risk.HasFallback ? string.Empty : $"; it has no fallback for {risk.Cluster}: add one";
        return new Finding(
            "cascade.risk",
            risk.Service,
            string.Create(CultureInfo.InvariantCulture, $"{risk.Service} is at risk of failing with {service} (risk {risk.Score:0.00}, path {risk.Path}){advice}"),
            risk.Score >= 0.6 ? FindingSeverity.Critical : FindingSeverity.Warning,
            Math.Round(Math.Min(0.9, 0.4 + (risk.Score / 2)), 2))
        {
            Evidence = evidence,
            Services = risk.Path.Split(" <- ").ToList(),
        };
    }

    private static Finding HeldFinding(string service, string target, TimeSpan hold)
    {
        var (caller, cluster) = EdgeId.Parse(target);
        return new Finding(
            "cascade.risk",
            caller,
            $"{caller} is held on its fallback for {cluster} while nobody can see {service}; released after {RecoveryEstimate.Format(hold)} so its breaker probes again",
            FindingSeverity.Warning,
            0.5)
        {
            Evidence = new Dictionary<string, string>(StringComparer.Ordinal) { ["path"] = $"{service} <- {caller}", ["fallback"] = "held", ["hold"] = RecoveryEstimate.Format(hold) },
            Services = [service, caller],
        };
    }

    private IEnumerable<HealingAction> Mitigations(string service, CallerRisk risk)
    {
        if (risk.Policy is null)
        {
            yield break;
        }

        var edge = new EdgeId(risk.Service, risk.Cluster);
        var signal = risk.Signal.Select(EdgeId.Parse).ToList();
        var prefix = $"clusters:{risk.Cluster}:";
        if (risk.HasFallback && risk.Policy.Override == BreakerOverride.None)
        {
            // Acting on the direct caller protects everything above it; further up it is only proposed.
            yield return new HealingAction(
                FallbackActivate,
                new PolicyPatch(edge, [new PolicyChange(prefix + "override", "forceFallback") { Previous = "none" }]),
                $"serve {risk.Service}'s calls to {risk.Cluster} from its fallback ({risk.Policy.Fallback!.HeaderValue}) while {service} is unhealthy",
                risk.Depth == 1 ? ActionRisk.Low : ActionRisk.Medium)
            {
                RollbackPlan = $"set clusters.{risk.Cluster}.override back to none in {risk.Service}'s policy (done when the issue resolves, or at once if the caller failures rise)",
                FindingKind = "cascade.risk",
                FindingSubject = risk.Service,
                Diff = $"{risk.Service}: clusters.{risk.Cluster}.override: none -> forceFallback",
                Signal = signal,
                Temporary = true,
            };
        }

        if (risk.Depth == 1 && risk.CallerTimeout is { } callerTimeout)
        {
            var tightened = TimeSpan.FromMilliseconds(Math.Max(_options.MinimumTimeout.TotalMilliseconds, callerTimeout.TotalMilliseconds * _options.TightenShare));
            if (risk.Policy.Timeout > tightened && risk.LatencyMs >= tightened.TotalMilliseconds)
            {
                var value = DurationParser.Format(tightened);
                yield return new HealingAction(
                    TimeoutTighten,
                    new PolicyPatch(edge, [new PolicyChange(prefix + "timeout", value) { Previous = DurationParser.Format(risk.Policy.Timeout) }]),
                    $"cut {risk.Service}'s timeout to {risk.Cluster} from {DurationParser.Format(risk.Policy.Timeout)} to {value}, under its callers' {DurationParser.Format(callerTimeout)}, "
                        + (risk.HasFallback ? "so its fallback answers before they give up" : "so it fails fast instead of holding its callers (it has no fallback)"),
                    risk.HasFallback ? ActionRisk.Low : ActionRisk.Medium)
                {
                    RollbackPlan = $"set clusters.{risk.Cluster}.timeout back to {DurationParser.Format(risk.Policy.Timeout)} in {risk.Service}'s policy (done when the issue resolves)",
                    FindingKind = "cascade.risk",
                    FindingSubject = risk.Service,
                    Diff = $"{risk.Service}: clusters.{risk.Cluster}.timeout: {DurationParser.Format(risk.Policy.Timeout)} -> {value}",
                    Signal = signal,
                    Temporary = true,
                };
            }
        }
    }

    private IEnumerable<(Finding, HealingAction)> Tuning(MeshSnapshot snapshot, string service, FleetVerdict verdict)
    {
        if (verdict.State == UpstreamState.Failing)
        {
            // Mid-outage the history is still being written; tune on outages that ended.
            yield break;
        }

        foreach (var (edge, samples) in snapshot.Get(EdgesSlice.Key).History.Where(h => h.Key.EndsWith("/" + service, StringComparison.Ordinal)).OrderBy(h => h.Key, StringComparer.Ordinal))
        {
            var (caller, cluster) = EdgeId.Parse(edge);
            var policy = snapshot.Get(EdgesSlice.Key).PolicyOf(caller, cluster);
            var outages = Outages.Find(samples, _options.FailingRatio, _options.OutageMinimum).Where(o => o.End is not null).ToList();
            if (policy is null || outages.Count == 0 || BreakerReplay.Tune(samples, outages, policy.CircuitBreaker) is not { } tuned)
            {
                continue;
            }

            var (proposed, result, current) = tuned;
            var b = policy.CircuitBreaker;
            var prefix = $"clusters:{cluster}:circuitBreaker:";
            var changes = new List<PolicyChange>();
            var diff = new List<string>();
            Change("failureRatio", b.FailureRatio.ToString(CultureInfo.InvariantCulture), proposed.FailureRatio.ToString(CultureInfo.InvariantCulture));
            Change("minimumThroughput", b.MinimumThroughput.ToString(CultureInfo.InvariantCulture), proposed.MinimumThroughput.ToString(CultureInfo.InvariantCulture));
            Change("samplingDuration", DurationParser.Format(b.SamplingDuration), DurationParser.Format(proposed.SamplingDuration));
            var finding = new Finding(
                "breaker.tuning",
                edge,
                $"replaying {samples.Count} s of {edge}'s history: the current breaker {current}; proposed thresholds {result}",
                FindingSeverity.Info,
                Math.Round(Math.Min(0.9, outages.Count / (outages.Count + 1.0)), 2))
            {
                Evidence = new Dictionary<string, string>(StringComparer.Ordinal)
                {
                    ["replay.current"] = current.ToString(),
                    ["replay.proposed"] = result.ToString(),
                    ["history"] = $"{samples.Count} s from {samples[0].Time:O} to {samples[^1].Time:O}",
                    ["outages"] = string.Join("; ", outages.Select(o => $"{o.Start:HH:mm:ss} for {RecoveryEstimate.Format(o.Duration(snapshot.Time))}")),
                },
                Services = [caller],
            };
            // The rollback plan is the patch's own inverse (the thresholds as they were), not text read back out of the diff.
            var action = new HealingAction(
                "breaker.tune",
                new PolicyPatch(new EdgeId(caller, cluster), changes),
                $"set {caller}'s breaker for {cluster} to the thresholds that replay best on its history",
                ActionRisk.Medium)
            {
                FindingKind = "breaker.tuning",
                FindingSubject = edge,
                Diff = string.Join('\n', diff),
                Signal = [new EdgeId(caller, cluster)],
            };
            yield return (finding, action);

            void Change(string name, string from, string to)
            {
                if (from != to)
                {
                    changes.Add(new PolicyChange(prefix + name, to) { Previous = from });
                    diff.Add($"{caller}: clusters.{cluster}.circuitBreaker.{name}: {from} -> {to}");
                }
            }
        }
    }

    private TimeSpan Clamp(TimeSpan value) =>
        value < _options.MinimumHold ? _options.MinimumHold : value > _options.MaximumHold ? _options.MaximumHold : value;

    private const string FallbackActivate = "fallback.activate";
    private const string TimeoutTighten = "timeout.tighten";
}
