using Mesh.Heal.Chaos;

namespace Mesh.Heal.IntegrationTests.Chaos;

/// <summary>control-plane-killed's policy check: a healing the control plane made after it came back is not a lost policy.</summary>
public class PolicyKeptTests
{
    [Fact]
    public void PolicyKept_NoNewVersion_PushedInForce_Passes() =>
        Assert.True(Scenarios.PolicyKept(1, 1, []).Passed);

    [Fact]
    public void PolicyKept_CoordinatorForcedTheFallback_NewestInForce_Passes()
    {
        // What the benchmark's default length saw: version 2, the circuit-breaker agent's forced fallback, in force.
        var check = Scenarios.PolicyKept(1, 2, [new PolicyVersionInfo(2, "healing", "coordinator")]);

        Assert.True(check.Passed, check.Detail);
    }

    [Fact]
    public void PolicyKept_ForcedThenReleased_Passes() =>
        Assert.True(Scenarios.PolicyKept(1, 3, [new PolicyVersionInfo(2, "healing", "coordinator"), new PolicyVersionInfo(3, "healing", "coordinator")]).Passed);

    [Fact]
    public void PolicyKept_AVersionNotMadeByTheCoordinator_Fails() =>
        Assert.False(Scenarios.PolicyKept(1, 2, [new PolicyVersionInfo(2, "api", "anonymous")]).Passed);

    [Fact]
    public void PolicyKept_SidecarBehindTheControlPlane_Fails() =>
        Assert.False(Scenarios.PolicyKept(1, 1, [new PolicyVersionInfo(2, "healing", "coordinator")]).Passed);

    [Fact]
    public void PolicyKept_SidecarOnAVersionThePushedOneDoesNotLeadTo_Fails() =>
        Assert.False(Scenarios.PolicyKept(1, 2, []).Passed);
}
