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

    public static TheoryData<FallbackResponse, string, string> UnservableResponses() => new()
    {
        { Response(headers: ("X-A", "a\r\nSet-Cookie: x=1")), "Headers:X-A", "no CR or LF" },
        { Response(headers: ("X-A", "caf\u00e9")), "Headers:X-A", "visible ASCII" },
        { Response(headers: ("X-A", "a\nb")), "Headers:X-A", "not a header value" },
        { Response(headers: ("X A", "1")), "Headers:X A", "RFC 7230 token" },
        { Response(headers: ("X-\u00e9", "1")), "Headers:X-?", "RFC 7230 token" },
        { Response(headers: ("Content-Length", "1000")), "Headers:Content-Length", "is set by the sidecar" },
        { Response(headers: ("transfer-encoding", "chunked")), "Headers:transfer-encoding", "is set by the sidecar" },
        { Response(headers: ("Connection", "close")), "Headers:Connection", "is set by the sidecar" },
        { Response(headers: ("Keep-Alive", "timeout=5")), "Headers:Keep-Alive", "is set by the sidecar" },
        { Response(headers: ("Upgrade", "websocket")), "Headers:Upgrade", "is set by the sidecar" },
        { Response(headers: ("TE", "trailers")), "Headers:TE", "is set by the sidecar" },
        { Response(headers: ("Trailer", "X-A")), "Headers:Trailer", "is set by the sidecar" },
        { Response(headers: ("Proxy-Authenticate", "Basic")), "Headers:Proxy-Authenticate", "Proxy-*" },
        { Response(headers: ("Content-Type", "text/html")), "Headers:Content-Type", "set ContentType instead" },
        { Response(status: 101), "StatusCode", "accepted: 200 to 599" },
        { Response(status: 100), "StatusCode", "accepted: 200 to 599" },
        { Response(status: 199), "StatusCode", "accepted: 200 to 599" },
        { Response(status: 600), "StatusCode", "accepted: 200 to 599" },
        { Response(status: 204, body: "x"), "Body", "status 204 has no body" },
        { Response(status: 304, body: "x"), "Body", "status 304 has no body" },
        { Response(body: new string('x', 64 * 1024 + 1)), "Body", "accepted: at most 65536 bytes" },
        { Response(contentType: "text/plain\r\nX-Evil: 1"), "ContentType", "is not a media type" },
        { Response(contentType: "not a media type"), "ContentType", "is not a media type" },
        { Response(headers: ("X-A", new string('a', 4097))), "Headers:X-A", "accepted: at most 4096" },
        { Response(headers: [.. Enumerable.Range(0, 33).Select(i => ($"X-{i}", "1"))]), "Headers", "accepted: at most 32" },
    };

    [Theory]
    [MemberData(nameof(UnservableResponses))]
    public void Validate_UnservableFallbackResponse_IsRejectedWithTheField(FallbackResponse response, string field, string expected)
    {
        var policy = new ResiliencePolicy
        {
            Clusters = new Dictionary<string, ClusterPolicy> { ["backend"] = new() { Fallback = new FallbackPolicy { Response = response } } },
        };

        var errors = ResiliencePolicyValidator.Validate(policy, Known);

        Assert.Contains(errors, e => e.Field == "Resilience:Clusters:backend:Fallback:Response:" + field && e.Message.Contains(expected, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a\r\nb")]
    [InlineData("a:b")]
    [InlineData(" ")]
    public void Validate_ClusterIdThatCannotBeOne_IsRejected(string id)
    {
        var policy = new ResiliencePolicy
        {
            Clusters = new Dictionary<string, ClusterPolicy> { [id] = new(), ["backend"] = new() { Fallback = new FallbackPolicy { Cluster = id + "\n" } } },
        };

        var errors = ResiliencePolicyValidator.Validate(policy, knownClusters: null);

        Assert.Contains(errors, e => e.Message.Contains("is not a cluster id; accepted: 1 to 256 visible characters", StringComparison.Ordinal) && !e.Field.Contains('\n'));
        Assert.Contains(errors, e => e.Field == "Resilience:Clusters:backend:Fallback:Cluster");
    }

    [Fact]
    public void Validate_ServableFallbackResponse_IsAccepted()
    {
        var policy = new ResiliencePolicy
        {
            Clusters = new Dictionary<string, ClusterPolicy>
            {
                ["backend"] = new() { Fallback = new FallbackPolicy { Response = Response(status: 200, body: "{}", contentType: "application/json; charset=utf-8", headers: [("Cache-Control", "no-store"), ("X-Fallback-Reason", "breaker open\tnow")]) } },
                ["backup"] = new() { Fallback = new FallbackPolicy { Response = Response(status: 204) } },
            },
        };

        Assert.Empty(ResiliencePolicyValidator.Validate(policy, Known));
    }

    private static FallbackResponse Response(int status = 503, string body = "", string contentType = "text/plain", params (string Name, string Value)[] headers) => new()
    {
        StatusCode = status,
        Body = body,
        ContentType = contentType,
        Headers = headers.ToDictionary(h => h.Name, h => h.Value, StringComparer.OrdinalIgnoreCase),
    };

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

    [Fact]
    public void Validate_UndefinedMtlsMode_NamesMtlsAndBothValues()
    {
        var errors = ResiliencePolicyValidator.Validate(new ResiliencePolicy { Mtls = (MtlsMode)7 }, knownClusters: null);

        var error = Assert.Single(errors);
        Assert.Equal("Resilience:Mtls", error.Field);
        Assert.Contains("accepted: Permissive, Required", error.Message);
    }
}
