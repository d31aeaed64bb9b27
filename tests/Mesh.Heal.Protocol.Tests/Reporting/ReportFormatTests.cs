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
}
