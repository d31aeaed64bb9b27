using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mesh.Heal.Chaos;

namespace Mesh.Heal.Benchmarks.Load;

/// <summary><c>load</c>: every figure issue 18 asks of the sidecar, in one run, side by side with nginx and bare YARP.</summary>
/// <remarks>
/// One upstream (nginx <c>return 200 "ok"</c>, one worker, an instance of its own) behind five proxies: nginx, bare YARP
/// (JIT and NativeAOT), the sidecar with its default policy (JIT and NativeAOT). In order: time from start to ready (a few
/// starts each, median); a fixed rate with the open-loop generator (tests/bench/openloop.c) for the latency each hop adds
/// (proxy minus direct, same round), CPU per 1,000 requests and RSS at that rate; then saturation with wrk -t1 -cN for
/// requests/s, CPU per 1,000 requests and RSS. Rounds alternate the targets so that they all see the same machine.
/// </remarks>
internal static partial class LoadBenchmark
{
    private const string Direct = "direct";
    private const string NginxProxy = "nginx";
    private const string YarpJit = "yarp-jit";
    private const string YarpAot = "yarp-aot";
    private const string SidecarJit = "sidecar-jit";
    private const string SidecarAot = "sidecar-aot";
    private static readonly string[] Proxies = [NginxProxy, YarpJit, YarpAot, SidecarJit, SidecarAot];

    private sealed record Options(
        int Seconds = 5, int Connections = 32, int Rounds = 3, int Rate = 1000, int FixedSeconds = 8, int FixedRounds = 2,
        int FixedConnections = 64, int Starts = 3, string? SidecarAot = null, string? YarpAot = null, string? Json = null);

    private sealed record Launcher(string Name, Func<int, Task<(ChaosProcess Process, Uri Address)>> StartAsync);

    private sealed record Target(string Name, Uri Address, ChaosProcess Process)
    {
        /// <summary>The process and its children (nginx's workers), read once, after it is ready.</summary>
        public IReadOnlyList<int> Pids { get; } = ProcessStats.WithChildren(Process.Id);
    }

    private sealed record StartRun(string Target, double[] ListeningMs, double[] FirstOkMs);

    private sealed record FixedRun(int Round, string Target, OpenLoopResult Result, double CpuPer1000, double RssMb);

    private sealed record SaturationRun(int Round, string Target, double Rps, double P50Ms, double P99Ms, long Requests, long Errors, double CpuPer1000, double RssMb);

    public static async Task<int> RunAsync(ReadOnlyMemory<string> args, TextWriter output)
    {
        if (!TryParse(args.Span, out var options, out var error))
        {
            await Console.Error.WriteLineAsync("load: " + error);
            return 2;
        }

        if (await Tools.EnsureAsync(("wrk", "wrk"), ("nginx", "nginx-light"), ("cc", "gcc")) is { } missing)
        {
            await Console.Error.WriteLineAsync("load: " + missing);
            return 2;
        }

        var work = Directory.CreateTempSubdirectory("meshheal-load-").FullName;
        var owned = new List<ChaosProcess>();

        // Ctrl+C ends the benchmark without the finally below: stop what it started here.
        void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            lock (owned)
            {
                owned.ForEach(p => p.Kill());
            }
        }

        Console.CancelKeyPress += OnCancel;
        try
        {
            return await RunAsync(options, work, owned, output);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or FileNotFoundException)
        {
            await Console.Error.WriteLineAsync("load: " + ex.Message);
            return 1;
        }
        finally
        {
            Console.CancelKeyPress -= OnCancel;
            foreach (var process in owned)
            {
                await process.DisposeAsync();
            }

            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<int> RunAsync(Options o, string work, List<ChaosProcess> owned, TextWriter output)
    {
        var root = Programs.Root;
        var total = Stopwatch.StartNew();
        var loadBefore = LoadAverage();
        var openLoop = await OpenLoop.BuildAsync(root, work);
        var sidecarAot = await AotBinaries.SidecarAsync(root, o.SidecarAot, output);
        var yarpAot = await AotBinaries.BareYarpAsync(root, o.YarpAot, output);
        var yarpJit = Path.Combine(root, "tests", "Mesh.Heal.Benchmarks.BareYarp", "bin", Programs.Configuration, "net10.0", "bare-yarp.dll");
        if (!File.Exists(yarpJit))
        {
            throw new FileNotFoundException($"{yarpJit} is not built; run: dotnet build Mesh.Heal.sln -c {Programs.Configuration}");
        }

        using var client = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1) }) { Timeout = TimeSpan.FromSeconds(2) };

        // The upstream: nginx answering 200 "ok" from one worker, steadier than a Kestrel app (no GC, no JIT, no thread pool).
        var upstreamSetup = Nginx.Configure(work, "upstream", null);
        var (upstream, _) = await ChaosProcess.StartMeasuredAsync("upstream nginx", upstreamSetup.FileName, upstreamSetup.Args, null);
        Own(owned, upstream);
        await upstream.FirstOkAsync(client, upstreamSetup.Address);
        var upstreamUrl = upstreamSetup.Address.ToString();
        var sidecarConfig = Path.Combine(work, "sidecar.json");
        await File.WriteAllTextAsync(sidecarConfig, ChaosMesh.SidecarConfig("bench", ("backend", [upstreamUrl]), new { }));
        string[] sidecarArgs =
        [
            "--config", sidecarConfig, "--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0", "--Sidecar:Instance=bench",
            "--Logging:LogLevel:Default=Warning", "--Logging:LogLevel:Mesh.Heal.Sidecar.Hosting.SidecarHost=Information",
        ];

        var launchers = new Launcher[]
        {
            new(NginxProxy, async i =>
            {
                var (file, nginxArgs, address) = Nginx.Configure(work, $"nginx-{i}", upstreamSetup.Address);
                return ((await ChaosProcess.StartMeasuredAsync(NginxProxy, file, nginxArgs, null)).Process, address);
            }),
            new(YarpJit, _ => StartDotnetAsync(YarpJit, "dotnet", [yarpJit, upstreamUrl], YarpListening())),
            new(YarpAot, _ => StartDotnetAsync(YarpAot, yarpAot, [upstreamUrl], YarpListening())),
            new(SidecarJit, _ => StartDotnetAsync(SidecarJit, "dotnet", [Programs.Sidecar, .. sidecarArgs], SidecarListening())),
            new(SidecarAot, _ => StartDotnetAsync(SidecarAot, sidecarAot, sidecarArgs, SidecarListening())),
        };

        await output.WriteLineAsync($"Mesh.Heal load benchmark: {Environment.ProcessorCount} cores shared by the generators, the proxies and the upstream; load average before: {loadBefore}");
        await output.WriteLineAsync($"  upstream: nginx return 200 \"ok\", 1 worker, {upstreamUrl}; generators: wrk -t1 -c{o.Connections} (saturation), {openLoop.Description} (fixed rate)");
        await output.WriteLineAsync($"  sidecar JIT: dotnet {Programs.Sidecar}; sidecar AOT: {sidecarAot}; bare YARP JIT: dotnet {yarpJit}; bare YARP AOT: {yarpAot}");

        // Start-up: from process start to the listening line, then to the first 200 through the proxy (the upstream is up).
        var starts = Proxies.ToDictionary(p => p, _ => (Listening: new List<double>(), FirstOk: new List<double>()));
        for (var i = 0; i < o.Starts; i++)
        {
            foreach (var launcher in launchers)
            {
                var (process, address) = await launcher.StartAsync(i);
                Own(owned, process);
                var ok = await process.FirstOkAsync(client, address);
                starts[launcher.Name].Listening.Add(process.ListeningAfter.TotalMilliseconds);
                starts[launcher.Name].FirstOk.Add(ok.TotalMilliseconds);
                await process.DisposeAsync();
                lock (owned)
                {
                    owned.Remove(process);
                }
            }
        }

        var startRuns = Proxies.Select(p => new StartRun(p, [.. starts[p].Listening], [.. starts[p].FirstOk])).ToList();
        await output.WriteLineAsync();
        await output.WriteLineAsync($"## Time from process start to ready ({o.Starts} starts each, median; ms)");
        await output.WriteLineAsync("| target | listening line | first 200 through it | each start's first 200 |");
        await output.WriteLineAsync("|---|---|---|---|");
        foreach (var run in startRuns)
        {
            await output.WriteLineAsync(Invariant($"| {run.Target} | {(run.Target == NginxProxy ? "-" : Median(run.ListeningMs).ToString("0.0", CultureInfo.InvariantCulture))} | {Median(run.FirstOkMs):0.0} | {string.Join(", ", run.FirstOkMs.Select(v => v.ToString("0", CultureInfo.InvariantCulture)))} |"));
        }

        // The proxies measured from here on, started once each.
        var targets = new List<Target> { new(Direct, upstreamSetup.Address, upstream) };
        foreach (var launcher in launchers)
        {
            var (process, address) = await launcher.StartAsync(100);
            Own(owned, process);
            await process.FirstOkAsync(client, address);
            targets.Add(new Target(launcher.Name, address, process));
        }

        // Fixed rate first, so that RSS at 1,000 requests/s is not what saturation left behind. Each target is warmed up at
        // the rate first (tiered JIT, connection pools); the warm-up is not recorded.
        foreach (var target in targets)
        {
            await openLoop.RunAsync(target.Address, o.Rate, 2, 0, o.FixedConnections);
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync($"## Fixed rate: {o.Rate} requests/s for {o.FixedSeconds} s on {o.FixedConnections} keep-alive connections, {o.FixedRounds} rounds alternating; latency from each request's due time (µs)");
        await output.WriteLineAsync("| round | target | p50 | p90 | p99 | p99.9 | max | errors | send-late p99 | generator wake-late p99 | CPU s/1,000 req | RSS MiB (max) |");
        await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|---|---|---|");
        var fixedRuns = new List<FixedRun>();
        for (var round = 1; round <= o.FixedRounds; round++)
        {
            foreach (var target in targets)
            {
                var pids = target.Pids;
                var cpu = ProcessStats.Cpu(pids);
                var (result, rss) = await WithMaxRssAsync(pids, openLoop.RunAsync(target.Address, o.Rate, o.FixedSeconds, 0, o.FixedConnections));
                var cpuPer1000 = (ProcessStats.Cpu(pids) - cpu).TotalSeconds / Math.Max(1, result.Count + result.Errors) * 1000;
                fixedRuns.Add(new FixedRun(round, target.Name, result, cpuPer1000, rss));
                await output.WriteLineAsync(Invariant(
                    $"| {round} | {target.Name} | {result.P50:0.0} | {result.P90:0.0} | {result.P99:0.0} | {result.P999:0.0} | {result.Max:0} | {result.Errors} | {result.SendLateP99:0.0} | {result.WakeLateP99:0.0} | {cpuPer1000:0.000} | {rss:0.0} |"));
            }
        }

        var peakAtRate = targets.ToDictionary(t => t.Name, t => ProcessStats.RssMb(t.Pids, peak: true));

        // Saturation.
        foreach (var target in targets)
        {
            await WrkAsync(target.Address, 2, o.Connections);
        }

        await output.WriteLineAsync();
        await output.WriteLineAsync($"## Saturation: wrk -t1 -c{o.Connections} -d{o.Seconds}s, {o.Rounds} rounds alternating");
        await output.WriteLineAsync("| round | target | requests/s | p50 ms | p99 ms | errors | CPU s/1,000 req | RSS MiB (max) |");
        await output.WriteLineAsync("|---|---|---|---|---|---|---|---|");
        var saturationRuns = new List<SaturationRun>();
        for (var round = 1; round <= o.Rounds; round++)
        {
            foreach (var target in targets)
            {
                var pids = target.Pids;
                var cpu = ProcessStats.Cpu(pids);
                var (wrk, rss) = await WithMaxRssAsync(pids, WrkAsync(target.Address, o.Seconds, o.Connections));
                var cpuPer1000 = (ProcessStats.Cpu(pids) - cpu).TotalSeconds / Math.Max(1, wrk.Requests) * 1000;
                saturationRuns.Add(new SaturationRun(round, target.Name, wrk.Rps, wrk.P50, wrk.P99, wrk.Requests, wrk.Errors, cpuPer1000, rss));
                await output.WriteLineAsync(Invariant(
                    $"| {round} | {target.Name} | {wrk.Rps:0} | {wrk.P50:0.00} | {wrk.P99:0.00} | {wrk.Errors} | {cpuPer1000:0.000} | {rss:0.0} |"));
            }
        }

        var peak = targets.ToDictionary(t => t.Name, t => ProcessStats.RssMb(t.Pids, peak: true));

        // Per target: means over rounds; the latency a hop adds is the proxy's percentile minus direct's in the same round.
        double Rps(string name) => saturationRuns.Where(r => r.Target == name).Average(r => r.Rps);
        double Added(string name, Func<OpenLoopResult, double> percentile) => fixedRuns.Where(r => r.Target == name)
            .Average(r => percentile(r.Result) - percentile(fixedRuns.Single(d => d.Target == Direct && d.Round == r.Round).Result));
        // The quietest round (lowest direct p99) shows what the hop adds when the machine is least disturbed.
        var quiet = fixedRuns.Where(r => r.Target == Direct).MinBy(r => r.Result.P99)!.Round;
        double AddedQuiet(string name, Func<OpenLoopResult, double> percentile) =>
            percentile(fixedRuns.Single(r => r.Target == name && r.Round == quiet).Result) - percentile(fixedRuns.Single(r => r.Target == Direct && r.Round == quiet).Result);
        var summary = targets.Select(t => new
        {
            target = t.Name,
            rps = Rps(t.Name),
            cpuPer1000AtRate = fixedRuns.Where(r => r.Target == t.Name).Average(r => r.CpuPer1000),
            cpuPer1000AtSaturation = saturationRuns.Where(r => r.Target == t.Name).Average(r => r.CpuPer1000),
            rssAtRateMb = fixedRuns.Where(r => r.Target == t.Name).Max(r => r.RssMb),
            rssAtSaturationMb = saturationRuns.Where(r => r.Target == t.Name).Max(r => r.RssMb),
            peakRssAtRateMb = peakAtRate[t.Name],
            peakRssMb = peak[t.Name],
            addedP50Us = t.Name == Direct ? 0 : Added(t.Name, r => r.P50),
            addedP99Us = t.Name == Direct ? 0 : Added(t.Name, r => r.P99),
            addedP50UsQuietRound = t.Name == Direct ? 0 : AddedQuiet(t.Name, r => r.P50),
            addedP99UsQuietRound = t.Name == Direct ? 0 : AddedQuiet(t.Name, r => r.P99),
            readyMs = t.Name == Direct ? double.NaN : Median(startRuns.Single(s => s.Target == t.Name).FirstOkMs),
        }).ToList();
        var floor = fixedRuns.Where(r => r.Target == Direct).Select(r => r.Result).ToList();

        await output.WriteLineAsync();
        await output.WriteLineAsync(Invariant(
            $"## Generator floor: openloop straight at the upstream (nginx return 200): p50 {floor.Average(r => r.P50):0.0} µs, p99 {floor.Average(r => r.P99):0.0} µs, p99.9 {floor.Average(r => r.P999):0.0} µs; its own timer wake-up p99 {fixedRuns.Average(r => r.Result.WakeLateP99):0.0} µs over all runs (means over rounds). Per-hop differences below the direct p99 are within the instrument's noise (generator and upstream)."));
        await output.WriteLineAsync();
        await output.WriteLineAsync($"## Per target (means over rounds; RSS of nginx is master plus workers; added latency is proxy minus direct at {o.Rate} requests/s, mean of rounds and in round {quiet}, the quietest)");
        await output.WriteLineAsync("| target | requests/s | CPU s/1,000 req at rate | at saturation | RSS MiB at rate | at saturation | peak RSS at rate | peak RSS | added p50 µs | added p99 µs | quietest round: added p50 | added p99 | ready ms |");
        await output.WriteLineAsync("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (var s in summary)
        {
            await output.WriteLineAsync(Invariant(
                $"| {s.target} | {s.rps:0} | {s.cpuPer1000AtRate:0.000} | {s.cpuPer1000AtSaturation:0.000} | {s.rssAtRateMb:0.0} | {s.rssAtSaturationMb:0.0} | {s.peakRssAtRateMb:0.0} | {s.peakRssMb:0.0} | {s.addedP50Us:0} | {s.addedP99Us:0} | {s.addedP50UsQuietRound:0} | {s.addedP99UsQuietRound:0} | {(double.IsNaN(s.readyMs) ? "-" : s.readyMs.ToString("0.0", CultureInfo.InvariantCulture))} |"));
        }

        // Ratios of mean requests/s, with the range of the same ratio round by round (how much the machine moved).
        var ratios = new (string Name, string Numerator, string Denominator)[]
        {
            ("sidecar JIT / bare YARP JIT", SidecarJit, YarpJit),
            ("sidecar AOT / bare YARP JIT", SidecarAot, YarpJit),
            ("sidecar AOT / bare YARP AOT", SidecarAot, YarpAot),
            ("sidecar JIT / nginx", SidecarJit, NginxProxy),
            ("sidecar AOT / nginx", SidecarAot, NginxProxy),
            ("bare YARP JIT / nginx", YarpJit, NginxProxy),
            ("bare YARP AOT / nginx", YarpAot, NginxProxy),
        }.Select(r =>
        {
            var perRound = Enumerable.Range(1, o.Rounds).Select(round =>
                saturationRuns.Single(x => x.Target == r.Numerator && x.Round == round).Rps / saturationRuns.Single(x => x.Target == r.Denominator && x.Round == round).Rps).ToList();
            return new { ratio = r.Name, value = Rps(r.Numerator) / Rps(r.Denominator), min = perRound.Min(), max = perRound.Max() };
        }).ToList();
        await output.WriteLineAsync();
        await output.WriteLineAsync("## requests/s ratios at saturation (mean; per-round range)");
        foreach (var r in ratios)
        {
            await output.WriteLineAsync(Invariant($"  {r.ratio,-28} {r.value:0.00}  ({r.min:0.00}-{r.max:0.00})"));
        }

        var byName = summary.ToDictionary(s => s.target);
        LoadFigures Figures(string sidecar) => new(
            byName[sidecar].rssAtRateMb, byName[sidecar].rps, byName[YarpJit].rps, byName[NginxProxy].rps,
            byName[sidecar].cpuPer1000AtRate, byName[NginxProxy].cpuPer1000AtRate, byName[sidecar].addedP99Us, byName[NginxProxy].addedP99Us,
            byName[sidecar].readyMs, floor.Average(r => r.P99));
        var aotTargets = LoadTargets.Evaluate(Figures(SidecarAot));
        var jitTargets = LoadTargets.Evaluate(Figures(SidecarJit));
        var loadAfter = LoadAverage();
        await output.WriteLineAsync();
        await output.WriteLineAsync($"## Issue 18 targets: the sidecar published with NativeAOT (JIT build for comparison); load average after: {loadAfter}; {total.Elapsed.TotalSeconds:0} s in all");
        for (var i = 0; i < aotTargets.Count; i++)
        {
            await output.WriteLineAsync($"  {aotTargets[i].Target,-48} {aotTargets[i].Figure,-36} {aotTargets[i].Verdict,-30} (JIT: {jitTargets[i].Figure}, {jitTargets[i].Verdict})");
        }

        await output.WriteLineAsync(Invariant(
            $"  (instrument: openloop's p99 straight at the upstream is {floor.Average(r => r.P99):0} µs; a per-hop p99 difference smaller than that is noise)"));
        if (o.Json is not null)
        {
            await File.WriteAllTextAsync(o.Json, JsonSerializer.Serialize(
                new
                {
                    options = o,
                    cores = Environment.ProcessorCount,
                    loadAverageBefore = loadBefore,
                    loadAverageAfter = loadAfter,
                    generator = openLoop.Description,
                    binaries = new { sidecarJit = Programs.Sidecar, sidecarAot, yarpJit, yarpAot },
                    start = startRuns.Select(s => new { target = s.Target, listeningMs = s.ListeningMs, firstOkMs = s.FirstOkMs, medianFirstOkMs = Median(s.FirstOkMs) }),
                    floor = new { p50Us = floor.Average(r => r.P50), p99Us = floor.Average(r => r.P99), p999Us = floor.Average(r => r.P999), sendLateP99Us = floor.Average(r => r.SendLateP99), wakeLateP99Us = fixedRuns.Average(r => r.Result.WakeLateP99) },
                    fixedRate = fixedRuns,
                    saturation = saturationRuns,
                    summary = summary.Select(s => new
                    {
                        s.target, s.rps, s.cpuPer1000AtRate, s.cpuPer1000AtSaturation, s.rssAtRateMb, s.rssAtSaturationMb, s.peakRssAtRateMb, s.peakRssMb,
                        s.addedP50Us, s.addedP99Us, s.addedP50UsQuietRound, s.addedP99UsQuietRound, quietRound = quiet, readyMs = double.IsNaN(s.readyMs) ? (double?)null : s.readyMs,
                    }),
                    ratios,
                    targets = new { sidecarAot = aotTargets, sidecarJit = jitTargets },
                },
                new JsonSerializerOptions { WriteIndented = true }));
            await output.WriteLineAsync($"wrote {o.Json}");
        }

        return 0;
    }

    private static void Own(List<ChaosProcess> owned, ChaosProcess process)
    {
        lock (owned)
        {
            owned.Add(process);
        }
    }

    private static async Task<(ChaosProcess Process, Uri Address)> StartDotnetAsync(string name, string fileName, string[] args, Regex ready)
    {
        var (process, match) = await ChaosProcess.StartMeasuredAsync(name, fileName, args, ready);
        return (process, new Uri(match!.Groups[1].Value));
    }

    /// <summary>Runs <paramref name="work"/> and samples the processes' RSS every 100 ms meanwhile; returns the largest.</summary>
    private static async Task<(T Result, double MaxRssMb)> WithMaxRssAsync<T>(IReadOnlyList<int> pids, Task<T> work)
    {
        var max = ProcessStats.RssMb(pids);
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(100));
        while (!work.IsCompleted)
        {
            await Task.WhenAny(work, timer.WaitForNextTickAsync().AsTask());
            max = Math.Max(max, ProcessStats.RssMb(pids));
        }

        return (await work, max);
    }

    /// <summary>Runs wrk and reads requests/s, the 50th and 99th latency percentiles (ms), the request count and errors.</summary>
    private static async Task<(double Rps, double P50, double P99, long Requests, long Errors)> WrkAsync(Uri address, int seconds, int connections)
    {
        var (code, text) = await Tools.RunWithOutputAsync("wrk", "-t1", $"-c{connections}", $"-d{seconds}s", "--latency", address.ToString());
        var rps = RequestsPerSecond().Match(text);
        var requests = RequestCount().Match(text);
        if (code != 0 || !rps.Success || !requests.Success)
        {
            throw new InvalidOperationException($"wrk against {address} failed ({code}): {text}");
        }

        var errors = Regex.Match(text, @"Non-2xx or 3xx responses: (\d+)") is { Success: true } non2xx ? long.Parse(non2xx.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        if (Regex.Match(text, @"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)") is { Success: true } socket)
        {
            errors += Enumerable.Range(1, 4).Sum(g => long.Parse(socket.Groups[g].Value, CultureInfo.InvariantCulture));
        }

        return (double.Parse(rps.Groups[1].Value, CultureInfo.InvariantCulture), WrkPercentile(text, "50%"), WrkPercentile(text, "99%"),
            long.Parse(requests.Groups[1].Value, CultureInfo.InvariantCulture), errors);
    }

    private static double WrkPercentile(string text, string label)
    {
        var match = Regex.Match(text, $@"^\s*{Regex.Escape(label)}\s+([\d.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var value = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        return match.Groups[2].Value switch { "us" => value / 1000, "ms" => value, _ => value * 1000 };
    }

    private static double Median(IReadOnlyList<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static string LoadAverage() => File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "?";

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    private static bool TryParse(ReadOnlySpan<string> a, out Options options, out string error)
    {
        options = new Options();
        error = string.Empty;
        for (var i = 0; i < a.Length; i += 2)
        {
            var value = i + 1 < a.Length ? a[i + 1] : null;
            int number = 0;
            bool Int(int min, int max) => int.TryParse(value, CultureInfo.InvariantCulture, out number) && number >= min && number <= max;
            Options? next = a[i] switch
            {
                "--seconds" when Int(1, 300) => options with { Seconds = number },
                "--connections" when Int(1, 1000) => options with { Connections = number },
                "--rounds" when Int(1, 20) => options with { Rounds = number },
                "--rate" when Int(10, 50000) => options with { Rate = number },
                "--fixed-seconds" when Int(1, 300) => options with { FixedSeconds = number },
                "--fixed-rounds" when Int(1, 20) => options with { FixedRounds = number },
                "--fixed-connections" when Int(1, 1000) => options with { FixedConnections = number },
                "--starts" when Int(1, 50) => options with { Starts = number },
                "--sidecar-aot" when value is not null => options with { SidecarAot = value },
                "--yarp-aot" when value is not null => options with { YarpAot = value },
                "--json" when value is not null => options with { Json = value },
                _ => null,
            };
            if (next is null)
            {
                error = $"'{a[i]} {value}' is not accepted; accepted: --seconds 1-300, --connections 1-1000, --rounds 1-20, --rate 10-50000, "
                    + "--fixed-seconds 1-300, --fixed-rounds 1-20, --fixed-connections 1-1000, --starts 1-50, --sidecar-aot <executable>, --yarp-aot <executable>, --json <file>";
                return false;
            }

            options = next;
        }

        return true;
    }

    [GeneratedRegex(@"Requests/sec:\s+([\d.]+)")]
    private static partial Regex RequestsPerSecond();

    [GeneratedRegex(@"(\d+) requests in ")]
    private static partial Regex RequestCount();

    [GeneratedRegex(@"bare YARP listening on (\S+)")]
    private static partial Regex YarpListening();

    [GeneratedRegex(@"listening: proxy (\S+) h2c \S+ admin (\S+)")]
    private static partial Regex SidecarListening();
}
