using Mesh.Heal.Health;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Agents.CircuitBreaker.Internal;

/// <summary>The risk that a failing upstream takes one of its (transitive) callers down with it.</summary>
/// <param name="Service">The caller at risk.</param>
/// <param name="Cluster">Its cluster towards the next service on the path.</param>
/// <param name="Depth">1 for a direct caller of the failing upstream, 2 for its callers, and so on.</param>
/// <param name="Path">The failing upstream, then each caller on the way: <c>c &lt;- b &lt;- a</c>.</param>
/// <param name="Score">From 0 to 1.</param>
/// <param name="Factors">How the score was made, for the evidence.</param>
/// <param name="Policy">The caller's cluster policy in the control plane, or null when it has none there (nothing can be pushed).</param>
/// <param name="LatencyMs">How long the caller's calls on the path take now (direct callers only).</param>
/// <param name="CallerTimeout">The smallest timeout of the caller's own callers towards it, or null when nobody in the mesh calls it.</param>
/// <param name="Signal">The edges whose failures judge a healing of this caller: its edge and its callers' edges to it.</param>
internal sealed record CallerRisk(
    string Service, string Cluster, int Depth, string Path, double Score, IReadOnlyDictionary<string, string> Factors, ClusterPolicy? Policy,
    double LatencyMs, TimeSpan? CallerTimeout, IReadOnlyList<string> Signal)
{
    public bool HasFallback => Policy?.Fallback is not null;
}

/// <summary>Scores the callers of a failing or slow upstream, transitively along the call graph the telemetry draws.</summary>
/// <remarks>
/// A direct caller's score weighs: the pressure its callers feel (the share of them whose timeout is shorter than the time its
/// calls to the upstream now take, or, when the upstream fails outright, all of them), 0.45; retry amplification (retries per
/// request towards the upstream), 0.2; fan-in (n caller services give n/(n+1)), 0.15; and no fallback engaged, 0.2. A caller
/// whose fallback is engaged (forced, or its breaker open with a fallback) is protected and scores 0. Each further hop keeps
/// <see cref="CircuitBreakerAgentOptions.TransitiveDecay"/> of the score of the caller it calls.
/// </remarks>
internal static class CascadeRisk
{
    private const int MaxDepth = 4;

    public static IReadOnlyList<CallerRisk> Score(EdgesSlice graph, string upstream, FleetVerdict verdict, CircuitBreakerAgentOptions options)
    {
        var risks = new List<CallerRisk>();
        var visited = new HashSet<string>(StringComparer.Ordinal) { upstream };
        foreach (var group in graph.CallersOf(upstream).GroupBy(e => e.Caller).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var edges = group.ToList();
            var risk = Direct(graph, upstream, edges, verdict);
            risks.Add(risk);
            visited.Add(risk.Service);
        }

        // Transitive callers, breadth first, each reached through the riskiest caller it calls.
        var frontier = risks.ToList();
        for (var depth = 2; depth <= MaxDepth && frontier.Count > 0; depth++)
        {
            var next = new List<CallerRisk>();
            foreach (var callee in frontier.OrderByDescending(r => r.Score))
            {
                foreach (var group in graph.CallersOf(callee.Service).GroupBy(e => e.Caller))
                {
                    if (!visited.Add(group.Key))
                    {
                        continue;
                    }

                    var cluster = group.First().Cluster;
                    var policy = graph.PolicyOf(group.Key, cluster);
                    var held = FleetVerdict.IsForced(policy) && policy!.Fallback is not null;
                    var score = held ? 0 : Math.Round(callee.Score * options.TransitiveDecay, 2);
                    next.Add(new CallerRisk(
                        group.Key, cluster, depth, $"{callee.Path} <- {group.Key}", score,
                        new Dictionary<string, string>(StringComparer.Ordinal) { ["via"] = callee.Service, ["decay"] = F(options.TransitiveDecay), ["held"] = held ? "yes" : "no" },
                        policy, 0, null, [$"{group.Key}/{cluster}"]));
                }
            }

            risks.AddRange(next);
            frontier = next;
        }

        return risks;
    }

    private static CallerRisk Direct(EdgesSlice graph, string upstream, List<EdgeObservation> edges, FleetVerdict verdict)
    {
        var service = edges[0].Caller;
        var cluster = edges[0].Cluster;
        var policy = graph.PolicyOf(service, cluster);
        var timeout = policy?.Timeout ?? PolicyConstants.DefaultTimeout;
        var sent = edges.Where(e => e.Counts.Attempts > 0).ToList();
        var latency = sent.Count == 0 ? 0 : sent.Max(e => e.P99Ms);
        var wait = Math.Min(timeout.TotalMilliseconds, latency);
        // Recovering is engaged too: after a trip the sidecar's breaker reads Closed while one probe, then a ramp, decides and the
        // fallback serves the rest. Read as not engaged, a dead primary between probes, or one just back with the outage's
        // failures still in the live window, had the fallback forced on a caller that was already on it or recovering.
        var isProtected = policy?.Fallback is not null
            && (FleetVerdict.IsForced(policy) || edges.All(e => FleetVerdict.IsTripped(e.Breaker) || e.Health == HealthState.Recovering));

        var callers = graph.CallersOf(service).ToList();
        var timeouts = callers.Select(c => (c, Timeout: graph.PolicyOf(c.Caller, c.Cluster)?.Timeout ?? PolicyConstants.DefaultTimeout)).ToList();
        TimeSpan? callerTimeout = timeouts.Count == 0 ? null : timeouts.Min(t => t.Timeout);
        // Weighted by requests, so a busy caller with a short timeout counts for more than an idle one.
        var timeoutPressure = timeouts.Count == 0
            ? (wait >= 1000 ? 0.5 : 0)
            : timeouts.Where(t => t.Timeout.TotalMilliseconds <= wait).Sum(t => Math.Max(1, t.c.Counts.Requests)) / (double)timeouts.Sum(t => Math.Max(1, t.c.Counts.Requests));
        var errorPressure = verdict.State == UpstreamState.Failing ? 1 : 0;
        var pressure = Math.Min(1, isProtected ? 0 : Math.Max(timeoutPressure, errorPressure));
        var totalRequests = edges.Sum(e => e.Counts.Requests);
        var retry = totalRequests == 0 ? 0 : Math.Min(1, edges.Sum(e => e.Counts.Retries) / (double)totalRequests);
        var callerServices = callers.Select(c => c.Caller).Distinct(StringComparer.Ordinal).Count();
        var fanIn = callerServices / (callerServices + 1.0);
        var score = isProtected ? 0 : Math.Round((0.45 * pressure) + (0.2 * retry) + (0.15 * fanIn) + 0.2, 2);
        var factors = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["pressure"] = F(pressure),
            ["timeoutPressure"] = F(timeoutPressure),
            ["retryAmplification"] = F(retry),
            ["fanIn"] = callerServices.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["fallback"] = policy?.Fallback is null ? "none" : isProtected ? "engaged" : "not engaged",
            ["timeout"] = Ms(timeout.TotalMilliseconds),
            ["latencyP99"] = Ms(latency),
            ["callerTimeout"] = callerTimeout is { } ct ? Ms(ct.TotalMilliseconds) : "no callers in the mesh",
        };
        var signal = new[] { $"{service}/{cluster}" }.Concat(callers.Select(c => c.Edge)).Distinct(StringComparer.Ordinal).ToList();
        return new CallerRisk(service, cluster, 1, $"{upstream} <- {service}", score, factors, policy, latency, callerTimeout, signal);
    }

    internal static string F(double value) => value.ToString("0.00", System.Globalization.CultureInfo.InvariantCulture);

    internal static string Ms(double ms) => ms.ToString("0", System.Globalization.CultureInfo.InvariantCulture) + " ms";
}
