using Mesh.Heal.Benchmarks.Capacity;
using Mesh.Heal.Benchmarks.Chaos;
using Mesh.Heal.Benchmarks.Detection;
using Mesh.Heal.Benchmarks.Failover;
using Mesh.Heal.Benchmarks.Load;
using Mesh.Heal.Benchmarks.Logs;
using Mesh.Heal.Benchmarks.Micro;
using Mesh.Heal.Benchmarks.Propagation;
using Mesh.Heal.Benchmarks.Store;

const string Usage = """
    Mesh.Heal benchmark drivers (each prints its figures and stops by itself; everything runs on 127.0.0.1).
    Run them Release: dotnet run -c Release --project tests/Mesh.Heal.Benchmarks -- <command>
      chaos [--scenario <name>[,<name>...]] [--json out.json] [--rate 200] [--duration 20s]
          The chaos scenarios of the integration tests, longer: real processes, the same traffic through the sidecar and
          direct, a fault script; prints availability, failed requests with and without the sidecar, time to 100 %
          fallback and to full recovery, p50/p99 during the fault, per scenario and in sum; then each scenario's control
          plane's own report over its run (GetReport: availability seen by callers, incidents with time to detect and
          mitigate against the unprotected path, share mitigated with no operator, capacity), printed as meshctl report
          prints it, and the reports pooled (also under "report" and per scenario in --json).
      load [--seconds 5] [--connections 32] [--rounds 3] [--rate 1000] [--fixed-seconds 8] [--fixed-rounds 2]
           [--fixed-connections 64] [--starts 3] [--sidecar-aot <executable>] [--yarp-aot <executable>] [--json out.json]
          Every figure issue 18 asks of the sidecar, in one run (about 4-5 minutes), against one nginx upstream
          (return 200) and side by side with nginx as a proxy and bare YARP (tests/Mesh.Heal.Benchmarks.BareYarp), JIT
          and NativeAOT both: time from start to ready; at a fixed rate with the open-loop generator tests/bench/openloop.c
          (compiled with cc at run time; latency from each request's due time, ns clock) the p50/p99 each hop adds over
          direct, the generator's own floor, CPU s per 1,000 requests and RSS; at saturation (wrk) requests/s and their
          ratios, CPU and RSS; peak RSS; then the issue's targets, met or missed. The AOT executables are published into
          artifacts/bench/ when older than their sources (the sidecar by tests/bench/publish-sidecar-aot.sh) unless given.
          wrk, nginx and cc are installed with apt-get as root, or asked for.
      propagation [--cases 10:real,10:simulated,1000:simulated] [--changes 100]
          Policy propagation: from PUT /v1/policies until every sidecar's ACK is recorded by the control plane,
          p50/p99 over the changes (and, for simulated streams, until the last ACK was sent), and the control plane's
          memory with the streams open. Each case starts a fresh
          control plane process; "real" cases run real sidecars in this process, "simulated" ones open bare policy
          streams that ACK every snapshot (one HTTP/2 connection each, like a sidecar). "replicated" cases (up to 10,000
          streams, e.g. --cases 1000:replicated,10000:replicated --changes 20) start a PostgreSQL server and three
          control-plane replicas on it, spread the simulated streams over the three and write on the first: the time
          until every ACK on every replica is recorded, and memory summed over the replicas. tests/bench/policy-propagation.sh runs it.
      failover [--kills 5] [--case default|fast]
          Three control-plane replicas on a PostgreSQL server of their own (apt-get install postgresql), 3 sidecars with
          callers at 20 requests/s and a policy write every 200 ms to the replicas in turn; the leader is killed with
          SIGKILL --kills times (replaced on its ports with a new replica id each time): per kill, the time until a
          survivor's /v1/replicas shows another leader and until that leader's first coordinator run is done (its
          lastRunAt), p50 and max; writes acknowledged and lost (must be 0), caller requests failed. Cases: default
          settings, and "fast" (ControlPlane:Ha:LeaseDuration 1 s, RenewInterval 250 ms, Healing:Interval 1 s).
      detection [--series 100] [--seed 1] [--json out.json]
          The labelled benchmark of the anomaly and leak detectors on generated series (production-like metrics with
          seasons, bursts, drift, gaps, heavy tails; spikes, dips, level shifts, slow-downs, and on a held-out set variance
          changes and seasonality breaks; leaks on sawtooth or noise against GC sawtooth, warm-up, step and noise): NAB
          standard / low-FP / low-FN scores of the new and old detectors and baselines on the tuning and held-out sets,
          precision, recall and detection delay of the anomalies; leak confusion table, time-to-exhaustion error and
          interval coverage.
      capacity [--traces 8] [--seed 1] [--holdout-seed 2] [--series 40] [--csv file.csv] [--json out.json]
          Day-ahead re-planning on generated half-hourly demand with holidays and heat-wave-like excursions (tuning and
          held-out seeds apart): capacity saved against static peak, share of a perfect forecast's saving, half hours
          under-provisioned, 95 % coverage, against last week + 50 % and a calibrated seasonal naive forecast. Then the
          forecaster's rolling-origin backtest on generated hourly demand (MASE at 1 and 7 days, coverage) and the
          planner's weekly schedule at saturation targets 0.5, 1 and 2 %.
      logs [--records 100000] [--seed 1] [--per-kind 10] [--family-lines 2000] [--explain] [--write <dir>] [--json out.json]
          The labelled benchmark of the bug fixer's log analysis: template grouping accuracy on generated logs of 53 known
          events in 7 formats (MEL simple and JSON console, Serilog, logback, Python logging, Go log and logfmt); grouping
          accuracy on 18 real-system families (HDFS, Hadoop MapReduce, Spark, OpenSSH, Linux syslog, Android, Windows CBS,
          a proxy client, OpenStack Nova, Slurm, HPC kernel RAS, kubelet; held out: ZooKeeper, cluster syslog, a health
          app, Apache httpd errors, macOS, nginx errors), message part only, of Drain with no per-system settings, Drain tuned per family and
          `meshctl analyze logs --lines`, with tuning and held-out averages (--explain lists the events each misses, tuning
          families only); root-cause accuracy with a confusion table on incidents of 63 known kinds in .NET, Java, Python
          and Go, and the reader and miner's rate on one thread; --write saves the corpora and their labels as files
          (<family>.log and <family>.labels, one event id per line, for meshctl analyze logs --lines).
      store [--policies 2000] [--answers 10000] [--rounds 3] [--providers sqlite,postgres]
          The store's write paths on SQLite (a temporary file) and PostgreSQL (a private cluster on loopback): AddPolicy
          per second from one writer and from three at once on one service, and RecordAnswers of a push's ACKs in one call.
      micro [BenchmarkDotNet arguments, such as --filter *]
          BenchmarkDotNet micro benchmarks of the sidecar's hot path (the breaker's decision, an attempt through the
          breaker, recording the outcome, the fallback choice while Recovering; *ProxyStep*: the resilience middleware and the
          header transforms per request, time and bytes allocated) and of the log miner (*LogMiner*: lines/s
          on one thread is 1 over the mean time per line); *Dashboard*: one GetTopology (5 min) and one GetForecasts of every
          service computed afresh, on a store seeded with a busy mesh.
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
    case "failover":
        return await FailoverBenchmark.RunAsync(args.AsMemory(1), Console.Out);
    case "load":
        return await LoadBenchmark.RunAsync(args.AsMemory(1), Console.Out);
    case "capacity":
        return await CapacityBenchmark.RunAsync(args.AsMemory(1), Console.Out);
    case "detection":
        return await DetectionBenchmark.RunAsync(args.AsMemory(1), Console.Out);
    case "logs":
        return await LogBenchmark.RunAsync(args.AsMemory(1), Console.Out);
    case "store":
        return await StoreBenchmark.RunAsync(args.AsMemory(1), Console.Out);
    case "micro":
        BenchmarkDotNet.Running.BenchmarkSwitcher.FromTypes([typeof(HotPathBenchmarks), typeof(ProxyStepBenchmarks), typeof(LogMinerBenchmarks), typeof(DashboardBenchmarks)]).Run(args.Length > 1 ? args[1..] : ["--filter", "*"]);
        return 0;
    default:
        await Console.Error.WriteLineAsync($"unknown benchmark '{args[0]}'; accepted: chaos, load, propagation, failover, detection, capacity, logs, store, micro");
        return 2;
}
