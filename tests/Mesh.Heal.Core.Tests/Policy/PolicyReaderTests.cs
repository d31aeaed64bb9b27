using Mesh.Heal.Policy;
using Microsoft.Extensions.Configuration;

namespace Mesh.Heal.Core.Tests.Policy;

public class PolicyReaderTests
{
    private static IConfiguration Config(params (string Key, string Value)[] pairs) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(pairs.Select(p => KeyValuePair.Create(p.Key, (string?)p.Value))
                .Append(KeyValuePair.Create("ReverseProxy:Clusters:backend:Destinations:d1:Address", (string?)"http://127.0.0.1:1/"))
                .Append(KeyValuePair.Create("ReverseProxy:Clusters:backup:Destinations:d1:Address", (string?)"http://127.0.0.1:2/")))
            .Build();

    private static (ResiliencePolicy? Policy, IReadOnlyList<PolicyError> Errors) Read(IConfiguration config) =>
        PolicyReader.Read(config, 1, PolicyReader.KnownClusters(config));

    [Fact]
    public void Read_FullClusterPolicy_ReadsEverySetting()
    {
        var (policy, errors) = Read(Config(
            ("Resilience:Defaults:Timeout", "00:00:03"),
            ("Resilience:Clusters:backend:CircuitBreaker:FailureRatio", "0.25"),
            ("Resilience:Clusters:backend:CircuitBreaker:MinimumThroughput", "20"),
            ("Resilience:Clusters:backend:CircuitBreaker:SamplingDuration", "00:00:05"),
            ("Resilience:Clusters:backend:CircuitBreaker:BreakDuration", "2s"),
            ("Resilience:Clusters:backend:CircuitBreaker:SlowCallDuration", "750ms"),
            ("Resilience:Clusters:backend:CircuitBreaker:DegradedRatio", "0.05"),
            ("Resilience:Clusters:backend:Retry:MaxAttempts", "3"),
            ("Resilience:Clusters:backend:Retry:BudgetPercent", "10"),
            ("Resilience:Clusters:backend:Fallback:Cluster", "backup")));

        Assert.Empty(errors);
        var backend = policy!.ForCluster("backend");
        Assert.Equal(0.25, backend.CircuitBreaker.FailureRatio);
        Assert.Equal(20, backend.CircuitBreaker.MinimumThroughput);
        Assert.Equal(TimeSpan.FromSeconds(5), backend.CircuitBreaker.SamplingDuration);
        Assert.Equal(TimeSpan.FromSeconds(2), backend.CircuitBreaker.BreakDuration);
        Assert.Equal(TimeSpan.FromMilliseconds(750), backend.CircuitBreaker.SlowCallDuration);
        Assert.Equal(TimeSpan.FromSeconds(3), backend.Timeout); // inherited from Defaults
        Assert.Equal(3, backend.Retry.MaxAttempts);
        Assert.Equal("backup", backend.Fallback!.Cluster);
        Assert.Equal(TimeSpan.FromSeconds(3), policy.ForCluster("backup").Timeout);
        Assert.Null(policy.ForCluster("backup").Fallback);
    }

    [Theory]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker:FailureRatio", "1.5", "accepted: greater than 0 and at most 1")]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker:FailureRatio", "half", "is not a finite number")]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker:MinimumThroughput", "1", "accepted: 2 to 1000000")]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker:BreakDuration", "00:00:00.100", "accepted: 00:00:00.5000000 to 1.00:00:00")]
    [InlineData("Resilience:Clusters:backend:Timeout", "two seconds", "is not a duration")]
    [InlineData("Resilience:Clusters:backend:Retry:MaxAttempts", "0", "accepted: 1 to 10")]
    [InlineData("Resilience:Clusters:backend:Retry:BudgetPercent", "150", "accepted: 0 to 100")]
    [InlineData("Resilience:Clusters:backend:Fallback:Cluster", "nowhere", "no cluster 'nowhere'")]
    [InlineData("Resilience:Clusters:backend:Fallback:Cluster", "backend", "is the cluster itself")]
    [InlineData("Resilience:Clusters:backend:Fallback:Response:StatusCode", "700", "accepted: 200 to 599")]
    [InlineData("Resilience:Clusters:backend:Fallback:Response:StatusCode", "101", "accepted: 200 to 599")]
    [InlineData("Resilience:Clusters:backend:Fallback:Response:StatusCode", "99999999999", "is out of range; accepted: an integer")]
    [InlineData("Resilience:Clusters:backend:Retry:MaxAttempts", "2147483648", "is out of range; accepted: an integer")]
    [InlineData("Resilience:Clusters:backend:Timeout", "1e300s", "is not a duration; accepted: hh:mm:ss")]
    [InlineData("Resilience:Clusters:backend:Timeout", "9999999999999d", "is not a duration; accepted: hh:mm:ss")]
    [InlineData("Resilience:Clusters:backend:Timeout", "off", "is not a duration")]
    [InlineData("Resilience:Clusters:backend:Timeout", "", "is not a duration")]
    [InlineData("Resilience:Clusters:backend:Timeout", "100.00:00:00", "accepted: 00:00:00.0010000 to 1.00:00:00")]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker:FailureRatio", "NaN", "is not a finite number")]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker:FailureRatio", "Infinity", "is not a finite number")]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker:FailureRatio", "1e400", "is not a finite number")]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker:FailureRatio", "-0.5", "accepted: greater than 0 and at most 1")]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker:ConsecutiveFailures", "-1", "accepted: 0 to 1000")]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker", "5", "'5' is a value; accepted: a mapping")]
    [InlineData("Resilience:Clusters", "5", "'5' is a value; accepted: a mapping")]
    [InlineData("Resilience", "on", "'on' is a value; accepted: a mapping")]
    [InlineData("Resilience:Clusters:backend", "fast", "'fast' is a value; accepted: a mapping")]
    [InlineData("Resilience:Clusters:ghost:Timeout", "00:00:01", "no cluster 'ghost'")]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker:FailureRate", "0.5", "unknown setting 'FailureRate'; accepted: FailureRatio")]
    [InlineData("Resilience:Clusters:backend:Override", "forceHalfOpen", "accepted: none, forceOpen, forceClosed, forceFallback")]
    [InlineData("Resilience:Clusters:backend:Override", "forceFallback", "forceFallback needs a Fallback")]
    public void Read_InvalidValue_ErrorNamesFieldAndAcceptedValues(string key, string value, string expected)
    {
        var (policy, errors) = Read(Config((key, value)));

        Assert.Null(policy);
        var error = Assert.Single(errors);
        Assert.StartsWith(key.Contains(":Fallback:Cluster") || key.Contains("ghost") ? key[..key.LastIndexOf(':')] : key, error.Field);
        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData("Resilience:Clusters:backend:Timeout:0", "9s", "Resilience:Clusters:backend:Timeout", "is a list; accepted: a single value, hh:mm:ss")]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker:FailureRatio:0", "0.5", "Resilience:Clusters:backend:CircuitBreaker:FailureRatio", "is a list; accepted: a single value, a decimal")]
    [InlineData("Resilience:Clusters:backend:CircuitBreaker:FailureRatio:a", "1", "Resilience:Clusters:backend:CircuitBreaker:FailureRatio", "is a mapping; accepted: a single value")]
    [InlineData("Resilience:Clusters:backend:Retry:MaxAttempts:0", "2", "Resilience:Clusters:backend:Retry:MaxAttempts", "is a list; accepted: a single value, an integer")]
    [InlineData("Resilience:Clusters:backend:Override:0", "forceOpen", "Resilience:Clusters:backend:Override", "is a list")]
    [InlineData("Resilience:Clusters:backend:Fallback:Cluster:0", "backup", "Resilience:Clusters:backend:Fallback:Cluster", "is a list")]
    [InlineData("Resilience:Clusters:0:0", "x", "Resilience:Clusters:0", "is a list item, not a cluster id")]
    [InlineData("Resilience:Clusterz:backend:Timeout", "2s", "Resilience:Clusterz", "unknown setting 'Clusterz'")]
    [InlineData("Resilience:Clusters:backend:Retry:0", "2", "Resilience:Clusters:backend:Retry:0", "a list item ('0'); accepted: MaxAttempts")]
    public void Read_WrongType_IsAnErrorNamingTheField_NeverTheDefault(string key, string value, string field, string expected)
    {
        var (policy, errors) = Read(Config((key, value)));

        Assert.Null(policy);
        Assert.Contains(errors, e => e.Field == field && e.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_SidecarJsonWithTimeoutAsAList_IsRejectedWithThePath()
    {
        // The sidecar reads its Resilience section through this reader; the JSON provider flattens ["9s"] into Timeout:0.
        var json = """
            { "ReverseProxy": { "Clusters": { "backend": { "Destinations": { "d1": { "Address": "http://127.0.0.1:1/" } } } } },
              "Resilience": { "Clusters": { "backend": { "Timeout": ["9s"] } } } }
            """;
        var config = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();

        var (policy, errors) = Read(config);

        Assert.Null(policy);
        var error = Assert.Single(errors);
        Assert.Equal("Resilience:Clusters:backend:Timeout", error.Field);
        Assert.Contains("is a list; accepted: a single value, hh:mm:ss", error.Message);
    }

    [Fact]
    public void Read_SidecarJsonWithEmptyObjectForAValue_IsRejected_AndEmptySectionsAreAccepted()
    {
        var json = """
            { "ReverseProxy": { "Clusters": { "backend": { "Destinations": { "d1": { "Address": "http://127.0.0.1:1/" } } } } },
              "Resilience": { "Defaults": { "Retry": {} }, "Clusters": { "backend": { "CircuitBreaker": {}, "Retry": { "MaxAttempts": {} } } } } }
            """;
        var config = new ConfigurationBuilder().AddJsonStream(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(json))).Build();

        var (_, errors) = Read(config);

        Assert.Equal("Resilience:Clusters:backend:Retry:MaxAttempts", Assert.Single(errors).Field);
    }

    [Fact]
    public void Read_DegradedAboveFailureRatio_IsRejected()
    {
        var (_, errors) = Read(Config(
            ("Resilience:Clusters:backend:CircuitBreaker:FailureRatio", "0.2"),
            ("Resilience:Clusters:backend:CircuitBreaker:DegradedRatio", "0.3")));

        Assert.Equal("Resilience:Clusters:backend:CircuitBreaker:DegradedRatio", Assert.Single(errors).Field);
    }

    [Fact]
    public void Read_FallbackWithBothClusterAndResponse_IsRejected()
    {
        var (_, errors) = Read(Config(
            ("Resilience:Clusters:backend:Fallback:Cluster", "backup"),
            ("Resilience:Clusters:backend:Fallback:Response:StatusCode", "200")));

        Assert.Contains("exactly one of Cluster", Assert.Single(errors).Message);
    }

    [Theory]
    [InlineData("00:00:02", 2000)]
    [InlineData("250ms", 250)]
    [InlineData("1.5s", 1500)]
    [InlineData("2m", 120_000)]
    [InlineData("1h", 3_600_000)]
    public void DurationParser_AcceptedForms(string text, double milliseconds)
    {
        Assert.True(DurationParser.TryParse(text, out var value));
        Assert.Equal(milliseconds, value.TotalMilliseconds);
    }

    [Theory]
    [InlineData("2")]
    [InlineData("-1s")]
    [InlineData("fast")]
    [InlineData("1e300s")]
    [InlineData("9999999999999d")]
    [InlineData("1e15ms")]
    [InlineData("NaNs")]
    [InlineData("Infinitys")]
    [InlineData("-Infinityms")]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("-00:00:01")]
    [InlineData("99999999999999999:00:00")]
    [InlineData("10675199.02:48:05.4775807")]
    public void DurationParser_RejectedForms(string text) => Assert.False(DurationParser.TryParse(text, out _));

    [Theory]
    [InlineData("forceOpen", BreakerOverride.ForceOpen)]
    [InlineData("FORCECLOSED", BreakerOverride.ForceClosed)]
    [InlineData("none", BreakerOverride.None)]
    public void Read_Override_IsParsedCaseInsensitively(string text, BreakerOverride expected)
    {
        var (policy, errors) = Read(Config(("Resilience:Clusters:backend:Override", text)));

        Assert.Empty(errors);
        Assert.Equal(expected, policy!.ForCluster("backend").Override);
    }

    [Fact]
    public void Read_DocumentRoot_AcceptsOtherKeys_AndPathsHaveNoSectionPrefix()
    {
        var document = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["service"] = "orders",
            ["clusters:backend:timeout"] = "2s",
            ["clusters:backend:retry:maxAttempts"] = "0",
            ["clusters:backend:override"] = "forceOpen",
        }).Build();

        var (policy, errors) = PolicyReader.Read(document, path: "", version: 7, knownClusters: null, otherKeys: ["service"]);

        Assert.Null(policy);
        Assert.Equal("Clusters:backend:Retry:MaxAttempts", Assert.Single(errors).Field);
    }

    [Fact]
    public void Read_DocumentRoot_UnknownRootKey_IsNamed()
    {
        var document = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["servce"] = "orders",
        }).Build();

        var (_, errors) = PolicyReader.Read(document, path: "", version: 1, knownClusters: null, otherKeys: ["service"]);

        var error = Assert.Single(errors);
        Assert.Equal("servce", error.Field);
        Assert.Contains("accepted: Defaults, Clusters, Mtls, service", error.Message);
    }

    [Theory]
    [InlineData(null, MtlsMode.Permissive)]
    [InlineData("required", MtlsMode.Required)]
    [InlineData(" REQUIRED ", MtlsMode.Required)]
    [InlineData("Permissive", MtlsMode.Permissive)]
    public void Read_Mtls_IsParsedCaseInsensitively_AndDefaultsToPermissive(string? text, MtlsMode expected)
    {
        var (policy, errors) = Read(text is null ? Config() : Config(("Resilience:Mtls", text)));

        Assert.Empty(errors);
        Assert.Equal(expected, policy!.Mtls);
    }

    [Theory]
    [InlineData("strict")]
    [InlineData("")]
    public void Read_Mtls_UnknownValue_ErrorNamesMtlsAndBothValues(string text)
    {
        var (policy, errors) = Read(Config(("Resilience:Mtls", text)));

        Assert.Null(policy);
        var error = Assert.Single(errors);
        Assert.Equal("Resilience:Mtls", error.Field);
        Assert.Contains("accepted: Permissive, Required", error.Message);
    }

    [Fact]
    public void Read_Mtls_AsAMapping_IsAnErrorNamingMtls()
    {
        var (policy, errors) = Read(Config(("Resilience:Mtls:mode", "required")));

        Assert.Null(policy);
        Assert.Equal("Resilience:Mtls", Assert.Single(errors).Field);
    }

    [Fact]
    public void SameRulesAs_DiffersByMtls()
    {
        var (policy, _) = Read(Config(("Resilience:Mtls", "required")));

        Assert.False(policy!.SameRulesAs(policy with { Mtls = MtlsMode.Permissive }));
    }
}
