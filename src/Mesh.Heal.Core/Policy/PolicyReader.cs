using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Mesh.Heal.Policy;

/// <summary>Reads a resilience policy from configuration: the sidecar's <c>Resilience</c> section, or a policy document.</summary>
/// <remarks>
/// Parsing is done by hand rather than by the options binder so that a typo or an unparsable value is reported
/// with its full path and the accepted values, instead of a binder exception or a silently ignored key. The sidecar's
/// configuration file and the control plane's policy documents (YAML or JSON) go through this one reader, so both
/// accept the same keys, durations and defaults.
/// </remarks>
public static class PolicyReader
{
    private static readonly string[] RootKeys = ["Defaults", "Clusters"];
    private static readonly string[] ClusterKeys = ["CircuitBreaker", "Timeout", "Retry", "Fallback", "OutlierDetection", "Override"];
    private static readonly string[] BreakerKeys =
        ["FailureRatio", "MinimumThroughput", "ConsecutiveFailures", "SamplingDuration", "BreakDuration", "SlowCallDuration", "DegradedRatio", "RecoveryDuration"];
    private static readonly string[] RetryKeys = ["MaxAttempts", "BudgetPercent"];
    private static readonly string[] OutlierKeys = ["ConsecutiveFailures", "EjectionDuration", "MaxEjectionPercent"];
    private static readonly string[] FallbackKeys = ["Cluster", "Response"];
    private static readonly string[] ResponseKeys = ["StatusCode", "ContentType", "Body", "Headers"];

    /// <summary>The upstream cluster ids declared in <c>ReverseProxy:Clusters</c>, or null when that section is absent.</summary>
    public static IReadOnlyCollection<string>? KnownClusters(IConfiguration root)
    {
        var clusters = root.GetSection("ReverseProxy:Clusters");
        return clusters.Exists() ? clusters.GetChildren().Select(c => c.Key).ToArray() : null;
    }

    /// <summary>Reads and validates the <c>Resilience</c> section of <paramref name="root"/>; on any error the policy is null and every error is listed.</summary>
    public static (ResiliencePolicy? Policy, IReadOnlyList<PolicyError> Errors) Read(
        IConfiguration root, long version, IReadOnlyCollection<string>? knownClusters) =>
        Read(root.GetSection(ResiliencePolicyValidator.SectionName), ResiliencePolicyValidator.SectionName, version, knownClusters, otherKeys: []);

    /// <summary>Reads and validates a policy whose <c>Defaults</c> and <c>Clusters</c> sit directly in <paramref name="section"/>.</summary>
    /// <param name="section">The configuration that holds the policy.</param>
    /// <param name="path">The path the validator's errors start with (empty for a document's root).</param>
    /// <param name="version">The version the policy gets.</param>
    /// <param name="knownClusters">The cluster ids that exist, or null to skip that check.</param>
    /// <param name="otherKeys">Keys besides <c>Defaults</c> and <c>Clusters</c> accepted next to them (a document's <c>service</c>).</param>
    public static (ResiliencePolicy? Policy, IReadOnlyList<PolicyError> Errors) Read(
        IConfiguration section, string path, long version, IReadOnlyCollection<string>? knownClusters, IReadOnlyCollection<string> otherKeys)
    {
        ArgumentNullException.ThrowIfNull(section);
        var errors = new List<PolicyError>();
        CheckKeys(section, [.. RootKeys, .. otherKeys], errors);
        var defaults = ReadCluster(section.GetSection("Defaults"), new ClusterPolicy(), errors);
        var clusters = new Dictionary<string, ClusterPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var child in section.GetSection("Clusters").GetChildren())
        {
            clusters[child.Key] = ReadCluster(child, defaults with { Fallback = null }, errors);
        }

        var policy = new ResiliencePolicy { Version = version, Defaults = defaults, Clusters = clusters };
        if (errors.Count == 0)
        {
            errors.AddRange(ResiliencePolicyValidator.Validate(policy, knownClusters, path));
        }

        return errors.Count == 0 ? (policy, errors) : (null, errors);
    }

    private static ClusterPolicy ReadCluster(IConfiguration section, ClusterPolicy inherited, List<PolicyError> errors)
    {
        CheckKeys(section, ClusterKeys, errors);
        var cb = section.GetSection("CircuitBreaker");
        CheckKeys(cb, BreakerKeys, errors);
        var retry = section.GetSection("Retry");
        CheckKeys(retry, RetryKeys, errors);
        var outlier = section.GetSection("OutlierDetection");
        CheckKeys(outlier, OutlierKeys, errors);
        var b = inherited.CircuitBreaker;
        return new ClusterPolicy
        {
            CircuitBreaker = new CircuitBreakerPolicy
            {
                FailureRatio = ReadDouble(cb, "FailureRatio", b.FailureRatio, errors),
                MinimumThroughput = ReadInt(cb, "MinimumThroughput", b.MinimumThroughput, errors),
                ConsecutiveFailures = ReadInt(cb, "ConsecutiveFailures", b.ConsecutiveFailures, errors),
                SamplingDuration = ReadDuration(cb, "SamplingDuration", b.SamplingDuration, errors),
                BreakDuration = ReadDuration(cb, "BreakDuration", b.BreakDuration, errors),
                SlowCallDuration = ReadOptionalDuration(cb, "SlowCallDuration", b.SlowCallDuration, errors),
                DegradedRatio = ReadDouble(cb, "DegradedRatio", b.DegradedRatio, errors),
                RecoveryDuration = ReadDuration(cb, "RecoveryDuration", b.RecoveryDuration, errors),
            },
            Timeout = ReadDuration(section, "Timeout", inherited.Timeout, errors),
            Retry = new RetryPolicy
            {
                MaxAttempts = ReadInt(retry, "MaxAttempts", inherited.Retry.MaxAttempts, errors),
                BudgetPercent = ReadInt(retry, "BudgetPercent", inherited.Retry.BudgetPercent, errors),
            },
            OutlierDetection = new OutlierDetectionPolicy
            {
                ConsecutiveFailures = ReadInt(outlier, "ConsecutiveFailures", inherited.OutlierDetection.ConsecutiveFailures, errors),
                EjectionDuration = ReadDuration(outlier, "EjectionDuration", inherited.OutlierDetection.EjectionDuration, errors),
                MaxEjectionPercent = ReadInt(outlier, "MaxEjectionPercent", inherited.OutlierDetection.MaxEjectionPercent, errors),
            },
            Fallback = ReadFallback(section.GetSection("Fallback"), inherited.Fallback, errors),
            Override = ReadOverride(section, inherited.Override, errors),
        };
    }

    private static FallbackPolicy? ReadFallback(IConfigurationSection section, FallbackPolicy? inherited, List<PolicyError> errors)
    {
        if (!section.Exists())
        {
            return inherited;
        }

        CheckKeys(section, FallbackKeys, errors);
        var response = section.GetSection("Response");
        FallbackResponse? staticResponse = null;
        if (response.Exists())
        {
            CheckKeys(response, ResponseKeys, errors);
            var defaults = new FallbackResponse();
            staticResponse = new FallbackResponse
            {
                StatusCode = ReadInt(response, "StatusCode", defaults.StatusCode, errors),
                ContentType = response["ContentType"] ?? defaults.ContentType,
                Body = response["Body"] ?? defaults.Body,
                Headers = response.GetSection("Headers").GetChildren()
                    .ToDictionary(h => h.Key, h => h.Value ?? string.Empty, StringComparer.OrdinalIgnoreCase),
            };
        }

        return new FallbackPolicy { Cluster = section["Cluster"], Response = staticResponse };
    }

    private static BreakerOverride ReadOverride(IConfiguration section, BreakerOverride fallback, List<PolicyError> errors)
    {
        var raw = section["Override"];
        if (raw is null)
        {
            return fallback;
        }

        if (BreakerOverrides.TryParse(raw, out var value))
        {
            return value;
        }

        errors.Add(new(PathOf(section, "Override"), $"'{raw}' is not an override; accepted: {BreakerOverrides.Accepted}"));
        return fallback;
    }

    private static string PathOf(IConfiguration section, string key) =>
        section is IConfigurationSection { Path.Length: > 0 } s ? $"{s.Path}:{key}" : key;

    private static void CheckKeys(IConfiguration section, string[] accepted, List<PolicyError> errors)
    {
        foreach (var child in section.GetChildren())
        {
            if (!accepted.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                errors.Add(new(child.Path, $"unknown setting '{child.Key}'; accepted: {string.Join(", ", accepted)}"));
            }
        }
    }

    private static double ReadDouble(IConfiguration section, string key, double fallback, List<PolicyError> errors)
    {
        var raw = section[key];
        if (raw is null)
        {
            return fallback;
        }

        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        errors.Add(new(PathOf(section, key), $"'{raw}' is not a number; accepted: a decimal such as 0.5"));
        return fallback;
    }

    private static int ReadInt(IConfiguration section, string key, int fallback, List<PolicyError> errors)
    {
        var raw = section[key];
        if (raw is null)
        {
            return fallback;
        }

        if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        errors.Add(new(PathOf(section, key), $"'{raw}' is not a whole number; accepted: an integer such as 10"));
        return fallback;
    }

    private static TimeSpan ReadDuration(IConfiguration section, string key, TimeSpan fallback, List<PolicyError> errors) =>
        ReadOptionalDuration(section, key, fallback, errors) ?? fallback;

    private static TimeSpan? ReadOptionalDuration(IConfiguration section, string key, TimeSpan? fallback, List<PolicyError> errors)
    {
        var raw = section[key];
        if (raw is null)
        {
            return fallback;
        }

        if (raw.Length == 0 || raw.Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        if (DurationParser.TryParse(raw, out var value))
        {
            return value;
        }

        errors.Add(new(PathOf(section, key),
            $"'{raw}' is not a duration; accepted: hh:mm:ss[.fff] such as 00:00:02, or a number with ms, s, m or h such as 250ms"));
        return fallback;
    }
}
