using Mesh.Heal.Chaos;
using Xunit.Abstractions;

namespace Mesh.Heal.IntegrationTests.Chaos;

/// <summary>The chaos scenarios, short, on real processes: each asserts the product's promises with the sidecar against
/// the same load and fault script sent direct. <c>dotnet run -c Release --project tests/Mesh.Heal.Benchmarks -- chaos</c>
/// runs them longer and prints the table.</summary>
/// <remarks>Split in two: the data-plane scenarios, kept by the sidecars alone (with a control plane pushing policy at
/// most), which tests/run.sh also runs against the NativeAOT sidecar by their name; and the healing scenarios, kept by
/// the control plane's agents, whose minutes the AOT pass cannot afford.</remarks>
[Collection(nameof(Support.IntegrationCollection))]
public class ChaosTests(ITestOutputHelper output)
{
    private static readonly string[] DataPlane =
        ["upstream-down", "half-503", "latency-jump", "replica-down", "cascade", "control-plane-killed", "bad-policy", "recovery"];

    public static TheoryData<string> DataPlaneNames => [.. DataPlane];

    public static TheoryData<string> HealingNames => [.. Scenarios.All.Select(s => s.Name).Except(DataPlane)];

    [Fact]
    public void DataPlaneNames_AreAllScenarios() =>
        Assert.Subset(Scenarios.All.Select(s => s.Name).ToHashSet(), DataPlane.ToHashSet());

    [Theory]
    [MemberData(nameof(DataPlaneNames))]
    public Task DataPlaneScenario_KeepsThePromises(string name) => RunAsync(name);

    [Theory]
    [MemberData(nameof(HealingNames))]
    public Task HealingScenario_KeepsThePromises(string name) => RunAsync(name);

    private async Task RunAsync(string name)
    {
        var result = await Scenarios.RunAsync(name, ChaosSettings.Short);
        output.WriteLine(ScenarioResult.TableHeader);
        output.WriteLine(result.ToString());

        Assert.True(result.Requests >= ChaosSettings.Short.Rate * ChaosSettings.Short.Duration.TotalSeconds * 0.95, $"{result.Requests} requests were sent");
        Assert.All(result.Checks, c => Assert.True(c.Passed, $"{c.Name}: {c.Detail}"));
        if (result.FailedDirect >= 20 && result.Baseline == "direct")
        {
            Assert.True(result.ReductionPercent >= 80, $"failed requests {result.FailedWithSidecar} with the sidecar against {result.FailedDirect} direct");
        }
    }
}
