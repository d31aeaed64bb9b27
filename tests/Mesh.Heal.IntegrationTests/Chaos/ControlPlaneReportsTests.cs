using Mesh.Heal.Chaos;
using Mesh.Heal.Protocol.Reporting;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.IntegrationTests.Chaos;

/// <summary>How the chaos benchmark puts its scenarios' control-plane reports together: each as meshctl report shows it, then pooled.</summary>
public class ControlPlaneReportsTests
{
    private static Wire.Report Run(string service, long requests, long failures, int incidents, int automatic, double detectMax) => new()
    {
        From = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 5, 10, 0, incidents, TimeSpan.Zero)),
        To = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 5, 10, 1, incidents, TimeSpan.Zero)),
        Services = { new Wire.ServiceReport { Service = service, Requests = requests } },
        Overall = new Wire.ServiceReport
        {
            Requests = requests, CallerFailures = failures, Availability = 1 - ((double)failures / requests), Incidents = incidents,
            MitigatedAutomatically = automatic, NotMitigated = incidents - automatic, DetectP50Seconds = detectMax / 2, DetectMaxSeconds = detectMax,
            AutomaticShare = (double)automatic / incidents,
        },
        Capacity = "n/a",
    };

    [Fact]
    public void Pool_AddsUpWhatAddsUpAcrossStores_KeepsTheLargestMaximum_AndClaimsNoMedian()
    {
        var pooled = ControlPlaneReports.Pool([("a", Run("orders", 1000, 1, 1, 1, 2)), ("b", Run("payments", 3000, 3, 3, 2, 5))]);

        Assert.Equal(["a: orders", "b: payments"], pooled.Services.Select(s => s.Service));
        Assert.Equal((4000L, 4L, 4, 3, 0, 1), (pooled.Overall.Requests, pooled.Overall.CallerFailures, pooled.Overall.Incidents,
            pooled.Overall.MitigatedAutomatically, pooled.Overall.MitigatedByOperator, pooled.Overall.NotMitigated));
        Assert.Equal(0.999, pooled.Overall.Availability, 9);
        Assert.Equal(0.75, pooled.Overall.AutomaticShare, 9);
        Assert.Equal(5, pooled.Overall.DetectMaxSeconds);
        Assert.False(pooled.Overall.HasDetectP50Seconds);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 10, 0, 1, TimeSpan.Zero), pooled.From.ToDateTimeOffset());
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 10, 1, 3, TimeSpan.Zero), pooled.To.ToDateTimeOffset());
    }

    [Fact]
    public void Section_PrintsEachRunsReport_ThenThePool_AndSaysWhichRunsHadNoControlPlane()
    {
        var section = ControlPlaneReports.Section(
        [
            ("a", [Run("orders", 1000, 1, 1, 1, 2)], []),
            ("b", [Run("payments", 3000, 3, 3, 2, 5)], []),
            ("c", [], []),
            ("d", [], ["control plane http://127.0.0.1:1/ was not running at the end of the run"]),
        ]);
        var lines = section.Split('\n').Select(l => l.TrimEnd('\r')).ToList();

        Assert.Contains("## a: the control plane's report (meshctl report)", lines);
        Assert.Contains("## b: the control plane's report (meshctl report)", lines);
        Assert.Contains("## c: no control plane in this scenario, no report", lines);
        Assert.Contains("## d: no report: control plane http://127.0.0.1:1/ was not running at the end of the run", lines);
        var pool = lines.IndexOf("## overall: the 2 control planes' reports pooled");
        Assert.True(pool > 0, section);
        Assert.Equal("availability seen by callers: 99.9000% of 4000 requests (4 failed)", lines.Skip(pool).First(l => l.StartsWith("availability", StringComparison.Ordinal)));
        Assert.Equal("mitigated with no operator: 75.0% (3 automatically, 0 by an operator, 1 not mitigated)", lines.Skip(pool).First(l => l.StartsWith("mitigated", StringComparison.Ordinal)));
        Assert.Equal(3, lines.Count(l => l.StartsWith("capacity against static peak: ", StringComparison.Ordinal)));
    }

    private static Wire.Report WithCapacity(Wire.Report report, CapacityFigures figures)
    {
        figures.CopyTo(report.Services[0]);
        var mesh = CapacityFigures.Sum([figures])!;
        mesh.CopyTo(report.Overall);
        report.Capacity = mesh.Summary();
        return report;
    }

    [Fact]
    public void Pool_SumsCapacityOverEveryRunsServices_RecomputesTheReductions_AndSaysSo()
    {
        var a = WithCapacity(Run("orders", 1000, 1, 1, 1, 2), new CapacityFigures(10, 30, 4, 40, "needed at the peak demand 35/s", 10, 20, 40, 1, 0, 10, "measured", ""));
        var b = WithCapacity(Run("payments", 3000, 3, 3, 2, 5), new CapacityFigures(20, 40, 2, 40, "the most replicas in service", 0, 0, 0, null, null, null, "n/a: not known", "n/a: none"));
        var c = Run("legacy", 10, 0, 1, 1, 1);

        var pooled = ControlPlaneReports.Pool([("a", a), ("b", b), ("c", c)]);
        var o = pooled.Overall;

        Assert.Equal((30, 70L, 0, 80L), (o.CapacityMinutes, o.ProvisionedReplicaMinutes, o.StaticPeakReplicas, o.StaticPeakReplicaMinutes));
        Assert.Equal(1 - (70.0 / 80), o.CapacityReduction, 12);
        Assert.Equal((10, 20L, 40L), (o.PlannerMinutes, o.PlannerReplicaMinutes, o.PlannerStaticPeakReplicaMinutes));
        Assert.Equal(0.5, o.PlannerReduction, 12);
        Assert.Equal((1, 0), (o.SaturatedMinutes, o.PlannerSaturatedMinutes));
        Assert.False(o.HasCapacityPerReplica);
        Assert.Equal("per-replica capacity known for 1 of 2 service(s)", o.CapacityBasis);
        Assert.StartsWith("70 replica-minutes provisioned against 80 at static peak (12.5% less) (over 30 service-minutes)", pooled.Capacity, StringComparison.Ordinal);
        Assert.EndsWith("; summed over 3 runs' services, each with its own control plane and store", pooled.Capacity, StringComparison.Ordinal);
        Assert.Equal(o.Capacity, pooled.Capacity[..o.Capacity.Length]);
        Assert.Equal(4, pooled.Services[0].StaticPeakReplicas);
        Assert.Equal(10, pooled.Services[0].CapacityPerReplica);
    }

    [Fact]
    public void Pool_WithNoReplicaHistory_SaysCapacityIsNotAvailable()
    {
        var pooled = ControlPlaneReports.Pool([("a", Run("orders", 1000, 1, 1, 1, 2)), ("b", Run("payments", 3000, 3, 3, 2, 5))]);

        Assert.Equal("n/a: no run's report has replica history", pooled.Capacity);
        Assert.Equal(0, pooled.Overall.CapacityMinutes);
    }

    [Fact]
    public void Section_PrintsTheCapacityTableAndLines_OfEachRunAndOfThePool()
    {
        var a = WithCapacity(Run("orders", 1000, 1, 1, 1, 2), new CapacityFigures(10, 30, 4, 40, "needed at the peak demand 35/s", 10, 20, 40, 1, 0, 10, "measured", ""));
        var b = WithCapacity(Run("payments", 3000, 3, 3, 2, 5), new CapacityFigures(20, 40, 2, 40, "the most replicas in service", 0, 0, 0, null, null, null, "n/a: not known", "n/a: none"));

        var lines = ControlPlaneReports.Section([("a", [a], []), ("b", [b], [])]).Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var pool = lines.IndexOf("## overall: the 2 control planes' reports pooled");

        Assert.Equal(3, lines.Count(l => l.StartsWith("service ", StringComparison.Ordinal) && l.Contains("static replica-min", StringComparison.Ordinal)));
        Assert.Contains("  orders: " + a.Services[0].Capacity, lines);
        Assert.Contains("  a: orders: " + a.Services[0].Capacity, lines.Skip(pool));
        Assert.Contains("  b: payments: " + b.Services[0].Capacity, lines.Skip(pool));
        Assert.Matches(@"^\(overall\)\s+30\s+70\s+-\s+80\s+12\.5%", lines.Skip(pool).Single(l => l.StartsWith("(overall)", StringComparison.Ordinal) && l.Contains("12.5%", StringComparison.Ordinal)));
        Assert.Equal("capacity against static peak: " + ControlPlaneReports.Pool([("a", a), ("b", b)]).Capacity, lines.Skip(pool).Last(l => l.Length > 0));
    }
}
