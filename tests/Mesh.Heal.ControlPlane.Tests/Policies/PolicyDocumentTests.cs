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
}
