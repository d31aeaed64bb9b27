using System.Collections.Concurrent;
using Google.Protobuf;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.Protocol.Mapping;
using Microsoft.Extensions.Options;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Policies;

/// <summary>Accepts policy documents from every source (API, meshctl, the policy directory), versions them, and tells
/// listeners which service changed.</summary>
/// <remarks>
/// A document is validated before anything is stored; an invalid one leaves the version in force untouched. A document
/// with the same rules as the newest version makes no new version, so re-applying a file or a periodic sync is free.
/// </remarks>
internal sealed partial class PolicyService
{
    private readonly MeshStore _store;
    private readonly ControlPlaneMetrics _metrics;
    private readonly ILogger _logger;
    private readonly PolicyDocumentLimits _limits;
    private readonly Lock _submitLock = new();
    private readonly ConcurrentDictionary<string, PolicySnapshotData> _latest = new(StringComparer.Ordinal);
    private bool _feedLive;

    public PolicyService(MeshStore store, ControlPlaneMetrics metrics, IOptions<LimitOptions> options, ILogger<PolicyService> logger)
    {
        _store = store;
        _metrics = metrics;
        _logger = logger;
        var limits = options.Value;
        _limits = new PolicyDocumentLimits(
            limits.MaxPolicyBytes, limits.MaxPolicyDepth, limits.MaxPolicyNodes, limits.MaxPolicyAliases, limits.MaxPolicyExpandedChars);
        foreach (var stored in store.LatestPolicies())
        {
            _latest[stored.Service] = ToSnapshot(stored);
        }
    }

    /// <summary>Whether other replicas write to the same store (PostgreSQL), so the cache follows the store through the change feed.</summary>
    public bool Shared => _store.Provider == StoreProvider.Postgres;

    /// <summary>Whether the change feed is listening and caught up; while it is not, a new stream's snapshot is read from the store.</summary>
    public bool FeedLive
    {
        get => Volatile.Read(ref _feedLive);
        set => Volatile.Write(ref _feedLive, value);
    }

    /// <summary>The newest snapshot for a stream that opens now: from the cache, or from the store when the cache may lag it (a shared
    /// store whose change feed is down), so a stream is never offered a version older than the store has.</summary>
    public PolicySnapshotData? LatestForNewStream(string service)
    {
        if (Shared && !FeedLive)
        {
            try
            {
                Refresh(service);
            }
            catch (System.Data.Common.DbException)
            {
                // The store is down too: the cache is the best there is, and the feed's catch-up corrects it when the store is back.
            }
        }

        return Latest(service);
    }

    /// <summary>Reads the newest version of <paramref name="service"/> from the store (a change written through another replica); when it
    /// is newer than the cached one, caches it and raises <see cref="Changed"/>.</summary>
    /// <returns>Whether the cache moved.</returns>
    public bool Refresh(string service)
    {
        var stored = _store.Policy(service);
        return stored is not null && Offer(stored);
    }

    /// <summary>Reads the newest version of every service from the store and takes the ones newer than the cache (the change feed's catch-up).</summary>
    /// <returns>How many services moved.</returns>
    public int RefreshAll()
    {
        var moved = 0;
        foreach (var stored in _store.LatestPolicies())
        {
            if (Offer(stored))
            {
                moved++;
            }
        }

        return moved;
    }

    private bool Offer(StoredPolicy stored)
    {
        bool moved;
        lock (_submitLock)
        {
            moved = Cache(stored);
        }

        if (moved)
        {
            LogCaughtUp(_logger, stored.Service, stored.Version);
            Changed?.Invoke(stored.Service);
        }

        return moved;
    }

    // Versions only move forward: a write through this replica and a newer one through another can land in either order.
    private bool Cache(StoredPolicy stored)
    {
        if (_latest.TryGetValue(stored.Service, out var cached) && cached.Version >= stored.Version)
        {
            return false;
        }

        _latest[stored.Service] = ToSnapshot(stored);
        return true;
    }

    /// <summary>Raised with the service's name after a new version is stored.</summary>
    public event Action<string>? Changed;

    /// <summary>The newest snapshot of <paramref name="service"/>, or null when it has no policy.</summary>
    public PolicySnapshotData? Latest(string service) => _latest.GetValueOrDefault(service);

    /// <summary>Validates and stores a document.</summary>
    /// <param name="document">The YAML or JSON text.</param>
    /// <param name="service">The service it is submitted for, or null to take it from the document.</param>
    /// <param name="source">Where it came from: <c>api</c>, <c>file:&lt;path&gt;</c>.</param>
    /// <param name="actor">Who submitted it, for the audit log.</param>
    public PolicySubmission Submit(string document, string? service, string source, string actor)
    {
        var (name, policy, errors) = PolicyDocument.Parse(document, service, _limits);
        if (policy is null)
        {
            _metrics.Rejected("policy_invalid");
            var reason = string.Join("; ", errors);
            LogRejected(_logger, name ?? service ?? "(unknown)", source, reason);
            _store.Audit(actor, "policy.rejected", name ?? service ?? string.Empty, source, reason);
            return new PolicySubmission(null, false, errors);
        }

        var wire = PolicyMapping.ToWire(policy);
        var json = JsonFormatter.Default.Format(wire);
        StoredPolicy stored;
        lock (_submitLock)
        {
            var current = _store.Policy(name!);
            if (current is not null && current.PolicyJson == json)
            {
                return new PolicySubmission(current, false, []);
            }

            stored = _store.AddPolicy(name!, json, document, source, actor);
            Cache(stored);
        }

        _store.Audit(actor, "policy.changed", stored.Service, $"version {stored.Version}", $"source {source}");
        LogStored(_logger, stored.Service, stored.Version, source);
        Changed?.Invoke(stored.Service);
        return new PolicySubmission(stored, true, []);
    }

    /// <summary>The wire policy of a stored version.</summary>
    public static Wire.ServicePolicy Parse(StoredPolicy stored) => Wire.ServicePolicy.Parser.ParseJson(stored.PolicyJson);

    private static PolicySnapshotData ToSnapshot(StoredPolicy stored) => new(stored.Service, stored.Version, Parse(stored));

    [LoggerMessage(EventId = 200, Level = LogLevel.Information, Message = "Policy of {Service} is now version {Version} (from {Source})")]
    private static partial void LogStored(ILogger logger, string service, long version, string source);

    [LoggerMessage(EventId = 202, Level = LogLevel.Information, Message = "Policy of {Service} is now version {Version} (written through another replica)")]
    private static partial void LogCaughtUp(ILogger logger, string service, long version);

    [LoggerMessage(EventId = 201, Level = LogLevel.Warning, Message = "Policy for {Service} from {Source} rejected: {Reason}")]
    private static partial void LogRejected(ILogger logger, string service, string source, string reason);
}
