using Google.Protobuf.WellKnownTypes;
using Mesh.Heal.Protocol.Reporting;
using Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Protocol.Tests.Reporting;

public class ReportFormatTests
{
    private static Report Sample() => new()
    {
        From = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 5, 10, 0, 0, TimeSpan.Zero)),
        To = Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 5, 11, 0, 0, TimeSpan.Zero)),
        Services =
        {
            new ServiceReport
            {
                Service = "orders", Requests = 2000, CallerFailures = 1, Availability = 0.9995, Incidents = 2,
                DetectP50Seconds = 1.5, DetectMaxSeconds = 2.25, MitigateP50Seconds = 3, MitigateMaxSeconds = 4,
                UnprotectedBrokenP50Seconds = 20, UnprotectedBrokenMaxSeconds = 30, MitigatedAutomatically = 1, MitigatedByOperator = 1, AutomaticShare = 0.5,
            },
        },
        Overall = new ServiceReport
        {
            Requests = 2000, CallerFailures = 1, Availability = 0.9995, Incidents = 2,
            DetectP50Seconds = 1.5, DetectMaxSeconds = 2.25, MitigateP50Seconds = 3, MitigateMaxSeconds = 4,
            UnprotectedBrokenP50Seconds = 20, UnprotectedBrokenMaxSeconds = 30, MitigatedAutomatically = 1, MitigatedByOperator = 1, AutomaticShare = 0.5,
        },
        Capacity = "n/a: no replica history",
    };

    [Fact]
    public void ToText_ShowsTheWindow_ARowPerServiceAndOverall_AndTheFourFigures()
    {
        var lines = ReportFormat.ToText(Sample()).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();

        Assert.Equal("report from 2026-12-05 10:00:00Z to 2026-12-05 11:00:00Z", lines[0]);
        Assert.StartsWith("service ", lines[1]);
        Assert.Matches(@"^orders\s+2000\s+99\.9500%\s+2\s+1\.5s/2\.3s\s+3\.0s/4\.0s\s+20\.0s/30\.0s\s+1/1/0\s+50\.0%$", lines[3]);
        Assert.StartsWith("(overall) ", lines[4]);
        Assert.Equal("availability seen by callers: 99.9500% of 2000 requests (1 failed)", lines[5]);
        Assert.Equal("incidents: 2; time to detect p50/max 1.5s/2.3s, to mitigate 3.0s/4.0s, against an unprotected path broken for 20.0s/30.0s", lines[6]);
        Assert.Equal("mitigated with no operator: 50.0% (1 automatically, 1 by an operator, 0 not mitigated)", lines[7]);
        Assert.Equal("capacity against static peak: n/a: no replica history", lines[8]);
        Assert.Equal(9, lines.Count);
    }

    [Fact]
    public void Figures_WithNothingToComputeThemFrom_ShowADash()
    {
        var figures = ReportFormat.Figures(new Report { Overall = new ServiceReport(), Capacity = "n/a" });

        Assert.Equal("availability seen by callers: - (0 requests)", figures[0]);
        Assert.Equal("incidents: 0; time to detect p50/max -, to mitigate -, against an unprotected path broken for -", figures[1]);
        Assert.Equal("mitigated with no operator: - (0 automatically, 0 by an operator, 0 not mitigated)", figures[2]);
        Assert.Equal(4, figures.Count);
    }

    [Fact]
    public void Rows_WithAMaximumButNoMedian_ShowBoth()
    {
        var report = new Report { Overall = new ServiceReport { Incidents = 3, DetectMaxSeconds = 7 } };

        Assert.Equal("-/7.0s", ReportFormat.Rows(report).Single()[4]);
    }

    private static ServiceReport WithCapacity(ServiceReport report, CapacityFigures figures)
    {
        figures.CopyTo(report);
        return report;
    }

    private static readonly CapacityFigures Orders = new(60, 150, 4, 240, "needed at the peak demand 38/s", 30, 90, 120, 2, 1, 10, "measured", "");

    private static readonly CapacityFigures Legacy = new(60, 120, 2, 120, "the most replicas in service, as the per-replica capacity is not known", 0, 0, 0, null, null, null,
        "n/a: the per-replica capacity of legacy is not known", "n/a: the capacity planner made no recommendation for legacy");

    [Fact]
    public void ToText_WithReplicaHistory_AddsTheCapacityTable_AndALinePerService_BeforeTheFigures()
    {
        var report = Sample();
        WithCapacity(report.Services[0], Orders);
        report.Services.Add(WithCapacity(new ServiceReport { Service = "legacy" }, Legacy));
        report.Services.Add(new ServiceReport { Service = "quiet", Requests = 5 });
        var mesh = CapacityFigures.Sum([Orders, Legacy])!;
        mesh.CopyTo(report.Overall);
        report.Capacity = mesh.Summary();

        var lines = ReportFormat.ToText(report).Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToList();
        var header = lines.FindIndex(l => l.StartsWith("service ", StringComparison.Ordinal) && l.Contains("static peak", StringComparison.Ordinal));

        Assert.True(header > 0, string.Join('\n', lines));
        Assert.Matches(@"^orders\s+60\s+150\s+4\s+240\s+37\.5%\s+90 of 120\s+25\.0%\s+2 \(planner 1\)\s+10/s$", lines[header + 2]);
        Assert.Matches(@"^legacy\s+60\s+120\s+2\s+120\s+0\.0%\s+n/a\s+-\s+n/a\s+n/a$", lines[header + 3]);
        Assert.Matches(@"^\(overall\)\s+120\s+270\s+-\s+360\s+25\.0%\s+90 of 120\s+25\.0%\s+2 \(planner 1\)\s+n/a$", lines[header + 4]);
        Assert.DoesNotContain(lines, l => l.StartsWith("quiet ", StringComparison.Ordinal) && l.Contains("n/a", StringComparison.Ordinal));
        Assert.Equal("  orders: " + Orders.Summary(), lines[header + 5]);
        Assert.Equal("  legacy: " + Legacy.Summary(), lines[header + 6]);
        Assert.StartsWith("availability seen by callers: ", lines[header + 7]);
        Assert.Equal("capacity against static peak: " + mesh.Summary(), lines[^1]);
        Assert.Equal(header + 11, lines.Count);
    }

    [Fact]
    public void CapacityLine_SaysTheComparison_ThePlanners_AndSaturation_OrWhyNot()
    {
        Assert.Equal(
            "150 replica-minutes provisioned against 240 at static peak (37.5% less) (peak 4 over 60 min: needed at the peak demand 38/s); "
            + "planner's recommendations 90 against 120 (25.0% less); saturated 2 of 60 min (planner's 1 of 30) at 10/s per replica (measured)",
            ReportFormat.CapacityLine(Orders));
        Assert.Equal(
            "120 replica-minutes provisioned against 120 at static peak (0.0% less) (peak 2 over 60 min: the most replicas in service, as the per-replica capacity is not known); "
            + "planner n/a: the capacity planner made no recommendation for legacy; saturation n/a: the per-replica capacity of legacy is not known",
            ReportFormat.CapacityLine(Legacy));
        Assert.EndsWith("(25.0% more) (over 1 service-minutes); planner n/a; saturation n/a",
            ReportFormat.CapacityLine(new CapacityFigures(1, 5, 0, 4, "", 0, 0, 0, null, null, null, "n/a", "n/a")), StringComparison.Ordinal);
    }

    [Fact]
    public void CapacityFigures_Sum_AddsReplicaMinutes_RecomputesReductions_AndKeepsNoPerReplicaCapacity()
    {
        var mesh = CapacityFigures.Sum([Orders, Legacy])!;

        Assert.Equal((120, 270L, 0, 360L), (mesh.Minutes, mesh.ProvisionedReplicaMinutes, mesh.StaticPeakReplicas, mesh.StaticPeakReplicaMinutes));
        Assert.Equal((30, 90L, 120L, 2, 1), (mesh.PlannerMinutes, mesh.PlannerReplicaMinutes, mesh.PlannerStaticPeakReplicaMinutes, mesh.SaturatedMinutes, mesh.PlannerSaturatedMinutes));
        Assert.Equal(0.25, mesh.Reduction!.Value, 12);
        Assert.Equal(0.25, mesh.PlannerReduction!.Value, 12);
        Assert.Null(mesh.CapacityPerReplica);
        Assert.Equal("per-replica capacity known for 1 of 2 service(s)", mesh.CapacityBasis);
        // Only orders' 60 minutes could be judged: the sum's 2 saturated minutes are not "of" all 120.
        Assert.EndsWith("; saturated 2 min (planner's 1), per-replica capacity known for 1 of 2 service(s)", mesh.Summary(), StringComparison.Ordinal);
        Assert.Null(CapacityFigures.Sum([]));
    }

    [Fact]
    public void CapacityFigures_CopyToThenFromWire_GivesTheSameFigures_AndClearsWhatIsUnknown()
    {
        var wire = new ServiceReport();
        Orders.CopyTo(wire);
        Assert.Equal(Orders, CapacityFigures.FromWire(wire));
        Assert.Equal((0.375, 0.25, Orders.Summary()), (wire.CapacityReduction, wire.PlannerReduction, wire.Capacity));

        Legacy.CopyTo(wire);
        Assert.Equal(Legacy, CapacityFigures.FromWire(wire));
        Assert.False(wire.HasSaturatedMinutes || wire.HasPlannerSaturatedMinutes || wire.HasCapacityPerReplica || wire.HasPlannerReduction);
        Assert.Null(CapacityFigures.FromWire(new ServiceReport { Service = "quiet" }));
    }
}
