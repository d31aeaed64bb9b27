using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.Policy;

namespace Mesh.Heal.ControlPlane.Tests.Policies;

public class PolicyDocumentTests
{
    private const string Example = """
        service: orders
        clusters:
          backend:
            circuitBreaker: { failureRatio: 0.5, minimumThroughput: 10, samplingDuration: 5s, breakDuration: 2s }
            timeout: 2s
            retry: { maxAttempts: 2, budgetPercent: 20 }
            fallback: { cluster: backup }
            override: none        # none | forceOpen | forceClosed
        """;

    [Fact]
    public void Parse_TheIssuesExample_ReadsEveryField()
    {
        var (service, policy, errors) = PolicyDocument.Parse(Example, null, 65536);

        Assert.Empty(errors);
        Assert.Equal("orders", service);
        var backend = policy!.ForCluster("backend");
        Assert.Equal(TimeSpan.FromSeconds(5), backend.CircuitBreaker.SamplingDuration);
        Assert.Equal(TimeSpan.FromSeconds(2), backend.CircuitBreaker.BreakDuration);
        Assert.Equal(TimeSpan.FromSeconds(2), backend.Timeout);
        Assert.Equal("backup", backend.Fallback!.Cluster);
        Assert.Equal(BreakerOverride.None, backend.Override);
    }

    [Fact]
    public void Parse_Mtls_IsReadBesideDefaultsAndClusters()
    {
        var (_, policy, errors) = PolicyDocument.Parse("service: orders\nmtls: required\nclusters: { backend: { timeout: 2s } }\n", null, 65536);

        Assert.Empty(errors);
        Assert.Equal(MtlsMode.Required, policy!.Mtls);
    }

    [Fact]
    public void Parse_Json_ReadsTheSameAsYaml()
    {
        var json = """{ "service": "orders", "clusters": { "backend": { "timeout": "2s", "override": "forceOpen", "fallback": { "response": { "statusCode": 200, "body": "cached" } } } } }""";

        var (_, policy, errors) = PolicyDocument.Parse(json, "orders", 65536);

        Assert.Empty(errors);
        Assert.Equal(BreakerOverride.ForceOpen, policy!.ForCluster("backend").Override);
        Assert.Equal("cached", policy.ForCluster("backend").Fallback!.Response!.Body);
    }

    [Theory]
    [InlineData("service: orders\nclusters: [1, 2", "document", "is not valid YAML or JSON at line")]
    [InlineData("- a\n- b\n", "document", "must be a mapping")]
    [InlineData("service: Orders!\n", "service", "is not a service name")]
    [InlineData("service: payments\n", "service", "submitted for 'orders'")]
    [InlineData("service: orders\nclusters: { backend: { timeot: 2s } }", "clusters:backend:timeot", "unknown setting 'timeot'")]
    [InlineData("service: orders\nclusters: { backend: { override: forceHalfOpen } }", "clusters:backend:override", "accepted: none, forceOpen, forceClosed, forceFallback")]
    [InlineData("service: orders\nmtls: strict\n", "mtls", "accepted: Permissive, Required")]
    public void Parse_Invalid_NamesTheField(string text, string field, string message)
    {
        var (_, policy, errors) = PolicyDocument.Parse(text, "orders", 65536);

        Assert.Null(policy);
        Assert.Contains(errors, e => string.Equals(e.Field, field, StringComparison.OrdinalIgnoreCase) && e.Message.Contains(message));
    }

    [Fact]
    public void Parse_NoServiceInTheDocument_TakesTheOneSubmittedFor_AndFailsWithoutOne()
    {
        const string Text = "clusters: { backend: { timeout: 2s } }";

        Assert.Equal("orders", PolicyDocument.Parse(Text, "orders", 65536).Service);
        var (_, policy, errors) = PolicyDocument.Parse(Text, null, 65536);
        Assert.Null(policy);
        Assert.Contains("is missing", Assert.Single(errors).Message);
    }

    [Fact]
    public void Parse_TooLarge_IsRejectedBeforeParsing()
    {
        var (_, policy, errors) = PolicyDocument.Parse("service: orders\n# " + new string('x', 2000), null, 1024);

        Assert.Null(policy);
        Assert.Contains("accepted: at most 1024 bytes", Assert.Single(errors).Message);
    }

    /// <summary>The issue's depth-40,000 document: nested flow lists, 80 KB, under the 256 KiB limit.</summary>
    public static string DeepList(int depth) => "service: orders\nclusters: " + new string('[', depth) + new string(']', depth) + "\n";

    /// <summary>The issue's billion-laughs document: nine aliases of the level below, eight levels deep.</summary>
    public static string BillionLaughs()
    {
        var text = new System.Text.StringBuilder("service: orders\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 1; level <= 8; level++)
        {
            text.Append($"l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 9))}]\n");
        }

        return text.ToString();
    }

    [Theory]
    [InlineData(40_000)]
    [InlineData(20_000)]
    [InlineData(65)]
    public void Parse_DeeplyNestedLists_AreRejectedWithTheDepthNamed_NotAStackOverflowOrAnEmptyPolicy(int depth)
    {
        var (_, policy, errors) = PolicyDocument.Parse(DeepList(depth), null, 256 * 1024);

        Assert.Null(policy);
        var error = Assert.Single(errors);
        Assert.StartsWith("clusters", error.Field);
        Assert.Contains("nests deeper than 64 levels; accepted: at most 64 (ControlPlane:Limits:MaxPolicyDepth)", error.Message);
    }

    [Fact]
    public void Parse_DeeplyNestedMappings_AreRejectedWithTheDepthNamed()
    {
        var text = "service: orders\nclusters: " + string.Concat(Enumerable.Repeat("{a: ", 40_000)) + "1" + new string('}', 40_000);

        var (_, policy, errors) = PolicyDocument.Parse(text, null, 1024 * 1024);

        Assert.Null(policy);
        Assert.Contains("nests deeper than 64 levels", Assert.Single(errors).Message);
    }

    [Fact]
    public void Parse_BillionLaughs_StopsAtTheNodeBudget_BeforeExpanding()
    {
        var (_, policy, errors) = PolicyDocument.Parse(BillionLaughs(), null, 256 * 1024);

        Assert.Null(policy);
        var error = Assert.Single(errors);
        Assert.StartsWith("l4", error.Field);
        Assert.Contains("expands to more than 50000 nodes", error.Message);
    }

    [Fact]
    public void Parse_TooManyAliases_AreRejected()
    {
        var text = "service: orders\nx: &a 1\nl: [" + string.Join(", ", Enumerable.Repeat("*a", 101)) + "]\n";

        var (_, policy, errors) = PolicyDocument.Parse(text, null, 256 * 1024);

        Assert.Null(policy);
        Assert.Contains("accepted: at most 100 aliases", Assert.Single(errors).Message);
    }

    [Fact]
    public void Parse_LongKeysRepeatedByAliases_StopAtTheExpandedSize()
    {
        var key = new string('k', 250);
        var level = "service: orders\nc0: &c0 {" + string.Join(", ", Enumerable.Range(0, 40).Select(i => $"{key}{i}: v")) + "}\n";
        var text = level + "c1: &c1 [" + string.Join(", ", Enumerable.Repeat("*c0", 40)) + "]\nc2: [" + string.Join(", ", Enumerable.Repeat("*c1", 40)) + "]\n";

        var (_, policy, errors) = PolicyDocument.Parse(text, null, PolicyDocumentLimits.Default with { MaxNodes = 1_000_000 });

        Assert.Null(policy);
        Assert.Contains("ControlPlane:Limits:MaxPolicyExpandedChars", Assert.Single(errors).Message);
    }

    [Fact]
    public void Parse_AnchorsAndAliasesWithinTheBudget_AreExpanded()
    {
        const string Text = """
            service: orders
            defaults:
              circuitBreaker: &cb { failureRatio: 0.25, minimumThroughput: 20 }
            clusters:
              backend: { circuitBreaker: *cb, timeout: &t 3s }
              backup: { timeout: *t }
            """;

        var (_, policy, errors) = PolicyDocument.Parse(Text, null, 65536);

        Assert.Empty(errors);
        Assert.Equal(0.25, policy!.ForCluster("backend").CircuitBreaker.FailureRatio);
        Assert.Equal(20, policy.ForCluster("backend").CircuitBreaker.MinimumThroughput);
        Assert.Equal(TimeSpan.FromSeconds(3), policy.ForCluster("backup").Timeout);
    }

    [Theory]
    [InlineData("service: orders\nclusters: { backend: { ? [a] : 1 } }", "clusters:backend", "has a key that is a list")]
    [InlineData("service: orders\nclusters: { backend: { ? {a: 1} : 1 } }", "clusters:backend", "has a key that is a mapping")]
    [InlineData("service: orders\nx: &k timeout\nclusters: { backend: { *k : 2s } }", "clusters:backend", "has a key that is an alias")]
    [InlineData("service: orders\nb: &b { timeout: 2s }\nclusters: { backend: { <<: *b } }", "clusters:backend:<<", "merge keys (<<) are not supported")]
    [InlineData("service: orders\nclusters: { backend: { timeout: 2s, Timeout: 3s } }", "clusters:backend:Timeout", "is given twice")]
    [InlineData("service: orders\nclusters: { \"backend:timeout\": 2s }", "clusters", "without ':'")]
    [InlineData("service: orders\nclusters: { backend: { timeout: *nowhere } }", "clusters:backend:timeout", "no complete node before it is anchored")]
    [InlineData("service: orders\nclusters: &c { backend: *c }", "clusters:backend", "no complete node before it is anchored")]
    [InlineData("service: orders\n---\nservice: payments\n", "document", "one document per policy")]
    public void Parse_UnreadableStructure_IsRejectedWithThePath(string text, string field, string message)
    {
        var (_, policy, errors) = PolicyDocument.Parse(text, null, 65536);

        Assert.Null(policy);
        var error = Assert.Single(errors);
        Assert.Equal(field, error.Field);
        Assert.Contains(message, error.Message);
    }

    [Theory]
    [InlineData("clusters: { backend: { circuitBreaker: { failureRatio: [0.5] } } }", "clusters:backend:circuitBreaker:failureRatio", "is a list; accepted: a single value, a decimal")]
    [InlineData("clusters: { backend: { circuitBreaker: { failureRatio: {a: 1} } } }", "clusters:backend:circuitBreaker:failureRatio", "is a mapping; accepted: a single value")]
    [InlineData("clusters: { backend: { timeout: [2s] } }", "clusters:backend:timeout", "is a list; accepted: a single value, hh:mm:ss")]
    [InlineData("clusters: { backend: { retry: { maxAttempts: [2] } } }", "clusters:backend:retry:maxAttempts", "is a list; accepted: a single value, an integer")]
    [InlineData("clusterz: {}", "clusterz", "unknown setting 'clusterz'")]
    [InlineData("clusters: [[a, b]]", "clusters:0", "is a list item, not a cluster id")]
    [InlineData("clusters: [[]]", "clusters:0", "is a list item, not a cluster id")]
    [InlineData("clusters: 5", "clusters", "'5' is a value; accepted: a mapping")]
    [InlineData("clusters: { backend: { circuitBreaker: 5 } }", "clusters:backend:circuitBreaker", "'5' is a value; accepted: a mapping")]
    [InlineData("clusters: { backend: { circuitBreaker: { failureRatio: {} } } }", "clusters:backend:circuitBreaker:failureRatio", "is not a finite number")]
    [InlineData("clusters: { backend: { fallback: { response: { headers: [X-A: 1] } } } }", "clusters:backend:fallback:response:headers:0", "is a list item, not a header name")]
    [InlineData("clusters: { backend: { fallback: { response: { body: [a] } } } }", "clusters:backend:fallback:response:body", "is a list")]
    [InlineData("defaults: { timeoutz: 1s }", "defaults:timeoutz", "unknown setting 'timeoutz'")]
    [InlineData("defaults: { circuitBreaker: { x: 1 } }", "defaults:circuitBreaker:x", "unknown setting 'x'")]
    [InlineData("clusters: { backend: { outlierDetection: { y: 1 } } }", "clusters:backend:outlierDetection:y", "unknown setting 'y'")]
    [InlineData("clusters: { backend: { fallback: { response: { z: 1 } } } }", "clusters:backend:fallback:response:z", "unknown setting 'z'")]
    [InlineData("service: [orders]", "service", "is a list or a mapping")]
    public void Parse_WrongType_IsAnErrorNamingTheField_NeverTheDefault(string body, string field, string message)
    {
        var text = body.StartsWith("service", StringComparison.Ordinal) ? body : "service: orders\n" + body;

        var (_, policy, errors) = PolicyDocument.Parse(text, "orders", 65536);

        Assert.Null(policy);
        Assert.Contains(errors, e => string.Equals(e.Field, field, StringComparison.OrdinalIgnoreCase) && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("timeout: 1e300s", "clusters:backend:timeout", "is not a duration")]
    [InlineData("timeout: 9999999999999d", "clusters:backend:timeout", "is not a duration")]
    [InlineData("timeout: .nan", "clusters:backend:timeout", "is not a duration")]
    [InlineData("timeout: 2d", "Clusters:backend:Timeout", "accepted: 00:00:00.0010000 to 1.00:00:00")]
    [InlineData("circuitBreaker: { failureRatio: 1e309 }", "clusters:backend:circuitBreaker:failureRatio", "is not a finite number")]
    [InlineData("circuitBreaker: { failureRatio: .inf }", "clusters:backend:circuitBreaker:failureRatio", "is not a finite number")]
    [InlineData("circuitBreaker: { minimumThroughput: 99999999999999999999 }", "clusters:backend:circuitBreaker:minimumThroughput", "is out of range")]
    [InlineData("circuitBreaker: { consecutiveFailures: -5 }", "Clusters:backend:CircuitBreaker:ConsecutiveFailures", "accepted: 0 to 1000")]
    [InlineData("retry: { budgetPercent: 1e2 }", "clusters:backend:retry:budgetPercent", "is not a whole number")]
    [InlineData("outlierDetection: { ejectionDuration: -1s }", "clusters:backend:outlierDetection:ejectionDuration", "is not a duration")]
    [InlineData("fallback: { response: { statusCode: 101 } }", "Clusters:backend:Fallback:Response:StatusCode", "accepted: 200 to 599")]
    [InlineData("fallback: { response: { headers: { Transfer-Encoding: chunked } } }", "Clusters:backend:Fallback:Response:Headers:Transfer-Encoding", "is set by the sidecar")]
    [InlineData("fallback: { response: { headers: { X-A: \"a\\r\\nb\" } } }", "Clusters:backend:Fallback:Response:Headers:X-A", "no CR or LF")]
    [InlineData("fallback: { response: { statusCode: 204, body: x } }", "Clusters:backend:Fallback:Response:Body", "status 204 has no body")]
    public void Parse_OutOfRange_IsAnErrorNamingTheField(string settings, string field, string message)
    {
        var (_, policy, errors) = PolicyDocument.Parse($"service: orders\nclusters:\n  backend: {{ {settings} }}\n", null, 65536);

        Assert.Null(policy);
        Assert.Contains(errors, e => string.Equals(e.Field, field, StringComparison.OrdinalIgnoreCase) && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ManyClusters_IsBoundedAndReadInReasonableWork()
    {
        var text = new System.Text.StringBuilder("service: orders\nclusters:\n");
        for (var i = 0; i < 1001; i++)
        {
            text.Append($"  c{i}: {{ timeout: 2s, circuitBreaker: {{ failureRatio: 0.5, minimumThroughput: 10 }}, retry: {{ maxAttempts: 2 }} }}\n");
        }

        var (_, policy, errors) = PolicyDocument.Parse(text.ToString(), null, 256 * 1024);

        Assert.Null(policy);
        Assert.Contains(errors, e => e.Message.Contains("accepted: at most 1000", StringComparison.Ordinal));
    }

    [Fact]
    public void Parse_ThousandsOfErrors_ListsTwentyAndCountsTheRest()
    {
        var text = "service: orders\nclusters:\n  backend: {" + string.Join(", ", Enumerable.Range(0, 2000).Select(i => $"k{i}: 1")) + "}\n";

        var (_, policy, errors) = PolicyDocument.Parse(text, null, 256 * 1024);

        Assert.Null(policy);
        Assert.Equal(PolicyDocument.MaxErrors + 1, errors.Count);
        Assert.Contains("1980 more errors not listed", errors[^1].Message);
    }

    [Fact]
    public void Parse_DeepLongKeys_NameAShortenedPath()
    {
        var key = new string('k', 250);
        var text = "service: orders\nclusters: " + string.Concat(Enumerable.Repeat("{" + key + ": ", 70)) + "1" + new string('}', 70) + "\n";

        var (_, policy, errors) = PolicyDocument.Parse(text, null, 256 * 1024);

        Assert.Null(policy);
        var error = Assert.Single(errors);
        Assert.True(error.Field.Length <= 400, $"{error.Field.Length} characters");
        Assert.StartsWith("clusters:kkk", error.Field);
        Assert.Contains("nests deeper than 64 levels", error.Message);
    }
}
