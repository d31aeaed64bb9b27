using System.Diagnostics;
using System.Globalization;
using Mesh.Heal.ControlPlane.Store;
using Mesh.Heal.ControlPlane.Store.Internal;
using Mesh.Heal.Testing.Postgres;

namespace Mesh.Heal.Benchmarks.Store;

/// <summary>The store's write paths on both databases: AddPolicy from one writer and from three at once (three replicas'
/// stores on PostgreSQL, three threads on SQLite's one connection), and RecordAnswers of a push's worth of ACKs.</summary>
/// <remarks>SQLite in a temporary file; PostgreSQL in a private cluster on loopback (<see cref="PostgresServer"/>, fsync off).
/// Wall-clock figures on whatever else the machine runs: compare providers within one run.</remarks>
internal static class StoreBenchmark
{
    public static async Task<int> RunAsync(ReadOnlyMemory<string> args, TextWriter output)
    {
        var policies = 2000;
        var answers = 10_000;
        var rounds = 3;
        var providers = new List<string> { "sqlite", "postgres" };
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args.Span[i];
            var value = i + 1 < args.Length ? args.Span[i + 1] : "";
            if (arg == "--policies" && int.TryParse(value, CultureInfo.InvariantCulture, out policies) && policies > 0)
            {
                i++;
            }
            else if (arg == "--answers" && int.TryParse(value, CultureInfo.InvariantCulture, out answers) && answers > 0)
            {
                i++;
            }
            else if (arg == "--rounds" && int.TryParse(value, CultureInfo.InvariantCulture, out rounds) && rounds > 0)
            {
                i++;
            }
            else if (arg == "--providers" && value.Length > 0)
            {
                providers = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
                i++;
            }
            else
            {
                await Console.Error.WriteLineAsync($"store: '{arg}' is not accepted; accepted: --policies N, --answers N, --rounds N, --providers sqlite,postgres");
                return 2;
            }
        }

        await using var server = providers.Contains("postgres") ? await PostgresServer.StartAsync() : null;
        output.WriteLine($"store benchmark: {policies} policies, {answers} answers, {rounds} rounds");
        foreach (var provider in providers)
        {
            Func<string, Task<Func<MeshStore>>> open = provider switch
            {
                "sqlite" => _ =>
                {
                    var path = Path.Combine(Directory.CreateTempSubdirectory("meshheal-bench-store-").FullName, "cp.db");
                    var shared = new MeshStore(path, TimeProvider.System);
                    return Task.FromResult<Func<MeshStore>>(() => shared);
                },
                "postgres" => async name =>
                {
                    var connection = await server!.CreateDatabaseAsync(name);
                    return () => new MeshStore(new PostgresDatabase(connection), TimeProvider.System, StoreConstants.NewReplicaId());
                },
                _ => throw new ArgumentException($"unknown provider '{provider}'; accepted: sqlite, postgres"),
            };

            var one = await open("bench_one");
            using (var store = one())
            {
                Measure(output, provider, "AddPolicy, 1 writer", policies, "policies/s", rounds, round =>
                {
                    for (var i = 0; i < policies; i++)
                    {
                        store.AddPolicy($"svc-{round}", "{}", "doc", "bench", "bench");
                    }
                });
            }

            var three = await open("bench_three");
            var stores = provider == "sqlite" ? Enumerable.Repeat(three(), 3).ToArray() : [three(), three(), three()];
            Measure(output, provider, "AddPolicy, 3 writers one service", policies, "policies/s", rounds, round =>
                Parallel.For(0, 3, new ParallelOptions { MaxDegreeOfParallelism = 3 }, w =>
                {
                    for (var i = w; i < policies; i += 3)
                    {
                        stores[w].AddPolicy($"svc-{round}", "{}", "doc", "bench", "bench");
                    }
                }));
            foreach (var store in stores.Distinct())
            {
                store.Dispose();
            }

            var acks = await open("bench_acks");
            using (var store = acks())
            {
                var sidecars = Enumerable.Range(0, answers).Select(i => (Service: $"svc-{i % 50}", Instance: $"inst-{i}")).ToList();
                var connect = Stopwatch.StartNew();
                foreach (var (service, instance) in sidecars)
                {
                    store.SidecarConnected(service, instance, "", "1.0", instance);
                }

                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {provider,-8} SidecarConnected x{answers}: {connect.Elapsed.TotalMilliseconds:F0} ms ({answers / connect.Elapsed.TotalSeconds:F0}/s)"));
                Measure(output, provider, $"RecordAnswers of {answers} ACKs in one call", answers, "answers/s", rounds, round =>
                    store.RecordAnswers([.. sidecars.Select(s => new PolicyAnswer(s.Service, s.Instance, round + 1, "n", null, DateTimeOffset.UnixEpoch.AddSeconds(round)))]));
            }
        }

        return 0;
    }

    private static void Measure(TextWriter output, string provider, string what, int count, string unit, int rounds, Action<int> body)
    {
        var times = new List<double>();
        for (var round = 0; round < rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            body(round);
            times.Add(watch.Elapsed.TotalMilliseconds);
        }

        times.Sort();
        var median = times[times.Count / 2];
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {provider,-8} {what}: median {median:F0} ms ({count / (median / 1000):F0} {unit}); rounds {string.Join(", ", times.Select(t => t.ToString("F0", CultureInfo.InvariantCulture)))} ms"));
    }
}
