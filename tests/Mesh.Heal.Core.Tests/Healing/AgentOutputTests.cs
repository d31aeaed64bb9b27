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
        new("fallback.activate", "orders/backend", "serve backend's callers from backup", ActionRisk.Low, "set override: none on orders/backend")
        {
            FindingKind = "breaker.degraded",
            FindingSubject = "backend",
            Changes = new Dictionary<string, string?> { ["clusters:backend:override"] = "forceFallback" },
            Signal = ["orders/backend"],
        };

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
                Fallback() with { Target = "", RollbackPlan = "", FindingKind = "memory.leak", Actuator = "Policy!", Signal = ["orders"] },
                Fallback() with { FindingKind = "Degraded!", FindingSubject = "frontend" },
            ],
        };

        var errors = AgentOutputValidator.Validate(output);

        Assert.Equal(
            ["actions[0].actuator", "actions[0].findingKind", "actions[0].rollbackPlan", "actions[0].signal", "actions[0].target", "actions[1].findingSubject", "agent", "findings[0].confidence", "findings[0].kind", "findings[0].summary", "service", "status"],
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
        var tighter = Fallback() with { Changes = new Dictionary<string, string?> { ["Clusters:Backend:Override"] = "forceOpen" }, Description = "other words" };

        Assert.Equal(Fallback().Key, tighter.Key);
        Assert.NotEqual(Fallback().Key, (Fallback() with { Target = "billing/backend" }).Key);
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
}
