using System.Diagnostics;
using System.Globalization;
using Mesh.Heal.Chaos;
using Mesh.Heal.Testing;

namespace Mesh.Heal.Benchmarks.Failover;

/// <summary><c>failover</c>: kills the leader of three control-plane replicas on PostgreSQL with SIGKILL, again and again,
/// under traffic and policy writes, and prints how long until another replica leads and has completed a coordinator run.</summary>
/// <remarks>
/// "Leads" is when a survivor's <c>/v1/replicas</c> first shows another living leader (polled every 20 ms, so up to that
/// late); "acts" is that leader's own <c>lastRunAt</c>, the end of its first coordinator run after the kill, on the same
/// machine's clock as the kill. After each kill the dead replica is replaced on its ports with a new id, as a rescheduled
/// pod is. Writes lost: acknowledged writes whose version is not in the store with the document sent (must be 0).
/// </remarks>
internal static class FailoverBenchmark
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    /// <summary>The cases: default settings, and a lease of 1 s renewed every 250 ms with the coordinator every second.</summary>
    private static readonly (string Name, string[] Args)[] Cases =
    [
        ("default settings", []),
        ("lease 1 s, renew 250 ms, coordinator every 1 s", ["--ControlPlane:Ha:LeaseDuration=00:00:01", "--ControlPlane:Ha:RenewInterval=00:00:00.250", "--ControlPlane:Healing:Interval=00:00:01"]),
    ];

    public static async Task<int> RunAsync(ReadOnlyMemory<string> args, TextWriter output)
    {
        var kills = 5;
        string? only = null;
        var a = args.Span;
        for (var i = 0; i < a.Length; i++)
        {
            var value = i + 1 < a.Length ? a[i + 1] : null;
            switch (a[i])
            {
                case "--kills" when int.TryParse(value, CultureInfo.InvariantCulture, out kills) && kills is >= 1 and <= 100:
                    break;
                case "--case" when value is "default" or "fast":
                    only = value;
                    break;
                default:
                    await Console.Error.WriteLineAsync($"failover: '{a[i]} {value}' is not accepted; accepted: --kills 1-100, --case default|fast");
                    return 2;
            }

            i++;
        }

        await output.WriteLineAsync($"failover: {kills} SIGKILLs of the leader per case; 3 control-plane replicas on one PostgreSQL, 3 sidecars, callers at 20 requests/s, a policy write every 200 ms; {Environment.ProcessorCount} cores, 127.0.0.1");
        var failed = false;
        foreach (var (name, caseArgs) in Cases.Where((_, i) => only is null || (only == "default") == (i == 0)))
        {
            await output.WriteLineAsync();
            await output.WriteLineAsync($"## {name}");
            try
            {
                failed |= !await RunCaseAsync(kills, caseArgs, output);
            }
            catch (Exception ex) when (ex is TimeoutException or InvalidOperationException or HttpRequestException)
            {
                await output.WriteLineAsync($"failed: {ex.Message}");
                failed = true;
            }
        }

        return failed ? 1 : 0;
    }

    private static async Task<bool> RunCaseAsync(int kills, string[] args, TextWriter output)
    {
        await using var mesh = await ReplicatedMesh.StartAsync(replicas: 3, sidecars: 3, args);
        var replicas = mesh.Replicas;
        var callers = mesh.StartTraffic(rate: 20, callerDeadline: TimeSpan.FromSeconds(5));
        await using var writes = mesh.StartWrites(TimeSpan.FromMilliseconds(200));
        var leads = new List<double>();
        var acts = new List<double>();
        await output.WriteLineAsync("kill | killed replica (epoch) | new leader (epoch) | leads after ms | first run done after ms");
        for (var kill = 1; kill <= kills; kill++)
        {
            // A leader that has acted: the kill interrupts a replica in its steady state, not one still taking over.
            var (leader, old) = await replicas.LeaderAsync(Deadline, ranSince: DateTimeOffset.UtcNow.AddSeconds(-30));
            var killedAt = DateTimeOffset.UtcNow;
            var clock = Stopwatch.StartNew();
            await replicas.KillAsync(leader);
            TimeSpan? seen = null;
            ReplicaInfo? successor = null;
            while (successor is null)
            {
                if (clock.Elapsed > Deadline)
                {
                    throw new TimeoutException($"no replica led and completed a run within {Deadline.TotalSeconds} s of killing {old.Id}");
                }

                try
                {
                    foreach (var via in replicas.Alive)
                    {
                        var rows = await replicas.ListAsync(via);
                        var next = rows.SingleOrDefault(r => r.Leader && r.Id != old.Id && replicas.IndexOf(r.Id) >= 0);
                        seen ??= next is null ? null : clock.Elapsed;
                        if (next?.LastRunAt >= killedAt)
                        {
                            successor = next;
                            break;
                        }
                    }
                }
                catch (HttpRequestException)
                {
                    // A survivor busy taking over answers a moment later.
                }

                await Task.Delay(20);
            }

            var acted = (successor.LastRunAt!.Value - killedAt).TotalMilliseconds;
            leads.Add(seen!.Value.TotalMilliseconds);
            acts.Add(acted);
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"{kill,4} | {old.Id} ({old.Epoch}) | {successor.Id} ({successor.Epoch}) | {seen.Value.TotalMilliseconds,13:0} | {acted,23:0}"));
            await replicas.ReplaceAsync(leader);
            var id = replicas.IdOf(leader);
            await Wait.UntilAsync(async () => (await replicas.ListAsync(leader)).Any(r => r.Id == id && r.Alive), $"the replacement {id} is alive", Deadline);
        }

        await writes.StopAsync();
        var samples = await callers.StopAsync();
        var acknowledged = writes.Acknowledged;
        var stored = await mesh.StoredDocumentsAsync(replicas.Alive[0], acknowledged.Select(w => w.Version!.Value));
        var lost = acknowledged.Count(w => stored[w.Version!.Value] != w.Document);
        var callerFailures = samples.Count(s => s.Target == 0 && s.Outcome == Outcome.Failed);
        leads.Sort();
        acts.Sort();
        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"leads after: p50 {ScenarioResult.Percentile(leads, 0.5):0} ms, max {leads[^1]:0} ms; first run done after: p50 {ScenarioResult.Percentile(acts, 0.5):0} ms, max {acts[^1]:0} ms"));
        await output.WriteLineAsync(
            $"writes: {writes.Writes.Count} sent, {acknowledged.Count} acknowledged, {lost} lost; caller requests through the sidecars: {samples.Count(s => s.Target == 0)}, {callerFailures} failed");
        return lost == 0 && callerFailures == 0;
    }
}
