using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Mesh.Heal.IntegrationTests.Deploy;

/// <summary>The Grafana dashboard in <c>deploy/grafana/</c>, read as Grafana does: its panels (rows included), their
/// PromQL targets and the metrics its template variables take label values from.</summary>
internal static partial class GrafanaDashboard
{
    public const string File = "deploy/grafana/meshheal.json";

    public static JsonObject Load() => Parse(System.IO.File.ReadAllText(Manifests.PathOf(File)));

    public static JsonObject Parse(string json) => JsonNode.Parse(json)?.AsObject() ?? throw new JsonException($"{File} is not a JSON object");

    /// <summary>Every panel, the panels nested in collapsed rows too.</summary>
    public static IEnumerable<JsonObject> Panels(JsonObject dashboard) =>
        (dashboard["panels"]?.AsArray() ?? []).OfType<JsonObject>()
            .SelectMany(p => new[] { p }.Concat((p["panels"]?.AsArray() ?? []).OfType<JsonObject>()));

    /// <summary>Each panel target's PromQL, with where it is (<c>panel title/refId</c>).</summary>
    public static IReadOnlyList<(string Where, string Expression)> Expressions(JsonObject dashboard) =>
        Panels(dashboard)
            .SelectMany(p => (p["targets"]?.AsArray() ?? []).OfType<JsonObject>()
                .Select(t => ($"{p["title"]}/{t["refId"]}", t["expr"]?.GetValue<string>() ?? string.Empty)))
            .ToList();

    /// <summary>The template variables of type <c>query</c> with their query text.</summary>
    public static IReadOnlyList<(string Name, string Query)> QueryVariables(JsonObject dashboard) =>
        (dashboard["templating"]?["list"]?.AsArray() ?? []).OfType<JsonObject>()
            .Where(v => v["type"]?.GetValue<string>() == "query")
            .Select(v => (v["name"]!.GetValue<string>(), v["query"] is JsonObject q ? q["query"]!.GetValue<string>() : v["query"]!.GetValue<string>()))
            .ToList();

    /// <summary>Every metric the dashboard reads (panel targets and <c>label_values(metric…)</c> variables) that is not
    /// among <paramref name="exported"/>, with where it is read.</summary>
    public static IReadOnlyList<string> MissingMetrics(JsonObject dashboard, IReadOnlySet<string> exported)
    {
        var read = Expressions(dashboard).SelectMany(e => PromQl.MetricNames(e.Expression).Select(m => (e.Where, Metric: m)))
            .Concat(QueryVariables(dashboard).SelectMany(v => PromQl.MetricNames(LabelValuesSelector(v.Query)).Select(m => ("$" + v.Name, Metric: m))));
        return read.Where(r => !exported.Contains(r.Metric)).Select(r => $"{r.Metric} ({r.Item1})").ToList();
    }

    /// <summary>The series selector inside <c>label_values(selector, label)</c>; a variable query of another form is
    /// returned whole, so the check sees it rather than skipping it.</summary>
    public static string LabelValuesSelector(string query)
    {
        var match = LabelValues().Match(query);
        return match.Success ? match.Groups[1].Value : query;
    }

    /// <summary>The metric names in Prometheus text exposition (<c>/metrics</c>), suffixes such as <c>_bucket</c> included.</summary>
    public static HashSet<string> ExposedNames(string metricsText) =>
        metricsText.Split('\n')
            .Select(l => l.Trim())
            .Where(l => l.Length > 0 && l[0] != '#')
            .Select(l => l[..l.IndexOfAny(['{', ' '])])
            .ToHashSet(StringComparer.Ordinal);

    /// <summary>The expression as Prometheus would receive it from Grafana: interval macros become a duration, other
    /// variables (all inside label matchers) become a regex that matches everything.</summary>
    public static string AsSentByGrafana(string expression) =>
        Variable().Replace(IntervalMacro().Replace(expression, "1m"), ".*");

    /// <summary>Checks every expression with the real <c>promtool check rules</c>, each as a recording rule; returns
    /// promtool's exit code and output.</summary>
    public static async Task<(int ExitCode, string Output)> PromtoolCheckAsync(IEnumerable<string> expressions)
    {
        var promtool = new[] { "/usr/bin/promtool", "/usr/local/bin/promtool" }.FirstOrDefault(System.IO.File.Exists)
            ?? throw new InvalidOperationException("promtool is not installed; install the Debian package prometheus (tests/run.sh does, as root)");
        var directory = Directory.CreateTempSubdirectory("meshheal-grafana-").FullName;
        try
        {
            // JSON is YAML, so the expressions need no YAML quoting.
            var rules = new
            {
                groups = new[]
                {
                    new { name = "dashboard", rules = expressions.Select((e, i) => new { record = $"dashboard:expr_{i}", expr = AsSentByGrafana(e) }).ToArray() },
                },
            };
            var file = Path.Combine(directory, "rules.yml");
            await System.IO.File.WriteAllTextAsync(file, JsonSerializer.Serialize(rules));
            using var process = Process.Start(new ProcessStartInfo(promtool, ["check", "rules", file]) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (process.ExitCode, await stdout + await stderr);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [GeneratedRegex(@"^\s*label_values\(\s*(.+?)\s*,\s*[A-Za-z_][A-Za-z0-9_]*\s*\)\s*$")]
    private static partial Regex LabelValues();

    [GeneratedRegex(@"\$\{?__(?:rate_interval|interval|range)\}?")]
    private static partial Regex IntervalMacro();

    [GeneratedRegex(@"\$\{?[A-Za-z_][A-Za-z0-9_]*(?::[a-z]+)?\}?")]
    private static partial Regex Variable();
}
