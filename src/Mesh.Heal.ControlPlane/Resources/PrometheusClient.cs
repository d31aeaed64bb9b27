using System.Globalization;
using System.Text.Json;
using Mesh.Heal.TimeSeries;

namespace Mesh.Heal.ControlPlane.Resources;

/// <summary>Reads series from a Prometheus server over its HTTP API (<c>/api/v1/query_range</c>).</summary>
internal sealed class PrometheusClient(HttpClient http)
{
    /// <summary>Runs <paramref name="query"/> over [<paramref name="start"/>, <paramref name="end"/>] at <paramref name="step"/>.</summary>
    /// <returns>One entry per series: its labels and points, oldest first. Samples that are not numbers (NaN, +Inf) are left out.</returns>
    /// <exception cref="PrometheusException">The server could not be reached, refused the query, or answered something else than a matrix.</exception>
    public async Task<IReadOnlyList<(IReadOnlyDictionary<string, string> Labels, IReadOnlyList<SeriesPoint> Points)>> QueryRangeAsync(
        Uri server, string query, DateTimeOffset start, DateTimeOffset end, TimeSpan step, CancellationToken cancellationToken)
    {
        var url = new Uri(server, "api/v1/query_range?" + string.Join('&',
            "query=" + Uri.EscapeDataString(query),
            FormattableString.Invariant($"start={start.ToUnixTimeMilliseconds() / 1000.0}"),
            FormattableString.Invariant($"end={end.ToUnixTimeMilliseconds() / 1000.0}"),
            FormattableString.Invariant($"step={Math.Max(1, step.TotalSeconds)}")));
        JsonDocument json;
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            try
            {
                json = JsonDocument.Parse(body);
            }
            catch (JsonException)
            {
                throw new PrometheusException($"{server}: '{query}': HTTP {(int)response.StatusCode}, not a Prometheus API answer");
            }
        }
        catch (HttpRequestException ex)
        {
            throw new PrometheusException($"{server}: could not be reached: {ex.Message}");
        }

        using (json)
        {
            var root = json.RootElement;
            if (root.GetProperty("status").GetString() != "success")
            {
                var kind = root.TryGetProperty("errorType", out var t) ? t.GetString() : "error";
                var message = root.TryGetProperty("error", out var e) ? e.GetString() : "no message";
                throw new PrometheusException($"{server}: '{query}' was refused ({kind}): {message}");
            }

            var data = root.GetProperty("data");
            if (data.GetProperty("resultType").GetString() != "matrix")
            {
                throw new PrometheusException($"{server}: '{query}' is not a range vector; accepted: an instant-vector selector or expression");
            }

            var series = new List<(IReadOnlyDictionary<string, string>, IReadOnlyList<SeriesPoint>)>();
            foreach (var item in data.GetProperty("result").EnumerateArray())
            {
                var labels = item.GetProperty("metric").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString() ?? string.Empty, StringComparer.Ordinal);
                var points = new List<SeriesPoint>();
                foreach (var pair in item.GetProperty("values").EnumerateArray())
                {
                    var seconds = pair[0].GetDouble();
                    if (double.TryParse(pair[1].GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
                    {
                        points.Add(new SeriesPoint(DateTimeOffset.UnixEpoch.AddMilliseconds(seconds * 1000), value));
                    }
                }

                series.Add((labels, points));
            }

            return series;
        }
    }
}

/// <summary>A Prometheus query that failed; the message names the server and the query.</summary>
internal sealed class PrometheusException(string message) : Exception(message);
