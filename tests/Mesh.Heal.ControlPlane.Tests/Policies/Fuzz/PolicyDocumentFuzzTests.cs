using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using CsCheck;
using Mesh.Heal.Testing;
using Mesh.Heal.ControlPlane.Policies;
using Mesh.Heal.Policy;
using Mesh.Heal.Protocol.Mapping;

namespace Mesh.Heal.ControlPlane.Tests.Policies.Fuzz;

/// <summary>Fuzzes <see cref="PolicyDocument.Parse(string, string?, PolicyDocumentLimits)"/> with documents built from the YAML grammar (issue 17).</summary>
/// <remarks>
/// The property: Parse never throws, returns within a bounded time and allocation, returns either a policy or errors that
/// name a field, and a policy it accepts passes the validator and survives the wire mapping unchanged. Runs a fixed seed for
/// a bounded number of documents; each file in <c>Corpus/policy-document</c> is replayed as its own case and also seeds the
/// mutations.
/// </remarks>
public class PolicyDocumentFuzzTests
{
    private const ulong Seed = 0x5EED_0002;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(30);
    private const int Iterations = 3_000;
    private const long MaxAllocatedBytes = 256L * 1024 * 1024;
    private static readonly TimeSpan MaxParseTime = TimeSpan.FromSeconds(5);
    private const string CorpusDirectory = "Policies/Fuzz/Corpus/policy-document";

    private static readonly string[] Keys =
    [
        "service", "defaults", "clusters", "backend", "backup", "circuitBreaker", "failureRatio", "minimumThroughput", "consecutiveFailures",
        "samplingDuration", "breakDuration", "slowCallDuration", "degradedRatio", "recoveryDuration", "timeout", "retry", "maxAttempts",
        "budgetPercent", "outlierDetection", "ejectionDuration", "maxEjectionPercent", "fallback", "cluster", "response", "statusCode",
        "contentType", "body", "headers", "override", "X-Reason", "Content-Length", "Transfer-Encoding", "TIMEOUT", "clusterz", "mtls",
    ];

    private static readonly string[] OddKeys = ["<<", "\"\"", "\"a:b\"", "ключ", "'x y'", "\"\\u0000\"", "0", "1", "\"\\r\\n\"", "!!int 3", "? a", "\"\\uD800\""];

    private static readonly string[] Scalars =
    [
        "orders", "payments", "backup", "backend", "0.5", "1", "0", "-1", "2", "10", "200", "503", "101", "204", "1e300", "-1e300", "1e309",
        ".nan", ".inf", "-.inf", "NaN", "Infinity", "2147483648", "99999999999999999999", "0x10", "1_000", "2s", "250ms", "1e300s",
        "9999999999999d", "00:00:02", "-00:00:01", "10675199.02:48:05.4775807", "1.5m", "off", "~", "null", "''", "\"\"", "true", "none",
        "forceOpen", "forceFallback", "forceHalfOpen", "text/plain", "application/json; charset=utf-8", "\"a\\r\\nb: c\"", "\"caf\\u00e9\"",
        "chunked", "|\n  block\n", "!!binary aGk=", "!custom x", "\"\\U0001F600\"", "'it''s'", "`", "@", "%", "&", "*", "-", "?", ":", "#", "required", "Permissive",
    ];

    private static readonly Gen<string> Key = Gen.Frequency(
        (8, Gen.OneOf(Keys)),
        (2, Gen.OneOf(OddKeys)),
        (1, Gen.String[Gen.Char["abcXYZ-_.:é0 "], 1, 10].Select(k => JsonSerializer.Serialize(k))));

    private static readonly Gen<string> Scalar = Gen.Frequency(
        (8, Gen.OneOf(Scalars)),
        (1, Gen.Double.Select(d => d.ToString("R", CultureInfo.InvariantCulture))),
        (1, Gen.Long.Select(l => l.ToString(CultureInfo.InvariantCulture))),
        (1, Gen.Select(Gen.Double, Gen.OneOf("ms", "s", "m", "h", "d")).Select(p => p.Item1.ToString("R", CultureInfo.InvariantCulture) + p.Item2)),
        (1, Gen.String[Gen.Char, 0, 12].Select(s => JsonSerializer.Serialize(s))));

    private static readonly Gen<string> Node = Gen.Recursive<string>((depth, node) => depth >= 4
        ? Scalar
        : Gen.Frequency(
            (4, Scalar),
            (4, Gen.Select(Key, node).Array[0, 4].Select(pairs => "{" + string.Join(", ", pairs.Select(p => p.Item1 + ": " + p.Item2)) + "}")),
            (1, node.Array[0, 3].Select(items => "[" + string.Join(", ", items) + "]")),
            (1, Gen.Select(Gen.Int[0, 3], node).Select(p => $"&a{p.Item1} {p.Item2}")),
            (1, Gen.Int[0, 3].Select(i => $"*a{i}")),
            (1, Gen.Select(node, node).Select(p => "{? " + p.Item1 + " : " + p.Item2 + "}")),
            (1, Gen.Int[1, 100].Select(d => new string('[', d) + new string(']', d)))));

    /// <summary>A whole document: a mapping, usually for orders, in flow style (valid YAML and nearly JSON), sometimes mutated.</summary>
    private static readonly Gen<string> Document = Gen.Frequency(
        (6, Gen.Select(Gen.Select(Key, Node).Array[0, 6], Gen.Bool).Select(p =>
            "{" + (p.Item2 ? "service: orders, " : string.Empty) + string.Join(", ", p.Item1.Select(kv => kv.Item1 + ": " + kv.Item2)) + "}")),
        (2, Gen.Select(Gen.OneOf(Corpus().Select(c => c.Text).DefaultIfEmpty("service: orders").ToArray()), Gen.Int[0, 10_000], Gen.String[0, 8])
            .Select(p => Mutate(p.Item1, p.Item2, p.Item3))),
        (1, Gen.Select(Gen.Int[1, 8], Gen.Int[2, 12]).Select(p => Laughs(p.Item1, p.Item2))));

    public static TheoryData<string> CorpusFiles() => FuzzCorpus.Files(CorpusDirectory);

    [Fact]
    public void Corpus_IsThere()
    {
        Assert.True(Corpus().Count() >= 10, "the corpus was not copied to the output directory: " + CorpusDirectory);
    }

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Parse_CorpusFile_HoldsTheProperty(string name)
    {
        Check(File.ReadAllText(FuzzCorpus.Path(name)));
    }

    [Fact]
    public void Parse_GeneratedDocuments_HoldTheProperty()
    {
        FuzzRunner.Run(Document, Check, Seed, Iterations, Budget);
    }

    /// <summary>The property every document must hold.</summary>
    private static void Check(string text)
    {
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        var clock = Stopwatch.StartNew();
        var (service, policy, errors) = PolicyDocument.Parse(text, null, PolicyDocumentLimits.Default);
        clock.Stop();
        allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;

        // Generous bounds: they catch a hang or an expansion, not a slow machine.
        Assert.True(clock.Elapsed < MaxParseTime, $"Parse took {clock.Elapsed}");
        Assert.True(allocated < MaxAllocatedBytes, $"Parse allocated {allocated} bytes");
        Assert.All(errors, e => Assert.False(string.IsNullOrEmpty(e.Field) || string.IsNullOrEmpty(e.Message), $"an error without a field or message: {e}"));
        if (policy is null)
        {
            Assert.NotEmpty(errors);
            return;
        }

        Assert.Empty(errors);
        Assert.True(PolicyDocument.IsServiceName(service));
        Assert.Empty(ResiliencePolicyValidator.Validate(policy, knownClusters: null, root: string.Empty));
        var (back, wireErrors) = PolicyMapping.FromWire(PolicyMapping.ToWire(policy), policy.Version);
        Assert.Empty(wireErrors);
        Assert.True(back!.SameRulesAs(policy), "the accepted policy did not survive the wire mapping");
    }

    private static IEnumerable<(string Name, string Text)> Corpus() =>
        Directory.EnumerateFiles(FuzzCorpus.Path(CorpusDirectory)).Order(StringComparer.Ordinal).Select(f => (Path.GetFileName(f), File.ReadAllText(f)));

    private static string Mutate(string text, int at, string insert)
    {
        at = text.Length == 0 ? 0 : at % text.Length;
        return (at % 3) switch
        {
            0 => text[..at] + insert + text[at..],
            1 => text[..at],
            _ => text[..at] + text[Math.Min(text.Length, at + insert.Length + 1)..],
        };
    }

    private static string Laughs(int levels, int fanOut)
    {
        var text = new System.Text.StringBuilder("service: orders\nl0: &l0 [" + string.Join(", ", Enumerable.Repeat("lol", fanOut)) + "]\n");
        for (var level = 1; level <= levels; level++)
        {
            text.Append($"l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", fanOut))}]\n");
        }

        return text.ToString();
    }
}
