using System.Diagnostics;
using System.Globalization;
using Grpc.Net.Client;
using Mesh.Heal.Benchmarks.Load;
using Mesh.Heal.Chaos;
using Mesh.Heal.Sidecar.Hosting;
using Mesh.Heal.Sidecar.PolicySync;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Benchmarks.Propagation;

/// <summary>Measures how long a policy change takes from <c>PUT /v1/policies</c> until every sidecar's ACK is recorded.</summary>
/// <remarks>
/// The end of each change is read from the control plane itself: the newest <c>acked_at</c> of the sidecars in
/// <c>GetStatus</c>, on the same clock as the instant before the PUT. Changes run one after another, each once the
/// previous one has converged, so the figure includes the push debounce (50 ms by default). In a replicated case the
/// write goes to the first replica, the streams are spread over all of them round robin, and the ACK times come from the
/// store every replica records them in (one machine, one clock).
/// A "first" case measures a service's first version instead: each round opens the streams of a new service with no
/// policy, waits until every one is connected, then times the first PUT the same way, and closes them. "reopened" counts
/// the streams that had to be opened again (the control plane refused or ended one) over the whole case: a first version
/// pushed on the open streams leaves it at 0.
/// </remarks>
internal static class PropagationBenchmark
{
    private const string Service = "bench";

    public static async Task<int> RunAsync(PropagationOptions options, TextWriter output)
    {
        await output.WriteLineAsync($"policy propagation: {options.Changes} changes per case, control plane {Programs.ControlPlane}");
        await output.WriteLineAsync($"{Environment.ProcessorCount} cores; every process on 127.0.0.1; each case on a fresh control plane process and store");
        await output.WriteLineAsync();
        await output.WriteLineAsync("case                                           |   p50 ms |   p99 ms |   max ms | ACKs sent p50 / p99 ms | CP RSS idle MiB | CP RSS streams open MiB | CP peak MiB | per stream KiB | reopened");
        var failed = false;
        foreach (var @case in options.Cases)
        {
            try
            {
                var row = @case.First ? await RunFirstCaseAsync(@case, options) : await RunCaseAsync(@case, options);
                await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                    $"{@case,-46} | {row.P50,8:0.0} | {row.P99,8:0.0} | {row.Max,8:0.0} | {(@case.Real ? "n/a" : $"{row.SentP50:0.0} / {row.SentP99:0.0}"),22} | {row.IdleRss,15:0.0} | {row.OpenRss,23:0.0} | {row.Peak,11:0.0} | {(row.OpenRss - row.IdleRss) * 1024 / @case.Streams,14:0.0} | {row.Reopened,8}"));
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException)
            {
                await output.WriteLineAsync($"{@case,-46} | failed: {ex.Message}");
                failed = true;
            }
        }

        return failed ? 1 : 0;
    }

    private static async Task<CaseRow> RunCaseAsync(PropagationCase @case, PropagationOptions options)
    {
        var store = Directory.CreateTempSubdirectory("meshheal-bench-cp-").FullName;
        // Past the default limit of 10,000 streams per replica, and a descriptor for each connection on both sides.
        string[] limits = @case.Streams > 5000 ? ["--ControlPlane:Limits:MaxInstances=" + (2 * @case.Streams).ToString(CultureInfo.InvariantCulture)] : [];
        FileDescriptors.AtLeast((@case.Streams * 2) + 1024);
        await using var controlPlanes = await ControlPlanesAsync(@case, store, limits);
        var controlPlane = controlPlanes.Processes[0];
        using var channel = GrpcChannel.ForAddress(controlPlane.GrpcUri, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        var control = new Wire.MeshControl.MeshControlClient(channel);
        var version = await PutAsync(controlPlane, Service, 0);
        int[] pids = [.. controlPlanes.Processes.Select(p => p.Process.Id)];
        var idle = ProcessStats.RssMb(pids);

        var tracker = new AckTracker();
        var simulated = new List<SimulatedSidecar>();
        var real = new List<WebApplication>();
        var directory = Directory.CreateTempSubdirectory("meshheal-bench-sidecars-").FullName;
        try
        {
            for (var i = 0; i < @case.Streams; i++)
            {
                if (@case.Real)
                {
                    real.Add(await StartSidecarAsync(controlPlane.GrpcUri, Service, $"real-{i}", directory));
                }
                else
                {
                    simulated.Add(new SimulatedSidecar(controlPlanes.Processes[i % controlPlanes.Processes.Count].GrpcUri, Service, $"sim-{i}", tracker.OnAck));
                }
            }

            await ConvergedAsync(control, Service, @case.Streams, version, TimeSpan.FromSeconds(@case.Streams > 2000 ? 600 : 120));
            var open = ProcessStats.RssMb(pids);
            var samples = new List<double>(options.Changes);
            var sent = new List<double>(options.Changes);
            for (var change = 1; change <= options.Changes; change++)
            {
                var acked = tracker.Expect(version + 1, @case.Streams);
                var start = DateTimeOffset.UtcNow;
                version = await PutAsync(controlPlane, Service, change);
                if (!@case.Real)
                {
                    sent.Add((await acked.WaitAsync(TimeSpan.FromSeconds(60)) - start).TotalMilliseconds);
                }

                var last = await ConvergedAsync(control, Service, @case.Streams, version, TimeSpan.FromSeconds(60));
                samples.Add((last - start).TotalMilliseconds);
            }

            return CaseRow.Of(samples, sent, idle, open, ProcessStats.RssMb(pids, peak: true), Reopened(simulated, real));
        }
        finally
        {
            await StopAsync(simulated, real);
            Directory.Delete(directory, recursive: true);
            Directory.Delete(store, recursive: true);
        }
    }

    /// <summary>A service's first version: per round, the streams of a new service connect with no policy, then its first PUT is timed
    /// until every ACK is recorded.</summary>
    private static async Task<CaseRow> RunFirstCaseAsync(PropagationCase @case, PropagationOptions options)
    {
        var store = Directory.CreateTempSubdirectory("meshheal-bench-cp-").FullName;
        string[] limits = @case.Streams > 5000 ? ["--ControlPlane:Limits:MaxInstances=" + (2 * @case.Streams).ToString(CultureInfo.InvariantCulture)] : [];
        FileDescriptors.AtLeast((@case.Streams * 2) + 1024);
        await using var controlPlanes = await ControlPlanesAsync(@case, store, limits);
        var controlPlane = controlPlanes.Processes[0];
        using var channel = GrpcChannel.ForAddress(controlPlane.GrpcUri, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        var control = new Wire.MeshControl.MeshControlClient(channel);
        int[] pids = [.. controlPlanes.Processes.Select(p => p.Process.Id)];
        var idle = ProcessStats.RssMb(pids);
        var open = idle;
        var samples = new List<double>(options.Changes);
        var sent = new List<double>(options.Changes);
        var reopened = 0;
        var directory = Directory.CreateTempSubdirectory("meshheal-bench-sidecars-").FullName;
        try
        {
            for (var round = 1; round <= options.Changes; round++)
            {
                var service = "first-" + round.ToString(CultureInfo.InvariantCulture);
                var tracker = new AckTracker();
                var acked = tracker.Expect(1, @case.Streams);
                var simulated = new List<SimulatedSidecar>();
                var real = new List<WebApplication>();
                try
                {
                    for (var i = 0; i < @case.Streams; i++)
                    {
                        if (@case.Real)
                        {
                            real.Add(await StartSidecarAsync(controlPlane.GrpcUri, service, $"real-{i}", directory));
                        }
                        else
                        {
                            simulated.Add(new SimulatedSidecar(controlPlanes.Processes[i % controlPlanes.Processes.Count].GrpcUri, service, $"sim-{i}", tracker.OnAck));
                        }
                    }

                    await ConvergedAsync(control, service, @case.Streams, 0, TimeSpan.FromSeconds(@case.Streams > 2000 ? 600 : 120));
                    if (round == 1)
                    {
                        open = ProcessStats.RssMb(pids);
                    }

                    var start = DateTimeOffset.UtcNow;
                    var version = await PutAsync(controlPlane, service, round);
                    if (!@case.Real)
                    {
                        sent.Add((await acked.WaitAsync(TimeSpan.FromSeconds(60)) - start).TotalMilliseconds);
                    }

                    var last = await ConvergedAsync(control, service, @case.Streams, version, TimeSpan.FromSeconds(60));
                    samples.Add((last - start).TotalMilliseconds);
                    reopened += Reopened(simulated, real);
                }
                finally
                {
                    await StopAsync(simulated, real);
                }
            }

            return CaseRow.Of(samples, sent, idle, open, ProcessStats.RssMb(pids, peak: true), reopened);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
            Directory.Delete(store, recursive: true);
        }
    }

    /// <summary>How many streams were opened more than once: a simulated stream counts its own opens, a sidecar its control-plane connects.</summary>
    private static int Reopened(List<SimulatedSidecar> simulated, List<WebApplication> real) =>
        simulated.Sum(s => s.Opens - 1) + real.Sum(app => (int)app.Services.GetRequiredService<ControlPlaneStatus>().Connects - 1);

    private static async Task StopAsync(List<SimulatedSidecar> simulated, List<WebApplication> real)
    {
        foreach (var sidecar in simulated)
        {
            await sidecar.DisposeAsync();
        }

        foreach (var app in real)
        {
            await app.StopAsync();
            await app.DisposeAsync();
        }
    }

    /// <summary>One control plane on SQLite, or the case's replicas on a PostgreSQL server of their own.</summary>
    private static async Task<ControlPlanes> ControlPlanesAsync(PropagationCase @case, string store, string[] args)
    {
        if (@case.Replicas == 1)
        {
            var single = await ControlPlaneProcess.StartAsync(store, args);
            return new ControlPlanes([single], single);
        }

        var replicas = await ControlPlaneReplicas.StartAsync(store, @case.Replicas, args);
        return new ControlPlanes([.. Enumerable.Range(0, replicas.Count).Select(i => replicas[i])], replicas);
    }

    /// <summary>Waits until every sidecar of the service is connected and has ACKed <paramref name="version"/>; returns the newest ACK time.</summary>
    private static async Task<DateTimeOffset> ConvergedAsync(Wire.MeshControl.MeshControlClient control, string service, int streams, long version, TimeSpan deadline)
    {
        var clock = Stopwatch.StartNew();
        var pause = TimeSpan.FromMilliseconds(streams > 50 ? 20 : 5);
        while (true)
        {
            var status = await control.GetStatusAsync(new Wire.GetStatusRequest { Service = service });
            var sidecars = status.Services.SingleOrDefault()?.Sidecars.Where(s => s.Connected).ToList() ?? [];
            if (sidecars.Count == streams && sidecars.All(s => s.AckedVersion == version))
            {
                return version == 0 ? DateTimeOffset.UtcNow : sidecars.Max(s => s.AckedAt.ToDateTimeOffset());
            }

            if (clock.Elapsed > deadline)
            {
                throw new TimeoutException(
                    $"{sidecars.Count(s => s.AckedVersion == version)} of {streams} sidecars ACKed version {version} within {deadline.TotalSeconds} s ({sidecars.Count} connected)");
            }

            await Task.Delay(pause);
        }
    }

    /// <summary>Each change sets another timeout, so every PUT makes a new version.</summary>
    private static Task<long> PutAsync(ControlPlaneProcess controlPlane, string service, int change) =>
        controlPlane.PutPolicyAsync(service, $"service: {service}\nclusters:\n  backend:\n    timeout: {1000 + change}ms\n");

    private static async Task<WebApplication> StartSidecarAsync(Uri controlPlane, string service, string instance, string directory)
    {
        var config = Path.Combine(directory, $"{service}-{instance}.json");
        await File.WriteAllTextAsync(config, ChaosMesh.SidecarConfig(service, ("backend", ["http://127.0.0.1:9/"]), new { }));
        var app = SidecarHost.Build(
            [
                "--config", config, "--Sidecar:ListenUrl=http://127.0.0.1:0", "--Sidecar:AdminUrl=http://127.0.0.1:0",
                "--Sidecar:ControlPlaneUrl=" + controlPlane, "--Sidecar:Instance=" + instance, "--Logging:LogLevel:Default=Warning",
            ],
            builder => builder.Logging.SetMinimumLevel(LogLevel.Warning));
        await app.StartAsync();
        return app;
    }

    /// <summary>One case's figures: PUT to last ACK recorded, PUT to last ACK sent (simulated streams), memory, and streams opened again.</summary>
    private sealed record CaseRow(double P50, double P99, double Max, double SentP50, double SentP99, double IdleRss, double OpenRss, double Peak, int Reopened)
    {
        public static CaseRow Of(List<double> samples, List<double> sent, double idle, double open, double peak, int reopened)
        {
            samples.Sort();
            sent.Sort();
            return new CaseRow(ScenarioResult.Percentile(samples, 0.50), ScenarioResult.Percentile(samples, 0.99), samples[^1],
                ScenarioResult.Percentile(sent, 0.50), ScenarioResult.Percentile(sent, 0.99), idle, open, peak, reopened);
        }
    }

    /// <summary>The control-plane processes of a case, stopped together.</summary>
    private sealed record ControlPlanes(IReadOnlyList<ControlPlaneProcess> Processes, IAsyncDisposable Owner) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Owner.DisposeAsync();
    }

    /// <summary>Completes, with the time of the last one, when <c>count</c> streams have ACKed the expected version.</summary>
    private sealed class AckTracker
    {
        private long _target;
        private int _remaining;
        private TaskCompletionSource<DateTimeOffset> _done = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Task<DateTimeOffset> Expect(long version, int count)
        {
            _done = new TaskCompletionSource<DateTimeOffset>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _remaining, count);
            Volatile.Write(ref _target, version);
            return _done.Task;
        }

        public void OnAck(long version)
        {
            if (version == Volatile.Read(ref _target) && Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.TrySetResult(DateTimeOffset.UtcNow);
            }
        }
    }
}
