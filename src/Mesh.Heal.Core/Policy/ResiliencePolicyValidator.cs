using System.Globalization;
using System.Net.Http.Headers;
using System.Text;

namespace Mesh.Heal.Policy;

/// <summary>Checks a resilience policy against the accepted ranges before anything applies it.</summary>
/// <remarks>
/// Every error names the setting by its configuration path and says which values are accepted, so that an
/// operator can fix a rejected policy from the message alone.
/// </remarks>
public static class ResiliencePolicyValidator
{
    /// <summary>The configuration section that holds the policy; error paths start with it.</summary>
    public const string SectionName = "Resilience";

    /// <summary>Validates <paramref name="policy"/>; an empty list means it can be applied.</summary>
    /// <param name="policy">The policy to check.</param>
    /// <param name="knownClusters">The upstream cluster ids that exist, or <see langword="null"/> to skip that check.</param>
    /// <param name="root">The path errors start with: the configuration section, or empty for a policy document.</param>
    public static IReadOnlyList<PolicyError> Validate(ResiliencePolicy policy, IReadOnlyCollection<string>? knownClusters, string root = SectionName)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var prefix = string.IsNullOrEmpty(root) ? string.Empty : root + ":";
        var errors = new List<PolicyError>();
        ValidateCluster($"{prefix}Defaults", clusterId: null, policy.Defaults, knownClusters, errors);
        if (policy.Defaults.Fallback is not null)
        {
            errors.Add(new($"{prefix}Defaults:Fallback", "a fallback is set per cluster, not in Defaults"));
        }

        if (policy.Defaults.Override != BreakerOverride.None)
        {
            errors.Add(new($"{prefix}Defaults:Override", "an override is set per cluster, not in Defaults"));
        }

        if (!Enum.IsDefined(policy.Mtls))
        {
            errors.Add(new($"{prefix}Mtls", $"{(int)policy.Mtls} is not an mTLS mode; accepted: {MtlsModes.Accepted}"));
        }

        if (policy.Clusters.Count > PolicyConstants.MaxClusters)
        {
            errors.Add(new($"{prefix}Clusters", $"{policy.Clusters.Count} clusters; accepted: at most {PolicyConstants.MaxClusters}"));
        }

        foreach (var (id, cluster) in policy.Clusters)
        {
            var path = $"{prefix}Clusters:{Printable(id)}";
            if (!IsClusterId(id))
            {
                errors.Add(new(path, $"'{Printable(id)}' is not a cluster id; accepted: {ClusterIdRule}"));
            }

            if (knownClusters is not null && !knownClusters.Contains(id, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(new(path, $"no cluster '{id}' in ReverseProxy:Clusters; known: {Known(knownClusters)}"));
            }

            ValidateCluster(path, id, cluster, knownClusters, errors);
        }

        return errors;
    }

    private static void ValidateCluster(
        string path, string? clusterId, ClusterPolicy policy, IReadOnlyCollection<string>? knownClusters, List<PolicyError> errors)
    {
        var cb = policy.CircuitBreaker;
        var cbPath = path + ":CircuitBreaker";
        if (!(cb.FailureRatio > 0 && cb.FailureRatio <= 1))
        {
            errors.Add(new(cbPath + ":FailureRatio", $"{Format(cb.FailureRatio)} is out of range; accepted: greater than 0 and at most 1"));
        }

        Range(errors, cbPath + ":MinimumThroughput", cb.MinimumThroughput, PolicyConstants.MinMinimumThroughput, PolicyConstants.MaxMinimumThroughput);
        Range(errors, cbPath + ":ConsecutiveFailures", cb.ConsecutiveFailures, 0, PolicyConstants.MaxConsecutiveFailures);
        Range(errors, cbPath + ":SamplingDuration", cb.SamplingDuration, PolicyConstants.MinBreakerDuration, PolicyConstants.MaxBreakerDuration);
        Range(errors, cbPath + ":BreakDuration", cb.BreakDuration, PolicyConstants.MinBreakerDuration, PolicyConstants.MaxBreakerDuration);
        if (cb.SlowCallDuration is { } slow)
        {
            Range(errors, cbPath + ":SlowCallDuration", slow, PolicyConstants.MinTimeout, PolicyConstants.MaxTimeout);
        }

        if (!(cb.DegradedRatio > 0 && cb.DegradedRatio <= 1))
        {
            errors.Add(new(cbPath + ":DegradedRatio", $"{Format(cb.DegradedRatio)} is out of range; accepted: greater than 0 and at most 1"));
        }
        else if (cb.DegradedRatio > cb.FailureRatio && cb.FailureRatio > 0)
        {
            errors.Add(new(cbPath + ":DegradedRatio",
                $"{Format(cb.DegradedRatio)} is above FailureRatio {Format(cb.FailureRatio)}; accepted: greater than 0 and at most FailureRatio"));
        }

        Range(errors, cbPath + ":RecoveryDuration", cb.RecoveryDuration, TimeSpan.Zero, PolicyConstants.MaxRecoveryDuration);
        Range(errors, path + ":Timeout", policy.Timeout, PolicyConstants.MinTimeout, PolicyConstants.MaxTimeout);
        Range(errors, path + ":Retry:MaxAttempts", policy.Retry.MaxAttempts, 1, PolicyConstants.MaxMaxAttempts);
        Range(errors, path + ":Retry:BudgetPercent", policy.Retry.BudgetPercent, 0, 100);

        var od = policy.OutlierDetection;
        Range(errors, path + ":OutlierDetection:ConsecutiveFailures", od.ConsecutiveFailures, 0, PolicyConstants.MaxConsecutiveFailures);
        Range(errors, path + ":OutlierDetection:EjectionDuration", od.EjectionDuration, PolicyConstants.MinBreakerDuration, PolicyConstants.MaxEjectionDuration);
        Range(errors, path + ":OutlierDetection:MaxEjectionPercent", od.MaxEjectionPercent, 0, 100);

        if (policy.Fallback is { } fallback)
        {
            ValidateFallback(path + ":Fallback", clusterId, fallback, knownClusters, errors);
        }

        if (!Enum.IsDefined(policy.Override))
        {
            errors.Add(new(path + ":Override", $"{(int)policy.Override} is not an override; accepted: {BreakerOverrides.Accepted}"));
        }
        else if (policy.Override == BreakerOverride.ForceFallback && policy.Fallback is null)
        {
            errors.Add(new(path + ":Override", "forceFallback needs a Fallback (Cluster or Response) on this cluster"));
        }
    }

    private static void ValidateFallback(
        string path, string? clusterId, FallbackPolicy fallback, IReadOnlyCollection<string>? knownClusters, List<PolicyError> errors)
    {
        if ((fallback.Cluster is null) == (fallback.Response is null))
        {
            errors.Add(new(path, "set exactly one of Cluster (a cluster id) or Response (StatusCode, ContentType, Body, Headers)"));
            return;
        }

        if (fallback.Cluster is { } target)
        {
            if (string.IsNullOrWhiteSpace(target))
            {
                errors.Add(new(path + ":Cluster", "is empty; accepted: the id of another cluster in ReverseProxy:Clusters"));
            }
            else if (!IsClusterId(target))
            {
                errors.Add(new(path + ":Cluster", $"'{Printable(target)}' is not a cluster id; accepted: {ClusterIdRule}"));
            }
            else if (string.Equals(target, clusterId, StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new(path + ":Cluster", $"'{target}' is the cluster itself; accepted: the id of another cluster"));
            }
            else if (knownClusters is not null && !knownClusters.Contains(target, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(new(path + ":Cluster", $"no cluster '{target}' in ReverseProxy:Clusters; known: {Known(knownClusters)}"));
            }
        }

        if (fallback.Response is { } response)
        {
            ValidateResponse(path + ":Response", response, errors);
        }
    }

    /// <summary>Checks that a static response can be served as written: the sidecar frames it itself, so framing and hop-by-hop headers are refused.</summary>
    private static void ValidateResponse(string path, FallbackResponse response, List<PolicyError> errors)
    {
        Range(errors, path + ":StatusCode", response.StatusCode, PolicyConstants.MinFallbackStatusCode, PolicyConstants.MaxFallbackStatusCode);
        var bodyBytes = response.Body is null ? 0 : Encoding.UTF8.GetByteCount(response.Body);
        if (bodyBytes > 0 && response.StatusCode is 204 or 205 or 304)
        {
            errors.Add(new(path + ":Body", $"status {response.StatusCode} has no body; accepted: an empty Body, or a status that has one"));
        }

        if (bodyBytes > PolicyConstants.MaxFallbackBodyBytes)
        {
            errors.Add(new(path + ":Body", $"is {bodyBytes} bytes; accepted: at most {PolicyConstants.MaxFallbackBodyBytes} bytes of UTF-8"));
        }

        if (string.IsNullOrWhiteSpace(response.ContentType))
        {
            errors.Add(new(path + ":ContentType", "is empty; accepted: a media type such as application/json"));
        }
        else if (response.ContentType.Length > PolicyConstants.MaxFallbackHeaderBytes
            || !IsHeaderValue(response.ContentType) || !MediaTypeHeaderValue.TryParse(response.ContentType, out _))
        {
            errors.Add(new(path + ":ContentType", $"'{Printable(response.ContentType)}' is not a media type; accepted: a media type such as application/json, in visible ASCII"));
        }

        if (response.Headers is null)
        {
            return;
        }

        if (response.Headers.Count > PolicyConstants.MaxFallbackHeaders)
        {
            errors.Add(new(path + ":Headers", $"{response.Headers.Count} headers; accepted: at most {PolicyConstants.MaxFallbackHeaders}"));
        }

        foreach (var (name, value) in response.Headers)
        {
            var headerPath = $"{path}:Headers:{Printable(name)}";
            if (!IsToken(name))
            {
                errors.Add(new(headerPath, $"'{Printable(name)}' is not a header name; accepted: an RFC 7230 token (letters, digits and !#$%&'*+-.^_`|~)"));
            }
            else if (ForbiddenHeaders.Contains(name) || name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new(headerPath, $"'{name}' is set by the sidecar; accepted: any header except {ForbiddenHeaderList}, Proxy-*"));
            }
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
            {
                errors.Add(new(headerPath, "is set by ContentType; accepted: set ContentType instead"));
            }

            if (value is null || !IsHeaderValue(value))
            {
                errors.Add(new(headerPath, $"'{Printable(value ?? string.Empty)}' is not a header value; accepted: visible ASCII, spaces and tabs, no CR or LF"));
            }
            else if (value.Length > PolicyConstants.MaxFallbackHeaderBytes)
            {
                errors.Add(new(headerPath, $"is {value.Length} characters; accepted: at most {PolicyConstants.MaxFallbackHeaderBytes}"));
            }
        }
    }

    // Framing is computed by the sidecar for the body it sends; hop-by-hop headers describe a connection, not a response.
    private static readonly HashSet<string> ForbiddenHeaders = new(
        ["Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer"], StringComparer.OrdinalIgnoreCase);

    private const string ForbiddenHeaderList = "Content-Length, Transfer-Encoding, Connection, Keep-Alive, Upgrade, TE, Trailer";

    private const string ClusterIdRule = "1 to 256 visible characters, without ':'";

    // Configuration cannot hold ':' in a key, and ids end up in logs, metrics labels and error messages.
    private static bool IsClusterId(string id) =>
        id.Length is > 0 and <= 256 && !id.Contains(':') && !id.Any(char.IsControl) && !string.IsNullOrWhiteSpace(id);

    /// <summary>Whether <paramref name="name"/> is an RFC 7230 token, the only form a header name may take.</summary>
    internal static bool IsToken(string? name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 256)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c)))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Whether <paramref name="value"/> is a header value that needs no encoding: visible ASCII, spaces and tabs, not starting or ending with white space.</summary>
    internal static bool IsHeaderValue(string value)
    {
        foreach (var c in value)
        {
            if (!(c is ' ' or '\t' || (c > ' ' && c < (char)127)))
            {
                return false;
            }
        }

        return value.Length == 0 || (value[0] is not (' ' or '\t') && value[^1] is not (' ' or '\t'));
    }

    private static string Printable(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, 80));
        foreach (var c in text.Length <= 80 ? text : text[..80])
        {
            builder.Append(c is >= ' ' and < (char)127 ? c : '?');
        }

        return text.Length <= 80 ? builder.ToString() : builder.Append('…').ToString();
    }

    private static void Range(List<PolicyError> errors, string path, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            errors.Add(new(path, $"{value} is out of range; accepted: {min} to {max}"));
        }
    }

    private static void Range(List<PolicyError> errors, string path, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            errors.Add(new(path, $"{value:c} is out of range; accepted: {min:c} to {max:c}"));
        }
    }

    private static string Format(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);

    private static string Known(IReadOnlyCollection<string> clusters) =>
        clusters.Count == 0 ? "(none)" : string.Join(", ", clusters.Order(StringComparer.Ordinal));
}
