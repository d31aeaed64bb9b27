using Mesh.Heal.Benchmarks.Chaos;
using Mesh.Heal.Benchmarks.Propagation;

const string Usage = """
    Mesh.Heal benchmark drivers (each prints its figures and stops by itself; everything runs on 127.0.0.1):
      propagation [--cases 10:real,10:simulated,1000:simulated] [--changes 100]
          Policy propagation: from PUT /v1/policies until every sidecar's ACK is recorded by the control plane,
          p50/p99 over the changes, and the control plane's memory with the streams open. Each case starts a fresh
          control plane process; "real" cases run real sidecars in this process, "simulated" ones open bare policy
          streams that ACK every snapshot (one HTTP/2 connection each, like a sidecar).
          tests/bench/policy-propagation.sh runs it.
      chaos [--scenario <name>] [--json out.json] [--rate 200] [--duration 20s]
          The chaos scenarios of the integration tests, longer: real processes, the same traffic through the sidecar and
          direct, a fault script; prints availability, failed requests with and without the sidecar, time to 100 %
          fallback and to full recovery, p50/p99 during the fault, per scenario and in sum. Run it Release:
          dotnet run -c Release --project tests/Mesh.Heal.Benchmarks -- chaos
    """;

if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

switch (args[0])
{
    case "propagation":
        if (!PropagationOptions.TryParse(args.AsSpan(1), out var options, out var error))
        {
            await Console.Error.WriteLineAsync("propagation: " + error);
            return 2;
        }

        return await PropagationBenchmark.RunAsync(options, Console.Out);
    case "chaos":
        return await ChaosBenchmark.RunAsync(args.AsMemory(1), Console.Out);
    default:
        await Console.Error.WriteLineAsync($"unknown benchmark '{args[0]}'; accepted: propagation, chaos");
        return 2;
}
