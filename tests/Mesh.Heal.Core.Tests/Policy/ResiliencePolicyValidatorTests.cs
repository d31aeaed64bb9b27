using Mesh.Heal.Policy;

namespace Mesh.Heal.Core.Tests.Policy;

public class ResiliencePolicyValidatorTests
{
    private static readonly string[] Known = ["backend", "backup"];

    [Fact]
    public void Validate_Defaults_AreValid()
    {
        Assert.Empty(ResiliencePolicyValidator.Validate(new ResiliencePolicy(), Known));
    }

    [Fact]
    public void Validate_EveryOutOfRangeValue_IsReportedWithItsPath()
    {
        var policy = new ResiliencePolicy
        {
            Clusters = new Dictionary<string, ClusterPolicy>
            {
                ["backend"] = new()
                {
                    CircuitBreaker = new CircuitBreakerPolicy
                    {
                        FailureRatio = 0,
                        MinimumThroughput = 1,
                        SamplingDuration = TimeSpan.FromMilliseconds(10),
                        BreakDuration = TimeSpan.FromDays(2),
                        SlowCallDuration = TimeSpan.Zero,
                        DegradedRatio = 1.5,
                        RecoveryDuration = TimeSpan.FromHours(2),
                    },
                    Timeout = TimeSpan.Zero,
                    Retry = new RetryPolicy { MaxAttempts = 11, BudgetPercent = 101 },
                    OutlierDetection = new OutlierDetectionPolicy { ConsecutiveFailures = -1, EjectionDuration = TimeSpan.Zero, MaxEjectionPercent = 200 },
                    Fallback = new FallbackPolicy { Response = new FallbackResponse { StatusCode = 99, ContentType = " " } },
                },
            },
        };

        var fields = ResiliencePolicyValidator.Validate(policy, Known).Select(e => e.Field.Replace("Resilience:Clusters:backend:", "")).ToArray();

        Assert.Equal(
            ["CircuitBreaker:FailureRatio", "CircuitBreaker:MinimumThroughput", "CircuitBreaker:SamplingDuration", "CircuitBreaker:BreakDuration",
             "CircuitBreaker:SlowCallDuration", "CircuitBreaker:DegradedRatio", "CircuitBreaker:RecoveryDuration", "Timeout",
             "Retry:MaxAttempts", "Retry:BudgetPercent", "OutlierDetection:ConsecutiveFailures", "OutlierDetection:EjectionDuration",
             "OutlierDetection:MaxEjectionPercent", "Fallback:Response:StatusCode", "Fallback:Response:ContentType"],
            fields);
    }

    [Fact]
    public void Validate_FallbackInDefaults_IsRejected()
    {
        var policy = new ResiliencePolicy { Defaults = new ClusterPolicy { Fallback = new FallbackPolicy { Cluster = "backup" } } };

        Assert.Contains(ResiliencePolicyValidator.Validate(policy, Known), e => e.Field == "Resilience:Defaults:Fallback");
    }

    [Fact]
    public void Validate_UnknownClusters_ListsTheKnownOnes()
    {
        var policy = new ResiliencePolicy { Clusters = new Dictionary<string, ClusterPolicy> { ["ghost"] = new() } };

        var error = Assert.Single(ResiliencePolicyValidator.Validate(policy, Known));

        Assert.Equal("Resilience:Clusters:ghost", error.Field);
        Assert.Contains("known: backend, backup", error.Message);
    }

    [Fact]
    public void SameRulesAs_IgnoresVersion_ComparesHeadersByValue()
    {
        ResiliencePolicy Make(long version) => new()
        {
            Version = version,
            Clusters = new Dictionary<string, ClusterPolicy>
            {
                ["backend"] = new() { Fallback = new FallbackPolicy { Response = new FallbackResponse { Headers = new Dictionary<string, string> { ["a"] = "1" } } } },
            },
        };

        Assert.True(Make(1).SameRulesAs(Make(2)));
        var changed = Make(3) with
        {
            Clusters = new Dictionary<string, ClusterPolicy>
            {
                ["backend"] = new() { Fallback = new FallbackPolicy { Response = new FallbackResponse { Headers = new Dictionary<string, string> { ["a"] = "2" } } } },
            },
        };
        Assert.False(Make(1).SameRulesAs(changed));
    }
}
