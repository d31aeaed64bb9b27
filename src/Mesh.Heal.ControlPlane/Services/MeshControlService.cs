using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Heal.ControlPlane.Auth;
using Mesh.Heal.ControlPlane.Healing;
using Mesh.Heal.ControlPlane.Healing.Internal;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.Healing;
using Mesh.Heal.Policy;
using Mesh.Heal.Protocol.Mapping;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Services;

/// <summary>The operators' API: mesh status, policies, issues, actions and the audit log (gRPC and HTTP/JSON).</summary>
internal sealed class MeshControlService(
    MeshStore store, PolicyService policies, TelemetryAggregator telemetry, HealingCoordinator coordinator, Logs.LogCollector logs,
    Microsoft.Extensions.Options.IOptions<Logs.LogOptions> options, TimeProvider time, Microsoft.Extensions.Options.IOptions<Replication.HaOptions> ha,
    Dashboard.TopologyBuilder topology, Dashboard.ForecastBuilder forecasts)
    : Wire.MeshControl.MeshControlBase
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public override Task<Wire.MeshStatus> GetStatus(Wire.GetStatusRequest request, ServerCallContext context)
    {
        var filter = request.Service.Length == 0 ? null : request.Service;
        var sidecars = store.Sidecars(filter);
        var names = store.Services().Where(s => filter is null || s == filter).Union(sidecars.Select(s => s.Service)).Order(StringComparer.Ordinal);
        var now = time.GetUtcNow();
        var status = new Wire.MeshStatus { Time = Timestamp.FromDateTimeOffset(now) };
        var outputs = coordinator.Outputs;
        var live = sidecars.Select(s => telemetry.Live(s.Service, s.Instance)).OfType<SidecarLiveState>().ToList();
        foreach (var name in names.Union(outputs.Keys.Select(k => k.Service).Where(s => filter is null || s == filter)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var latest = policies.Latest(name)?.Version ?? 0;
            var open = store.OpenIssues(name, MaxLimit).ToList();
            var verdicts = outputs.Where(o => o.Key.Service == name).Select(o => o.Value.Status).ToList();
            var service = new Wire.ServiceStatus
            {
                Name = name,
                PolicyVersion = latest,
                OpenIssues = open.Count,
                ActiveHealings = ActiveHealings(name),
                Health = Health(live, name),
                AgentStatus = verdicts.Count == 0 ? string.Empty : verdicts.Max().ToString().ToLowerInvariant(),
                RecoveryEstimate = open.Select(i => Details(i.Details)).Where(d => d.Evidence.ContainsKey("recovery.eta"))
                    .Select(d => $"{d.Evidence["recovery.eta"]} (confidence {d.Evidence.GetValueOrDefault("recovery.confidence", "?")})").FirstOrDefault() ?? string.Empty,
            };
            foreach (var sidecar in sidecars.Where(s => s.Service == name))
            {
                service.Sidecars.Add(ToWire(sidecar, latest, telemetry.Live(name, sidecar.Instance)));
            }

            service.OutOfDateSidecars = service.Sidecars.Count(s => s.OutOfDate);
            status.Services.Add(service);
        }

        return Task.FromResult(status);
    }

    public override Task<Wire.IngestLogsResponse> IngestLogs(Wire.IngestLogsRequest request, ServerCallContext context)
    {
        var limits = options.Value;
        if (!AgentOutputValidator.IsName(request.Service))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"service: '{request.Service}' is not accepted; accepted: {AgentOutputValidator.NameRule}"));
        }

        if (request.Lines.Count > limits.MaxBatchLines)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"lines: {request.Lines.Count} in one batch; accepted: at most {limits.MaxBatchLines} (ControlPlane:Logs:MaxBatchLines)"));
        }

        if (request.Instance.Length > 0 && !TelemetryValidator.IsName(request.Instance))
        {
            throw new RpcException(new Status(
                StatusCode.InvalidArgument, $"instance: '{TelemetryValidator.Shorten(request.Instance)}' is not accepted; accepted: empty, or {TelemetryValidator.NameRule}"));
        }

        var instance = request.Instance.Length == 0 ? "push" : request.Instance;

        // A sidecar credential pushes its own service's logs only; which of its instances is not part of the claim.
        var caller = AuthInterceptor.CallerOf(context);
        if (caller.ClaimError(request.Service, caller.Instance ?? instance) is { } denied)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied, denied));
        }

        // Admission and the add are one step: checked apart, concurrent batches of new names went past the limit together.
        if (logs.AddIfAdmitted(request.Service, instance, Logs.LogCollector.PushSource + instance, request.Lines, complete: true) is not { } added)
        {
            throw new RpcException(new Status(
                StatusCode.ResourceExhausted, $"service: '{request.Service}' would be one service too many; accepted: at most {limits.MaxServices} services with logs (ControlPlane:Logs:MaxServices)"));
        }

        return Task.FromResult(new Wire.IngestLogsResponse { Records = added.Records, Malformed = added.Malformed });
    }

    public override Task<Wire.PolicyVersion> GetPolicy(Wire.GetPolicyRequest request, ServerCallContext context)
    {
        var stored = store.Policy(request.Service, request.Version)
            ?? throw new RpcException(new Status(
                StatusCode.NotFound, request.Version == 0 ? $"service '{request.Service}' has no policy" : $"service '{request.Service}' has no policy version {request.Version}"));
        return Task.FromResult(ToWire(stored, changed: false));
    }

    public override Task<Wire.PolicyVersion> PutPolicy(Wire.PutPolicyRequest request, ServerCallContext context)
    {
        var document = request.Document is { } body ? Encoding.UTF8.GetString(body.Data.Span) : string.Empty;
        if (document.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "document: empty; accepted: a YAML or JSON policy document"));
        }

        var service = request.Service.Length == 0 ? null : request.Service;
        var result = policies.Submit(document, service, "api", AuthInterceptor.Actor(context));
        if (result.Stored is null)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "policy rejected: " + string.Join("; ", result.Errors)));
        }

        return Task.FromResult(ToWire(result.Stored, result.Changed));
    }

    public override Task<Wire.ListIssuesResponse> ListIssues(Wire.ListIssuesRequest request, ServerCallContext context)
    {
        var response = new Wire.ListIssuesResponse();
        foreach (var issue in store.Issues(Empty(request.Service), Empty(request.State), Limit(request.Limit)))
        {
            var wire = new Wire.Issue
            {
                Id = issue.Id, Fingerprint = issue.Fingerprint, Service = issue.Service, Kind = issue.Kind, Severity = issue.Severity,
                State = issue.State, Summary = issue.Summary, FirstSeen = Timestamp.FromDateTimeOffset(issue.FirstSeen),
                LastSeen = Timestamp.FromDateTimeOffset(issue.LastSeen), Occurrences = issue.Occurrences,
            };
            var details = Details(issue.Details);
            wire.Services.Add(issue.Services);
            wire.Evidence.Add(details.Evidence);
            wire.Confidence = details.Confidence;
            wire.Agent = details.Agent ?? string.Empty;
            response.Issues.Add(wire);
        }

        return Task.FromResult(response);
    }

    public override Task<Wire.ListActionsResponse> ListActions(Wire.ListActionsRequest request, ServerCallContext context)
    {
        var response = new Wire.ListActionsResponse();
        response.Actions.Add(store.Actions(Empty(request.Service), Empty(request.State), Limit(request.Limit)).Select(ToWire));
        return Task.FromResult(response);
    }

    /// <remarks>An approved action is applied by the coordinator, which this wakes.</remarks>
    public override Task<Wire.Action> ApproveAction(Wire.ActionRequest request, ServerCallContext context)
    {
        var action = Move(request, "approve", context);
        coordinator.Wake();
        return action;
    }

    public override Task<Wire.Action> RejectAction(Wire.ActionRequest request, ServerCallContext context) => Move(request, "reject", context);

    /// <remarks>The coordinator undoes the change through its actuator, then records the move.</remarks>
    public override async Task<Wire.Action> RollbackAction(Wire.ActionRequest request, ServerCallContext context)
    {
        var (action, moved) = await coordinator.RollbackAsync(request.Id, AuthInterceptor.Actor(context), request.Reason, context.CancellationToken);
        return ToWire(Checked(action, moved, request.Id, "rollback"));
    }

    public override Task<Wire.ListAuditResponse> ListAudit(Wire.ListAuditRequest request, ServerCallContext context)
    {
        var response = new Wire.ListAuditResponse();
        response.Entries.Add(store.AuditLog(Empty(request.Service), Limit(request.Limit)).Select(a => new Wire.AuditEntry
        {
            Id = a.Id, At = Timestamp.FromDateTimeOffset(a.At), Actor = a.Actor, Kind = a.Kind, Subject = a.Subject,
            Detail = a.Service.Length == 0 ? a.Detail : $"[{a.Service}] {a.Detail}",
        }));
        return Task.FromResult(response);
    }

    /// <summary>The replicas as the store sees them: a replica is alive while its heartbeat is within three lease durations.</summary>
    public override Task<Wire.ListReplicasResponse> ListReplicas(Wire.ListReplicasRequest request, ServerCallContext context)
    {
        var response = new Wire.ListReplicasResponse();
        response.Replicas.Add(store.Replicas(ha.Value.LeaseDuration * 3).Select(r => new Wire.Replica
        {
            Id = r.Id, Leader = r.Leader, Epoch = (r.Leader ? r.Epoch : 0).ToString(System.Globalization.CultureInfo.InvariantCulture), StartedAt = Timestamp.FromDateTimeOffset(r.StartedAt),
            HeartbeatAt = Timestamp.FromDateTimeOffset(r.HeartbeatAt), LastRunAt = r.LastRunAt is { } run ? Timestamp.FromDateTimeOffset(run) : null,
            Streams = (int)Math.Min(r.Streams, int.MaxValue), Alive = r.Alive, GrpcUrl = r.GrpcUrl, HttpUrl = r.HttpUrl,
        }));
        return Task.FromResult(response);
    }

    /// <summary>The four figures over the window the request names (24h when empty), from the store.</summary>
    public override Task<Wire.Report> GetReport(Wire.GetReportRequest request, ServerCallContext context)
    {
        var since = Duration("since", request.Since, TimeSpan.FromHours(24), TimeSpan.FromSeconds(1), TimeSpan.FromDays(400), "1s and 400d (e.g. 24h, 90m)");

        var report = new Reporting.ReportBuilder(store, time).Build(since);
        var response = new Wire.Report
        {
            From = Timestamp.FromDateTimeOffset(report.From), To = Timestamp.FromDateTimeOffset(report.To), Overall = ToWire(report.Overall), Capacity = report.Capacity,
        };
        response.Services.Add(report.Services.Select(ToWire));
        return Task.FromResult(response);
    }

    /// <summary>The service graph over the window the request names (5m when empty), with each service's agent status, open
    /// issues and active healings as <see cref="GetStatus"/> gives them; a service with an open issue is a node.</summary>
    public override Task<Wire.Topology> GetTopology(Wire.GetTopologyRequest request, ServerCallContext context)
    {
        var window = Duration(
            "window", request.Window, Dashboard.Internal.DashboardConstants.DefaultWindow, TimeSpan.FromSeconds(1), Dashboard.Internal.DashboardConstants.MaxWindow, "1s and 24h (e.g. 5m, 90s)");

        // A service with an open issue is drawn even when nothing of it reports now: the issue is what the operator looks for.
        var outputs = coordinator.Outputs;
        var graph = topology.Build(window, outputs.Keys.Select(k => k.Service).Concat(store.OpenIssues(null, MaxLimit).Select(i => i.Service)));
        foreach (var node in graph.Nodes)
        {
            var verdicts = outputs.Where(o => o.Key.Service == node.Name).Select(o => o.Value.Status).ToList();
            node.AgentStatus = verdicts.Count == 0 ? string.Empty : verdicts.Max().ToString().ToLowerInvariant();
            node.OpenIssues = store.OpenIssues(node.Name, MaxLimit).Count;
            node.ActiveHealings = ActiveHealings(node.Name);
        }

        return Task.FromResult(graph);
    }

    /// <summary>Demand and resource forecasts of the service the request names (every service when empty), the horizon it names (1h when empty) ahead.</summary>
    public override Task<Wire.ForecastsResponse> GetForecasts(Wire.GetForecastsRequest request, ServerCallContext context)
    {
        var horizon = Duration(
            "horizon", request.Horizon, Dashboard.Internal.DashboardConstants.DefaultHorizon, TimeSpan.FromMinutes(1), Dashboard.Internal.DashboardConstants.MaxHorizon, "1m and 7d (e.g. 30m, 6h)");

        return Task.FromResult(forecasts.Build(request.Service.Length == 0 ? null : request.Service, horizon));
    }

    /// <summary>A request's duration field: <paramref name="fallback"/> when empty, else a duration within [min, max], or
    /// InvalidArgument naming the field and what it accepts (<paramref name="accepted"/>: "1s and 24h (e.g. 5m)").</summary>
    private static TimeSpan Duration(string field, string value, TimeSpan fallback, TimeSpan min, TimeSpan max, string accepted)
    {
        if (value.Length == 0)
        {
            return fallback;
        }

        return DurationParser.TryParse(value, out var duration) && duration >= min && duration <= max
            ? duration
            : throw new RpcException(new Status(
                StatusCode.InvalidArgument,
                $"{field}: '{value}' is not accepted; accepted: a duration between {accepted}"));
    }

    private static Wire.ServiceReport ToWire(Reporting.ServiceFigures f)
    {
        var wire = new Wire.ServiceReport
        {
            Service = f.Service, Requests = f.Requests, CallerFailures = f.CallerFailures, Incidents = f.Incidents,
            MitigatedAutomatically = f.MitigatedAutomatically, MitigatedByOperator = f.MitigatedByOperator, NotMitigated = f.NotMitigated,
        };
        if (f.Availability is { } availability)
        {
            wire.Availability = availability;
        }

        if (f.AutomaticShare is { } share)
        {
            wire.AutomaticShare = share;
        }

        if (f.TimeToDetect is { } detect)
        {
            (wire.DetectP50Seconds, wire.DetectMaxSeconds) = (detect.P50.TotalSeconds, detect.Max.TotalSeconds);
        }

        if (f.TimeToMitigate is { } mitigate)
        {
            (wire.MitigateP50Seconds, wire.MitigateMaxSeconds) = (mitigate.P50.TotalSeconds, mitigate.Max.TotalSeconds);
        }

        if (f.UnprotectedBroken is { } broken)
        {
            (wire.UnprotectedBrokenP50Seconds, wire.UnprotectedBrokenMaxSeconds) = (broken.P50.TotalSeconds, broken.Max.TotalSeconds);
        }

        f.Capacity?.CopyTo(wire);

        return wire;
    }

    private static StoredAction Checked(StoredAction? action, bool moved, string id, string verb)
    {
        if (action is null)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"no action '{id}'"));
        }

        return moved
            ? action
            : throw new RpcException(new Status(
                StatusCode.FailedPrecondition, $"action '{action.Id}' is {action.State}; {verb} accepts an action that is {string.Join(" or ", HealingLifecycle.Transition(verb).From.Select(ActionStates.Name))}"));
    }

    private Task<Wire.Action> Move(Wire.ActionRequest request, string verb, ServerCallContext context)
    {
        var (from, to) = HealingLifecycle.Transition(verb);
        var (stored, moved) = store.MoveAction(request.Id, from, to);
        var action = Checked(stored, moved, request.Id, verb);
        var reason = request.Reason.Length == 0 ? string.Empty : $": {request.Reason}";
        store.Audit(AuthInterceptor.Actor(context), "action." + verb, action.Service, action.Id, $"{action.Kind} {string.Join('|', from.Select(ActionStates.Name))} -> {ActionStates.Name(to)}{reason}");
        return Task.FromResult(ToWire(action));
    }

    private static Wire.SidecarStatus ToWire(StoredSidecar sidecar, long latest, SidecarLiveState? live)
    {
        var wire = new Wire.SidecarStatus
        {
            Instance = sidecar.Instance,
            Zone = sidecar.Zone,
            SidecarVersion = sidecar.SidecarVersion,
            Connected = sidecar.Connected,
            AckedVersion = sidecar.AckedVersion,
            AckedAt = sidecar.AckedAt is { } acked ? Timestamp.FromDateTimeOffset(acked) : null,
            LastSeen = Timestamp.FromDateTimeOffset(live is not null && live.ReportedAt > sidecar.LastSeen ? live.ReportedAt : sidecar.LastSeen),
            OutOfDate = sidecar.Connected && sidecar.AckedVersion < latest,
        };
        if (sidecar.NackVersion is { } nackVersion)
        {
            wire.LastNack = new Wire.Nack { Version = nackVersion, Error = sidecar.NackError ?? string.Empty, At = Timestamp.FromDateTimeOffset(sidecar.NackAt!.Value) };
        }

        var clusters = live?.Clusters ?? new Dictionary<string, (Health.HealthState? Health, Health.BreakerState? Breaker)>();
        foreach (var (cluster, (health, breaker)) in clusters.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            wire.Clusters.Add(new Wire.ClusterStatus
            {
                Cluster = cluster,
                Health = health is { } h ? PolicyMapping.ToWire(h) : Wire.HealthState.Unspecified,
                Breaker = breaker is { } b ? PolicyMapping.ToWire(b) : Wire.BreakerState.Unspecified,
            });
        }

        return wire;
    }

    private static Wire.PolicyVersion ToWire(StoredPolicy stored, bool changed) => new()
    {
        Service = stored.Service,
        Version = stored.Version,
        Policy = PolicyService.Parse(stored),
        Document = stored.Document,
        Source = stored.Source,
        Author = stored.Author,
        CreatedAt = Timestamp.FromDateTimeOffset(stored.CreatedAt),
        Changed = changed,
    };

    private static Wire.Action ToWire(StoredAction a)
    {
        var details = ActionDetails.Parse(a.Details);
        return new()
        {
            Id = a.Id, IssueId = a.IssueId ?? string.Empty, Service = a.Service, Agent = a.Agent, Kind = a.Kind, Description = a.Description,
            Risk = a.Risk, Mode = a.Mode, State = a.State, DryRun = a.DryRun, Diff = a.Diff, RollbackPlan = a.RollbackPlan,
            CreatedAt = Timestamp.FromDateTimeOffset(a.CreatedAt), UpdatedAt = Timestamp.FromDateTimeOffset(a.UpdatedAt),
            Target = details.Target, Verdict = details.VerdictText ?? string.Empty, SignalBefore = details.Before?.ToString() ?? string.Empty,
            SignalAfter = details.After?.ToString() ?? string.Empty,
        };
    }

    /// <summary>The state most of <paramref name="service"/>'s callers report for it, the graver on a tie; unspecified when none reports it.</summary>
    private static Wire.HealthState Health(IEnumerable<SidecarLiveState> live, string service) => Dashboard.TopologyBuilder.ServiceHealth(live, service);

    /// <summary>Actions of <paramref name="service"/> approved or applied, and succeeded ones that are temporary (undone later).</summary>
    private int ActiveHealings(string service) =>
        store.Actions(service, ActionStates.Approved, MaxLimit).Count + store.Actions(service, ActionStates.Applied, MaxLimit).Count
        + store.Actions(service, ActionStates.Succeeded, MaxLimit).Count(a => ActionDetails.Parse(a.Details).Temporary);

    private static readonly System.Text.Json.JsonSerializerOptions DetailsJson = new(System.Text.Json.JsonSerializerDefaults.Web);

    private static IssueDetails Details(string json) => System.Text.Json.JsonSerializer.Deserialize<IssueDetails>(json, DetailsJson) ?? new IssueDetails();

    private sealed class IssueDetails
    {
        public double Confidence { get; set; }

        public Dictionary<string, string> Evidence { get; set; } = [];

        public string? Agent { get; set; }
    }

    private static string? Empty(string value) => value.Length == 0 ? null : value;

    private static int Limit(int limit) => limit <= 0 ? DefaultLimit : Math.Min(limit, MaxLimit);
}
