using System.Collections.Concurrent;
using Mesh.Heal.ControlPlane.Hosting;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Policies;

/// <summary>Pushes each service's newest policy to every connected sidecar of that service.</summary>
/// <remarks>
/// Changes are coalesced per service: the first change arms a timer of <see cref="ControlPlaneOptions.PushDebounce"/>,
/// further changes inside it ride along, and when it fires every session of the service is offered the newest snapshot.
/// A session that connects is offered the newest snapshot at once. One instance (service and instance name) has one live
/// stream: a second one is refused, unless it presents the same credential, when it replaces the first (a sidecar that
/// reconnects before the control plane noticed its old connection is gone).
/// </remarks>
internal sealed class PolicyDistributor : IDisposable
{
    private readonly PolicyService _policies;
    private readonly TimeProvider _time;
    private readonly TimeSpan _debounce;
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<PolicySession, byte>> _sessions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ITimer> _armed = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Service, string Instance), PolicySession> _live = [];
    private readonly Lock _lock = new();
    private readonly ControlPlaneMetrics _metrics;
    private readonly int _maxStreams;

    public PolicyDistributor(PolicyService policies, TimeProvider time, IOptions<ControlPlaneOptions> options, IOptions<LimitOptions> limits, ControlPlaneMetrics metrics)
    {
        _policies = policies;
        _time = time;
        _metrics = metrics;
        _debounce = options.Value.PushDebounce;
        _maxStreams = limits.Value.MaxInstances;
        policies.Changed += OnChanged;
    }

    /// <summary>How many policy streams are open.</summary>
    public int SessionCount => _sessions.Values.Sum(s => s.Count);

    /// <summary>Registers a stream and offers it the service's newest snapshot; null, with the reason, when another credential's stream of the same instance
    /// is live, or <c>Limits:MaxInstances</c> streams are (<paramref name="full"/>).</summary>
    public PolicySession? Register(string service, string instance, string credential, out string? refusal, out bool full)
    {
        var session = new PolicySession(service, instance, credential);
        PolicySession? replaced;
        full = false;
        lock (_lock)
        {
            if (_live.TryGetValue((service, instance), out replaced) && !string.Equals(replaced.Credential, credential, StringComparison.Ordinal))
            {
                refusal = $"identity.instance: '{service}/{instance}' already has a live policy stream opened with another credential; accepted: a unique instance name per sidecar";
                return null;
            }

            if (replaced is null && _live.Count >= _maxStreams)
            {
                full = true;
                refusal = $"{_live.Count} policy streams are live; accepted: at most {_maxStreams} (ControlPlane:Limits:MaxInstances)";
                return null;
            }

            _live[(service, instance)] = session;
            _sessions.GetOrAdd(service, _ => new()).TryAdd(session, 0);
        }

        replaced?.Replace();
        if (_policies.LatestForNewStream(service) is { } latest)
        {
            session.Offer(latest);
        }

        refusal = null;
        return session;
    }

    /// <summary>Whether <paramref name="service"/>/<paramref name="instance"/> has a live policy stream opened with <paramref name="credential"/>.</summary>
    public bool IsLive(string service, string instance, string credential)
    {
        lock (_lock)
        {
            return _live.TryGetValue((service, instance), out var session) && string.Equals(session.Credential, credential, StringComparison.Ordinal);
        }
    }

    public void Unregister(PolicySession session)
    {
        session.Complete();
        lock (_lock)
        {
            if (_live.TryGetValue((session.Service, session.Instance), out var current) && current == session)
            {
                _live.Remove((session.Service, session.Instance));
            }

            // An empty entry is dropped, so names that once connected hold no memory.
            if (_sessions.TryGetValue(session.Service, out var sessions) && sessions.TryRemove(session, out _) && sessions.IsEmpty)
            {
                _sessions.TryRemove(session.Service, out _);
            }
        }
    }

    public void Dispose()
    {
        _policies.Changed -= OnChanged;
        foreach (var timer in _armed.Values)
        {
            timer.Dispose();
        }
    }

    private void OnChanged(string service)
    {
        if (_debounce <= TimeSpan.Zero)
        {
            Publish(service);
            return;
        }

        lock (_lock)
        {
            // Only the first change of a burst arms the timer; when it fires it publishes whatever is newest then.
            if (!_armed.ContainsKey(service))
            {
                _armed[service] = _time.CreateTimer(
                    static s => ((Tuple<PolicyDistributor, string>)s!).Item1.Fire(((Tuple<PolicyDistributor, string>)s).Item2),
                    Tuple.Create(this, service),
                    _debounce,
                    Timeout.InfiniteTimeSpan);
            }
        }
    }

    private void Fire(string service)
    {
        lock (_lock)
        {
            if (_armed.Remove(service, out var timer))
            {
                timer.Dispose();
            }
        }

        Publish(service);
    }

    private void Publish(string service)
    {
        if (_policies.Latest(service) is not { } latest || !_sessions.TryGetValue(service, out var sessions))
        {
            return;
        }

        foreach (var session in sessions.Keys)
        {
            session.Offer(latest);
        }

        _metrics.Pushed(sessions.Count);
    }
}
