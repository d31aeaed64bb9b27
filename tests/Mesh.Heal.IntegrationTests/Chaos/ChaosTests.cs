using System.Text.RegularExpressions;
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

    // The scenarios with no control plane: the sidecars alone keep them, and there is no report to ask for.
    private static readonly string[] WithoutControlPlane = ["upstream-down", "half-503", "latency-jump", "replica-down", "cascade", "recovery"];

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
        using var collected = ControlPlaneReports.Collect();
        var result = await Scenarios.RunAsync(name, ChaosSettings.Short);
        output.WriteLine(ScenarioResult.TableHeader);
        output.WriteLine(result.ToString());
        // The report section the chaos benchmark prints for this scenario: its control plane's own GetReport over the run.
        var section = ControlPlaneReports.Section([(name, collected.Reports, collected.Errors)]);
        output.WriteLine(section);

        Assert.True(result.Requests >= ChaosSettings.Short.Rate * ChaosSettings.Short.Duration.TotalSeconds * 0.95, $"{result.Requests} requests were sent");
        Assert.All(result.Checks, c => Assert.True(c.Passed, $"{c.Name}: {c.Detail}"));
        if (result.FailedDirect >= 20 && result.Baseline == "direct")
        {
            Assert.True(result.ReductionPercent >= 80, $"failed requests {result.FailedWithSidecar} with the sidecar against {result.FailedDirect} direct");
        }

        if (WithoutControlPlane.Contains(name))
        {
            Assert.Empty(collected.Reports);
            Assert.Contains($"## {name}: no control plane in this scenario, no report", section, StringComparison.Ordinal);
            return;
        }

        Assert.Empty(collected.Errors);
        var report = Assert.Single(collected.Reports);
        Assert.True(report.Overall.Requests > 0, "the control plane's report counted none of the run's requests");
        var lines = section.Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Contains($"## {name}: the control plane's report (meshctl report)", lines);
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^availability seen by callers: \d+\.\d{4}% of [1-9]\d* requests \(\d+ failed\)$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^incidents: \d+; time to detect p50/max \S+, to mitigate \S+, against an unprotected path broken for \S+$"));
        Assert.Contains(lines, l => Regex.IsMatch(l, @"^mitigated with no operator: \S+ \(\d+ automatically, \d+ by an operator, \d+ not mitigated\)$"));
        Assert.Contains(lines, l => l.StartsWith("capacity against static peak: ", StringComparison.Ordinal) && l.Length > "capacity against static peak: ".Length);
    }
}
