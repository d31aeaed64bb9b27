using Mesh.Heal.Cli.Analyze;
using Mesh.Heal.Cli.Control;
using Mesh.Heal.Cli.Demo;
using Mesh.Heal.Cli.Inject;
using Mesh.Heal.Cli.Network;

const string Usage = """
    meshctl: the Mesh.Heal command line

    usage:
      meshctl demo [--duration 30s] [--rate 200] [--quiet]
          (runs the demo host, src/Mesh.Heal.Demo: found through MESHHEAL_DEMO, a demo/ folder beside meshctl's, or the
          source tree meshctl or the current directory is in)
          A local mesh on 127.0.0.1: a control plane, a primary and a backup service, and a real sidecar in front.
          Traffic runs at a fixed rate; a policy change pushed through the control plane gives the sidecar its
          fallback live; the primary is killed a third of the way in and revived at two thirds. Prints a per-second
          view and the availability callers saw, against the same traffic sent straight to the primary.

      Talking to a control plane (--server <grpc url>, default http://127.0.0.1:15010; --token <token>; or the
      environment variables MESHHEAL_SERVER and MESHHEAL_TOKEN; --json for scripts):
      meshctl status                     services, sidecars, acked policy versions, last NACKs, cluster health
      meshctl services                   one line per service
      meshctl policy get <service>       the newest policy document and its version
      meshctl policy apply -f <file>     store a YAML or JSON policy document (- for stdin); exits 1 when rejected
      meshctl issues | actions | audit   issues, healing actions, the audit log
      meshctl replicas                   the control-plane replicas: leader and epoch, heartbeat, streams, last coordinator run
      meshctl report [--since 24h]       availability seen by callers, incident detect/mitigate times, share healed with no operator, capacity
      meshctl approve|reject|rollback <action id> [--reason <text>]
      meshctl upstream [--port 18080] [--name primary] [--call <url>] [--memory-limit 512MiB] [--capacity <requests/s>]
          A tiny HTTP service on 127.0.0.1 that answers every request with {"servedBy":"<name>"}: something to put
          a sidecar in front of, or to benchmark against. Runs until Ctrl+C. Faults on demand:
          PUT /_meshheal/fault?status=503&ratio=0.5&delay=2s, DELETE /_meshheal/fault. With --call, every request
          first calls <url> (a dependency, or a sidecar in front of one) and gets 502 when that fails. /metrics shows its
          resident memory; PUT /_meshheal/leak?rate=4MiB leaks that much a second, POST /_meshheal/cleanup frees it
          (the leak goes on), DELETE /_meshheal/leak stops it. Past --memory-limit it exits with 137, as an OOM kill.
          With --capacity it serves that many requests a second at most; past it requests queue, as on a saturated replica.
      meshctl analyze anomalies <file.csv|->
          Reads timestamp,value rows (ISO 8601 or Unix seconds) and writes timestamp,value,anomaly_score rows: the
          control plane's streaming detector (level, daily and weekly seasons, level shifts); a score over 0.5 is an anomaly.
      meshctl analyze resources <file.csv|-> --limit <value> [--json]
          The resource exhaustion predictor on a memory, handle or connection series: leak or not (sawtooth, warm-up,
          step, stable), the trend of the troughs, the time until the limit with its 95 % interval, and the severity.
      meshctl analyze forecast <file.csv|-> --horizon <30m|12h|7d|90d> [--json]
          Reads timestamp,value rows and writes timestamp,forecast,lower,upper rows at the input's step (95 % intervals):
          seasonal naive or damped-trend exponential smoothing with a daily or weekly season, chosen by backtest; the
          chosen model, its backtest MASE and the growth per 30 days go to stderr (and into --json).
      meshctl analyze logs <file|-> [--json | --lines] [--top N]
          Mines a log file (plain text or JSON lines; .NET, Java, Python and Go stack traces joined to their record) into
          templates, clusters its errors by exception type and throwing frame, and classifies each cluster's root cause
          (null-pointer, timeout, validation, resource-exhaustion, dependency-failure, unknown) with its evidence.
          --lines writes templateId<TAB>template for every input line instead (-1 for a blank or malformed line).
      meshctl analyze scaling <events.json|-> [--json]
          Judges each scale-up/down in { "capacityPerReplica", "policy": { minReplicas, maxReplicas, targetUtilization,
          scaleUpStabilization, scaleDownStabilization }, "samples": [ { timestamp, load, replicas } ] } (correct,
          unneeded, late, premature, flap), and replays the load under the HPA algorithm with the policy in force and
          with the best policy found.
      meshctl init-network --proxy-uid <uid> [--outbound-port 15001] [--inbound-port 15006] [--service-ports 8080,9090]
                           [--outbound-ports <all|p1,p2>] [--exclude-ports 15000,15010,15080] [--ipv6 auto|on|off] [--dry-run]
      meshctl init-network --remove [--ipv6 auto|on|off] [--dry-run]
          Transparent interception, run in a pod's network namespace by its init container (needs NET_ADMIN, NET_RAW and
          Debian's iptables): nat chains MESHHEAL_OUTPUT and MESHHEAL_PREROUTING send outbound TCP (except the proxy uid's,
          loopback and the excluded ports) to the sidecar's outbound port and TCP arriving for the service ports to its
          inbound port. Idempotent; --remove deletes only its own jumps and chains; --dry-run prints the iptables commands.
          --ipv6: the same chains in ip6tables (loopback ::1/128); auto (default) when ip6tables can read its nat table.
      meshctl inject -f <file|-> [--only-annotated] [--image <image>] [--control-plane <grpc url>] [--token-secret meshheal-{service}-token]
          Writes the manifest to stdout with the Mesh.Heal sidecar in every Deployment, StatefulSet, DaemonSet and Pod (and
          List item): the meshheal-init container (meshctl init-network: the pod's TCP through the sidecar), the
          meshheal-sidecar container, its state volume and the meshheal.io/injected annotation; like `linkerd inject`:
          meshctl inject -f app.yaml | kubectl apply -f -. A template annotated or labelled meshheal.io/inject: disabled,
          or already injected, is left as it is; with --only-annotated only those annotated meshheal.io/inject: enabled
          are injected. Comments are not kept.
      meshctl help
    """;

if (args.Length == 0 || args[0] is "help" or "--help" or "-h")
{
    Console.WriteLine(Usage);
    return args.Length == 0 ? 2 : 0;
}

if (ControlCommands.Verbs.Contains(args[0]))
{
    return await ControlCommands.RunAsync(args, Console.Out, Console.Error, Environment.GetEnvironmentVariable);
}

switch (args[0])
{
    case "analyze":
        return await AnalyzeCommands.RunAsync(args, Console.In, Console.Out, Console.Error);
    case "init-network":
        return await InitNetworkCommand.RunAsync(args, Console.Out, Console.Error, new IptablesRunner(), new IptablesRunner("ip6tables"));
    case "inject":
        return await InjectCommand.RunAsync(args, Console.In, Console.Out, Console.Error);
    case "demo" or "upstream":
        return await DemoLauncher.RunAsync(args, Console.Error, Environment.GetEnvironmentVariable);

    default:
        await Console.Error.WriteLineAsync($"meshctl: unknown command '{args[0]}'; accepted: {string.Join(", ", ControlCommands.Verbs)}, analyze, init-network, inject, demo, upstream, help");
        return 2;
}
