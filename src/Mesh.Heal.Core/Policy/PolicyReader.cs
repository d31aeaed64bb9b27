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
    private static readonly string[] RootKeys = ["Defaults", "Clusters", "Mtls"];
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
        IConfiguration root, long version, IReadOnlyCollection<string>? knownClusters)
    {
        ArgumentNullException.ThrowIfNull(root);
        var errors = new List<PolicyError>();
        var section = Section(root, ResiliencePolicyValidator.SectionName, errors);
        return errors.Count > 0 ? (null, errors) : Read(section, ResiliencePolicyValidator.SectionName, version, knownClusters, otherKeys: []);
    }

    /// <summary>Reads and validates a policy whose <c>Defaults</c>, <c>Clusters</c> and <c>Mtls</c> sit directly in <paramref name="section"/>.</summary>
    /// <param name="section">The configuration that holds the policy.</param>
    /// <param name="path">The path the validator's errors start with (empty for a document's root).</param>
    /// <param name="version">The version the policy gets.</param>
    /// <param name="knownClusters">The cluster ids that exist, or null to skip that check.</param>
    /// <param name="otherKeys">Keys besides <c>Defaults</c> and <c>Clusters</c> accepted next to them (a document's <c>service</c>).</param>
    /// <remarks>
    /// Type mismatches are errors, never defaults: a setting written as a list or a mapping (<c>Timeout: ["9s"]</c>,
    /// configuration flattens a list into keys <c>0</c>, <c>1</c>…) and a section written as a value (<c>Clusters: 5</c>)
    /// are named with the accepted form. Never throws for any configuration content.
    /// </remarks>
    public static (ResiliencePolicy? Policy, IReadOnlyList<PolicyError> Errors) Read(
        IConfiguration section, string path, long version, IReadOnlyCollection<string>? knownClusters, IReadOnlyCollection<string> otherKeys)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(otherKeys);
        var errors = new List<PolicyError>();
        CheckKeys(section, [.. RootKeys, .. otherKeys], errors);
        var defaults = ReadCluster(Section(section, "Defaults", errors), new ClusterPolicy(), errors);
        var clusters = new Dictionary<string, ClusterPolicy>(StringComparer.OrdinalIgnoreCase);
        var clustersSection = Section(section, "Clusters", errors);
        var count = 0;
        foreach (var child in clustersSection.GetChildren())
        {
            if (++count > PolicyConstants.MaxClusters)
            {
                errors.Add(new(clustersSection.Path, $"more than {PolicyConstants.MaxClusters} clusters; accepted: at most {PolicyConstants.MaxClusters}"));
                break;
            }

            if (IsListIndex(child.Key))
            {
                errors.Add(new(child.Path, $"'{child.Key}' is a list item, not a cluster id; accepted: a mapping of cluster id to its settings"));
                continue;
            }

            if (!string.IsNullOrEmpty(child.Value))
            {
                errors.Add(new(child.Path, $"'{child.Value}' is a value; accepted: a mapping with {string.Join(", ", ClusterKeys)}"));
                continue;
            }

            clusters[child.Key] = ReadCluster(child, defaults with { Fallback = null }, errors);
        }

        var mtls = ReadMtls(section, errors);
        var policy = new ResiliencePolicy { Version = version, Defaults = defaults, Clusters = clusters, Mtls = mtls };
        if (errors.Count == 0)
        {
            errors.AddRange(ResiliencePolicyValidator.Validate(policy, knownClusters, path));
        }

        return errors.Count == 0 ? (policy, errors) : (null, errors);
    }

    private static ClusterPolicy ReadCluster(IConfiguration section, ClusterPolicy inherited, List<PolicyError> errors)
    {
        CheckKeys(section, ClusterKeys, errors);
        var cb = Section(section, "CircuitBreaker", errors);
        CheckKeys(cb, BreakerKeys, errors);
        var retry = Section(section, "Retry", errors);
        CheckKeys(retry, RetryKeys, errors);
        var outlier = Section(section, "OutlierDetection", errors);
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
            Fallback = ReadFallback(section, inherited.Fallback, errors),
            Override = ReadOverride(section, inherited.Override, errors),
        };
    }

    private static FallbackPolicy? ReadFallback(IConfiguration cluster, FallbackPolicy? inherited, List<PolicyError> errors)
    {
        var section = cluster.GetSection("Fallback");
        if (!section.Exists())
        {
            return inherited;
        }

        section = Section(cluster, "Fallback", errors);
        CheckKeys(section, FallbackKeys, errors);
        var target = Scalar(section, "Cluster", "the id of another cluster", errors);
        var response = section.GetSection("Response");
        FallbackResponse? staticResponse = null;
        if (response.Exists())
        {
            response = Section(section, "Response", errors);
            CheckKeys(response, ResponseKeys, errors);
            var defaults = new FallbackResponse();
            var headersSection = Section(response, "Headers", errors);
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var header in headersSection.GetChildren())
            {
                if (headers.Count >= PolicyConstants.MaxFallbackHeaders)
                {
                    errors.Add(new(headersSection.Path, $"more than {PolicyConstants.MaxFallbackHeaders} headers; accepted: at most {PolicyConstants.MaxFallbackHeaders}"));
                    break;
                }

                if (IsListIndex(header.Key))
                {
                    errors.Add(new(header.Path, $"'{header.Key}' is a list item, not a header name; accepted: a mapping of header name to value"));
                    continue;
                }

                headers[header.Key] = Scalar(headersSection, header.Key, "a header value", errors) ?? string.Empty;
            }

            staticResponse = new FallbackResponse
            {
                StatusCode = ReadInt(response, "StatusCode", defaults.StatusCode, errors),
                ContentType = Scalar(response, "ContentType", "a media type such as application/json", errors) ?? defaults.ContentType,
                Body = Scalar(response, "Body", "text", errors) ?? defaults.Body,
                Headers = headers,
            };
        }

        return new FallbackPolicy { Cluster = target, Response = staticResponse };
    }

    private static MtlsMode ReadMtls(IConfiguration section, List<PolicyError> errors)
    {
        var raw = Scalar(section, "Mtls", MtlsModes.Accepted, errors);
        if (raw is null)
        {
            return MtlsMode.Permissive;
        }

        if (MtlsModes.TryParse(raw, out var value))
        {
            return value;
        }

        errors.Add(new(PathOf(section, "Mtls"), $"'{Shorten(raw)}' is not an mTLS mode; accepted: {MtlsModes.Accepted}"));
        return MtlsMode.Permissive;
    }

    private static BreakerOverride ReadOverride(IConfiguration section, BreakerOverride fallback, List<PolicyError> errors)
    {
        var raw = Scalar(section, "Override", BreakerOverrides.Accepted, errors);
        if (raw is null)
        {
            return fallback;
        }

        if (BreakerOverrides.TryParse(raw, out var value))
        {
            return value;
        }

        errors.Add(new(PathOf(section, "Override"), $"'{Shorten(raw)}' is not an override; accepted: {BreakerOverrides.Accepted}"));
        return fallback;
    }

    private static string PathOf(IConfiguration section, string key) =>
        section is IConfigurationSection { Path.Length: > 0 } s ? $"{s.Path}:{key}" : key;

    /// <summary>The section <paramref name="key"/> of <paramref name="parent"/>; a value written where a section belongs is an error.</summary>
    /// <remarks>An empty value is an empty section (<c>{}</c> in JSON and YAML), so it is accepted.</remarks>
    private static IConfigurationSection Section(IConfiguration parent, string key, List<PolicyError> errors)
    {
        var section = parent.GetSection(key);
        if (!string.IsNullOrEmpty(section.Value))
        {
            errors.Add(new(PathOf(parent, key), $"'{Shorten(section.Value)}' is a value; accepted: a mapping of settings"));
        }

        return section;
    }

    /// <summary>The value of <paramref name="key"/>; a list or a mapping written where a value belongs is an error, and reads as null.</summary>
    private static string? Scalar(IConfiguration parent, string key, string accepted, List<PolicyError> errors)
    {
        var section = parent.GetSection(key);
        if (section.Value is { } value)
        {
            return value;
        }

        var children = section.GetChildren().ToList();
        if (children.Count > 0)
        {
            var kind = children.TrueForAll(c => IsListIndex(c.Key)) ? "a list" : "a mapping";
            errors.Add(new(PathOf(parent, key), $"is {kind}; accepted: a single value, {accepted}"));
        }
        else if (parent.GetChildren().Any(c => string.Equals(c.Key, key, StringComparison.OrdinalIgnoreCase)))
        {
            // JSON configuration turns null, {} and [] alike into a key without a value: present, but not a value.
            errors.Add(new(PathOf(parent, key), $"is empty (null, {{}} or []); accepted: {accepted}, or no {key} at all for the default"));
        }

        return null;
    }

    private static bool IsListIndex(string key) => key.Length > 0 && key.All(char.IsAsciiDigit);

    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";

    private static void CheckKeys(IConfiguration section, string[] accepted, List<PolicyError> errors)
    {
        foreach (var child in section.GetChildren())
        {
            if (!accepted.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                var what = IsListIndex(child.Key) ? $"a list item ('{child.Key}')" : $"unknown setting '{Shorten(child.Key)}'";
                errors.Add(new(child.Path, $"{what}; accepted: {string.Join(", ", accepted)}"));
            }
        }
    }

    private static double ReadDouble(IConfiguration section, string key, double fallback, List<PolicyError> errors)
    {
        var raw = Scalar(section, key, "a decimal such as 0.5", errors);
        if (raw is null)
        {
            return fallback;
        }

        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        errors.Add(new(PathOf(section, key), $"'{Shorten(raw)}' is not a finite number; accepted: a decimal such as 0.5"));
        return fallback;
    }

    private static int ReadInt(IConfiguration section, string key, int fallback, List<PolicyError> errors)
    {
        var raw = Scalar(section, key, "an integer such as 10", errors);
        if (raw is null)
        {
            return fallback;
        }

        if (int.TryParse(raw, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            return value;
        }

        var digits = raw.Trim().TrimStart('-', '+');
        var why = IsListIndex(digits) ? "is out of range" : "is not a whole number";
        errors.Add(new(PathOf(section, key), $"'{Shorten(raw)}' {why}; accepted: an integer such as 10"));
        return fallback;
    }

    private static TimeSpan ReadDuration(IConfiguration section, string key, TimeSpan fallback, List<PolicyError> errors)
    {
        var raw = Scalar(section, key, DurationForms, errors);
        if (raw is null)
        {
            return fallback;
        }

        if (DurationParser.TryParse(raw, out var value))
        {
            return value;
        }

        errors.Add(new(PathOf(section, key), $"'{Shorten(raw)}' is not a duration; accepted: {DurationForms}"));
        return fallback;
    }

    private static TimeSpan? ReadOptionalDuration(IConfiguration section, string key, TimeSpan? fallback, List<PolicyError> errors)
    {
        var raw = Scalar(section, key, DurationForms + ", or off", errors);
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

        errors.Add(new(PathOf(section, key), $"'{Shorten(raw)}' is not a duration; accepted: {DurationForms}, or off"));
        return fallback;
    }

    private const string DurationForms = "hh:mm:ss[.fff] such as 00:00:02, or a number with ms, s, m, h or d such as 250ms";
}
