using System.Diagnostics;
using System.Globalization;
using CsCheck;
using Mesh.Heal.Testing;
using Mesh.Heal.Policy;
using Microsoft.Extensions.Configuration;

namespace Mesh.Heal.Core.Tests.Policy.Fuzz;

/// <summary>Fuzzes <see cref="PolicyReader"/> over random configuration and <see cref="DurationParser"/> over random text (issue 17).</summary>
/// <remarks>
/// The sidecar's <c>Resilience</c> section and its live reloads go through this reader. The property: it never throws, returns
/// within a bounded time and allocation, returns either a policy or errors that name a field, and a policy it accepts passes
/// the validator. Fixed seed and a bounded count; each file in <c>Corpus/policy-reader</c> (lines of <c>key=value</c>, a value
/// of <c>&lt;null&gt;</c> for a key without one) is replayed as its own case.
/// </remarks>
public class PolicyReaderFuzzTests
{
    private const ulong Seed = 0x5EED_0001;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(20);
    private const int Iterations = 10_000;
    private const long MaxAllocatedBytes = 64L * 1024 * 1024;
    private static readonly TimeSpan MaxReadTime = TimeSpan.FromSeconds(5);
    private const string CorpusDirectory = "Policy/Fuzz/Corpus/policy-reader";
    private static readonly string[] Known = ["backend", "backup"];

    private static readonly string[] Segments =
    [
        "Defaults", "Clusters", "backend", "backup", "ghost", "CircuitBreaker", "FailureRatio", "MinimumThroughput", "ConsecutiveFailures",
        "SamplingDuration", "BreakDuration", "SlowCallDuration", "DegradedRatio", "RecoveryDuration", "Timeout", "Retry", "MaxAttempts",
        "BudgetPercent", "OutlierDetection", "EjectionDuration", "MaxEjectionPercent", "Fallback", "Cluster", "Response", "StatusCode",
        "ContentType", "Body", "Headers", "Override", "X-Reason", "Content-Length", "timeout", "0", "1", "Clusterz", "ключ", "X A", "", "Mtls",
    ];

    private static readonly string[] Values =
    [
        "0.5", "0.1", "1", "0", "-1", "2", "10", "100", "200", "503", "101", "204", "1e300", "1e309", "NaN", "Infinity", "-Infinity",
        "2147483648", "-2147483649", "99999999999999999999", "2s", "250ms", "1e300s", "9999999999999d", "00:00:02", "-00:00:01",
        "10675199.02:48:05.4775807", "off", "", " ", "none", "forceOpen", "forceFallback", "forceHalfOpen", "backup", "backend",
        "text/plain", "not a type", "a\r\nb: c", "café", "chunked", "\0", "\uD800", "Required", "permissive", "strict",
    ];

    private static readonly Gen<string> Key = Gen.Select(Gen.Bool, Gen.OneOf(Segments).Array[1, 5]).Select(p =>
        (p.Item1 ? "Resilience:" : "Resilience:Clusters:backend:") + string.Join(':', p.Item2));

    private static readonly Gen<string?> Value = Gen.Frequency(
        (8, Gen.OneOf(Values).Select(v => (string?)v)),
        (1, Gen.Const((string?)null)),
        (1, Gen.Double.Select(d => (string?)d.ToString("R", CultureInfo.InvariantCulture))),
        (1, Gen.String[0, 12].Select(s => (string?)s)));

    private static readonly Gen<KeyValuePair<string, string?>[]> Configuration =
        Gen.Select(Key, Value).Select(p => KeyValuePair.Create(p.Item1, p.Item2)).Array[0, 12];

    public static TheoryData<string> CorpusFiles() => FuzzCorpus.Files(CorpusDirectory);

    [Fact]
    public void Corpus_IsThere()
    {
        Assert.True(CorpusFiles().Count >= 5, "the corpus was not copied to the output directory: " + CorpusDirectory);
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Read_CorpusFile_HoldsTheProperty(string name)
    {
        var pairs = File.ReadAllLines(FuzzCorpus.Path(name))
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .Select(p => KeyValuePair.Create(p[0], p.Length < 2 || p[1] == "<null>" ? null : p[1].Replace("\\r", "\r").Replace("\\n", "\n")))
            .ToArray();

        Check(pairs);
    }

    [Fact]
    public void Read_GeneratedConfigurations_HoldTheProperty()
    {
        FuzzRunner.Run(Configuration, Check, Seed, Iterations, Budget);
    }

    [Fact]
    public void DurationParser_GeneratedText_NeverThrows_AndWhatItReadsFormatsBack()
    {
        var text = Gen.Frequency(
            (4, Gen.OneOf(Values)),
            (2, Gen.Select(Gen.Double, Gen.OneOf("ms", "s", "m", "h", "d", "S", "x", "")).Select(p => p.Item1.ToString("R", CultureInfo.InvariantCulture) + p.Item2)),
            (1, Gen.Select(Gen.Int, Gen.Int[0, 23], Gen.Int[0, 59]).Select(p => $"{p.Item1}.{p.Item2}:{p.Item3}:00")),
            (1, Gen.String[0, 20]));

        FuzzRunner.Run(
            text,
            s =>
            {
                if (!DurationParser.TryParse(s, out var value))
                {
                    return;
                }

                Assert.True(value >= TimeSpan.Zero, $"'{s}' read as {value}");
                Assert.True(DurationParser.TryParse(DurationParser.Format(value), out var back), $"'{DurationParser.Format(value)}' does not read back");
                Assert.True(Math.Abs((back - value).TotalMilliseconds) <= 1, $"'{s}' read as {value}, formatted and read back as {back}");
            },
            Seed + 1,
            iterations: 20_000,
            Budget);
    }

    private static void Check(KeyValuePair<string, string?>[] pairs)
    {
        // Configuration keys are case-insensitive and a later source wins, so a key given twice is given once, last value.
        var unique = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in pairs)
        {
            unique[key] = value;
        }

        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(unique
                .Append(KeyValuePair.Create("ReverseProxy:Clusters:backend:Destinations:d1:Address", (string?)"http://127.0.0.1:1/"))
                .Append(KeyValuePair.Create("ReverseProxy:Clusters:backup:Destinations:d1:Address", (string?)"http://127.0.0.1:2/")))
            .Build();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var (policy, errors) = PolicyReader.Read(config, 1, Known);
        clock.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        Assert.True(clock.Elapsed < MaxReadTime, $"Read took {clock.Elapsed}");
        Assert.True(allocated < MaxAllocatedBytes, $"Read allocated {allocated} bytes");
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e.Field) || string.IsNullOrEmpty(e.Message), $"an error without a field or message: {e}"));
        if (policy is null)
        {
            Assert.NotEmpty(errors);
            return;
        }

        Assert.Empty(errors);
        Assert.Empty(ResiliencePolicyValidator.Validate(policy, Known));
    }
}
