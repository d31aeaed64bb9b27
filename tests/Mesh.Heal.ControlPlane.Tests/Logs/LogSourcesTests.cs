using Mesh.Heal.ControlPlane.Kubernetes;
using Mesh.Heal.ControlPlane.Logs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mesh.Heal.ControlPlane.Tests.Logs;

/// <summary>The log sources: files tailed by glob, and pod logs through a WireMock stand-in for the Kubernetes API
/// (<c>GET /api/v1/namespaces/{ns}/pods?labelSelector=</c>, <c>GET .../pods/{pod}/log?timestamps=true&amp;sinceSeconds=</c>).</summary>
public sealed class LogSourcesTests : IDisposable
{
    private const string Trace = """
        fail: Orders.Api[1]
              Request failed
              System.NullReferenceException: Object reference not set to an instance of an object.
                 at Orders.Api.Handlers.Get(String id) in /src/Orders.Api/Handlers.cs:line 12
        """;

    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly string _directory = Directory.CreateTempSubdirectory("meshheal-logs-").FullName;
    private readonly WireMockServer _kubernetes = WireMockServer.Start();

    public void Dispose()
    {
        _kubernetes.Stop();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void Tailer_NewFileByGlob_PartialLinesWait_QuietFileCompletesItsRecord_TruncationRereads()
    {
        var (collector, options) = Collector(o => o.Logs.Services["orders"] = new ServiceLogOptions { Files = [Path.Combine(_directory, "*.log")] });
        var tailer = new LogFileTailer(collector, Options.Create(options.Logs), _time, NullLogger<LogFileTailer>.Instance);
        var file = Path.Combine(_directory, "orders-0.log");

        File.WriteAllText(file, "info: Orders.Api[0]\n      started\n" + Trace.Replace("\r", string.Empty, StringComparison.Ordinal) + "\ninfo: Orders.Api[0]\n      half a li");
        tailer.PollOnce();
        var first = collector.Digests().Single();
        tailer.PollOnce();
        var quiet = collector.Digests().Single();
        File.AppendAllText(file, "ne\n");
        tailer.PollOnce();
        tailer.PollOnce();
        var completed = collector.Digests().Single();
        File.WriteAllText(file, "fail: Orders.Api[1]\n      again\n");
        tailer.PollOnce();
        tailer.PollOnce();
        var truncated = collector.Digests().Single();

        Assert.Equal(2, first.Records);
        Assert.Equal(1, first.Errors);
        Assert.Equal("System.NullReferenceException", first.Clusters.Single().Type);
        Assert.Equal(["orders-0"], first.Clusters.Single().Instances);
        Assert.Equal(2, quiet.Records);
        Assert.Equal(3, completed.Records);
        Assert.Contains(completed.Templates, t => t.Template == "half a line");
        Assert.Equal(4, truncated.Records);
        Assert.Equal(2, truncated.Errors);
    }

    [Fact]
    public async Task PodReader_ReadsEachPodsLogOnce_ByItsTimestamps()
    {
        _kubernetes.Given(Request.Create().WithPath("/api/v1/namespaces/shop/pods").WithParam("labelSelector", "app=orders").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "application/json").WithBody("""
                { "kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [
                  { "metadata": { "name": "orders-7d9f-abcde", "namespace": "shop" }, "status": { "phase": "Running" } },
                  { "metadata": { "name": "orders-7d9f-pending", "namespace": "shop" }, "status": { "phase": "Pending" } } ] }
                """));
        var log = string.Join('\n',
            Trace.Replace("\r", string.Empty, StringComparison.Ordinal).Split('\n').Select((l, i) => $"2026-12-01T11:59:5{i}.123456789Z {l}")) + "\n";
        _kubernetes.Given(Request.Create().WithPath("/api/v1/namespaces/shop/pods/orders-7d9f-abcde/log").UsingGet())
            .RespondWith(Response.Create().WithStatusCode(200).WithHeader("Content-Type", "text/plain").WithBody(log));
        var (collector, options) = Collector(o =>
        {
            o.Kubernetes.Server = _kubernetes.Url;
            o.Logs.Services["orders"] = new ServiceLogOptions { Kubernetes = new PodLogOptions { Namespace = "shop", Selector = "app=orders", Container = "app" } };
        });
        var reader = new PodLogReader(collector, new KubernetesApi(Options.Create(options.Kubernetes)), Options.Create(options.Logs), _time, NullLogger<PodLogReader>.Instance);

        await reader.PollOnceAsync(CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));
        await reader.PollOnceAsync(CancellationToken.None);

        var digest = collector.Digests().Single();
        Assert.Equal(1, digest.Records);
        Assert.Equal(["orders-7d9f-abcde"], digest.Clusters.Single().Instances);
        var reads = _kubernetes.LogEntries.Where(e => e.RequestMessage!.Path.EndsWith("/log", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, reads.Count);
        Assert.Equal("true", reads[0].RequestMessage!.Query!["timestamps"].Single());
        Assert.Equal("app", reads[0].RequestMessage!.Query!["container"].Single());
        Assert.Equal("301", reads[0].RequestMessage!.Query!["sinceSeconds"].Single());
        Assert.DoesNotContain(_kubernetes.LogEntries, e => e.RequestMessage!.Path.Contains("pending", StringComparison.Ordinal));
    }

    [Fact]
    public void Collector_OversizedAndBrokenLines_CountedAndDropped()
    {
        var (collector, _) = Collector(o => o.Logs.MaxLineBytes = 256);

        var (records, malformed) = collector.Add("orders", "orders-0", "push:orders-0", [new string('x', 300), "{\"@mt\": broken", "info: fine"], complete: true);

        Assert.Equal(1, records);
        Assert.Equal(2, malformed);
        Assert.Equal(2, collector.Digests().Single().Malformed);
    }

    [Fact]
    public void Collector_ServicesPastMaxServices_AreNotAdmitted_ConfiguredOnesAlways()
    {
        var (collector, _) = Collector(o =>
        {
            o.Logs.MaxServices = 2;
            o.Logs.Services["payments"] = new ServiceLogOptions();
        });
        collector.Add("orders", "a", "push:a", ["info: one"], complete: true);
        collector.Add("stock", "a", "push:a", ["info: one"], complete: true);

        Assert.True(collector.Admits("orders"));
        Assert.False(collector.Admits("forged"));
        Assert.True(collector.Admits("payments"));
    }

    [Fact]
    public void Collector_ConcurrentBatchesOfNewServices_AdmitExactlyMaxServices()
    {
        // Admission and the add are one step: checked apart, batches racing past the check all got in (1,001 of 1,000).
        var (collector, _) = Collector(o => o.Logs.MaxServices = 50);
        var admitted = 0;
        Parallel.For(0, 2000, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            if (collector.AddIfAdmitted($"forged-{i}", "a", "push:a", ["info: one"], complete: true) is not null)
            {
                Interlocked.Increment(ref admitted);
            }
        });

        Assert.Equal(50, admitted);
        Assert.Equal(50, collector.Services.Count);
        Assert.NotNull(collector.AddIfAdmitted(collector.Services[0], "b", "push:b", ["info: two"], complete: true));
        Assert.Null(collector.AddIfAdmitted("forged-new", "a", "push:a", ["info: one"], complete: true));
    }

    private (LogCollector Collector, TestOptions Options) Collector(Action<TestOptions> configure)
    {
        var options = new TestOptions();
        configure(options);
        return (new LogCollector(Options.Create(options.Logs), TestStore.Metrics(), _time), options);
    }
}
