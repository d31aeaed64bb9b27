using System.Diagnostics;
using CsCheck;
using Mesh.Heal.Testing;
using Xunit.Abstractions;
using Mesh.Heal.Agents.Logs;
using Mesh.Heal.ControlPlane.Logs;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mesh.Heal.ControlPlane.Tests.Logs.Fuzz;

/// <summary>The log record readers fuzzed: the <see cref="LogRecordReader"/> that <c>meshctl analyze logs</c> and every
/// log source use, and the <see cref="LogCollector"/> behind <c>MeshControl.IngestLogs</c> (reader, analyzer, digest).</summary>
/// <remarks>
/// Inputs: random and odd Unicode (lone surrogates, NUL, BOM, bidi marks), huge lines, deeply nested and wrongly typed
/// JSON, and fragments of real records and stack traces (.NET, Java, Python, Go) in random order. The property: nothing
/// throws, each batch finishes quickly, a record never joins more than <see cref="LogRecordReader.MaximumLinesPerRecord"/>
/// lines, malformed lines are counted rather than kept, and allocation stays within a fixed multiple of the input. Each
/// file of <c>Corpus/logs</c> (one batch of lines) is replayed as its own case.
/// </remarks>
public class LogReaderFuzzTests(ITestOutputHelper output)
{
    private const ulong Seed = 0x5EED_0010;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan PerBatch = TimeSpan.FromSeconds(5);

    private static readonly Gen<string> OddText = Gen.Frequency(
        (4, Gen.String[Gen.Char, 0, 80]),
        (2, Gen.String[Gen.Char.AlphaNumeric, 0, 40]),
        (1, Gen.OneOf("\uD800", "\uDC00x", "\0", "\uFEFF{", "\u202Eevil\u202C", "\u200B", "é", "\r", "\n", "\t", " ", "{", "}", "[", "\"", "\\")));

    private static readonly Gen<string> Fragment = Gen.OneOf(
        "2026-12-01 10:00:02,113 ERROR [http-nio-8080-exec-3] c.s.orders.OrderController - request failed",
        "fail: Orders.Api.PaymentClient[0]",
        "      Payment failed for order 42",
        "info: Microsoft.Hosting.Lifetime[14]",
        "System.NullReferenceException: Object reference not set to an instance of an object.",
        "   at Orders.Api.OrderService.Place(Order order) in /src/Orders.Api/OrderService.cs:line 57",
        "java.net.SocketTimeoutException: Read timed out",
        "\tat com.shop.orders.PaymentClient.charge(PaymentClient.java:88)",
        "Caused by: java.io.IOException: broken pipe",
        "\t... 3 more",
        "Traceback (most recent call last):",
        "  File \"/app/orders.py\", line 12, in place",
        "ValueError: invalid literal for int() with base 10: 'x'",
        "During handling of the above exception, another exception occurred:",
        "panic: runtime error: invalid memory address or nil pointer dereference",
        "goroutine 1 [running]:",
        "main.main()",
        "\t/app/main.go:12 +0x1d",
        "{\"@t\":\"2026-12-01T10:00:00Z\",\"@mt\":\"Order {Id} failed\",\"@l\":\"Error\",\"@x\":\"System.TimeoutException: The operation has timed out.\"}",
        "{\"Timestamp\":\"2026-12-01T10:00:00Z\",\"LogLevel\":\"Error\",\"Category\":\"Orders\",\"Message\":\"boom\",\"Exception\":\"x\"}",
        "{\"broken\": ",
        "{}",
        "{\"@t\": 5, \"@l\": [], \"@m\": {\"a\": 1}, \"@x\": true, \"Properties\": 7}",
        "[1, 2, 3]",
        string.Empty);

    private static readonly Gen<string> Json =
        from keys in Gen.OneOf("@t", "@m", "@mt", "@l", "@x", "Timestamp", "LogLevel", "Level", "Message", "Exception", "Category", "Properties", "SourceContext", "msg", "ts").Array[1, 6]
        from values in Gen.Frequency(
            (3, OddText.Select(t => System.Text.Json.JsonSerializer.Serialize(t))),
            (1, Gen.OneOf("null", "true", "1e400", "-0", "[]", "{}", "{\"SourceContext\": 1}", "\"9999-99-99\"", "\"2026-12-01 10:00:00,5\"")))
            .Array[6]
        select "{" + string.Join(",", keys.Select((k, i) => $"\"{k}\":{values[i]}")) + "}";

    private static readonly Gen<string> Deep = Gen.Int[1, 20_000].SelectMany(depth => Gen.OneOf(
        string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth),
        "{\"a\":" + new string('[', depth) + new string(']', depth) + "}",
        "{" + new string('[', depth)));

    private static readonly Gen<string> Huge = Gen.Int[1_000, 300_000].SelectMany(n => Gen.OneOf(
        new string('a', n), "{\"@m\":\"" + new string('x', n) + "\"}", "\tat " + new string('.', n), new string(' ', n) + "x", string.Concat(Enumerable.Repeat("a b ", n / 4))));

    private static readonly Gen<string> Line = Gen.Frequency((8, Fragment), (4, OddText), (3, Json), (1, Deep), (1, Huge));

    private static readonly Gen<string[]> Batch = Gen.Frequency(
        (4, Line.Array[1, 40]),
        // A runaway trace: one header and a long run of continuation lines.
        (1, Gen.Int[300, 1200].Select(n => (string[])["2026-12-01 10:00:02,113 ERROR x - boom", .. Enumerable.Repeat("\tat a.B.c(B.java:1)", n)])));

    [Fact]
    public void Batches_RandomLines_NeverThrow_StayBounded()
    {
        long records = 0, malformed = 0;
        var runs = FuzzRunner.Run(Batch, lines =>
        {
            var (r, m) = CheckBatch(lines);
            records += r;
            malformed += m;
        }, Seed, iterations: 1500, Budget);

        output.WriteLine($"{runs} batches, {records} records, {malformed} malformed lines");
        Assert.True(runs >= 20, $"only {runs} batches ran in the budget");
        Assert.True(records > 0 && malformed > 0, "the generator must reach records and malformed lines both");
    }

    public static TheoryData<string> Corpus() => FuzzCorpus.Files("Logs/Fuzz/Corpus/logs");

    [Theory]
    [MemberData(nameof(Corpus))]
    public void Corpus_EachFile_KeepsTheProperty(string file) =>
        _ = CheckBatch(File.ReadAllText(FuzzCorpus.Path(file)).Split('\n'));

    // The records and malformed lines of the ingest path.
    private static (int Records, int Malformed) CheckBatch(string[] lines)
    {
        var chars = lines.Sum(l => (long)l.Length);
        var clock = Stopwatch.StartNew();
        var allocated = GC.GetAllocatedBytesForCurrentThread();

        // The reader alone, as meshctl analyze logs feeds it.
        var reader = new LogRecordReader();
        var records = LogRecordReader.ReadAll(lines, reader).ToList();
        Assert.Equal(lines.Length, reader.Lines);
        Assert.InRange(reader.Malformed, 0, lines.Length);
        Assert.InRange(records.Count, 0, lines.Length);
        Assert.All(records, r =>
        {
            Assert.NotNull(r.Message);
            Assert.NotNull(r.Level);
            Assert.InRange(r.LineCount, 1, LogRecordReader.MaximumLinesPerRecord);
        });

        // The ingest path: lines over MaxLineBytes are dropped, the rest analysed.
        var options = Options.Create(new LogOptions());
        var collector = new LogCollector(options, TestStore.Metrics(), new FakeTimeProvider(new DateTimeOffset(2026, 12, 1, 10, 0, 0, TimeSpan.Zero)));
        var (pushed, malformed) = collector.Add("orders", "pod-1", LogCollector.PushSource + "pod-1", lines, complete: true);
        Assert.InRange(pushed, 0, lines.Length);
        Assert.InRange(malformed, 0, lines.Length);
        var digest = Assert.Single(collector.Digests());
        foreach (var cluster in digest.Clusters)
        {
            _ = RootCauseClassifier.Classify(cluster);
        }

        Assert.True(clock.Elapsed < PerBatch, $"a batch of {lines.Length} lines ({chars} characters) took {clock.Elapsed}");
        var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
        Assert.True(used < (64 * 2 * chars) + (64L << 20), $"a batch of {chars} characters allocated {used} bytes");
        return (pushed, malformed);
    }
}
