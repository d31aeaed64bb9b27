using Mesh.Heal.Agents.BugFixing;
using Mesh.Heal.Agents.Logs;
using Mesh.Heal.Healing;

namespace Mesh.Heal.Agents.Tests.BugFixing;

public sealed class BugFixerAgentTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);

    private const string Program = """
        var app = WebApplication.Create(args);
        var store = new OrderStore();
        app.MapGet("/orders/{id}", (string id) =>
        {
            var order = store.Find(id);
            return Results.Ok(new { id, total = order.Total });
        });
        app.Run();
        """;

    private static LogDigest Digest(string trace, int errors)
    {
        var analyzer = new LogAnalyzer();
        var record = LogRecordReader.ReadAll(trace.Split('\n')).First(r => r.IsError);
        for (var i = 0; i < errors; i++)
        {
            analyzer.Add(record, Now.AddSeconds(-errors + i), "orders-0");
        }

        return analyzer.Digest("orders", Now);
    }

    private const string NullTrace = """
        fail: Microsoft.AspNetCore.Server.Kestrel[13]
              Connection id "0HN8K1", Request id "0HN8K1:00000002": An unhandled exception was thrown by the application.
              System.NullReferenceException: Object reference not set to an instance of an object.
                 at Program.<>c__DisplayClass0_0.<<Main>$>b__0(String id) in /build/shop/src/Orders/Program.cs:line 6
                 at lambda_method1(Closure, Object, HttpContext)
        """;

    private static SourceTree Source() => new("orders", "/repos/shop", "main", "0123456789abcdef0123456789abcdef01234567")
    {
        Paths = ["README.md", "src/Orders/Program.cs", "src/Orders/appsettings.json", "tests/Program.cs"],
        Files = new Dictionary<string, string>
        {
            ["src/Orders/Program.cs"] = Program,
            ["src/Orders/appsettings.json"] = """{ "Payments": { "TimeoutSeconds": 2 } }""",
        },
    };

    [Fact]
    public void Analyze_NullReferencesInTheServicesCode_FindingAndAPatchForReview()
    {
        var snapshot = Snapshot([Digest(NullTrace, 8)], Source());

        var output = new BugFixerAgent().Analyze(snapshot, "orders", CancellationToken.None);

        var finding = Assert.Single(output.Findings);
        Assert.Equal("bug.null-pointer", finding.Kind);
        Assert.Equal(0.95, finding.Confidence);
        Assert.Equal("src/Orders/Program.cs", finding.Evidence["patch"]);
        var action = Assert.Single(output.Actions);
        Assert.Equal("code.patch", action.Kind);
        var review = Assert.IsType<PatchReview>(action.Command);
        Assert.True(action.Review);
        Assert.Equal(ActionRisk.Medium, action.Risk);
        Assert.Equal($"meshheal/fix-null-pointer-{finding.Subject}", review.Branch);
        Assert.Equal("main", review.Base);
        Assert.Contains("+    if (order is null)", action.Diff, StringComparison.Ordinal);
        Assert.Equal(action.Diff, review.Patch);
        Assert.Contains($"bug-fixer/orders/bug.null-pointer/{finding.Subject}", review.Body, StringComparison.Ordinal);
        Assert.Empty(AgentOutputValidator.Validate(output));
        Assert.True(action.AppliesAutomatically(dryRun: false));
        Assert.False(action.AppliesAutomatically(dryRun: true));
    }

    [Fact]
    public void Analyze_WithoutARepository_TheAnalysisAndAProposalInWords()
    {
        var snapshot = Snapshot([Digest(NullTrace, 8)]);

        var output = new BugFixerAgent().Analyze(snapshot, "orders", CancellationToken.None);

        var finding = Assert.Single(output.Findings);
        Assert.Empty(output.Actions);
        Assert.Contains("no repository is configured", finding.Evidence["proposal"], StringComparison.Ordinal);
    }

    [Fact]
    public void Analyze_TooFewErrors_NoFinding()
    {
        var snapshot = Snapshot([Digest(NullTrace, 2)]);

        Assert.Empty(new BugFixerAgent().Analyze(snapshot, "orders", CancellationToken.None).Findings);
    }

    [Fact]
    public void Analyze_HttpClientTimeout_RaisesTheConfiguredTimeoutAtLowRisk()
    {
        const string trace = """
            {"LogLevel":"Error","Category":"Orders","Message":"charging failed","Exception":"System.Threading.Tasks.TaskCanceledException: The request was canceled due to the configured HttpClient.Timeout of 2 seconds elapsing.\n ---> System.TimeoutException: The operation was canceled.\n   at Orders.Payments.ChargeAsync() in /build/shop/src/Orders/Payments.cs:line 20"}
            """;
        var slow = new EdgeObservation("orders", "orders-0", "payments", "payments", null, null, EdgeCounts.Zero with { Requests = 20, Timeouts = 9 }, 10, 2000);
        var snapshot = Snapshot([Digest(trace, 5)], Source(), slow);

        var output = new BugFixerAgent().Analyze(snapshot, "orders", CancellationToken.None);

        var finding = Assert.Single(output.Findings);
        Assert.Equal("bug.timeout", finding.Kind);
        Assert.Contains("9 upstream timeouts", finding.Evidence["classification"], StringComparison.Ordinal);
        var action = Assert.Single(output.Actions);
        Assert.Equal(ActionRisk.Low, action.Risk);
        Assert.Contains("+{ \"Payments\": { \"TimeoutSeconds\": 4 } }", action.Diff, StringComparison.Ordinal);
    }

    /// <summary>What the bug fixer reads, and nothing else: the logs, the sources and the edges of "orders".</summary>
    private static MeshSnapshot Snapshot(IReadOnlyList<LogDigest> logs, SourceTree? source = null, params EdgeObservation[] edges) =>
        new MeshSnapshot(Now) { Services = ["orders"] }
            .With(LogsSlice.Key, new LogsSlice { Digests = logs })
            .With(SourcesSlice.Key, new SourcesSlice { Trees = source is null ? new Dictionary<string, SourceTree>() : new Dictionary<string, SourceTree> { ["orders"] = source } })
            .With(EdgesSlice.Key, new EdgesSlice { Edges = edges });
}
