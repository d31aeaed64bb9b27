using Mesh.Heal.Chaos;
using Xunit.Abstractions;

namespace Mesh.Heal.IntegrationTests.Chaos;

/// <summary>The chaos scenarios, short, on real processes: each asserts the product's promises with the sidecar against
/// the same load and fault script sent direct. <c>dotnet run -c Release --project tests/Mesh.Heal.Benchmarks -- chaos</c>
/// runs them longer and prints the table.</summary>
[Collection(nameof(Support.IntegrationCollection))]
public class ChaosTests(ITestOutputHelper output)
{
    public static TheoryData<string> Names => [.. Scenarios.All.Select(s => s.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public async Task Scenario_KeepsThePromises(string name)
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
