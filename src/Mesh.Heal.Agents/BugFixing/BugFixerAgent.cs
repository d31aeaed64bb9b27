using System.Globalization;
using Mesh.Heal.Agents.Logs;
using Mesh.Heal.Healing;

namespace Mesh.Heal.Agents.BugFixing;

/// <summary>Finds the errors a service logs, tells their root cause, and proposes a fix for the ones it can: a patch on a new
/// branch and a pull request, never merged by itself.</summary>
/// <remarks>
/// <para>
/// Every error cluster of the service's logs (<see cref="LogsSlice"/>) with at least
/// <see cref="BugFixerAgentOptions.MinimumRecent"/> errors in the burst window becomes a <c>bug.&lt;cause&gt;</c> finding,
/// classified by <see cref="RootCauseClassifier"/> with what the service's sidecar and its callers saw in the live window.
/// </para>
/// <para>
/// When the service names its repository (<see cref="SourcesSlice"/>) and the classification is confident enough,
/// the fix is written for the first frame that points into it: a null guard (null-pointer) or an input guard (validation)
/// with Roslyn for C#, a raised timeout in its JSON configuration (timeout). The <c>code.patch</c> action is a review: the
/// <c>git</c> actuator puts it on its own branch, builds it when a build is configured, and opens a pull request. Its risk
/// is the risk of merging it (<see cref="CandidatePatch.Risk"/>). Other languages and causes get the analysis and a
/// proposal in words, in the finding's evidence.
/// </para>
/// </remarks>
public sealed class BugFixerAgent : IHealingAgent
{
    /// <summary>The agent's name.</summary>
    public const string AgentName = "bug-fixer";

    /// <summary>The kind of the patch action.</summary>
    public const string PatchKind = "code.patch";

    private readonly BugFixerAgentOptions _options;

    /// <summary>Creates the agent with <paramref name="options"/>, or the defaults.</summary>
    public BugFixerAgent(BugFixerAgentOptions? options = null) => _options = options ?? new BugFixerAgentOptions();

    /// <inheritdoc/>
    public string Name => AgentName;

    /// <inheritdoc/>
    public IReadOnlyList<SnapshotSliceKey> Reads { get; } = [LogsSlice.Key, SourcesSlice.Key, EdgesSlice.Key];

    /// <inheritdoc/>
    public AgentOutput Analyze(MeshSnapshot snapshot, string service, CancellationToken cancellationToken)
    {
        var digest = snapshot.Get(LogsSlice.Key).Of(service);
        var findings = new List<Finding>();
        var actions = new List<HealingAction>();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        if (digest is null)
        {
            return new AgentOutput(Name, service, AgentStatus.Ok, snapshot.Time);
        }

        metrics["logs.lines"] = digest.Lines;
        metrics["logs.errors"] = digest.Errors;
        metrics["logs.malformed"] = digest.Malformed;
        metrics["logs.templates"] = digest.TemplateCount;
        var telemetry = Telemetry(snapshot, service);
        snapshot.Get(SourcesSlice.Key).Trees.TryGetValue(service, out var source);
        foreach (var cluster in digest.Clusters.Where(c => c.Recent >= _options.MinimumRecent).Take(_options.MaximumFindings))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var cause = RootCauseClassifier.Classify(cluster, telemetry);
            var (patch, proposal) = Fix(cluster, cause, source);
            var finding = ClusterFinding(service, cluster, cause, telemetry, source, patch, proposal);
            findings.Add(finding);
            metrics[$"cluster.{cluster.Id}.burst"] = cluster.Burst;
            if (patch is not null && source is not null)
            {
                actions.Add(PatchAction(service, cluster, cause, finding, patch, source));
            }
        }

        return new AgentOutput(Name, service, AgentOutput.StatusFor(findings), snapshot.Time) { Findings = findings, Actions = actions, Metrics = metrics };
    }

    private static TelemetryContext Telemetry(MeshSnapshot snapshot, string service)
    {
        long outTimeouts = 0, outTransport = 0, outServer = 0, inTimeouts = 0, inServer = 0;
        foreach (var edge in snapshot.Get(EdgesSlice.Key).Edges)
        {
            if (edge.Caller == service && edge.Upstream != service)
            {
                outTimeouts += edge.Counts.Timeouts;
                outTransport += edge.Counts.TransportErrors;
                outServer += edge.Counts.ServerErrors;
            }
            else if (edge.Upstream == service)
            {
                inTimeouts += edge.Counts.Timeouts;
                inServer += edge.Counts.ServerErrors;
            }
        }

        return new TelemetryContext(outTimeouts, outTransport, outServer, inTimeouts, inServer);
    }

    // The patch for the cause, or the proposal in words when none can be written.
    private (CandidatePatch? Patch, string Proposal) Fix(ErrorCluster cluster, RootCause cause, SourceTree? source)
    {
        var frame = source is null ? null : cluster.Frames.FirstOrDefault(f => !f.IsFramework && source.Resolve(f.File) is not null);
        var path = frame is null ? null : source!.Resolve(frame.File);
        var where = frame is null ? "no frame points into the service's repository" : $"{path}:{frame.Line} in {frame.Function}";
        var words = cause.Cause switch
        {
            "null-pointer" => $"guard the dereference at {where} against null and answer the request (404) instead of failing",
            "validation" => $"validate the input before it is used at {where} and answer 400 with the reason",
            "timeout" => "raise the timeout of the slow call, or add a retry with a budget; check the dependency's latency first",
            "resource-exhaustion" => "find what holds the resource (the resource-exhaustion agent's findings say which replica and how fast); raise the limit or fix the leak",
            "dependency-failure" => "the dependency is failing, not this code: the circuit breaker agent's fallback protects the callers; fix the dependency",
            _ => "no rule names a cause: read the samples and the frames",
        };
        if (source is null)
        {
            return (null, words + " (no repository is configured for the service, so no patch)");
        }

        if (cause.Confidence < _options.MinimumPatchConfidence)
        {
            return (null, words + $" (classification confidence {cause.Confidence:0.00} is below {_options.MinimumPatchConfidence:0.00}, so no patch)");
        }

        CandidatePatch? patch = null;
        var csharp = path is not null && path.EndsWith(".cs", StringComparison.Ordinal) && frame!.Line is not null && source.Files.TryGetValue(path, out _);
        switch (cause.Cause)
        {
            case "null-pointer" when csharp:
                patch = CSharpPatcher.NullGuard(path!, source.Files[path!], frame!.Line!.Value);
                break;
            case "validation" when csharp:
                patch = CSharpPatcher.InputGuard(path!, source.Files[path!], frame!.Line!.Value);
                break;
            case "timeout":
                patch = ConfigPatcher.RaiseTimeout(source.Files, $"{cluster.ExceptionMessage} {cluster.Message} {string.Join(' ', cluster.Samples)}", _options.TimeoutFactor, _options.MaximumTimeout);
                break;
        }

        if (patch is not null)
        {
            return (patch, patch.Description);
        }

        var why = cause.Cause switch
        {
            "null-pointer" or "validation" when path is null => "no frame points into the repository",
            "null-pointer" or "validation" when !csharp => $"patches are written for C# only, and {path} is not C#",
            "null-pointer" or "validation" => $"no guard could be written at {where} (no dereference or parse the guard understands, or no safe way out of the function)",
            "timeout" => "no single timeout setting in the repository's JSON configuration is the one",
            _ => "no patch is written for this cause",
        };
        return (null, $"{words} ({why})");
    }

    private Finding ClusterFinding(string service, ErrorCluster cluster, RootCause cause, TelemetryContext telemetry, SourceTree? source, CandidatePatch? patch, string proposal)
    {
        var top = cluster.TopFrame;
        var what = cluster.Type.Length > 0 ? cluster.Type : "error";
        var at = top is null ? string.Empty : $" at {top.Function}{(top.File is null ? string.Empty : $" ({Path.GetFileName(top.File)}:{top.Line})")}";
        var callers = telemetry.InboundServerErrors + telemetry.InboundTimeouts;
        var severity = cluster.Burst >= _options.CriticalBurst && callers > 0 ? FindingSeverity.Critical : FindingSeverity.Warning;
        var evidence = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["cluster"] = cluster.Id,
            ["cause"] = cause.Cause,
            ["language"] = cluster.Language,
            ["type"] = cluster.Type,
            ["message"] = Cut(cluster.Message, 300),
            ["exceptionMessage"] = Cut(cluster.ExceptionMessage, 300),
            ["template"] = Cut(cluster.Template, 300),
            ["recent"] = cluster.Recent.ToString(CultureInfo.InvariantCulture),
            ["expected"] = cluster.Expected.ToString("0.##", CultureInfo.InvariantCulture),
            ["burst"] = cluster.Burst.ToString("0.##", CultureInfo.InvariantCulture),
            ["count"] = cluster.Count.ToString(CultureInfo.InvariantCulture),
            ["firstSeen"] = cluster.FirstSeen.ToString("O", CultureInfo.InvariantCulture),
            ["classification"] = string.Join("; ", cause.Evidence),
            ["proposal"] = proposal,
        };
        if (cluster.Chain.Count > 1)
        {
            evidence["chain"] = string.Join(" > ", cluster.Chain);
        }

        if (cluster.Frames.Count > 0)
        {
            evidence["frames"] = string.Join(" | ", cluster.Frames.Take(5).Select(f => f.File is null ? f.Function : $"{f.Function} ({f.File}:{f.Line})"));
        }

        if (cluster.Instances.Count > 0)
        {
            evidence["instances"] = string.Join(",", cluster.Instances);
        }

        if (telemetry != TelemetryContext.None)
        {
            evidence["telemetry"] = $"outbound timeouts {telemetry.OutboundTimeouts}, transport errors {telemetry.OutboundTransportErrors}, 5xx {telemetry.OutboundServerErrors}; "
                + $"callers saw 5xx {telemetry.InboundServerErrors}, timeouts {telemetry.InboundTimeouts}";
        }

        if (source is not null)
        {
            evidence["repository"] = $"{source.Repository}@{source.BaseBranch} ({source.Revision[..Math.Min(12, source.Revision.Length)]})";
        }

        if (patch is not null)
        {
            evidence["patch"] = patch.Path;
            evidence["risk"] = patch.Risk.ToString().ToLowerInvariant();
        }

        return new Finding(
            "bug." + cause.Cause, cluster.Id,
            $"{service} logged {cluster.Recent} × {what}{at} in the last burst window ({cluster.Burst:0.#}× its baseline): {Cut(cluster.ExceptionMessage.Length > 0 ? cluster.ExceptionMessage : cluster.Message, 160)}; "
            + $"root cause {cause.Cause} (confidence {cause.Confidence:0.00})",
            severity, cause.Confidence)
        {
            Evidence = evidence,
        };
    }

    private HealingAction PatchAction(string service, ErrorCluster cluster, RootCause cause, Finding finding, CandidatePatch patch, SourceTree source)
    {
        var branch = $"{_options.BranchPrefix}{cause.Cause}-{cluster.Id}";
        var fingerprint = finding.Fingerprint(Name, service);
        var title = $"Mesh.Heal: {patch.Description.Split(" (", 2)[0]}";
        var body = string.Join('\n',
            $"Mesh.Heal found `{cluster.Type}` errors in **{service}** and classified them **{cause.Cause}** (confidence {cause.Confidence:0.00}).",
            string.Empty,
            $"- issue: `{fingerprint}`",
            $"- errors: {cluster.Recent} in the burst window, {cluster.Count} in all, {cluster.Burst:0.#}× the baseline; first seen {cluster.FirstSeen:O}",
            $"- message: {Cut(cluster.ExceptionMessage.Length > 0 ? cluster.ExceptionMessage : cluster.Message, 300)}",
            $"- where: {string.Join(" | ", cluster.Frames.Take(3).Select(f => f.File is null ? f.Function : $"{f.Function} ({f.File}:{f.Line})"))}",
            $"- why: {string.Join("; ", cause.Evidence)}",
            $"- change: {patch.Description}",
            $"- risk of merging: {patch.Risk.ToString().ToLowerInvariant()}",
            string.Empty,
            "This is a proposal: Mesh.Heal never merges it and never pushes to the base branch. Rollback: revert this commit, or close this pull request.");
        return new HealingAction(
            PatchKind, new PatchReview(service, cluster.Id, branch, source.BaseBranch, source.Revision, patch.Path, patch.Diff, title, body, fingerprint),
            $"propose {patch.Description} on branch {branch} of {source.Repository}, as a pull request into {source.BaseBranch}{(source.Builds ? ", once it builds" : string.Empty)}",
            patch.Risk)
        {
            RollbackPlan = $"close the pull request and delete branch {branch}; once merged, revert its commit. {source.BaseBranch} is never pushed to by Mesh.Heal",
            FindingKind = finding.Kind,
            FindingSubject = finding.Subject,
            Review = true,
            Diff = patch.Diff,
        };
    }

    private static string Cut(string text, int length) => text.Length <= length ? text : text[..(length - 3)] + "...";
}
