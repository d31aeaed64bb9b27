namespace Mesh.Heal.Demo.Tests;

public class DemoRunnerTests
{
    [Fact]
    public async Task Run_FallbackPushedThenPrimaryKilledAndRevived_CallersSeeNoFailures_AndTheClusterHeals()
    {
        var output = new StringWriter();
        var options = new DemoOptions { Duration = TimeSpan.FromSeconds(12), Rate = 100 };

        var summary = await new DemoRunner(options, output, TimeProvider.System).RunAsync(CancellationToken.None);

        var text = output.ToString();
        Assert.True(summary.DirectFailed > 100, $"the kill did not hurt direct traffic: {summary.DirectFailed} failures\n{text}");
        // The product's target is 99.95 %; a short run has 1,200 requests, so one unlucky request in flight at the
        // kill would already be 99.92 %: the CI margin allows that one, the demo prints the real figure.
        Assert.True(summary.Availability >= 0.999, $"availability {summary.Availability:P3}\n{text}");
        Assert.True(summary.FailureReduction >= 0.8, $"reduction {summary.FailureReduction:P1}\n{text}");
        Assert.True(summary.Fallback > 100, text);
        // The fallback exists only because the control plane pushed it: without the push the kill would fail requests.
        Assert.NotNull(summary.PolicyPropagation);
        Assert.Equal(1, summary.PolicyVersion);
        Assert.NotNull(summary.BreakerOpenedAt);
        Assert.NotNull(summary.RecoveredAt);
        Assert.Contains("Recovering", summary.HealthSeen);
        Assert.Contains("<< primary killed", text);
        Assert.Contains("availability          ", text);
        Assert.Contains("issue upstream.unhealthy on primary", text);
        Assert.Matches(@"meshctl report +demo: availability seen by callers \d+\.\d\d% of [1-9]\d* requests", text);
        // One sidecar in front of the demo service all along, and nothing says what one replica serves: provisioned equals the
        // static peak (the most replicas in service), and saturation is n/a with the reason.
        Assert.Matches(@"demo: capacity (\d+) replica-minutes provisioned against \1 at static peak \(0\.0% less\)", text);
        Assert.Contains("saturation n/a: the per-replica capacity of demo is not known", text);
        Assert.Matches(@"capacity against static peak: [1-9]\d* replica-minutes provisioned", text);
    }

    [Theory]
    [InlineData(new[] { "--duration", "10s", "--rate", "50", "--quiet" }, 10, 50, true)]
    [InlineData(new[] { "--duration=45" }, 45, 200, false)]
    [InlineData(new string[0], 30, 200, false)]
    public void Arguments_Accepted(string[] args, int seconds, int rate, bool quiet)
    {
        Assert.True(DemoArguments.TryParse(args, out var options, out var error), error);
        Assert.Equal(TimeSpan.FromSeconds(seconds), options.Duration);
        Assert.Equal(rate, options.Rate);
        Assert.Equal(quiet, options.Quiet);
    }

    [Theory]
    [InlineData(new[] { "--duration", "1s" }, "--duration '1s' is not accepted; accepted: 3s to 1h")]
    [InlineData(new[] { "--rate", "fast" }, "--rate 'fast' is not accepted; accepted: 1 to 5000")]
    [InlineData(new[] { "--bogus" }, "unknown option '--bogus'; accepted: --duration, --rate, --quiet")]
    public void Arguments_Rejected_NameTheOption(string[] args, string expected)
    {
        Assert.False(DemoArguments.TryParse(args, out _, out var error));
        Assert.StartsWith(expected, error);
    }
}
