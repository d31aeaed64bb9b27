using System.Diagnostics;
using CsCheck;
using Mesh.Heal.Testing;
using Xunit.Abstractions;
using Google.Protobuf;
using Mesh.Heal.ControlPlane.Telemetry;
using Mesh.Heal.Protocol.Mapping;
using Mesh.Heal.TimeSeries;
using Microsoft.Extensions.Time.Testing;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.ControlPlane.Tests.Telemetry.Fuzz;

/// <summary>The telemetry mapper fuzzed: sidecar reports with random and extreme field values, and random bytes, through
/// the wire parser, the protocol mapping, <see cref="TelemetryValidator"/> and the aggregator.</summary>
/// <remarks>
/// The property: parsing throws nothing but <see cref="InvalidProtocolBufferException"/> (its documented rejection),
/// validation never throws and is quick, and a report it accepts keeps every invariant the validator promises, and sums
/// into rollups that are never negative nor infinite. Each file of <c>Corpus/telemetry</c> (a report in protobuf JSON, or
/// <c>base64:</c> and raw bytes) is replayed as its own case.
/// </remarks>
public class TelemetryFuzzTests(ITestOutputHelper output)
{
    private const ulong Seed = 0x5EED_0017;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(8);
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 10, 0, 0, TimeSpan.Zero);
    private static readonly TelemetryLimits Limits = new(MaxClusters: 16, MaxCount: 10_000_000, MaxClockSkew: TimeSpan.FromMinutes(5));

    private static readonly Gen<long> Count = Gen.Frequency(
        (6, Gen.Long[0, 1000]),
        (2, Gen.OneOf(0L, 1L, -1L, long.MaxValue, long.MinValue, long.MaxValue - 1, 10_000_000L, 10_000_001L, 1_000_000_000_000L, int.MaxValue + 1L)),
        (1, Gen.Long));

    private static readonly Gen<int> SmallInt = Gen.Frequency((4, Gen.Int[0, 1000]), (1, Gen.OneOf(-1, int.MinValue, int.MaxValue)), (1, Gen.Int));

    private static readonly Gen<double> Real = Gen.Frequency(
        (5, Gen.Double[0, 100_000]),
        (2, Gen.OneOf(double.NaN, double.PositiveInfinity, double.NegativeInfinity, 1e308, -1e308, double.MaxValue, double.Epsilon, -0.0, -1.0, 8.64e7, 8.64e7 + 1)),
        (1, Gen.Double));

    private static readonly Gen<string> Name = Gen.Frequency(
        (6, Gen.OneOf("backend", "payments", "orders", "a", "10.0.0.7:8080")),
        (2, Gen.String[Gen.Char, 0, 40]),
        (1, Gen.OneOf(string.Empty, " ", "back\r\nend", "zoë", new string('x', 253), new string('x', 254), "\0", "\uD800", new string('é', 300))));

    private static readonly Gen<Wire.ClusterReport> Cluster =
        from name in Name
        from counts in Count.Array[10]
        from latency in Gen.Frequency((4, Count.Array[LatencyHistogram.BucketCount]), (1, Count.Array[0, 20]))
        from sum in Real
        from states in Gen.Int.Array[2]
        select Build(name, counts, latency, sum, states);

    // A report a real sidecar could send: consistent counts, a histogram of the requests, sane latency.
    private static readonly Gen<Wire.ClusterReport> PlausibleCluster =
        from name in Gen.OneOf("backend", "payments", "orders", "stock", "10.0.0.7:8080", "b")
        from requests in Gen.Long[0, 1000]
        from retries in Gen.Long[0, 20]
        from shares in Gen.Double.Unit.Array[8]
        from buckets in Gen.Int[0, LatencyHistogram.BucketCount - 1].Array[0, 30]
        from perRequestMs in Gen.Double[0, 20_000]
        from states in Gen.Int[0, 4].Array[2]
        select Plausible(name, requests, retries, shares, buckets, perRequestMs, states);

    // A plausible cluster with one field set to something extreme.
    private static readonly Gen<Wire.ClusterReport> MutatedCluster =
        from c in PlausibleCluster
        from field in Gen.Int[0, 12]
        from count in Count
        from real in Real
        select Mutate(c, field, count, real);

    private static readonly Gen<Wire.ResourceSample?> Resources = Gen.Frequency(
        (2, Gen.Const<Wire.ResourceSample?>(() => null)),
        (3, from bytes in Count.Array[3] from ints in SmallInt.Array[4]
            select (Wire.ResourceSample?)new Wire.ResourceSample
            {
                WorkingSetBytes = bytes[0], GcHeapBytes = bytes[1], MemoryLimitBytes = bytes[2], Threads = ints[0], OpenHandles = ints[1], Connections = ints[2], MaxHandles = ints[3],
            }));

    private static readonly Gen<Wire.SidecarReport> PlausibleReport =
        from clusters in Gen.Frequency((4, PlausibleCluster), (1, MutatedCluster)).Array[0, 6]
        from sidecar in Gen.Frequency((1, Gen.Const<Wire.ResourceSample?>(() => null)), (2, Gen.Long[0, 1L << 40].Select(b => (Wire.ResourceSample?)new Wire.ResourceSample { WorkingSetBytes = b, Threads = 20 })))
        from time in Gen.Frequency((1, Gen.Const<long?>(() => null)), (2, Gen.Long[-290, 290].Select(s => (long?)(Now.ToUnixTimeSeconds() + s))))
        from version in Gen.Long[0, 100]
        select Assemble(clusters.Select((c, i) => { c.Cluster += "-" + i; return c; }).ToArray(), [.. LatencyHistogram.BoundsMs], sidecar, null, time, 0, 1, version);

    private static readonly Gen<Wire.SidecarReport> WildReport =
        from clusters in Gen.Frequency((3, PlausibleCluster), (2, MutatedCluster), (1, Cluster)).Array[0, 20]
        from bounds in Gen.Frequency((6, Gen.Const(LatencyHistogram.BoundsMs.ToArray())), (1, Real.Array[0, 20]))
        from sidecar in Resources
        from service in Resources
        from time in Gen.Frequency((6, Gen.Const<long?>(() => null)), (3, Gen.Long[-600, 600].Select(s => (long?)(Now.ToUnixTimeSeconds() + s))), (1, Gen.Long.Select(s => (long?)s)))
        from nanos in Gen.Frequency((5, Gen.Int[0, 999_999_999]), (1, Gen.Int))
        from interval in Gen.Frequency((6, Gen.Const<long?>(() => null)), (3, Gen.Long[0, 10].Select(s => (long?)s)), (1, Gen.Long.Select(s => (long?)s)))
        from version in Count
        select Assemble(clusters, bounds, sidecar, service, time, nanos, interval, version);

    private static readonly Gen<Wire.SidecarReport> Report = Gen.Frequency((2, PlausibleReport), (1, WildReport));

    // Valid serialisations with a few bytes changed: mostly rejected by the parser, sometimes a different valid report.
    private static readonly Gen<byte[]> Bytes = Gen.Frequency(
        (1, Gen.Byte.Array[0, 256]),
        (3, from report in Report from flips in Gen.Select(Gen.Int[0, 4096], Gen.Byte).Array[1, 4]
            select Flip(report.ToByteArray(), flips)));

    [Fact]
    public void Reports_RandomAndExtremeFields_NeverThrow_AcceptedOnesKeepEveryInvariant()
    {
        var accepted = 0;
        var runs = FuzzRunner.Run(Report, r => accepted += CheckReport(r) ? 1 : 0, Seed, iterations: 4000, Budget);

        output.WriteLine($"{runs} reports, {accepted} accepted");
        Assert.True(runs >= 50, $"only {runs} inputs ran in the budget");
        Assert.True(accepted > runs / 10 && accepted < runs, $"{accepted} of {runs} accepted: the generator must reach both sides of the validator");
    }

    [Fact]
    public void WireBytes_RandomAndMutated_AreParsedOrRejected_NeverAnythingElse()
    {
        var parsed = 0;
        var runs = FuzzRunner.Run(Bytes, b => parsed += CheckBytes(b) ? 1 : 0, Seed + 1, iterations: 4000, Budget);

        output.WriteLine($"{runs} inputs, {parsed} parsed");
        Assert.True(runs >= 50, $"only {runs} inputs ran in the budget");
        Assert.True(parsed > 0 && parsed < runs, $"{parsed} of {runs} parsed: the mutations must reach both sides of the parser");
    }

    public static TheoryData<string> Corpus() => FuzzCorpus.Files("Telemetry/Fuzz/Corpus/telemetry");

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Corpus_EachFile_KeepsTheProperty(string file)
    {
        var text = File.ReadAllText(FuzzCorpus.Path(file));
        if (text.StartsWith("base64:", StringComparison.Ordinal))
        {
            _ = CheckBytes(Convert.FromBase64String(text["base64:".Length..].Trim()));
            return;
        }

        _ = CheckReport(JsonParser.Default.Parse<Wire.SidecarReport>(text));
    }

    // True when the bytes parse as a report.
    private static bool CheckBytes(byte[] bytes)
    {
        Wire.SidecarReport report;
        try
        {
            report = Wire.SidecarReport.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException)
        {
            return false;
        }

        CheckReport(report);
        return true;
    }

    // True when the validator accepts the report.
    private static bool CheckReport(Wire.SidecarReport report)
    {
        var clock = Stopwatch.StartNew();
        var validation = TelemetryValidator.Validate(report, Limits, Now);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"validation took {clock.Elapsed}");
        Assert.Equal(validation.IsValid, validation.Reason is null);
        Assert.All(validation.Errors, e => Assert.False(string.IsNullOrEmpty(e.Field)));
        Assert.All(validation.Errors, e => Assert.True(e.Message.Length < 2000, $"an error message of {e.Message.Length} characters"));
        if (!validation.IsValid)
        {
            return false;
        }

        AssertInvariants(report);

        // What is accepted round-trips through the wire unchanged (as bytes: proto3 does not send -0.0, so the parsed
        // message may hold +0.0 where the generated one held -0.0), and is accepted again.
        var bytes = report.ToByteArray();
        var again = Wire.SidecarReport.Parser.ParseFrom(bytes);
        Assert.Equal(bytes, again.ToByteArray());
        Assert.True(TelemetryValidator.Validate(again, Limits, Now).IsValid);

        // Accepted: the same report twice from each of two instances sums without wrapping.
        var time = new FakeTimeProvider(Now);
        var aggregator = new TelemetryAggregator(time);
        aggregator.Add("orders", "a", report);
        aggregator.Add("orders", "a", report);
        aggregator.Add("orders", "b", report);
        foreach (var (_, cluster, counts, latency) in aggregator.Window(Now.AddMinutes(-1), Now.AddMinutes(1)))
        {
            Assert.True(TelemetryValidator.IsName(cluster));
            Assert.True(counts.Requests >= 0 && counts.Success >= 0 && counts.Attempts >= 0 && counts.CallerFailures >= 0, $"{counts}");
            Assert.All(latency, n => Assert.True(n >= 0));
            Assert.InRange(counts.FailureRatio, 0, 1);
        }

        var (rollups, resources) = aggregator.Drain();
        foreach (var r in rollups)
        {
            Assert.True(r.Requests >= 0 && r.Success >= 0 && r.ServerErrors >= 0 && r.Timeouts >= 0 && r.TransportErrors >= 0 && r.Slow >= 0
                && r.Rejected >= 0 && r.Fallbacks >= 0 && r.Retries >= 0 && r.CallerFailures >= 0, $"{r}");
            Assert.True(double.IsFinite(r.LatencySumMs) && r.LatencySumMs >= 0, $"latency sum {r.LatencySumMs}");
            Assert.All(r.LatencyCounts, n => Assert.True(n >= 0));
        }

        Assert.All(resources, r => Assert.True(r.WorkingSetMax >= 0 && r.GcHeapMax >= 0 && r.ThreadsMax >= 0 && r.HandlesMax >= 0 && r.ConnectionsMax >= 0));
        foreach (var c in report.Clusters)
        {
            _ = PolicyMapping.FromWire(c.Health);
            _ = PolicyMapping.FromWire(c.Breaker);
        }

        return true;
    }

    // What an accepted report promises, stated on its own rather than by calling the validator again.
    private static void AssertInvariants(Wire.SidecarReport report)
    {
        Assert.InRange(report.Clusters.Count, 0, Limits.MaxClusters);
        Assert.Equal(report.Clusters.Count, report.Clusters.Select(c => c.Cluster).Distinct(StringComparer.Ordinal).Count());
        Assert.True(report.PolicyVersion >= 0);
        if (report.Time is { } t)
        {
            Assert.InRange(t.ToDateTimeOffset(), Now - Limits.MaxClockSkew, Now + Limits.MaxClockSkew);
        }

        if (report.Interval is { } interval)
        {
            Assert.InRange(interval.ToTimeSpan(), TimeSpan.Zero, TimeSpan.FromHours(1));
        }

        foreach (var sample in new[] { report.SidecarResources, report.ServiceResources }.OfType<Wire.ResourceSample>())
        {
            Assert.True(sample.WorkingSetBytes >= 0 && sample.GcHeapBytes >= 0 && sample.MemoryLimitBytes >= 0 && sample.Threads >= 0
                && sample.OpenHandles >= 0 && sample.Connections >= 0 && sample.MaxHandles >= 0);
        }

        foreach (var c in report.Clusters)
        {
            Assert.True(TelemetryValidator.IsName(c.Cluster));
            long[] counts = [c.Requests, c.Success, c.ServerErrors, c.Timeouts, c.TransportErrors, c.Slow, c.Rejected, c.Fallbacks, c.Retries, c.CallerFailures, .. c.LatencyCounts];
            Assert.All(counts, n => Assert.InRange(n, 0, Limits.MaxCount));
            Assert.True(c.LatencyCounts.Count is 0 || c.LatencyCounts.Count == LatencyHistogram.BucketCount);
            if (c.LatencyCounts.Count > 0)
            {
                Assert.Equal(LatencyHistogram.BoundsMs, report.LatencyBoundsMs);
            }

            var finished = c.LatencyCounts.Sum();
            Assert.InRange(finished, 0, Limits.MaxCount);
            var requests = Math.Max(c.Requests, finished);
            Assert.True(c.Success <= requests && c.Fallbacks <= requests && c.CallerFailures <= requests && c.Rejected <= requests);
            Assert.True(c.Success + c.Slow + c.ServerErrors + c.Timeouts + c.TransportErrors <= requests + c.Retries);
            Assert.True(double.IsFinite(c.LatencySumMs) && c.LatencySumMs >= 0 && c.LatencySumMs <= Math.Max(1, requests) * TelemetryValidator.MaxLatencyPerRequestMs);
        }
    }

    private static Wire.ClusterReport Build(string name, long[] counts, long[] latency, double sum, int[] states)
    {
        var c = new Wire.ClusterReport
        {
            Cluster = name, Requests = counts[0], Success = counts[1], ServerErrors = counts[2], Timeouts = counts[3], TransportErrors = counts[4],
            Slow = counts[5], Rejected = counts[6], Fallbacks = counts[7], Retries = counts[8], CallerFailures = counts[9], LatencySumMs = sum,
            Health = (Wire.HealthState)states[0], Breaker = (Wire.BreakerState)states[1],
        };
        c.LatencyCounts.Add(latency);
        return c;
    }

    private static Wire.ClusterReport Plausible(string name, long requests, long retries, double[] shares, int[] buckets, double perRequestMs, int[] states)
    {
        long Part(double share, long of) => (long)Math.Floor(share * of);
        var success = Part(shares[0], requests);
        var left = requests + retries - success;
        var c = new Wire.ClusterReport
        {
            Cluster = name, Requests = requests, Retries = retries, Success = success, Slow = Part(shares[1] / 4, left), ServerErrors = Part(shares[2] / 4, left),
            Timeouts = Part(shares[3] / 4, left), TransportErrors = Part(shares[4] / 4, left), Fallbacks = Part(shares[5], requests),
            CallerFailures = Part(shares[6], requests), Rejected = Part(shares[7], requests), LatencySumMs = requests * perRequestMs,
            Health = (Wire.HealthState)states[0], Breaker = (Wire.BreakerState)states[1],
        };
        var latency = new long[LatencyHistogram.BucketCount];
        for (var i = 0; i < requests; i++)
        {
            latency[buckets.Length == 0 ? 0 : buckets[i % buckets.Length]]++;
        }

        c.LatencyCounts.Add(latency);
        return c;
    }

    private static Wire.ClusterReport Mutate(Wire.ClusterReport plausible, int field, long count, double real)
    {
        var c = plausible.Clone();
        switch (field)
        {
            case 0: c.Requests = count; break;
            case 1: c.Success = count; break;
            case 2: c.ServerErrors = count; break;
            case 3: c.Timeouts = count; break;
            case 4: c.TransportErrors = count; break;
            case 5: c.Slow = count; break;
            case 6: c.Rejected = count; break;
            case 7: c.Fallbacks = count; break;
            case 8: c.Retries = count; break;
            case 9: c.CallerFailures = count; break;
            case 10: c.LatencySumMs = real; break;
            case 11: c.LatencyCounts[(int)(Math.Abs(count % LatencyHistogram.BucketCount))] = count; break;
            default: c.LatencyCounts.Clear(); break;
        }

        return c;
    }

    private static Wire.SidecarReport Assemble(
        Wire.ClusterReport[] clusters, double[] bounds, Wire.ResourceSample? sidecar, Wire.ResourceSample? service, long? time, int nanos, long? interval, long version)
    {
        var report = new Wire.SidecarReport { SidecarResources = sidecar, ServiceResources = service, PolicyVersion = version };
        report.LatencyBoundsMs.Add(bounds);
        report.Clusters.Add(clusters);
        if (time is { } seconds)
        {
            report.Time = new Google.Protobuf.WellKnownTypes.Timestamp { Seconds = seconds, Nanos = nanos };
        }

        if (interval is { } s)
        {
            report.Interval = new Google.Protobuf.WellKnownTypes.Duration { Seconds = s, Nanos = nanos };
        }

        return report;
    }

    private static byte[] Flip(byte[] bytes, (int At, byte Value)[] flips)
    {
        foreach (var (at, value) in flips)
        {
            if (bytes.Length > 0)
            {
                bytes[at % bytes.Length] = value;
            }
        }

        return bytes;
    }
}
