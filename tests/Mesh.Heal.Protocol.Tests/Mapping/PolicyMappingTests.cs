using Mesh.Heal.Health;
using Mesh.Heal.Policy;
using Mesh.Heal.Protocol.Mapping;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Protocol.Tests.Mapping;

public class PolicyMappingTests
{
    private static ResiliencePolicy Full() => new()
    {
        Version = 7,
        Defaults = new ClusterPolicy { Timeout = TimeSpan.FromSeconds(3) },
        Clusters = new Dictionary<string, ClusterPolicy>(StringComparer.OrdinalIgnoreCase)
        {
            ["backend"] = new()
            {
                CircuitBreaker = new CircuitBreakerPolicy { FailureRatio = 0.25, MinimumThroughput = 20, SlowCallDuration = TimeSpan.FromMilliseconds(750), ConsecutiveFailures = 0 },
                Retry = new RetryPolicy { MaxAttempts = 3, BudgetPercent = 10 },
                Fallback = new FallbackPolicy { Cluster = "backup" },
                Override = BreakerOverride.ForceClosed,
            },
            ["static"] = new()
            {
                Fallback = new FallbackPolicy
                {
                    Response = new FallbackResponse { StatusCode = 200, Body = "cached", Headers = new Dictionary<string, string> { ["x-cache"] = "stale" } },
                },
            },
        },
    };

    [Fact]
    public void RoundTrip_KeepsEveryRule()
    {
        var policy = Full();

        var (back, errors) = PolicyMapping.FromWire(Wire.ServicePolicy.Parser.ParseFrom(Google.Protobuf.MessageExtensions.ToByteArray(PolicyMapping.ToWire(policy))), 7);

        Assert.Empty(errors);
        Assert.True(back!.SameRulesAs(policy));
        Assert.Equal(7, back.Version);
        Assert.Null(back.ForCluster("static").CircuitBreaker.SlowCallDuration);
        Assert.Equal("stale", back.ForCluster("static").Fallback!.Response!.Headers["x-cache"]);
    }

    [Theory]
    [InlineData(MtlsMode.Permissive, Wire.MtlsMode.Unspecified)]
    [InlineData(MtlsMode.Required, Wire.MtlsMode.Required)]
    public void RoundTrip_KeepsTheMtlsMode(MtlsMode mode, Wire.MtlsMode onTheWire)
    {
        var wire = PolicyMapping.ToWire(Full() with { Mtls = mode });

        var (back, errors) = PolicyMapping.FromWire(Wire.ServicePolicy.Parser.ParseJson(Google.Protobuf.JsonFormatter.Default.Format(wire)), 7);

        Assert.Equal(onTheWire, wire.Mtls);
        Assert.Empty(errors);
        Assert.Equal(mode, back!.Mtls);
        Assert.True(back.SameRulesAs(Full() with { Mtls = mode }));
    }

    [Fact]
    public void ToWire_APermissivePolicy_HasTheStoredFormOfAPolicyFromBeforeTheField()
    {
        var json = Google.Protobuf.JsonFormatter.Default.Format(PolicyMapping.ToWire(Full()));

        Assert.DoesNotContain("mtls", json, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("\"mtls\": \"MTLS_MODE_REQUIRED\"", Google.Protobuf.JsonFormatter.Default.Format(PolicyMapping.ToWire(Full() with { Mtls = MtlsMode.Required })));
    }

    [Fact]
    public void FromWire_UnspecifiedMtls_FromAPolicyBeforeTheField_IsPermissive_AndAnUnknownOneIsNamed()
    {
        var old = PolicyMapping.ToWire(Full());
        old.Mtls = Wire.MtlsMode.Unspecified;
        var explicitPermissive = PolicyMapping.ToWire(Full());
        explicitPermissive.Mtls = Wire.MtlsMode.Permissive;
        var future = PolicyMapping.ToWire(Full());
        future.Mtls = (Wire.MtlsMode)9;

        var (policy, errors) = PolicyMapping.FromWire(old, 1);
        var (none, futureErrors) = PolicyMapping.FromWire(future, 1);

        Assert.Empty(errors);
        Assert.Equal(MtlsMode.Permissive, policy!.Mtls);
        Assert.Equal(MtlsMode.Permissive, PolicyMapping.FromWire(explicitPermissive, 1).Policy!.Mtls);
        Assert.Null(none);
        Assert.Equal("policy.mtls", Assert.Single(futureErrors).Field);
    }

    [Fact]
    public void FromWire_MissingFields_AreNamed_NotDefaulted()
    {
        var wire = PolicyMapping.ToWire(Full());
        wire.Clusters["backend"].Timeout = null;
        wire.Clusters["backend"].CircuitBreaker.BreakDuration = null;
        wire.Clusters["static"].Retry = null;
        wire.Clusters["static"].Override = "sometimes";

        var (policy, errors) = PolicyMapping.FromWire(wire, 1);

        Assert.Null(policy);
        Assert.Equal(
            ["policy.clusters[backend].circuitBreaker.breakDuration", "policy.clusters[backend].timeout", "policy.clusters[static].override", "policy.clusters[static].retry"],
            errors.Select(e => e.Field).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void States_MapBothWays_AndUnspecifiedIsUnknown()
    {
        foreach (var state in Enum.GetValues<HealthState>())
        {
            Assert.Equal(state, PolicyMapping.FromWire(PolicyMapping.ToWire(state)));
        }

        foreach (var state in Enum.GetValues<BreakerState>())
        {
            Assert.Equal(state, PolicyMapping.FromWire(PolicyMapping.ToWire(state)));
        }

        Assert.Null(PolicyMapping.FromWire(Wire.HealthState.Unspecified));
        Assert.Null(PolicyMapping.FromWire((Wire.BreakerState)99));
    }
}
