using System.Globalization;
using System.Text;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Heal.Protocol.Reporting;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Chaos;

/// <summary>The control planes' own reports (<c>GetReport</c>, what <c>meshctl report</c> prints) over a chaos run, asked of each
/// control plane a scenario started just before its mesh stops, while a collection is open.</summary>
/// <remarks>
/// A scenario does not know who runs it, so the collection is ambient: <see cref="Collect"/> opens one for the code that runs in the
/// same async flow (the scenario started after it), and <see cref="ChaosMesh"/> adds to it when it is disposed. With no collection
/// open, as in CI's scenario runs that do not print a report, nothing is asked. Each scenario has its own control plane and store,
/// so the whole run is their reports side by side plus <see cref="Pool"/>, which adds up what can be added across stores.
/// </remarks>
internal sealed class ControlPlaneReports : IDisposable
{
    private static readonly AsyncLocal<ControlPlaneReports?> Open = new();
    private readonly ControlPlaneReports? _outer;
    private readonly List<Wire.Report> _reports = [];
    private readonly List<string> _errors = [];

    private ControlPlaneReports(ControlPlaneReports? outer) => _outer = outer;

    /// <summary>The reports collected, one per control plane, in the order the meshes stopped.</summary>
    public IReadOnlyList<Wire.Report> Reports
    {
        get
        {
            lock (_reports)
            {
                return [.. _reports];
            }
        }
    }

    /// <summary>Why a report could not be had (the control plane was not running, or did not answer).</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_reports)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>Opens a collection for what runs after it in this async flow; disposing it closes it.</summary>
    public static ControlPlaneReports Collect()
    {
        var reports = new ControlPlaneReports(Open.Value);
        Open.Value = reports;
        return reports;
    }

    public void Dispose() => Open.Value = _outer;

    /// <summary>Asks each running control plane for its report over the last <paramref name="window"/>, if a collection is open.</summary>
    internal static async Task CaptureAsync(IEnumerable<ControlPlaneProcess> controlPlanes, TimeSpan window)
    {
        if (Open.Value is not { } reports)
        {
            return;
        }

        // Whole seconds, rounded up, and one more: the window starts before the mesh's first process did.
        var since = string.Create(CultureInfo.InvariantCulture, $"{(long)Math.Ceiling(window.TotalSeconds) + 1}s");
        foreach (var controlPlane in controlPlanes)
        {
            if (!controlPlane.Process.Running)
            {
                reports.Add(null, $"control plane {controlPlane.GrpcUri} was not running at the end of the run");
                continue;
            }

            try
            {
                using var channel = GrpcChannel.ForAddress(controlPlane.GrpcUri);
                var report = await new Wire.MeshControl.MeshControlClient(channel).GetReportAsync(
                    new Wire.GetReportRequest { Since = since }, deadline: DateTime.UtcNow.AddSeconds(30));
                reports.Add(report, null);
            }
            catch (RpcException ex)
            {
                reports.Add(null, $"control plane {controlPlane.GrpcUri}: GetReport failed: {ex.Status.StatusCode} {ex.Status.Detail}");
            }
        }
    }

    /// <summary>The runs' reports as one: every service of every run (named <c>run: service</c>), and an overall row that adds up
    /// requests, failures, incidents and their outcomes and keeps the largest maximum. Medians do not add up across stores,
    /// so the pooled row has none; each run's own report has its medians.</summary>
    /// <remarks>Capacity: each service's static peak is its own, so the pooled overall is <see cref="CapacityFigures.Sum"/> over
    /// every run's services with replica history, as the control plane sums one store's services: replica-minutes, planner
    /// figures and saturated minutes add up, the reductions follow from the sums, and there is no per-replica capacity.</remarks>
    public static Wire.Report Pool(IReadOnlyList<(string Run, Wire.Report Report)> runs)
    {
        var overall = new Wire.ServiceReport();
        var pooled = new Wire.Report { Overall = overall };
        foreach (var (run, report) in runs)
        {
            if (pooled.From is null || (report.From is not null && report.From < pooled.From))
            {
                pooled.From = report.From;
            }

            if (pooled.To is null || (report.To is not null && report.To > pooled.To))
            {
                pooled.To = report.To;
            }

            foreach (var service in report.Services)
            {
                var named = service.Clone();
                named.Service = $"{run}: {service.Service}";
                pooled.Services.Add(named);
            }

            var o = report.Overall ?? new Wire.ServiceReport();
            overall.Requests += o.Requests;
            overall.CallerFailures += o.CallerFailures;
            overall.Incidents += o.Incidents;
            overall.MitigatedAutomatically += o.MitigatedAutomatically;
            overall.MitigatedByOperator += o.MitigatedByOperator;
            overall.NotMitigated += o.NotMitigated;
            if (o.HasDetectMaxSeconds)
            {
                overall.DetectMaxSeconds = Math.Max(overall.HasDetectMaxSeconds ? overall.DetectMaxSeconds : 0, o.DetectMaxSeconds);
            }

            if (o.HasMitigateMaxSeconds)
            {
                overall.MitigateMaxSeconds = Math.Max(overall.HasMitigateMaxSeconds ? overall.MitigateMaxSeconds : 0, o.MitigateMaxSeconds);
            }

            if (o.HasUnprotectedBrokenMaxSeconds)
            {
                overall.UnprotectedBrokenMaxSeconds = Math.Max(overall.HasUnprotectedBrokenMaxSeconds ? overall.UnprotectedBrokenMaxSeconds : 0, o.UnprotectedBrokenMaxSeconds);
            }
        }

        var capacity = CapacityFigures.Sum([.. pooled.Services.Select(CapacityFigures.FromWire).OfType<CapacityFigures>()]);
        capacity?.CopyTo(overall);
        pooled.Capacity = capacity is null
            ? "n/a: no run's report has replica history"
            : $"{capacity.Summary()}; summed over {runs.Count} runs' services, each with its own control plane and store";

        if (overall.Requests > 0)
        {
            overall.Availability = 1 - ((double)overall.CallerFailures / overall.Requests);
        }

        if (overall.Incidents > 0)
        {
            overall.AutomaticShare = (double)overall.MitigatedAutomatically / overall.Incidents;
        }

        return pooled;
    }

    /// <summary>The report section the chaos benchmark prints: each run's report through <see cref="ReportFormat"/> (as
    /// <c>meshctl report</c> shows it), then, with more than one, the pooled report; a run without a control plane says so.</summary>
    public static string Section(IReadOnlyList<(string Run, IReadOnlyList<Wire.Report> Reports, IReadOnlyList<string> Errors)> runs)
    {
        var text = new StringBuilder();
        var all = new List<(string Run, Wire.Report Report)>();
        foreach (var (run, reports, errors) in runs)
        {
            if (reports.Count == 0 && errors.Count == 0)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"## {run}: no control plane in this scenario, no report");
                text.AppendLine();
                continue;
            }

            foreach (var error in errors)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"## {run}: no report: {error}");
            }

            foreach (var report in reports)
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"## {run}: the control plane's report (meshctl report)");
                text.Append(ReportFormat.ToText(report));
                text.AppendLine();
                all.Add((run, report));
            }
        }

        if (all.Count > 1)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"## overall: the {all.Count} control planes' reports pooled");
            text.Append(ReportFormat.ToText(Pool(all)));
        }

        return text.ToString();
    }

    private void Add(Wire.Report? report, string? error)
    {
        lock (_reports)
        {
            if (report is not null)
            {
                _reports.Add(report);
            }

            if (error is not null)
            {
                _errors.Add(error);
            }
        }
    }
}
