using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Mesh.Heal.Chaos;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Benchmarks.Chaos;

/// <summary><c>chaos</c>: runs the chaos scenarios longer than CI does and prints their figures as a markdown table.</summary>
internal static class ChaosBenchmark
{
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    public static async Task<int> RunAsync(ReadOnlyMemory<string> args, TextWriter output)
    {
        HashSet<string>? only = null;
        string? json = null;
        var settings = ChaosSettings.Long;
        var a = args.Span;
        for (var i = 0; i < a.Length; i++)
        {
            var value = i + 1 < a.Length ? a[i + 1] : null;
            switch (a[i])
            {
                case "--scenario" when value is not null && value.Split(',').All(v => Scenarios.All.Any(s => s.Name == v)):
                    only = [.. value.Split(',')];
                    break;
                case "--json" when value is not null:
                    json = value;
                    break;
                case "--rate" when int.TryParse(value, CultureInfo.InvariantCulture, out var rate) && rate is >= 10 and <= 2000:
                    settings = settings with { Rate = rate };
                    break;
                case "--duration" when double.TryParse(value?.TrimEnd('s'), CultureInfo.InvariantCulture, out var seconds) && seconds is >= 6 and <= 600:
                    settings = settings with { Duration = TimeSpan.FromSeconds(seconds) };
                    break;
                default:
                    await Console.Error.WriteLineAsync(
                        $"chaos: '{a[i]} {value}' is not accepted; accepted: --scenario {string.Join('|', Scenarios.All.Select(s => s.Name))}[,...], --json <file>, --rate 10-2000, --duration 6s-600s");
                    return 2;
            }

            i++;
        }

        await output.WriteLineAsync($"Mesh.Heal chaos scenarios: {settings.Rate} requests/s for {settings.Duration.TotalSeconds:0} s each, through the sidecar and direct, caller deadline {settings.CallerDeadline.TotalSeconds:0} s; real processes on 127.0.0.1, {Environment.ProcessorCount} cores");
        await output.WriteLineAsync();
        var results = new List<ScenarioResult>();
        var reports = new List<(string Run, IReadOnlyList<Wire.Report> Reports, IReadOnlyList<string> Errors)>();
        foreach (var (name, description, run) in Scenarios.All.Where(s => only is null || only.Contains(s.Name)))
        {
            await Console.Error.WriteLineAsync($"running {name}: {description}");
            // The scenario's control plane is asked for its own report (GetReport over the run) before it stops.
            using var collected = ControlPlaneReports.Collect();
            results.Add(await run(settings, CancellationToken.None));
            reports.Add((name, collected.Reports, collected.Errors));
        }

        await output.WriteLineAsync(ScenarioResult.TableHeader);
        foreach (var result in results)
        {
            await output.WriteLineAsync(result.TableRow());
        }

        var requests = results.Sum(r => r.Requests);
        var failed = results.Sum(r => r.FailedWithSidecar);
        var direct = results.Sum(r => r.FailedDirect);
        var handled = results.Count(r => r.AllChecksPassed);
        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"summary: {handled} of {results.Count} scenarios kept every promise; availability {100.0 * (requests - failed) / Math.Max(1, requests):0.000} % over {requests} requests through the sidecar; {failed} failed with the sidecar against {direct} direct ({(direct == 0 ? "n/a" : $"{100.0 * (direct - failed) / direct:0.0} % fewer")})"));
        // Every check with its figures: a scenario's own measures (time to the issue, to the pull request) are in them.
        await output.WriteLineAsync();
        foreach (var result in results)
        {
            foreach (var check in result.Checks)
            {
                await output.WriteLineAsync($"{result.Name}: {(check.Passed ? "ok  " : "FAIL")} {check.Name}: {(check.Detail.Length > 400 ? check.Detail[..397] + "..." : check.Detail)}");
            }
        }

        // The four figures as the control planes computed them from their stores, printed as meshctl report prints them.
        await output.WriteLineAsync();
        await output.WriteLineAsync("# the control planes' reports over the run (GetReport, as meshctl report prints it)");
        await output.WriteAsync(ControlPlaneReports.Section(reports));
        if (json is not null)
        {
            var withReports = reports.Where(r => r.Reports.Count > 0).SelectMany(r => r.Reports.Select(report => (r.Run, Report: report))).ToList();
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(new
            {
                scenarios = results.Select(r => new
                {
                    name = r.Name, availability = r.Availability, failedWithSidecar = r.FailedWithSidecar, failedDirect = r.FailedDirect,
                    reductionPercent = r.ReductionPercent, timeToFallbackMs = r.TimeToFallbackMs, timeToRecoveryMs = r.TimeToRecoveryMs,
                    p50Ms = r.P50Ms, p99Ms = r.P99Ms, checks = r.Checks.Select(c => new { c.Name, c.Passed, c.Detail }),
                    reports = reports.Single(x => x.Run == r.Name).Reports.Select(Raw),
                }),
                report = withReports.Count == 0 ? (JsonElement?)null : Raw(withReports.Count == 1 ? withReports[0].Report : ControlPlaneReports.Pool(withReports)),
            }, Json));
            await output.WriteLineAsync($"wrote {json}");
        }

        return handled == results.Count ? 0 : 1;
    }

    /// <summary>A report in the protobuf JSON mapping, as <c>meshctl report --json</c> and <c>GET /v1/report</c> write it.</summary>
    private static JsonElement Raw(Wire.Report report) => JsonDocument.Parse(JsonFormatter.Default.Format(report)).RootElement.Clone();
}
