using Google.Protobuf.WellKnownTypes;
using Mesh.Heal.Policy;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Protocol.Mapping;

/// <summary>Maps resilience policies between Core's model and the wire (<see cref="Wire.ServicePolicy"/>).</summary>
/// <remarks>
/// The control plane resolves every field before it sends a policy, so a snapshot with a field missing is a broken
/// snapshot: <see cref="FromWire(Wire.ServicePolicy, long)"/> names the missing field instead of filling in a default the operator never chose.
/// </remarks>
public static class PolicyMapping
{
    /// <summary>The wire form of <paramref name="policy"/>, every field set (<c>mtls</c> only when Required).</summary>
    public static Wire.ServicePolicy ToWire(ResiliencePolicy policy)
    {
        ArgumentNullException.ThrowIfNull(policy);
        var wire = new Wire.ServicePolicy
        {
            Defaults = ToWire(policy.Defaults),
            // Permissive stays unspecified (read back as permissive): a policy without Mtls keeps the stored form and the wire
            // bytes it had before the field existed, so upgrading the control plane makes no new policy versions.
            Mtls = policy.Mtls == MtlsMode.Required ? Wire.MtlsMode.Required : Wire.MtlsMode.Unspecified,
        };
        foreach (var (id, cluster) in policy.Clusters)
        {
            wire.Clusters[id] = ToWire(cluster);
        }

        return wire;
    }

    /// <summary>Reads a wire policy; on any missing field the policy is null and every such field is listed.</summary>
    /// <remarks>Ranges are not checked here: pass the result to <see cref="ResiliencePolicyValidator"/>.</remarks>
    public static (ResiliencePolicy? Policy, IReadOnlyList<PolicyError> Errors) FromWire(Wire.ServicePolicy? wire, long version)
    {
        var errors = new List<PolicyError>();
        if (wire is null)
        {
            return (null, [new PolicyError("policy", "missing")]);
        }

        var defaults = FromWire(wire.Defaults, "policy.defaults", errors);
        var clusters = new Dictionary<string, ClusterPolicy>(StringComparer.OrdinalIgnoreCase);
        foreach (var (id, cluster) in wire.Clusters)
        {
            clusters[id] = FromWire(cluster, $"policy.clusters[{id}]", errors);
        }

        var mtls = MtlsMode.Permissive;
        switch (wire.Mtls)
        {
            case Wire.MtlsMode.Required:
                mtls = MtlsMode.Required;
                break;
            case Wire.MtlsMode.Unspecified or Wire.MtlsMode.Permissive:
                // Unspecified: a policy stored or sent before the field existed, which had no mTLS requirement.
                break;
            default:
                errors.Add(new("policy.mtls", $"{(int)wire.Mtls} is not an mTLS mode; accepted: MTLS_MODE_PERMISSIVE, MTLS_MODE_REQUIRED"));
                break;
        }

        return errors.Count > 0
            ? (null, errors)
            : (new ResiliencePolicy { Version = version, Defaults = defaults, Clusters = clusters, Mtls = mtls }, errors);
    }

    /// <summary>The wire form of a health state.</summary>
    public static Wire.HealthState ToWire(Health.HealthState state) => (Wire.HealthState)((int)state + 1);

    /// <summary>The wire form of a breaker state.</summary>
    public static Wire.BreakerState ToWire(Health.BreakerState state) => (Wire.BreakerState)((int)state + 1);

    /// <summary>The Core form of a wire health state, or null when unspecified or unknown.</summary>
    public static Health.HealthState? FromWire(Wire.HealthState state) =>
        state is > Wire.HealthState.Unspecified and <= Wire.HealthState.Recovering ? (Health.HealthState)((int)state - 1) : null;

    /// <summary>The Core form of a wire breaker state, or null when unspecified or unknown.</summary>
    public static Health.BreakerState? FromWire(Wire.BreakerState state) =>
        state is > Wire.BreakerState.Unspecified and <= Wire.BreakerState.Isolated ? (Health.BreakerState)((int)state - 1) : null;

    private static Wire.ClusterPolicy ToWire(ClusterPolicy policy)
    {
        var cb = policy.CircuitBreaker;
        var wire = new Wire.ClusterPolicy
        {
            CircuitBreaker = new Wire.CircuitBreakerPolicy
            {
                FailureRatio = cb.FailureRatio,
                MinimumThroughput = cb.MinimumThroughput,
                SamplingDuration = Duration.FromTimeSpan(cb.SamplingDuration),
                BreakDuration = Duration.FromTimeSpan(cb.BreakDuration),
                ConsecutiveFailures = cb.ConsecutiveFailures,
                SlowCallDuration = cb.SlowCallDuration is { } slow ? Duration.FromTimeSpan(slow) : null,
                DegradedRatio = cb.DegradedRatio,
                RecoveryDuration = Duration.FromTimeSpan(cb.RecoveryDuration),
            },
            Timeout = Duration.FromTimeSpan(policy.Timeout),
            Retry = new Wire.RetryPolicy { MaxAttempts = policy.Retry.MaxAttempts, BudgetPercent = policy.Retry.BudgetPercent },
            OutlierDetection = new Wire.OutlierDetectionPolicy
            {
                ConsecutiveFailures = policy.OutlierDetection.ConsecutiveFailures,
                EjectionDuration = Duration.FromTimeSpan(policy.OutlierDetection.EjectionDuration),
                MaxEjectionPercent = policy.OutlierDetection.MaxEjectionPercent,
            },
            Override = BreakerOverrides.ToName(policy.Override),
        };

        if (policy.Fallback is { Cluster: { } cluster })
        {
            wire.Fallback = new Wire.FallbackPolicy { Cluster = cluster };
        }
        else if (policy.Fallback is { Response: { } response })
        {
            var r = new Wire.FallbackResponse { StatusCode = response.StatusCode, ContentType = response.ContentType, Body = response.Body };
            foreach (var (name, value) in response.Headers)
            {
                r.Headers[name] = value;
            }

            wire.Fallback = new Wire.FallbackPolicy { Response = r };
        }

        return wire;
    }

    private static ClusterPolicy FromWire(Wire.ClusterPolicy? wire, string path, List<PolicyError> errors)
    {
        if (wire is null)
        {
            errors.Add(new(path, "missing"));
            return new ClusterPolicy();
        }

        var cb = wire.CircuitBreaker;
        if (cb is null)
        {
            errors.Add(new(path + ".circuitBreaker", "missing"));
            cb = new Wire.CircuitBreakerPolicy();
        }

        var retry = wire.Retry ?? Missing(path + ".retry", new Wire.RetryPolicy());
        var outlier = wire.OutlierDetection ?? Missing(path + ".outlierDetection", new Wire.OutlierDetectionPolicy());
        if (!BreakerOverrides.TryParse(wire.Override, out var @override))
        {
            errors.Add(new(path + ".override", $"'{wire.Override}' is not an override; accepted: {BreakerOverrides.Accepted}"));
        }

        return new ClusterPolicy
        {
            CircuitBreaker = new CircuitBreakerPolicy
            {
                FailureRatio = cb.FailureRatio,
                MinimumThroughput = cb.MinimumThroughput,
                SamplingDuration = Required(cb.SamplingDuration, path + ".circuitBreaker.samplingDuration"),
                BreakDuration = Required(cb.BreakDuration, path + ".circuitBreaker.breakDuration"),
                ConsecutiveFailures = cb.ConsecutiveFailures,
                SlowCallDuration = cb.SlowCallDuration?.ToTimeSpan(),
                DegradedRatio = cb.DegradedRatio,
                RecoveryDuration = Required(cb.RecoveryDuration, path + ".circuitBreaker.recoveryDuration"),
            },
            Timeout = Required(wire.Timeout, path + ".timeout"),
            Retry = new RetryPolicy { MaxAttempts = retry.MaxAttempts, BudgetPercent = retry.BudgetPercent },
            OutlierDetection = new OutlierDetectionPolicy
            {
                ConsecutiveFailures = outlier.ConsecutiveFailures,
                EjectionDuration = Required(outlier.EjectionDuration, path + ".outlierDetection.ejectionDuration"),
                MaxEjectionPercent = outlier.MaxEjectionPercent,
            },
            Fallback = wire.Fallback?.TargetCase switch
            {
                Wire.FallbackPolicy.TargetOneofCase.Cluster => new FallbackPolicy { Cluster = wire.Fallback.Cluster },
                Wire.FallbackPolicy.TargetOneofCase.Response => new FallbackPolicy
                {
                    Response = new FallbackResponse
                    {
                        StatusCode = wire.Fallback.Response.StatusCode,
                        ContentType = wire.Fallback.Response.ContentType,
                        Body = wire.Fallback.Response.Body,
                        Headers = new Dictionary<string, string>(wire.Fallback.Response.Headers, StringComparer.OrdinalIgnoreCase),
                    },
                },
                null => null,
                _ => Missing<FallbackPolicy?>(path + ".fallback", null, "has neither cluster nor response"),
            },
            Override = @override,
        };

        T Missing<T>(string field, T value, string message = "missing")
        {
            errors.Add(new(field, message));
            return value;
        }

        TimeSpan Required(Duration? duration, string field)
        {
            if (duration is null)
            {
                errors.Add(new(field, "missing"));
                return TimeSpan.Zero;
            }

            return duration.ToTimeSpan();
        }
    }
}
