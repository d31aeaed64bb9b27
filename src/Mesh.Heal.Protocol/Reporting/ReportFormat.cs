using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Protocol.Reporting;

/// <summary>How a <see cref="Report"/> is shown to a person: <c>meshctl report</c> and the chaos benchmark both print it through
/// this, so the two say the same thing in the same words.</summary>
/// <remarks>
/// A report is its window, a table with a row per service and one for the whole mesh (<see cref="Columns"/>, <see cref="Rows"/>),
/// and the four figures the product promises, for the whole mesh, one line each (<see cref="Figures"/>): availability seen by
/// callers; incidents with time to detect and to mitigate against how long an unprotected path stayed broken; the share
/// mitigated with no operator; capacity against static peak. A figure with nothing to compute it from shows as <c>-</c>.
/// Between the table and the figures, the services with replica history get a capacity table (<see cref="CapacityColumns"/>,
/// <see cref="CapacityRows"/>) and a capacity line each (<see cref="CapacityLines"/>).
/// </remarks>
public static class ReportFormat
{
    /// <summary>The table's column headings, in the order of each of <see cref="Rows"/>'s cells.</summary>
    public static IReadOnlyList<string> Columns { get; } =
        ["service", "requests", "availability", "incidents", "detect p50/max", "mitigate p50/max", "unprotected broken p50/max", "auto/operator/none", "auto share"];

    /// <summary>The line that names the report's window.</summary>
    public static string Window(Report report) => $"report from {Time(report.From)} to {Time(report.To)}";

    /// <summary>One row per service, then the whole mesh as <c>(overall)</c>.</summary>
    public static IEnumerable<string[]> Rows(Report report) =>
        report.Services.Append(report.Overall ?? new ServiceReport()).Select(s => new[]
        {
            s.Service.Length == 0 ? "(overall)" : s.Service,
            s.Requests.ToString(CultureInfo.InvariantCulture),
            s.HasAvailability ? s.Availability.ToString("0.0000%", CultureInfo.InvariantCulture) : "-",
            s.Incidents.ToString(CultureInfo.InvariantCulture),
            Seconds(s.HasDetectP50Seconds, s.DetectP50Seconds, s.HasDetectMaxSeconds, s.DetectMaxSeconds),
            Seconds(s.HasMitigateP50Seconds, s.MitigateP50Seconds, s.HasMitigateMaxSeconds, s.MitigateMaxSeconds),
            Seconds(s.HasUnprotectedBrokenP50Seconds, s.UnprotectedBrokenP50Seconds, s.HasUnprotectedBrokenMaxSeconds, s.UnprotectedBrokenMaxSeconds),
            $"{s.MitigatedAutomatically}/{s.MitigatedByOperator}/{s.NotMitigated}",
            s.HasAutomaticShare ? s.AutomaticShare.ToString("0.0%", CultureInfo.InvariantCulture) : "-",
        });

    /// <summary>The capacity table's column headings, in the order of each of <see cref="CapacityRows"/>'s cells.</summary>
    public static IReadOnlyList<string> CapacityColumns { get; } =
        ["service", "minutes", "replica-min", "static peak", "static replica-min", "reduction", "planner replica-min", "planner reduction", "saturated min", "per replica"];

    /// <summary>One capacity row per service with replica history, then the whole mesh as <c>(overall)</c> if it has any; none without.</summary>
    public static IEnumerable<string[]> CapacityRows(Report report) =>
        report.Services.Append(report.Overall ?? new ServiceReport()).Where(s => s.CapacityMinutes > 0).Select(s => new[]
        {
            s.Service.Length == 0 ? "(overall)" : s.Service,
            s.CapacityMinutes.ToString(CultureInfo.InvariantCulture),
            s.ProvisionedReplicaMinutes.ToString(CultureInfo.InvariantCulture),
            s.StaticPeakReplicas > 0 ? s.StaticPeakReplicas.ToString(CultureInfo.InvariantCulture) : "-",
            s.StaticPeakReplicaMinutes.ToString(CultureInfo.InvariantCulture),
            s.HasCapacityReduction ? s.CapacityReduction.ToString("0.0%", CultureInfo.InvariantCulture) : "-",
            s.PlannerMinutes > 0 ? string.Create(CultureInfo.InvariantCulture, $"{s.PlannerReplicaMinutes} of {s.PlannerStaticPeakReplicaMinutes}") : "n/a",
            s.HasPlannerReduction ? s.PlannerReduction.ToString("0.0%", CultureInfo.InvariantCulture) : "-",
            s.HasSaturatedMinutes
                ? s.SaturatedMinutes.ToString(CultureInfo.InvariantCulture) + (s.HasPlannerSaturatedMinutes ? string.Create(CultureInfo.InvariantCulture, $" (planner {s.PlannerSaturatedMinutes})") : "")
                : "n/a",
            s.HasCapacityPerReplica ? s.CapacityPerReplica.ToString("0.##/s", CultureInfo.InvariantCulture) : "n/a",
        });

    /// <summary>Each service with replica history's capacity figures as one indented line, <c>  service: ...</c>.</summary>
    public static IEnumerable<string> CapacityLines(Report report) =>
        report.Services.Where(s => s.CapacityMinutes > 0).Select(s => $"  {s.Service}: {s.Capacity}");

    /// <summary>Capacity figures as one line: provisioned against static peak, the planner's recommendations against it, and
    /// saturation, each with its n/a reason.</summary>
    public static string CapacityLine(CapacityFigures figures)
    {
        ArgumentNullException.ThrowIfNull(figures);
        var f = figures;
        var text = Invariant($"{f.ProvisionedReplicaMinutes} replica-minutes provisioned against {f.StaticPeakReplicaMinutes} at static peak") + Change(f.Reduction)
            + (f.StaticPeakReplicas > 0 ? Invariant($" (peak {f.StaticPeakReplicas} over {f.Minutes} min: {f.StaticPeakBasis})") : Invariant($" (over {f.Minutes} service-minutes)"));
        text += f.PlannerNote.Length > 0
            ? "; planner " + f.PlannerNote
            : Invariant($"; planner's recommendations {f.PlannerReplicaMinutes} against {f.PlannerStaticPeakReplicaMinutes}") + Change(f.PlannerReduction);
        // A sum has no per-replica capacity of its own: its saturated minutes come only from the services whose capacity is
        // known (its basis says how many), so they are not given as a share of every service's minutes.
        text += (f.SaturatedMinutes, f.CapacityPerReplica) switch
        {
            ({ } saturated, { } c) => Invariant($"; saturated {saturated} of {f.Minutes} min")
                + (f.PlannerSaturatedMinutes is { } p ? Invariant($" (planner's {p} of {f.PlannerMinutes})") : "")
                + Invariant($" at {c:0.##}/s per replica ({f.CapacityBasis})"),
            ({ } saturated, null) => Invariant($"; saturated {saturated} min")
                + (f.PlannerSaturatedMinutes is { } p ? Invariant($" (planner's {p})") : "") + Invariant($", {f.CapacityBasis}"),
            _ => "; saturation " + f.CapacityBasis,
        };
        return text;
    }

    /// <summary>The four figures of the whole mesh, one line each, each starting with its name.</summary>
    public static IReadOnlyList<string> Figures(Report report)
    {
        var o = report.Overall ?? new ServiceReport();
        return
        [
            "availability seen by callers: " + (o.HasAvailability
                ? string.Create(CultureInfo.InvariantCulture, $"{o.Availability:0.0000%} of {o.Requests} requests ({o.CallerFailures} failed)")
                : string.Create(CultureInfo.InvariantCulture, $"- ({o.Requests} requests)")),
            string.Create(CultureInfo.InvariantCulture, $"incidents: {o.Incidents}; time to detect p50/max ")
                + Seconds(o.HasDetectP50Seconds, o.DetectP50Seconds, o.HasDetectMaxSeconds, o.DetectMaxSeconds)
                + ", to mitigate " + Seconds(o.HasMitigateP50Seconds, o.MitigateP50Seconds, o.HasMitigateMaxSeconds, o.MitigateMaxSeconds)
                + ", against an unprotected path broken for " + Seconds(o.HasUnprotectedBrokenP50Seconds, o.UnprotectedBrokenP50Seconds, o.HasUnprotectedBrokenMaxSeconds, o.UnprotectedBrokenMaxSeconds),
            "mitigated with no operator: " + (o.HasAutomaticShare ? o.AutomaticShare.ToString("0.0%", CultureInfo.InvariantCulture) : "-")
                + string.Create(CultureInfo.InvariantCulture, $" ({o.MitigatedAutomatically} automatically, {o.MitigatedByOperator} by an operator, {o.NotMitigated} not mitigated)"),
            "capacity against static peak: " + report.Capacity,
        ];
    }

    /// <summary>The whole report as plain text: the window, the table with its columns aligned, the capacity table and lines
    /// (when a service has replica history), and the four figures.</summary>
    public static string ToText(Report report)
    {
        var text = new StringBuilder().AppendLine(Window(report));
        Table(text, Columns, [.. Rows(report)]);
        var capacity = CapacityRows(report).ToList();
        if (capacity.Count > 0)
        {
            text.AppendLine();
            Table(text, CapacityColumns, capacity);
        }

        foreach (var line in CapacityLines(report))
        {
            text.AppendLine(line);
        }

        foreach (var figure in Figures(report))
        {
            text.AppendLine(figure);
        }

        return text.ToString();
    }

    private static void Table(StringBuilder text, IReadOnlyList<string> columns, List<string[]> rows)
    {
        var widths = columns.Select((c, i) => rows.Select(r => r[i].Length).Append(c.Length).Max()).ToArray();
        text.AppendLine(Line(columns, widths)).AppendLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            text.AppendLine(Line(row, widths));
        }
    }

    private static string Change(double? reduction) => reduction switch
    {
        null => "",
        >= 0 and var r => Invariant($" ({r:0.0%} less)"),
        var r => Invariant($" ({-r:0.0%} more)"),
    };

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", cells.Select((cell, i) => i == 0 ? cell.PadRight(widths[i]) : cell.PadLeft(widths[i]))).TrimEnd();

    private static string Seconds(bool hasP50, double p50, bool hasMax, double max) =>
        !hasP50 && !hasMax ? "-" : string.Create(CultureInfo.InvariantCulture, $"{(hasP50 ? p50.ToString("0.0", CultureInfo.InvariantCulture) + "s" : "-")}/{(hasMax ? max.ToString("0.0", CultureInfo.InvariantCulture) + "s" : "-")}");

    private static string Time(Timestamp? at) =>
        at is null ? "-" : at.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
