using System.Globalization;

namespace Mesh.Heal.Benchmarks.Load;

/// <summary>The figures of one load run that issue 18's targets are judged on, for the sidecar (NativeAOT unless noted).</summary>
/// <param name="RssAt1000Mb">Largest RSS sampled (every 100 ms) while at the fixed rate of 1,000 requests/s.</param>
/// <param name="SidecarRps">Mean requests/s at saturation.</param>
/// <param name="BareYarpJitRps">Bare YARP (JIT) mean requests/s at saturation.</param>
/// <param name="NginxRps">nginx mean requests/s at saturation.</param>
/// <param name="CpuPer1000">CPU seconds per 1,000 requests at the fixed rate.</param>
/// <param name="NginxCpuPer1000">nginx's (master and workers), same.</param>
/// <param name="AddedP99Us">p99 at the fixed rate through the sidecar minus direct, µs.</param>
/// <param name="NginxAddedP99Us">The same through nginx.</param>
/// <param name="ReadyMs">Median time from process start to the first 200 through it, ms.</param>
/// <param name="FloorP99Us">The generator's p99 straight at the upstream: per-hop differences below it are noise.</param>
internal sealed record LoadFigures(
    double RssAt1000Mb, double SidecarRps, double BareYarpJitRps, double NginxRps, double CpuPer1000, double NginxCpuPer1000,
    double AddedP99Us, double NginxAddedP99Us, double ReadyMs, double FloorP99Us);

/// <summary>One target of the issue: what is measured, the figure, the bound and whether it is met.</summary>
internal sealed record TargetResult(string Target, string Figure, string Verdict, bool Met);

/// <summary>Judges a run against issue 18's targets: RSS ≤ 30 MB at 1,000 requests/s (step ≤ 40), requests/s ≥ 1.0× bare
/// YARP JIT and ≥ 0.8× nginx, CPU per 1,000 requests ≤ nginx × 1.5, added p99 per hop ≤ nginx's, ready ≤ 100 ms.</summary>
internal static class LoadTargets
{
    public const double RssMb = 30;
    public const double RssStepMb = 40;
    public const double VersusBareYarp = 1.0;
    public const double VersusNginx = 0.8;
    public const double CpuVersusNginx = 1.5;
    public const double ReadyMs = 100;

    public static IReadOnlyList<TargetResult> Evaluate(LoadFigures f)
    {
        var rssVerdict = f.RssAt1000Mb <= RssMb ? "met" : f.RssAt1000Mb <= RssStepMb ? "missed (step <= 40 met)" : "missed (step <= 40 missed too)";
        var yarp = f.SidecarRps / f.BareYarpJitRps;
        var nginx = f.SidecarRps / f.NginxRps;
        var cpu = f.CpuPer1000 / f.NginxCpuPer1000;
        return
        [
            new("RSS at 1,000 requests/s <= 30 MiB (step <= 40)", Format($"{f.RssAt1000Mb:0.0} MiB"), rssVerdict, f.RssAt1000Mb <= RssMb),
            Judge("requests/s >= 1.0x bare YARP JIT", Format($"{yarp:0.00}x ({f.SidecarRps:0} vs {f.BareYarpJitRps:0})"), yarp >= VersusBareYarp),
            Judge("requests/s >= 0.8x nginx", Format($"{nginx:0.00}x ({f.SidecarRps:0} vs {f.NginxRps:0})"), nginx >= VersusNginx),
            Judge("CPU per 1,000 requests <= nginx x 1.5", Format($"{f.CpuPer1000:0.000} s vs nginx {f.NginxCpuPer1000:0.000} s ({cpu:0.00}x)"), cpu <= CpuVersusNginx),
            LatencyJudge(f),
            Judge("ready <= 100 ms", Format($"{f.ReadyMs:0.0} ms"), f.ReadyMs <= ReadyMs),
        ];
    }

    // A difference smaller than the instrument's own p99 is reported, and said to be noise.
    private static TargetResult LatencyJudge(LoadFigures f)
    {
        var met = f.AddedP99Us <= f.NginxAddedP99Us;
        var verdict = (met ? "met" : "missed") + (Math.Abs(f.AddedP99Us - f.NginxAddedP99Us) < f.FloorP99Us ? " (within the floor: noise)" : string.Empty);
        return new("added p99 per hop <= nginx's", Format($"{f.AddedP99Us:0} us vs nginx {f.NginxAddedP99Us:0} us"), verdict, met);
    }

    private static TargetResult Judge(string target, string figure, bool met) => new(target, figure, met ? "met" : "missed", met);

    private static string Format(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
