using System.Globalization;
using System.Text.Json;
using Mesh.Heal.Agents.Scaling;
using Mesh.Heal.Policy;

namespace Mesh.Heal.Cli.Analyze;

/// <summary><c>meshctl analyze scaling &lt;events.json&gt;</c>: judges a service's scaling history and replays it under the
/// policy in force and under the best one found.</summary>
/// <remarks>
/// The file: <c>{ "capacityPerReplica": 100, "policy": { "minReplicas": 2, "maxReplicas": 10, "targetUtilization": 0.7,
/// "scaleUpStabilization": "0s", "scaleDownStabilization": "5m" }, "samples": [ { "timestamp": "2026-11-25T10:00:00Z",
/// "load": 350, "replicas": 5 } ] }</c>. Load is in the unit of the capacity (requests/s, cores). A sample that is not of
/// that shape is dropped and counted.
/// </remarks>
internal static class ScalingCommand
{
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static async Task<int> RunAsync(string command, string path, TextReader input, TextWriter output, TextWriter error, bool json)
    {
        JsonDocument document;
        try
        {
            var text = path == "-" ? await input.ReadToEndAsync() : await File.ReadAllTextAsync(path);
            document = JsonDocument.Parse(text);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"{command}: '{path}' could not be read: {ex.Message}");
            return 2;
        }
        catch (JsonException ex)
        {
            await error.WriteLineAsync($"{command}: '{path}' is not JSON: {ex.Message}");
            return 1;
        }

        using (document)
        {
            var (capacity, policy, samples, dropped, problem) = Read(document.RootElement);
            if (problem is not null)
            {
                await error.WriteLineAsync($"{command}: {problem}");
                return 1;
            }

            if (dropped > 0)
            {
                await error.WriteLineAsync($"{command}: {dropped} malformed sample(s) dropped (each needs timestamp, load >= 0 and replicas >= 0)");
            }

            var recorded = ScalingAnalysis.Judge(samples, capacity, policy.TargetUtilization);
            var suggestion = ScalingAnalysis.Suggest(samples, capacity, policy);
            await output.WriteLineAsync(json ? Json(recorded, suggestion) : Table(recorded, suggestion));
            return 0;
        }
    }

    private static (double Capacity, HpaPolicy Policy, List<ScalingSample> Samples, int Dropped, string? Problem) Read(JsonElement root)
    {
        var none = (0.0, HpaPolicy.Default(1, 1, 0.7), new List<ScalingSample>(), 0);
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("capacityPerReplica", out var c) || !c.TryGetDouble(out var capacity) || capacity <= 0)
        {
            return (none.Item1, none.Item2, none.Item3, 0, "capacityPerReplica is missing or not a positive number (the load one replica serves, in the samples' unit)");
        }

        var p = root.TryGetProperty("policy", out var pe) && pe.ValueKind == JsonValueKind.Object ? pe : default;
        int Int(string name, int fallback) => p.ValueKind == JsonValueKind.Object && p.TryGetProperty(name, out var v) && v.TryGetInt32(out var i) ? i : fallback;
        double Double(string name, double fallback) => p.ValueKind == JsonValueKind.Object && p.TryGetProperty(name, out var v) && v.TryGetDouble(out var d) ? d : fallback;
        TimeSpan? Duration(string name, TimeSpan fallback) =>
            p.ValueKind != JsonValueKind.Object || !p.TryGetProperty(name, out var v) ? fallback
            : v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var seconds) && seconds >= 0 ? TimeSpan.FromSeconds(seconds)
            : v.ValueKind == JsonValueKind.String && DurationParser.TryParse(v.GetString()!, out var parsed) ? parsed : null;

        var samples = new List<ScalingSample>();
        var dropped = 0;
        if (root.TryGetProperty("samples", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var s in list.EnumerateArray())
            {
                if (s.ValueKind == JsonValueKind.Object
                    && s.TryGetProperty("timestamp", out var ts) && ts.ValueKind == JsonValueKind.String
                    && DateTimeOffset.TryParse(ts.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time)
                    && s.TryGetProperty("load", out var l) && l.TryGetDouble(out var load) && load >= 0 && double.IsFinite(load)
                    && s.TryGetProperty("replicas", out var r) && r.TryGetInt32(out var replicas) && replicas >= 0)
                {
                    samples.Add(new ScalingSample(time, load, replicas));
                }
                else
                {
                    dropped++;
                }
            }
        }

        samples.Sort((a, b) => a.Time.CompareTo(b.Time));
        var min = Int("minReplicas", Math.Max(1, samples.Count == 0 ? 1 : samples.Min(s => s.Replicas)));
        var max = Int("maxReplicas", Math.Max(min, samples.Count == 0 ? 1 : samples.Max(s => s.Replicas)));
        var target = Double("targetUtilization", 0.7);
        var up = Duration("scaleUpStabilization", TimeSpan.Zero);
        var down = Duration("scaleDownStabilization", TimeSpan.FromMinutes(5));
        var problem = samples.Count < 2 ? "samples has fewer than 2 usable entries ({ \"timestamp\", \"load\", \"replicas\" })"
            : min < 1 || max < min ? $"policy.minReplicas {min} and maxReplicas {max} are not accepted; accepted: 1 <= minReplicas <= maxReplicas"
            : target is <= 0 or > 1 ? $"policy.targetUtilization {target} is not accepted; accepted: above 0, at most 1"
            : up is null || down is null ? "policy.scaleUpStabilization / scaleDownStabilization is not accepted; accepted: seconds, or a duration such as 30s or 5m"
            : null;
        return (capacity, problem is null ? new HpaPolicy(min, max, target, up!.Value, down!.Value) : none.Item2, samples, dropped, problem);
    }

    private static string Table(ScalingReport recorded, ScalingSuggestion suggestion)
    {
        var lines = new List<string> { "time                  from  to  verdict    why" };
        lines.AddRange(recorded.Events.Select(e => $"{e.Time:yyyy-MM-dd HH:mm:ss}  {e.From,4} {e.To,3}  {e.Verdict,-9}  {e.Reason}"));
        lines.Add(string.Empty);
        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"recorded: {recorded.Events.Count} events, accuracy {recorded.Accuracy:P0}, saturated {recorded.SaturatedShare:P1} of samples, {recorded.ReplicaHours:0.#} replica-hours"));
        lines.Add("replay, policy in force: " + Replay(suggestion.Current, suggestion.CurrentReport));
        lines.Add(suggestion.Changes ? "replay, suggested:       " + Replay(suggestion.Suggested, suggestion.SuggestedReport) : "suggested: keep the policy in force (no policy tried did better)");
        return string.Join(Environment.NewLine, lines);
    }

    private static string Replay(HpaPolicy policy, ScalingReport report) => string.Create(CultureInfo.InvariantCulture,
        $"{policy}: {report.Events.Count} events, {report.Wrong} wrong, saturated {report.SaturatedShare:P1}, {report.ReplicaHours:0.#} replica-hours");

    private static string Json(ScalingReport recorded, ScalingSuggestion suggestion)
    {
        static object Policy(HpaPolicy p) => new
        {
            p.MinReplicas, p.MaxReplicas, p.TargetUtilization,
            scaleUpStabilization = DurationParser.Format(p.ScaleUpStabilization), scaleDownStabilization = DurationParser.Format(p.ScaleDownStabilization),
        };
        static object Report(ScalingReport r) => new { events = r.Events.Count, r.Wrong, r.Accuracy, r.SaturatedShare, r.ReplicaHours };
        return JsonSerializer.Serialize(
            new
            {
                events = recorded.Events.Select(e => new { timestamp = e.Time, e.From, e.To, e.Verdict, e.Reason }),
                accuracy = recorded.Accuracy,
                recorded = Report(recorded),
                current = new { policy = Policy(suggestion.Current), replay = Report(suggestion.CurrentReport) },
                suggested = new { policy = Policy(suggestion.Suggested), replay = Report(suggestion.SuggestedReport), changes = suggestion.Changes },
            },
            JsonOptions);
    }
}
