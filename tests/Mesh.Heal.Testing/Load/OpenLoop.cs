using System.Globalization;
using Mesh.Heal.Testing.Network;

namespace Mesh.Heal.Benchmarks.Load;

/// <summary>One fixed-rate run of tests/bench/openloop.c: latencies in µs from each request's due time.</summary>
/// <remarks><see cref="SendLateP99"/>: how late the 99th percentile request went out (the generator's wake-up plus any
/// wait for a free connection); <see cref="WakeLateP99"/>: how late the generator's timer woke it, its own floor.</remarks>
internal sealed record OpenLoopResult(long Count, long Errors, double P50, double P90, double P99, double P999, double Max, double SendLateP99, double WakeLateP99);

/// <summary>The open-loop load generator (tests/bench/openloop.c), compiled with <c>cc -O2</c> at run time.</summary>
/// <remarks>Nothing binary is committed: the C source is compiled into the benchmark's temporary directory. When running as
/// root it runs under <c>chrt -f 1</c> (real-time FIFO) so that its own wake-ups are not delayed behind other work on a
/// busy machine; the processes it measures keep their normal priority.</remarks>
internal sealed class OpenLoop
{
    private readonly string _binary;
    private readonly bool _realtime;

    private OpenLoop(string binary, bool realtime)
    {
        _binary = binary;
        _realtime = realtime;
    }

    /// <summary>How the generator runs, for the report.</summary>
    public string Description => _realtime ? "openloop (tests/bench/openloop.c, cc -O2) under chrt -f 1" : "openloop (tests/bench/openloop.c, cc -O2)";

    /// <summary>Compiles the generator into <paramref name="directory"/>.</summary>
    public static async Task<OpenLoop> BuildAsync(string root, string directory)
    {
        if (await Tools.EnsureAsync(("cc", "gcc")) is { } missing)
        {
            throw new InvalidOperationException("openloop: " + missing);
        }

        var source = Path.Combine(root, "tests", "bench", "openloop.c");
        var binary = Path.Combine(directory, "openloop");
        var (code, text) = await Tools.RunWithOutputAsync("cc", "-O2", "-Wall", "-o", binary, source);
        if (code != 0)
        {
            throw new InvalidOperationException($"cc could not compile {source}:\n{text}");
        }

        var realtime = Environment.UserName == "root" && Tools.Which("chrt") is not null
            && (await Tools.RunWithOutputAsync("chrt", "-f", "1", "true")).Code == 0;
        return new OpenLoop(binary, realtime);
    }

    /// <summary>Sends <paramref name="rate"/> requests/s to <paramref name="address"/> for <paramref name="seconds"/> after a
    /// warm-up that is not recorded; with <paramref name="samples"/>, every recorded latency (µs) is written there, one per
    /// line (<see cref="ReadSamples"/>).</summary>
    public async Task<OpenLoopResult> RunAsync(Uri address, int rate, double seconds, double warmupSeconds, int connections, string? samples = null)
    {
        var args = Arguments(address, rate, seconds, warmupSeconds, connections, samples);
        var (code, text) = _realtime ? await Tools.RunWithOutputAsync("chrt", ["-f", "1", _binary, .. args]) : await Tools.RunWithOutputAsync(_binary, args);
        return Result(address, code, text);
    }

    /// <summary>Sends <paramref name="rate"/> requests/s to <paramref name="address"/> for <paramref name="seconds"/> from
    /// inside <paramref name="network"/> (as <paramref name="uid"/> when given), as the application there would: names
    /// resolve through the namespace's hosts file and its iptables rules apply. With <paramref name="samples"/>, every
    /// recorded latency (µs) is written there, one per line (<see cref="ReadSamples"/>); the run's
    /// <see cref="OpenLoopResult.WakeLateP99"/> is read without real-time priority.</summary>
    public async Task<OpenLoopResult> RunInAsync(
        NetworkNamespace network, int? uid, Uri address, int rate, double seconds, double warmupSeconds, int connections, string? samples = null)
    {
        var binary = uid is null ? _binary : NetworkNamespace.ReachableByOthers(_binary);
        var (code, text) = await network.RunAsync(binary, Arguments(address, rate, seconds, warmupSeconds, connections, samples), uid);
        return Result(address, code, text, $" in {network.Name} (uid {uid?.ToString(CultureInfo.InvariantCulture) ?? "0"})");
    }

    private static string[] Arguments(Uri address, int rate, double seconds, double warmupSeconds, int connections, string? samples) =>
    [
        "-r", rate.ToString(CultureInfo.InvariantCulture), "-d", seconds.ToString(CultureInfo.InvariantCulture),
        "-w", warmupSeconds.ToString(CultureInfo.InvariantCulture), "-c", connections.ToString(CultureInfo.InvariantCulture),
        .. samples is null ? Array.Empty<string>() : ["-s", samples], address.ToString(),
    ];

    private static OpenLoopResult Result(Uri address, int code, string text, string where = "")
    {
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith("openloop ", StringComparison.Ordinal));
        if (code != 0 || line is null)
        {
            throw new InvalidOperationException($"openloop against {address}{where} failed ({code}): {text}");
        }

        return Parse(line);
    }

    /// <summary>The latencies (µs) a run wrote with <c>-s</c>.</summary>
    public static double[] ReadSamples(string path) =>
        [.. File.ReadLines(path).Where(l => l.Length > 0).Select(l => double.Parse(l, CultureInfo.InvariantCulture))];

    /// <summary>Reads the generator's key=value line.</summary>
    public static OpenLoopResult Parse(string line)
    {
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => double.Parse(p[1], CultureInfo.InvariantCulture));
        return new OpenLoopResult(
            (long)values["count"], (long)values["errors"], values["p50_us"], values["p90_us"], values["p99_us"], values["p999_us"],
            values["max_us"], values["send_late_p99_us"], values["wake_late_p99_us"]);
    }
}
