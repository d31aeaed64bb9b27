using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Mesh.Heal.ControlPlane.Auth;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.Protocol.Mapping;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Services;

/// <summary>The operators' API: mesh status, policies, issues, actions and the audit log (gRPC and HTTP/JSON).</summary>
internal sealed class MeshControlService(
    MeshStore store, PolicyService policies, TelemetryAggregator telemetry, TimeProvider time) : Wire.MeshControl.MeshControlBase
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    public override Task<Wire.MeshStatus> GetStatus(Wire.GetStatusRequest request, ServerCallContext context)
    {
        var filter = request.Service.Length == 0 ? null : request.Service;
        var sidecars = store.Sidecars(filter);
        var names = store.Services().Where(s => filter is null || s == filter).Union(sidecars.Select(s => s.Service)).Order(StringComparer.Ordinal);
        var status = new Wire.MeshStatus { Time = Timestamp.FromDateTimeOffset(time.GetUtcNow()) };
        foreach (var name in names)
        {
            var latest = policies.Latest(name)?.Version ?? 0;
            var service = new Wire.ServiceStatus
            {
                Name = name,
                PolicyVersion = latest,
                OpenIssues = store.Issues(name, "open", MaxLimit).Count,
                ActiveHealings = store.Actions(name, ActionStates.Approved, MaxLimit).Count + store.Actions(name, ActionStates.Applied, MaxLimit).Count,
            };
            foreach (var sidecar in sidecars.Where(s => s.Service == name))
            {
                service.Sidecars.Add(ToWire(sidecar, latest, telemetry.Live(name, sidecar.Instance)));
            }

            status.Services.Add(service);
        }

        return Task.FromResult(status);
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
            wire.Services.Add(issue.Services);
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

    public override Task<Wire.Action> ApproveAction(Wire.ActionRequest request, ServerCallContext context) => Move(request, "approve", context);

    public override Task<Wire.Action> RejectAction(Wire.ActionRequest request, ServerCallContext context) => Move(request, "reject", context);

    public override Task<Wire.Action> RollbackAction(Wire.ActionRequest request, ServerCallContext context) => Move(request, "rollback", context);

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

    private Task<Wire.Action> Move(Wire.ActionRequest request, string verb, ServerCallContext context)
    {
        var (from, to) = ActionStates.Transition(verb);
        var (action, moved) = store.MoveAction(request.Id, from, to);
        if (action is null)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"no action '{request.Id}'"));
        }

        if (!moved)
        {
            throw new RpcException(new Status(
                StatusCode.FailedPrecondition, $"action '{action.Id}' is {action.State}; {verb} accepts an action that is {string.Join(" or ", from)}"));
        }

        var reason = request.Reason.Length == 0 ? string.Empty : $": {request.Reason}";
        store.Audit(AuthInterceptor.Actor(context), "action." + verb, action.Service, action.Id, $"{action.Kind} {string.Join('|', from)} -> {to}{reason}");
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

    private static Wire.Action ToWire(StoredAction a) => new()
    {
        Id = a.Id, IssueId = a.IssueId ?? string.Empty, Service = a.Service, Agent = a.Agent, Kind = a.Kind, Description = a.Description,
        Risk = a.Risk, Mode = a.Mode, State = a.State, DryRun = a.DryRun, Diff = a.Diff, RollbackPlan = a.RollbackPlan,
        CreatedAt = Timestamp.FromDateTimeOffset(a.CreatedAt), UpdatedAt = Timestamp.FromDateTimeOffset(a.UpdatedAt),
    };

    private static string? Empty(string value) => value.Length == 0 ? null : value;

    private static int Limit(int limit) => limit <= 0 ? DefaultLimit : Math.Min(limit, MaxLimit);
}
