using Mesh.Heal.Benchmarks.Propagation;

const string Usage = """
    Mesh.Heal benchmark drivers (each prints its figures and stops by itself; everything runs on 127.0.0.1):
      propagation --control-plane <Mesh.Heal.ControlPlane.dll> [--cases 10:real,10:simulated,1000:simulated] [--changes 100]
          Policy propagation: from PUT /v1/policies until every sidecar's ACK is recorded by the control plane,
          p50/p99 over the changes, and the control plane's memory with the streams open. Each case starts a fresh
          control plane process; "real" cases run real sidecars in this process, "simulated" ones open bare policy
          streams that ACK every snapshot (one HTTP/2 connection each, like a sidecar).
    tests/bench/policy-propagation.sh builds and runs it.
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
    default:
        await Console.Error.WriteLineAsync($"unknown benchmark '{args[0]}'; accepted: propagation");
        return 2;
}
