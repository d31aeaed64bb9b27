using Mesh.Heal.Chaos;

namespace Mesh.Heal.IntegrationTests.Chaos;

/// <summary>control-plane-killed's policy check, and what it says when it fails.</summary>
public class PolicyUnchangedTests
{
    [Fact]
    public void PolicyUnchanged_NoNewVersion_PushedInForce_Passes() =>
        Assert.True(Scenarios.PolicyUnchanged(1, 1, []).Passed);

    [Fact]
    public void PolicyUnchanged_CoordinatorMadeAVersion_Fails_AndSaysWhoMadeIt()
    {
        // What the benchmark's default length saw before the fix: version 2 in force, made by the healing coordinator.
        var check = Scenarios.PolicyUnchanged(1, 2, [new PolicyVersionInfo(2, "healing", "coordinator")]);

        Assert.False(check.Passed);
        Assert.Contains("2 from healing by coordinator", check.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void PolicyUnchanged_SidecarOnAnotherVersion_Fails() =>
        Assert.False(Scenarios.PolicyUnchanged(1, 2, []).Passed);
}
