using Mesh.Heal.Chaos;
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
}
