using Mesh.Heal.Healing;

namespace Mesh.Heal.Core.Tests.Healing;

public class AgentOutputTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 25, 8, 0, 0, TimeSpan.Zero);

    private static Finding Degraded(FindingSeverity severity = FindingSeverity.Warning) =>
        new("breaker.degraded", "backend", "backend fails 42 % of calls from 3 of 3 callers", severity, 0.9)
        {
            Evidence = new Dictionary<string, string> { ["failureRatio"] = "0.42", ["callers"] = "3/3" },
        };

    private static HealingAction Fallback() =>
        new("fallback.activate", Patch("orders", "forceFallback"), "serve backend's callers from backup", ActionRisk.Low)
        {
            RollbackPlan = "set override: none on orders/backend",
            FindingKind = "breaker.degraded",
            FindingSubject = "backend",
            Signal = [new EdgeId("orders", "backend")],
        };

    private static PolicyPatch Patch(string caller, string value, string path = "clusters:backend:override") =>
        new(new EdgeId(caller, "backend"), [new PolicyChange(path, value) { Previous = "none" }]);

    [Fact]
    public void Validate_AWellFormedOutput_HasNoErrors()
    {
        var output = new AgentOutput("circuit-breaker", "orders", AgentStatus.Warning, Now) { Findings = [Degraded()], Actions = [Fallback()] };

        Assert.Empty(AgentOutputValidator.Validate(output));
    }

    [Fact]
    public void Validate_NamesEveryBadField_AndWhatIsAccepted()
    {
        var output = new AgentOutput("Circuit Breaker", "", AgentStatus.Ok, Now)
        {
            Findings = [Degraded(FindingSeverity.Critical) with { Kind = "Degraded!", Summary = " ", Confidence = 1.5 }],
            Actions =
            [
                Fallback() with { Command = new PolicyPatch(new EdgeId("Orders!", ""), []), RollbackPlan = "", FindingKind = "memory.leak", Signal = [new EdgeId("orders", "")] },
                Fallback() with { FindingKind = "Degraded!", FindingSubject = "frontend" },
            ],
        };

        var errors = AgentOutputValidator.Validate(output);

        Assert.Equal(
            ["actions[0].command.changes", "actions[0].command.edge", "actions[0].findingKind", "actions[0].rollbackPlan", "actions[0].signal", "actions[1].findingSubject", "agent", "findings[0].confidence", "findings[0].kind", "findings[0].summary", "service", "status"],
            errors.Select(e => e.Field).Order(StringComparer.Ordinal));
        Assert.Contains(errors, e => e.Field == "status" && e.Message.Contains("accepted: Critical", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "actions[0].rollbackPlan" && e.Message.Contains("every action has one", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "findings[0].confidence" && e.Message.Contains("accepted: 0 to 1", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(new FindingSeverity[0], AgentStatus.Ok)]
    [InlineData(new[] { FindingSeverity.Info }, AgentStatus.Ok)]
    [InlineData(new[] { FindingSeverity.Info, FindingSeverity.Warning }, AgentStatus.Warning)]
    [InlineData(new[] { FindingSeverity.Warning, FindingSeverity.Critical, FindingSeverity.Info }, AgentStatus.Critical)]
    public void StatusFor_IsTheGravestFinding(FindingSeverity[] severities, AgentStatus expected)
    {
        Assert.Equal(expected, AgentOutput.StatusFor(severities.Select(s => Degraded(s))));
    }

    [Fact]
    public void Key_IsTheSameForTheSameChangeWithOtherValues()
    {
        var tighter = Fallback() with { Command = Patch("orders", "forceOpen", "Clusters:Backend:Override"), Description = "other words" };

        Assert.Equal(Fallback().Key, tighter.Key);
        Assert.Equal("fallback.activate:orders/backend:clusters:backend:override", Fallback().Key);
        Assert.NotEqual(Fallback().Key, (Fallback() with { Command = Patch("billing", "forceFallback") }).Key);
    }

    [Fact]
    public void Fingerprint_IgnoresWhatChangesBetweenRuns()
    {
        var first = Degraded();
        var later = first with { Summary = "backend fails 55 % of calls", Confidence = 0.99, Severity = FindingSeverity.Critical };

        Assert.Equal(first.Fingerprint("circuit-breaker", "orders"), later.Fingerprint("circuit-breaker", "orders"));
        Assert.NotEqual(first.Fingerprint("circuit-breaker", "orders"), (first with { Subject = "payments" }).Fingerprint("circuit-breaker", "orders"));
        Assert.Equal("circuit-breaker/orders/breaker.degraded/backend", first.Fingerprint("circuit-breaker", "orders"));
    }

    [Theory]
    [InlineData(ActionRisk.Low, false, true)]
    [InlineData(ActionRisk.Low, true, false)]
    [InlineData(ActionRisk.Medium, false, false)]
    [InlineData(ActionRisk.High, false, false)]
    public void AppliesAutomatically_OnlyLowRisk_AndNeverInDryRun(ActionRisk risk, bool dryRun, bool expected)
    {
        Assert.Equal(expected, (Fallback() with { Risk = risk }).AppliesAutomatically(dryRun));
    }

    [Theory]
    [InlineData("orders/backend", true)]
    [InlineData("orders", false)]
    [InlineData("/backend", false)]
    [InlineData("orders/", false)]
    [InlineData("orders/backend/x", false)]
    public void EdgeId_TryParse_AcceptsCallerSlashClusterOnly(string text, bool valid)
    {
        Assert.Equal(valid, EdgeId.TryParse(text, out var edge));
        if (valid)
        {
            Assert.Equal(new EdgeId("orders", "backend"), edge);
            Assert.Equal(text, edge.ToString());
        }
    }

    [Fact]
    public void EdgeId_Parse_NamesWhatIsAccepted()
    {
        var error = Assert.Throws<FormatException>(() => EdgeId.Parse("orders"));

        Assert.Contains("accepted: caller/cluster", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void IssueFingerprint_Parse_KeepsASubjectWithASlash()
    {
        var fingerprint = new Finding("breaker.tuning", "b/c", "s", FindingSeverity.Info, 0.5).Fingerprint("circuit-breaker", "c");

        Assert.Equal(new IssueFingerprint("circuit-breaker", "c", "breaker.tuning", "b/c"), IssueFingerprint.Parse(fingerprint));
        Assert.Throws<FormatException>(() => IssueFingerprint.Parse("circuit-breaker/c"));
    }

    [Fact]
    public void RollbackPlan_DefaultsToTheCommandsInverse()
    {
        var action = new HealingAction("timeout.tighten", new PolicyPatch(new EdgeId("b", "c"), [new PolicyChange("clusters:c:timeout", "500ms") { Previous = "5s" }]), "cut", ActionRisk.Low);

        var inverse = Assert.IsType<PolicyPatch>(action.Command.Inverse);
        Assert.Equal(("clusters:c:timeout", "5s"), (Assert.Single(inverse.Changes).Path, inverse.Changes[0].Value));
        Assert.Equal(action.Command.DescribeUndo(), action.RollbackPlan);
        Assert.Null(new Cleanup("b", "b-1", "memory", "command").Inverse);
    }
}
