using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mesh.Heal.Chaos;

namespace Mesh.Heal.Benchmarks.Load;

/// <summary><c>load</c>: wrk against one tiny upstream four ways (direct, bare YARP, the sidecar with its default policy,
/// nginx), alternating in one run, then a fixed-rate run with hey for the latency each hop adds.</summary>
internal static partial class LoadBenchmark
{
    private static readonly string[] Names = ["direct", "yarp", "sidecar", "nginx"];

    public static async Task<int> RunAsync(ReadOnlyMemory<string> args, TextWriter output)
    {
        int seconds = 10, connections = 32, rounds = 3, rate = 1000, fixedSeconds = 10;
        string? json = null;
        var a = args.Span;
        for (var i = 0; i < a.Length; i += 2)
        {
            var value = i + 1 < a.Length ? a[i + 1] : null;
            var ok = a[i] switch
            {
                "--seconds" => int.TryParse(value, CultureInfo.InvariantCulture, out seconds) && seconds is >= 1 and <= 300,
                "--connections" => int.TryParse(value, CultureInfo.InvariantCulture, out connections) && connections is >= 1 and <= 1000,
                "--rounds" => int.TryParse(value, CultureInfo.InvariantCulture, out rounds) && rounds is >= 1 and <= 20,
                "--rate" => int.TryParse(value, CultureInfo.InvariantCulture, out rate) && rate is >= 10 and <= 20000,
                "--fixed-seconds" => int.TryParse(value, CultureInfo.InvariantCulture, out fixedSeconds) && fixedSeconds is >= 1 and <= 300,
                "--json" => (json = value) is not null,
                _ => false,
            };
            if (!ok)
            {
                await Console.Error.WriteLineAsync($"load: '{a[i]} {value}' is not accepted; accepted: --seconds 1-300, --connections 1-1000, --rounds 1-20, --rate 10-20000, --fixed-seconds 1-300, --json <file>");
                return 2;
            }
        }

        if (await Tools.EnsureAsync(("wrk", "wrk"), ("nginx", "nginx-light"), ("hey", "hey")) is { } missing)
        {
            await Console.Error.WriteLineAsync("load: " + missing);
            return 2;
        }

        await using var mesh = new ChaosMesh();
        var upstream = await mesh.UpstreamAsync("upstream");
        var sidecar = await mesh.SidecarAsync("bench", ChaosMesh.SidecarConfig("bench", ("backend", [upstream.Address]), new { }));
        var (yarp, yarpReady) = await ChaosProcess.StartAsync(
            "bare YARP", typeof(LoadBenchmark).Assembly.Location, ["bare-yarp", upstream.Address], YarpListening());
        await using var _ = yarp;
        await using var nginx = await NginxProcess.StartAsync(upstream.Address);
        var targets = new (string Name, Uri Address, IReadOnlyList<int> Pids)[]
        {
            ("direct", new Uri(upstream.Address), []),
            ("yarp", new Uri(yarpReady.Groups[1].Value), [yarp.Id]),
            ("sidecar", sidecar.Proxy, [sidecar.Process.Id]),
            ("nginx", nginx.Address, ProcessStats.WithChildren(nginx.Id)),
        };

        await output.WriteLineAsync($"Mesh.Heal load: wrk -t1 -c{connections} -d{seconds}s, {rounds} rounds alternating direct, bare YARP, sidecar (default policy), nginx (worker_processes auto); one tiny upstream; {Environment.ProcessorCount} cores shared by wrk, the proxy and the upstream");
        await output.WriteLineAsync();
        await output.WriteLineAsync("| round | target | requests/s | p50 ms | p99 ms | proxy CPU % | proxy RSS MiB |");
        await output.WriteLineAsync("|---|---|---|---|---|---|---|");
        var runs = new List<(string Target, double Rps, double P50, double P99, double Cpu, double Rss)>();
        foreach (var target in targets)
        {
            await WrkAsync(target.Address, 1, connections); // warm-up: JIT, connection pools
        }

        for (var round = 1; round <= rounds; round++)
        {
            foreach (var (name, address, pids) in targets)
            {
                var cpu = ProcessStats.Cpu(pids);
                var clock = Stopwatch.StartNew();
                var (rps, p50, p99) = await WrkAsync(address, seconds, connections);
                var cpuPercent = pids.Count == 0 ? 0 : 100 * (ProcessStats.Cpu(pids) - cpu) / clock.Elapsed;
                var rss = ProcessStats.RssMb(pids);
                runs.Add((name, rps, p50, p99, cpuPercent, rss));
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"| {round} | {name} | {rps:0} | {p50:0.00} | {p99:0.00} | {(pids.Count == 0 ? "-" : cpuPercent.ToString("0", CultureInfo.InvariantCulture))} | {(pids.Count == 0 ? "-" : rss.ToString("0.0", CultureInfo.InvariantCulture))} |"));
            }
        }

        var mean = Names.ToDictionary(n => n, n => runs.Where(r => r.Target == n).ToList());
        double Rps(string n) => mean[n].Average(r => r.Rps);
        await output.WriteLineAsync();
        await output.WriteLineAsync("| target | mean requests/s | mean p50 ms | mean p99 ms | mean CPU % | peak RSS MiB |");
        await output.WriteLineAsync("|---|---|---|---|---|---|");
        var peaks = targets.ToDictionary(t => t.Name, t => t.Pids.Count == 0 ? 0 : ProcessStats.RssMb(t.Pids, peak: true));
        foreach (var name in Names)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {Rps(name):0} | {mean[name].Average(r => r.P50):0.00} | {mean[name].Average(r => r.P99):0.00} | {mean[name].Average(r => r.Cpu):0} | {peaks[name]:0.0} |"));
        }

        var sidecarVsNginx = Rps("sidecar") / Rps("nginx");
        var sidecarVsYarp = Rps("sidecar") / Rps("yarp");

        // Fixed rate: hey with 10 workers at a tenth of the rate each, against each target in turn; the sidecar's p99 minus the
        // direct p99 is what the hop adds. hey reports to 0.1 ms.
        await output.WriteLineAsync();
        await output.WriteLineAsync($"fixed rate: {rate} requests/s for {fixedSeconds} s to each target in turn (hey -c 10 -q {rate / 10})");
        var fixedP99 = new Dictionary<string, double>();
        foreach (var (name, address, pids) in targets)
        {
            var (p50, p99) = await HeyAsync(address, rate, fixedSeconds);
            fixedP99[name] = p99;
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"  {name,-8} p50 {p50:0.0} ms  p99 {p99:0.0} ms  {(pids.Count == 0 ? string.Empty : $"RSS {ProcessStats.RssMb(pids):0.0} MiB")}"));
        }

        var added = fixedP99["sidecar"] - fixedP99["direct"];
        await output.WriteLineAsync();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"summary: sidecar/nginx {sidecarVsNginx:0.00} (target >= 0.8), sidecar/bare YARP {sidecarVsYarp:0.00} (target >= 0.95), added p99 at {rate} requests/s {added:0.000} ms per hop (target <= 0.15), sidecar peak RSS {peaks["sidecar"]:0.0} MiB (target <= 40)"));
        if (json is not null)
        {
            await File.WriteAllTextAsync(json, JsonSerializer.Serialize(
                new
                {
                    runs = runs.Select(r => new { target = r.Target, rps = r.Rps, p50Ms = r.P50, p99Ms = r.P99, cpuPercent = r.Cpu, rssMb = r.Rss }),
                    sidecarVsNginx,
                    sidecarVsYarp,
                    addedP99MsAt1000Rps = added,
                },
                new JsonSerializerOptions { WriteIndented = true }));
            await output.WriteLineAsync($"wrote {json}");
        }

        return 0;
    }

    /// <summary>Runs wrk and reads requests/s and the 50th and 99th latency percentiles (ms).</summary>
    private static async Task<(double Rps, double P50, double P99)> WrkAsync(Uri address, int seconds, int connections)
    {
        var (code, text) = await Tools.RunWithOutputAsync("wrk", "-t1", $"-c{connections}", $"-d{seconds}s", "--latency", address.ToString());
        var rps = RequestsPerSecond().Match(text);
        if (code != 0 || !rps.Success)
        {
            throw new InvalidOperationException($"wrk against {address} failed ({code}): {text}");
        }

        return (double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture), WrkPercentile(text, "50%"), WrkPercentile(text, "99%"));
    }

    /// <summary>Runs hey at a fixed rate and reads the 50th and 99th latency percentiles (ms).</summary>
    private static async Task<(double P50, double P99)> HeyAsync(Uri address, int rate, int seconds)
    {
        var (code, text) = await Tools.RunWithOutputAsync(
            "hey", "-z", $"{seconds}s", "-c", "10", "-q", (rate / 10).ToString(CultureInfo.InvariantCulture), address.ToString());
        if (code != 0 || !text.Contains("99% in", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"hey against {address} failed ({code}): {text}");
        }

        double Read(string label) =>
            1000 * double.Parse(Regex.Match(text, $@"{label}% in ([\d.]+) secs").Groups[1].Value, CultureInfo.InvariantCulture);
        return (Read("50"), Read("99"));
    }

    private static double WrkPercentile(string text, string label)
    {
        var match = Regex.Match(text, $@"^\s*{Regex.Escape(label)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "ms" => value, _ => value * 1000 };
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"bare YARP listening on (\S+)")]
    private static partial Regex YarpListening();
}
