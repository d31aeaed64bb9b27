using System.Collections.Concurrent;
using Grpc.Core;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Policies;
using Microsoft.Extensions.Options;

namespace Mesh.Heal.ControlPlane.Auth;

/// <summary>Verifies Kubernetes service-account tokens with a TokenReview and maps each account to the one service it may speak for.</summary>
/// <remarks>
/// Only JWT-shaped tokens of at most <see cref="MaxTokenLength"/> characters are sent to the API server. Answers are cached by
/// the token's hash on <see cref="TimeProvider"/>: an accepted token for <c>CacheTtl</c>, a refused one for
/// <c>NegativeCacheTtl</c>, never more than <c>MaxCacheEntries</c>. At most <c>MaxConcurrentReviews</c> reviews run at once,
/// so a flood of made-up tokens cannot flood the API server. An API server that cannot answer makes the call unavailable,
/// and is not cached.
/// </remarks>
internal sealed partial class ServiceAccountReviewer : IDisposable
{
    /// <summary>The longest token sent for review.</summary>
    public const int MaxTokenLength = 16 * 1024;

    private const string Prefix = "system:serviceaccount:";
    private const string PodName = "authentication.kubernetes.io/pod-name";
    private const string PodUid = "authentication.kubernetes.io/pod-uid";

    private readonly ServiceAccountOptions _options;
    private readonly KubernetesApi _kubernetes;
    private readonly TimeProvider _time;
    private readonly ControlPlaneMetrics _metrics;
    private readonly ILogger<ServiceAccountReviewer> _logger;
    private readonly SemaphoreSlim _gate;
    private readonly ConcurrentDictionary<string, (Caller? Caller, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);

    public ServiceAccountReviewer(
        IOptions<AuthOptions> options, KubernetesApi kubernetes, TimeProvider time, ControlPlaneMetrics metrics, ILogger<ServiceAccountReviewer> logger)
    {
        _options = options.Value.ServiceAccounts;
        _kubernetes = kubernetes;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _gate = new SemaphoreSlim(_options.MaxConcurrentReviews);
    }

    /// <summary>Whether service-account tokens are accepted.</summary>
    public bool Enabled => _options.Enabled;

    /// <summary>How many answers are cached.</summary>
    public int CacheCount => _cache.Count;

    /// <summary>The caller of a service-account token, or null when the API server refuses it or it maps to no service.</summary>
    /// <exception cref="RpcException">Unavailable: the API server could not answer, or too many reviews are in flight.</exception>
    public async ValueTask<Caller?> ReviewAsync(string token, CancellationToken cancellationToken)
    {
        if (!Enabled || token.Length > MaxTokenLength || token.Count(c => c == '.') != 2)
        {
            return null;
        }

        var hash = TokenAuthenticator.Hash(token);
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(hash, out var cached) && cached.Expires > now)
        {
            return cached.Caller;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.ReviewTimeout);
        if (!await _gate.WaitAsync(_options.ReviewTimeout, cancellationToken))
        {
            _metrics.Rejected("token_review_busy");
            throw new RpcException(new Status(StatusCode.Unavailable, "too many service-account tokens are being reviewed; retry later"));
        }

        V1TokenReview answer;
        try
        {
            var client = _kubernetes.Client ?? throw new InvalidOperationException(
                "ControlPlane:Auth:ServiceAccounts needs ControlPlane:Kubernetes:Server or ControlPlane:Kubernetes:InCluster true");
            var review = new V1TokenReview
            {
                ApiVersion = "authentication.k8s.io/v1",
                Kind = "TokenReview",
                Spec = new V1TokenReviewSpec { Token = token, Audiences = _options.Audiences.Length > 0 ? [.. _options.Audiences] : null },
            };
            answer = await client.AuthenticationV1.CreateTokenReviewAsync(review, cancellationToken: timeout.Token);
        }
        catch (Exception ex) when ((ex is HttpOperationException or HttpRequestException or IOException or OperationCanceledException or KubernetesException
                                       or InvalidOperationException or System.Text.Json.JsonException) && !cancellationToken.IsCancellationRequested)
        {
            LogReviewFailed(_logger, ex.Message);
            _metrics.Rejected("token_review_failed");
            throw new RpcException(new Status(StatusCode.Unavailable, "the service-account token could not be reviewed by the Kubernetes API; retry later"));
        }
        finally
        {
            _gate.Release();
        }

        var caller = Map(answer.Status, hash, out var reason);
        if (caller is null)
        {
            LogRefused(_logger, hash[..8], reason);
        }

        Remember(hash, caller, now + (caller is null ? _options.NegativeCacheTtl : _options.CacheTtl), now);
        return caller;
    }

    public void Dispose() => _gate.Dispose();

    private Caller? Map(V1TokenReviewStatus? status, string hash, out string reason)
    {
        if (status is not { Authenticated: true, User.Username: { } username })
        {
            reason = "not authenticated: " + (status?.Error ?? "no reason given");
            return null;
        }

        if (_options.Audiences.Length > 0 && (status.Audiences is null || !status.Audiences.Any(a => _options.Audiences.Contains(a, StringComparer.Ordinal))))
        {
            reason = "issued for another audience";
            return null;
        }

        var parts = username.StartsWith(Prefix, StringComparison.Ordinal) ? username[Prefix.Length..].Split(':') : [];
        if (parts is not [var ns, var name] || ns.Length == 0 || name.Length == 0)
        {
            reason = $"user '{username}' is not a service account";
            return null;
        }

        string service;
        if (_options.Services.TryGetValue($"{ns}/{name}", out var mapped))
        {
            service = mapped;
        }
        else if (_options.Namespaces.Length > 0 && !_options.Namespaces.Contains(ns, StringComparer.Ordinal))
        {
            reason = $"service account {ns}/{name} is not in ControlPlane:Auth:ServiceAccounts:Namespaces";
            return null;
        }
        else
        {
            service = name;
        }

        if (!PolicyDocument.IsServiceName(service))
        {
            reason = $"service account {ns}/{name} maps to '{service}', which is not a service name";
            return null;
        }

        var extra = status.User.Extra;
        var pod = extra is not null && extra.TryGetValue(PodName, out var pods) && pods is [var p] ? p : null;
        var podUid = extra is not null && extra.TryGetValue(PodUid, out var uids) && uids is [var u] ? u : null;

        // A bound token names its pod: the pod, not the token (which the kubelet rotates), is the credential then.
        var credential = podUid is not null ? $"pod:{podUid}" : pod is not null ? $"pod:{ns}/{pod}" : hash;
        reason = string.Empty;
        return new Caller(Role.Sidecar, $"sidecar:{ns}/{name}:{hash[..8]}", credential, service, pod);
    }

    private void Remember(string hash, Caller? caller, DateTimeOffset expires, DateTimeOffset now)
    {
        if (expires <= now)
        {
            return;
        }

        if (_cache.Count >= _options.MaxCacheEntries)
        {
            foreach (var (key, entry) in _cache)
            {
                if (entry.Expires <= now)
                {
                    _cache.TryRemove(key, out _);
                }
            }

            if (_cache.Count >= _options.MaxCacheEntries)
            {
                _metrics.Rejected("token_review_cache_full");
                return;
            }
        }

        _cache[hash] = (caller, expires);
    }

    [LoggerMessage(EventId = 250, Level = LogLevel.Warning, Message = "A service-account token could not be reviewed: {Reason}")]
    private static partial void LogReviewFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 251, Level = LogLevel.Information, Message = "Refused service-account token {Fingerprint}: {Reason}")]
    private static partial void LogRefused(ILogger logger, string fingerprint, string reason);
}
