using System.Globalization;
using System.Text.Json;
using Mesh.Heal.Sidecar.Hosting;

namespace Mesh.Heal.Cli.Demo;

/// <summary>
/// <c>meshctl demo</c>: a primary and a backup service with a real sidecar in front, steady traffic, the primary
/// killed a third of the way in and revived at two thirds, and the same traffic sent straight to the primary for
/// comparison.
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
            var configPath = Path.Combine(directory.FullName, "sidecar.json");
            await File.WriteAllTextAsync(configPath, SidecarConfig(primary.Address, backup.Address), cancellationToken);
            await using var sidecar = SidecarHost.Build(
                ["--config", configPath],
                builder => builder.Logging.ClearProviders());
            await sidecar.StartAsync(cancellationToken);
            var endpoints = sidecar.Services.GetRequiredService<SidecarEndpoints>();
            return await DriveAsync(primary, backup, endpoints, cancellationToken);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    /// <summary>The sidecar's configuration: a route to the primary, the backup as its fallback.</summary>
    internal static string SidecarConfig(string primary, string backup) => JsonSerializer.Serialize(new
    {
        Sidecar = new { Service = "demo", ListenUrl = "http://127.0.0.1:0", AdminUrl = "http://127.0.0.1:0" },
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
                    Fallback = new { Cluster = "backup" },
                },
            },
        },
    });

    private async Task<DemoSummary> DriveAsync(DemoUpstream primary, DemoUpstream backup, SidecarEndpoints endpoints, CancellationToken cancellationToken)
    {
        using var viaSidecar = new HttpClient { BaseAddress = endpoints.ProxyUri, Timeout = TimeSpan.FromSeconds(5) };
        using var direct = new HttpClient { BaseAddress = new Uri(primary.Address), Timeout = TimeSpan.FromSeconds(5) };
        using var admin = new HttpClient { BaseAddress = endpoints.AdminUri, Timeout = TimeSpan.FromSeconds(5) };
        var seconds = (int)Math.Ceiling(options.Duration.TotalSeconds);
        var killAt = TimeSpan.FromSeconds(seconds / 3.0);
        var reviveAt = TimeSpan.FromSeconds(seconds * 2 / 3.0);
        var buckets = Enumerable.Range(0, seconds).Select(_ => new SecondBucket()).ToArray();
        var summary = new DemoSummary();

        output.WriteLine($"Mesh.Heal demo: a sidecar in front of a primary service with a backup as fallback, {options.Rate} requests/s for {seconds} s");
        output.WriteLine($"  primary {primary.Address}   backup {backup.Address}");
        output.WriteLine($"  sidecar {endpoints.ProxyUri}   admin {endpoints.AdminUri}admin/state");
        output.WriteLine($"  script: the primary is killed at {killAt.TotalSeconds:0.#} s and revived at {reviveAt.TotalSeconds:0.#} s; the same traffic also goes straight to the primary");
        output.WriteLine();
        if (!options.Quiet)
        {
            output.WriteLine("  time |   via sidecar: ok  fallback  failed |  direct: ok  failed | health      breaker");
        }

        var start = time.GetTimestamp();
        TimeSpan Elapsed() => time.GetElapsedTime(start);
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

        summary.Print(output);
        return summary;
    }

    private void PrintSecond(int second, SecondBucket bucket, DemoSummary summary)
    {
        if (options.Quiet)
        {
            return;
        }

        var marker = summary.KilledAt is { } k && (int)k.TotalSeconds == second ? "  << primary killed" :
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
