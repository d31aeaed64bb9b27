using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.Sidecar.Hosting;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Demo;

/// <summary>
/// <c>meshctl demo</c>: a control plane, a primary and a backup service with a real sidecar in front, steady traffic,
/// a fallback policy pushed through the control plane at a sixth of the run, the primary killed a third of the way in
/// and revived at two thirds, and the same traffic sent straight to the primary for comparison.
/// </summary>
internal sealed class DemoRunner(DemoOptions options, TextWriter output, TimeProvider time)
{
    private const string FallbackHeader = "x-meshheal-fallback";

    public async Task<DemoSummary> RunAsync(CancellationToken cancellationToken)
    {
        await using var primary = await DemoUpstream.StartAsync("primary");
        await using var backup = await DemoUpstream.StartAsync("backup");
        var directory = Directory.CreateTempSubdirectory("meshheal-demo-");
        try
        {
            await using var controlPlane = ControlPlaneHost.Build(
                [
                    "--ControlPlane:GrpcUrl=http://127.0.0.1:0", "--ControlPlane:HttpUrl=http://127.0.0.1:0",
                    "--ControlPlane:StorePath=" + Path.Combine(directory.FullName, "controlplane.db"),
                    "--ControlPlane:Healing:Interval=00:00:01", "--ControlPlane:Healing:LiveWindow=00:00:03", "--ControlPlane:Healing:ResolveAfter=00:00:03",
                ],
                builder => builder.Logging.ClearProviders());
            await controlPlane.StartAsync(cancellationToken);
            var controlPlaneUri = controlPlane.Services.GetRequiredService<ControlPlaneEndpoints>().GrpcUri;

            var configPath = Path.Combine(directory.FullName, "sidecar.json");
            await File.WriteAllTextAsync(configPath, SidecarConfig(primary.Address, backup.Address, controlPlaneUri), cancellationToken);
            await using var sidecar = SidecarHost.Build(
                ["--config", configPath],
                builder => builder.Logging.ClearProviders());
            await sidecar.StartAsync(cancellationToken);
            var endpoints = sidecar.Services.GetRequiredService<SidecarEndpoints>();
            using var channel = GrpcChannel.ForAddress(controlPlaneUri);
            return await DriveAsync(primary, backup, endpoints, new Wire.MeshControl.MeshControlClient(channel), controlPlaneUri, cancellationToken);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The sidecar's configuration: a route to the primary with a breaker but no fallback, and the control plane to listen to.</summary>
    internal static string SidecarConfig(string primary, string backup, Uri controlPlane) => JsonSerializer.Serialize(new
    {
        Sidecar = new { Service = "demo", Instance = "demo-1", ListenUrl = "http://127.0.0.1:0", AdminUrl = "http://127.0.0.1:0", ControlPlaneUrl = controlPlane.ToString() },
        ReverseProxy = new
        {
            Routes = new { all = new { ClusterId = "primary", Match = new { Path = "{**catch-all}" } } },
            Clusters = new
            {
                primary = new { Destinations = new { d1 = new { Address = primary } } },
                backup = new { Destinations = new { d1 = new { Address = backup } } },
            },
        },
        Resilience = new
        {
            Clusters = new
            {
                primary = new
                {
                    CircuitBreaker = new { FailureRatio = 0.5, MinimumThroughput = 10, SamplingDuration = "00:00:01", BreakDuration = "00:00:01", RecoveryDuration = "00:00:02" },
                    Timeout = "00:00:01",
                    Retry = new { MaxAttempts = 2, BudgetPercent = 20 },
                },
            },
        },
    });

    /// <summary>The policy the demo pushes through the control plane: the same breaker, and the backup as the fallback.</summary>
    internal const string PushedPolicy = """
        service: demo
        clusters:
          primary:
            circuitBreaker: { failureRatio: 0.5, minimumThroughput: 10, samplingDuration: 1s, breakDuration: 1s, recoveryDuration: 2s }
            timeout: 1s
            retry: { maxAttempts: 2, budgetPercent: 20 }
            fallback: { cluster: backup }
        """;

    private async Task<DemoSummary> DriveAsync(
        DemoUpstream primary, DemoUpstream backup, SidecarEndpoints endpoints, Wire.MeshControl.MeshControlClient control, Uri controlPlane,
        CancellationToken cancellationToken)
    {
        using var viaSidecar = new HttpClient { BaseAddress = endpoints.ProxyUri, Timeout = TimeSpan.FromSeconds(5) };
        using var direct = new HttpClient { BaseAddress = new Uri(primary.Address), Timeout = TimeSpan.FromSeconds(5) };
        using var admin = new HttpClient { BaseAddress = endpoints.AdminUri, Timeout = TimeSpan.FromSeconds(5) };
        var seconds = (int)Math.Ceiling(options.Duration.TotalSeconds);
        var pushAt = TimeSpan.FromSeconds(seconds / 6.0);
        var killAt = TimeSpan.FromSeconds(seconds / 3.0);
        var reviveAt = TimeSpan.FromSeconds(seconds * 2 / 3.0);
        var buckets = Enumerable.Range(0, seconds).Select(_ => new SecondBucket()).ToArray();
        var summary = new DemoSummary();

        output.WriteLine($"Mesh.Heal demo: a sidecar in front of a primary service, steered by a control plane, {options.Rate} requests/s for {seconds} s");
        output.WriteLine($"  primary {primary.Address}   backup {backup.Address}   control plane {controlPlane}");
        output.WriteLine($"  sidecar {endpoints.ProxyUri}   admin {endpoints.AdminUri}admin/state");
        output.WriteLine($"  script: at {pushAt.TotalSeconds:0.#} s a policy giving the primary the backup as fallback is pushed through the control plane;");
        output.WriteLine($"          the primary is killed at {killAt.TotalSeconds:0.#} s and revived at {reviveAt.TotalSeconds:0.#} s; the same traffic also goes straight to the primary");
        output.WriteLine();
        if (!options.Quiet)
        {
            output.WriteLine("  time |   via sidecar: ok  fallback  failed |  direct: ok  failed | health      breaker");
        }

        // A few requests down both paths first, so the first second shows the mesh rather than JIT and new connections.
        for (var i = 0; i < 20; i++)
        {
            await WarmUpAsync(viaSidecar, cancellationToken);
            await WarmUpAsync(direct, cancellationToken);
        }

        var start = time.GetTimestamp();
        TimeSpan Elapsed() => time.GetElapsedTime(start);
        var pushed = false;
        Task push = Task.CompletedTask;
        var killed = false;
        var revived = false;
        var inFlight = new List<Task>();
        var watcher = WatchHealthAsync(admin, Elapsed, () => killed, () => revived, summary, cancellationToken);
        var printed = 0;
        var total = (long)(options.Rate * options.Duration.TotalSeconds);
        for (long i = 0; i < total && !cancellationToken.IsCancellationRequested; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / options.Rate);
            var wait = due - Elapsed();
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait, time, cancellationToken);
            }

            var now = Elapsed();
            if (!pushed && now >= pushAt)
            {
                pushed = true;
                summary.PolicyPushedAt = now;
                push = PushPolicyAsync(control, admin, summary, cancellationToken);
            }

            if (!killed && now >= killAt)
            {
                await primary.KillAsync();
                killed = true;
                summary.KilledAt = Elapsed();
            }

            if (!revived && now >= reviveAt)
            {
                await primary.ReviveAsync();
                revived = true;
                summary.RevivedAt = Elapsed();
            }

            var bucket = buckets[Math.Min(seconds - 1, (int)now.TotalSeconds)];
            inFlight.Add(SendViaSidecarAsync(viaSidecar, bucket, summary));
            inFlight.Add(SendDirectAsync(direct, bucket));
            if (inFlight.Count >= 512)
            {
                inFlight.RemoveAll(t => t.IsCompleted);
            }

            while (printed < (int)now.TotalSeconds)
            {
                PrintSecond(printed, buckets[printed], summary);
                printed++;
            }
        }

        await Task.WhenAll(inFlight);
        await push;
        await Task.Delay(TimeSpan.FromMilliseconds(200), time, CancellationToken.None);
        summary.StopWatching = true;
        await watcher;
        while (printed < seconds)
        {
            PrintSecond(printed, buckets[printed], summary);
            printed++;
        }

        foreach (var bucket in buckets)
        {
            summary.Add(bucket);
        }

        await AgentsSawAsync(control, summary, cancellationToken);
        await ReportAsync(control, summary, cancellationToken);
        summary.Print(output);
        return summary;
    }

    private static async Task WarmUpAsync(HttpClient client, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await client.GetAsync("/warm-up", cancellationToken);
        }
        catch (HttpRequestException)
        {
        }
    }

    private void PrintSecond(int second, SecondBucket bucket, DemoSummary summary)
    {
        if (options.Quiet)
        {
            return;
        }

        var marker = summary.PolicyPushedAt is { } p && (int)p.TotalSeconds == second ? "  << fallback policy pushed via the control plane" :
            summary.KilledAt is { } k && (int)k.TotalSeconds == second ? "  << primary killed" :
            summary.RevivedAt is { } r && (int)r.TotalSeconds == second ? "  << primary revived" : string.Empty;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {second + 1,3}s | {bucket.Ok,17} {bucket.Fallback,9} {bucket.Failed,7} | {bucket.DirectOk,10} {bucket.DirectFailed,7} | {summary.CurrentHealth,-11} {summary.CurrentBreaker,-8}{marker}"));
    }

    private static async Task SendViaSidecarAsync(HttpClient client, SecondBucket bucket, DemoSummary summary)
    {
        try
        {
            using var response = await client.GetAsync("/orders/42");
            await response.Content.ReadAsByteArrayAsync();
            if (!response.IsSuccessStatusCode)
            {
                Interlocked.Increment(ref bucket.Failed);
            }
            else if (response.Headers.Contains(FallbackHeader))
            {
                Interlocked.Increment(ref bucket.Fallback);
            }
            else
            {
                Interlocked.Increment(ref bucket.Ok);
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref bucket.Failed);
            summary.LastError = ex.Message;
        }
    }

    private static async Task SendDirectAsync(HttpClient client, SecondBucket bucket)
    {
        try
        {
            using var response = await client.GetAsync("/orders/42");
            await response.Content.ReadAsByteArrayAsync();
            Interlocked.Increment(ref response.IsSuccessStatusCode ? ref bucket.DirectOk : ref bucket.DirectFailed);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            Interlocked.Increment(ref bucket.DirectFailed);
        }
    }

    /// <summary>Stores the fallback policy through MeshControl (as <c>meshctl policy apply</c> does) and times until the sidecar runs it.</summary>
    private async Task PushPolicyAsync(Wire.MeshControl.MeshControlClient control, HttpClient admin, DemoSummary summary, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        try
        {
            var stored = await control.PutPolicyAsync(
                new Wire.PutPolicyRequest
                {
                    Service = "demo",
                    Document = new Google.Api.HttpBody { ContentType = "application/yaml", Data = Google.Protobuf.ByteString.CopyFromUtf8(PushedPolicy) },
                },
                cancellationToken: cancellationToken);
            summary.PolicyVersion = stored.Version;
            while (time.GetElapsedTime(start) < TimeSpan.FromSeconds(5))
            {
                using var state = JsonDocument.Parse(await admin.GetStringAsync("/admin/state", cancellationToken));
                if (state.RootElement.GetProperty("policyVersion").GetInt64() == stored.Version
                    && state.RootElement.GetProperty("policySource").GetString() == "ControlPlane")
                {
                    summary.PolicyPropagation = time.GetElapsedTime(start);
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(5), time, cancellationToken);
            }
        }
        catch (Exception ex) when (ex is RpcException or HttpRequestException or JsonException)
        {
            summary.LastError = "policy push: " + ex.Message;
        }
    }

    /// <summary>What the control plane's agents made of the run: its issues and the audit trail of its healings, as <c>meshctl issues</c> and <c>audit</c> show them.</summary>
    private async Task AgentsSawAsync(Wire.MeshControl.MeshControlClient control, DemoSummary summary, CancellationToken cancellationToken)
    {
        try
        {
            foreach (var issue in (await control.ListIssuesAsync(new Wire.ListIssuesRequest(), cancellationToken: cancellationToken)).Issues.Reverse())
            {
                summary.Agents.Add($"issue {issue.Kind} on {issue.Service} ({issue.Severity}, {issue.State}, seen {issue.Occurrences}x): {issue.Summary}");
            }

            foreach (var entry in (await control.ListAuditAsync(new Wire.ListAuditRequest(), cancellationToken: cancellationToken)).Entries.Reverse()
                .Where(e => e.Kind.StartsWith("action.", StringComparison.Ordinal)))
            {
                summary.Agents.Add($"{entry.Kind} by {entry.Actor}: {entry.Detail}");
            }
        }
        catch (RpcException ex)
        {
            summary.LastError = "issues: " + ex.Status.Detail;
        }
    }

    /// <summary>The four figures as <c>meshctl report</c> computes them from the control plane's store, over the run.</summary>
    private async Task ReportAsync(Wire.MeshControl.MeshControlClient control, DemoSummary summary, CancellationToken cancellationToken)
    {
        try
        {
            var since = string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Ceiling((options.Duration + TimeSpan.FromMinutes(1)).TotalSeconds)}s");
            var report = await control.GetReportAsync(new Wire.GetReportRequest { Since = since }, cancellationToken: cancellationToken);
            foreach (var s in report.Services.Append(report.Overall))
            {
                summary.Report.Add(string.Create(CultureInfo.InvariantCulture, $"{(s.Service.Length == 0 ? "overall" : s.Service)}: availability seen by callers ")
                    + (s.HasAvailability ? string.Create(CultureInfo.InvariantCulture, $"{s.Availability:0.00%} of {s.Requests} requests") : "-")
                    + string.Create(CultureInfo.InvariantCulture, $"; {s.Incidents} incident(s), detect p50 {Seconds(s.HasDetectP50Seconds, s.DetectP50Seconds)}")
                    + $", mitigate p50 {Seconds(s.HasMitigateP50Seconds, s.MitigateP50Seconds)}, unprotected broken p50 {Seconds(s.HasUnprotectedBrokenP50Seconds, s.UnprotectedBrokenP50Seconds)}"
                    + $", mitigated with no operator {(s.HasAutomaticShare ? s.AutomaticShare.ToString("0%", CultureInfo.InvariantCulture) : "-")}");
            }

            foreach (var s in report.Services.Where(s => s.CapacityMinutes > 0))
            {
                summary.Report.Add($"{s.Service}: capacity {s.Capacity}");
            }

            summary.Report.Add("capacity against static peak: " + report.Capacity);
        }
        catch (RpcException ex)
        {
            summary.LastError = "report: " + ex.Status.Detail;
        }

        static string Seconds(bool known, double value) => known ? value.ToString("0.0s", CultureInfo.InvariantCulture) : "-";
    }

    /// <summary>Reads the sidecar's <c>/admin/state</c> every 50 ms, as an operator would, to time the breaker and the recovery.</summary>
    private async Task WatchHealthAsync(
        HttpClient admin, Func<TimeSpan> elapsed, Func<bool> killed, Func<bool> revived, DemoSummary summary, CancellationToken cancellationToken)
    {
        while (!summary.StopWatching && !cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var document = JsonDocument.Parse(await admin.GetStringAsync("/admin/state", cancellationToken));
                var cluster = document.RootElement.GetProperty("clusters").GetProperty("primary");
                var health = cluster.GetProperty("health").GetString()!;
                var breaker = cluster.GetProperty("breaker").GetString()!;
                summary.Observe(elapsed(), health, breaker, killed(), revived());
            }
            catch (Exception ex) when (ex is HttpRequestException or JsonException or TaskCanceledException)
            {
                summary.LastError = ex.Message;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(50), time, CancellationToken.None);
        }
    }
}
