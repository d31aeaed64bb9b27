using System.Globalization;
using System.Text.Json;

namespace Mesh.Heal.Chaos;

/// <summary>The chaos scenarios: each starts real processes on 127.0.0.1, drives the same traffic through the sidecar and
/// direct, injects its fault on a script, and returns the figures and its own checks.</summary>
internal static partial class Scenarios
{
    /// <summary>The promise of the product, in the form CI can check with a few hundred requests: at least 99.95 %, or
    /// no more than one failed request (one in 600 is 99.83 %, within the noise of a short run).</summary>
    public const double AvailabilityTarget = 0.9995;

    private static readonly object StaticFallback = new { StatusCode = 200, Body = "degraded answer", ContentType = "text/plain" };

    public static IReadOnlyList<(string Name, string Description, Func<ChaosSettings, CancellationToken, Task<ScenarioResult>> Run)> All { get; } =
    [
        ("upstream-down", "the primary's process is killed (connection refused), then restarted; a fallback cluster exists", UpstreamDownAsync),
        ("half-503", "the primary answers 503 to every second request, then heals", Half503Async),
        ("latency-jump", "the primary's latency jumps from milliseconds to 3 s, then heals", LatencyJumpAsync),
        ("replica-down", "one of three replicas is killed; no fallback: ejection and retries only, no cluster-wide break", ReplicaDownAsync),
        ("cascade", "A -> B -> C, each through its sidecar; C hangs for 3 s per request, then heals", CascadeAsync),
        ("control-plane-killed", "the control plane is killed, the primary dies while it is away, the control plane comes back", ControlPlaneKilledAsync),
        ("bad-policy", "a policy the sidecar cannot apply is pushed: NACKed, the old policy stays, traffic unaffected", BadPolicyAsync),
        ("recovery", "the primary comes back: the ramp brings traffic back without a second outage", RecoveryAsync),
        ("cascade-agent", "A -> B -> C, C hangs 3 s; B waits 5 s, A only 1 s: the agent against the sidecars alone", CascadeAgentAsync),
        ("flapping", "C fails every other second: the agent must not answer each flap", FlappingAsync),
        ("healing-worse", "C fails 60 %; B's fallback is down, so forcing it makes things worse: rolled back", HealingWorseAsync),
        ("dry-run", "the cascade with the coordinator in dry-run: everything recorded, nothing applied", DryRunAsync),
        ("leak", "two replicas leak memory towards their limit: found through Prometheus, cleaned one at a time before it", LeakAsync),
        ("growth", "traffic grows to 3x, past the HPA's ceiling of 2 replicas: the planner raises it through the Kubernetes API first", GrowthAsync),
        ("bugfix", "a C# service built from a git repository starts throwing NullReferenceException: an issue and a pull request with a patch that builds", BugFixAsync),
    ];

    public static Task<ScenarioResult> RunAsync(string name, ChaosSettings settings, CancellationToken cancellationToken = default) =>
        All.Single(s => s.Name == name).Run(settings, cancellationToken);

    private static Task<ScenarioResult> UpstreamDownAsync(ChaosSettings settings, CancellationToken cancellationToken) =>
        PrimaryFaultAsync("upstream-down", settings, p => p.KillAsync(), p => p.RestartAsync(), cancellationToken: cancellationToken);

    private static Task<ScenarioResult> Half503Async(ChaosSettings settings, CancellationToken cancellationToken) =>
        PrimaryFaultAsync("half-503", settings, p => p.FaultAsync("status=503&ratio=0.5"), p => p.HealAsync(), expectBreak: false, cancellationToken: cancellationToken);

    private static Task<ScenarioResult> LatencyJumpAsync(ChaosSettings settings, CancellationToken cancellationToken) =>
        PrimaryFaultAsync("latency-jump", settings, p => p.FaultAsync("delay=3s"), p => p.HealAsync(), timeout: "00:00:00.3", cancellationToken: cancellationToken);

    private static Task<ScenarioResult> RecoveryAsync(ChaosSettings settings, CancellationToken cancellationToken) =>
        PrimaryFaultAsync("recovery", settings, p => p.KillAsync(), p => p.RestartAsync(), faultAt: 0.2, healAt: 0.4, cancellationToken: cancellationToken);

    /// <summary>A primary and a backup behind one sidecar; the fault hits the primary.</summary>
    private static async Task<ScenarioResult> PrimaryFaultAsync(
        string name, ChaosSettings settings, Func<UpstreamProcess, Task> fault, Func<UpstreamProcess, Task> heal, bool expectBreak = true,
        string timeout = "00:00:00.5", double faultAt = 1 / 3.0, double healAt = 0.6, CancellationToken cancellationToken = default)
    {
        await using var mesh = new ChaosMesh();
        var primary = await mesh.UpstreamAsync("primary");
        var backup = await mesh.UpstreamAsync("backup");
        var sidecar = await mesh.SidecarAsync(
            "orders", ChaosMesh.SidecarConfig("orders", ("backend", [primary.Address]), ChaosMesh.Policy("backup", timeout), ("backup", [backup.Address])));
        var (samples, done, health) = await mesh.RunAsync(
            settings,
            [[sidecar.Proxy], [new Uri(primary.Address)]],
            [new(settings.At(faultAt), "fault", () => fault(primary)), new(settings.At(healAt), "heal", () => heal(primary))],
            sidecar,
            "backend",
            cancellationToken);
        var checks = new List<ScenarioCheck> { Availability(samples) };
        if (expectBreak)
        {
            checks.Add(Check("fallback within 1 s", Opened(health, done["fault"]) is { } ms && ms <= 1000, $"breaker open {Ms(Opened(health, done["fault"]))} after the fault"));
        }

        checks.Add(NoSecondOutage(health, done["heal"]));
        checks.Add(Check("no failure after the heal", samples.Count(s => s.Target == ScenarioResult.WithSidecar && s.SentAt >= done["heal"] && s.Outcome == Outcome.Failed) == 0, "counted"));
        return ScenarioResult.From(name, samples, done["fault"], done["heal"], health, checks);
    }

    private static async Task<ScenarioResult> ReplicaDownAsync(ChaosSettings settings, CancellationToken cancellationToken)
    {
        await using var mesh = new ChaosMesh();
        var replicas = new List<UpstreamProcess>();
        for (var i = 1; i <= 3; i++)
        {
            replicas.Add(await mesh.UpstreamAsync("replica-" + i));
        }

        var addresses = replicas.Select(r => r.Address).ToArray();
        var sidecar = await mesh.SidecarAsync("orders", ChaosMesh.SidecarConfig("orders", ("backend", addresses), ChaosMesh.Policy(fallback: null)));
        var ejected = -1;
        var (samples, done, health) = await mesh.RunAsync(
            settings,
            [[sidecar.Proxy], addresses.Select(a => new Uri(a)).ToArray()],
            [
                new(settings.At(1 / 3.0), "fault", () => replicas[1].KillAsync()),
                new(settings.At(0.5), "probe", async () => ejected = (await sidecar.StateAsync()).GetProperty("clusters").GetProperty("backend").GetProperty("destinations")
                    .EnumerateObject().Count(d => d.Value.GetProperty("passiveHealth").GetString() == "Unhealthy")),
                new(settings.At(2 / 3.0), "heal", () => replicas[1].RestartAsync()),
            ],
            sidecar,
            "backend",
            cancellationToken);
        return ScenarioResult.From("replica-down", samples, done["fault"], done["heal"], health,
        [
            Availability(samples),
            Check("no cluster-wide break", health.All(p => p.Breaker == "Closed" && p.Health != "Failed"),
                $"states seen: {string.Join(", ", health.Select(p => $"{p.Health}/{p.Breaker}").Distinct())}"),
            Check("the dead replica was ejected", ejected == 1, $"{ejected} destination(s) ejected halfway through the fault"),
        ]);
    }

    private static async Task<ScenarioResult> CascadeAsync(ChaosSettings settings, CancellationToken cancellationToken)
    {
        await using var mesh = new ChaosMesh();
        var c = await mesh.UpstreamAsync("c");
        var sidecarB = await mesh.SidecarAsync("b", ChaosMesh.SidecarConfig("b", ("c", [c.Address]), ChaosMesh.Policy(StaticFallback, "00:00:00.3")));
        var b = await mesh.UpstreamAsync("b", new Uri(sidecarB.Proxy, "/c"));
        var sidecarA = await mesh.SidecarAsync("a", ChaosMesh.SidecarConfig("a", ("b", [b.Address]), ChaosMesh.Policy(StaticFallback, "00:00:01")));
        var a = await mesh.UpstreamAsync("a", new Uri(sidecarA.Proxy, "/b"));

        // The same chain without sidecars: A2 calls B2, B2 calls C.
        var b2 = await mesh.UpstreamAsync("b-direct", new Uri(new Uri(c.Address), "/c"));
        var a2 = await mesh.UpstreamAsync("a-direct", new Uri(new Uri(b2.Address), "/b"));
        var (samples, done, health) = await mesh.RunAsync(
            settings,
            [[new Uri(a.Address)], [new Uri(a2.Address)]],
            [new(settings.At(1 / 3.0), "fault", () => c.FaultAsync("delay=3s")), new(settings.At(2 / 3.0), "heal", () => c.HealAsync())],
            sidecarB,
            "c",
            cancellationToken);
        var during = samples.Where(s => s.Target == ScenarioResult.WithSidecar && s.SentAt >= done["fault"] && s.SentAt < done["heal"]).Select(s => s.Latency.TotalMilliseconds).Order().ToList();
        var p99 = ScenarioResult.Percentile(during, 0.99);
        var stateA = (await sidecarA.StateAsync()).GetProperty("clusters").GetProperty("b");
        return ScenarioResult.From("cascade", samples, done["fault"], done["heal"], health,
        [
            Availability(samples),
            Check("B's callers protected before queues grow", p99 < 1500, string.Create(CultureInfo.InvariantCulture,
                $"p99 at A's callers {p99:0} ms during the fault; C takes 3000 ms, so unprotected callers wait at least that (limit: half of it)")),
            Check("C's breaker opened within 1 s", Opened(health, done["fault"]) is { } ms && ms <= 1000, $"open {Ms(Opened(health, done["fault"]))} after the fault; {Changes(health, done["fault"])}"),
            Check("A's sidecar saw B stay healthy", stateA.GetProperty("breaker").GetString() == "Closed", "breaker " + stateA.GetProperty("breaker").GetString()),
        ]);
    }

    private static async Task<ScenarioResult> ControlPlaneKilledAsync(ChaosSettings settings, CancellationToken cancellationToken)
    {
        await using var mesh = new ChaosMesh();
        var (controlPlane, primary, sidecar, version) = await ControlledMeshAsync(mesh);
        var (samples, done, health) = await mesh.RunAsync(
            settings,
            [[sidecar.Proxy], [new Uri(primary.Address)]],
            [
                new(settings.At(0.2), "control plane killed", () => controlPlane.KillAsync()),
                new(settings.At(0.4), "fault", () => primary.KillAsync()),
                new(settings.At(0.6), "control plane back", () => controlPlane.RestartAsync()),
                new(settings.At(0.8), "heal", () => primary.RestartAsync()),
            ],
            sidecar,
            "backend",
            cancellationToken);
        var reconnected = await Wait.TryUntilAsync(async () => (await sidecar.StateAsync()).GetProperty("controlPlane").GetProperty("connected").GetBoolean());

        // Nothing in this scenario calls for a new version: the sidecar's own breaker engaged the fallback. The versions the
        // control plane made since the push, with their source and author, say who changed it when one did.
        long inForce = 0;
        IReadOnlyList<PolicyVersionInfo> since = [];
        await Wait.TryUntilAsync(async () =>
        {
            since = await controlPlane.PolicyVersionsSinceAsync("orders", version);
            inForce = (await sidecar.StateAsync()).GetProperty("policyVersion").GetInt64();
            return inForce == (since.Count == 0 ? version : since[^1].Version);
        });
        return ScenarioResult.From("control-plane-killed", samples, done["fault"], done["heal"], health,
        [
            Availability(samples),
            Check("fallback within 1 s with the control plane away", Opened(health, done["fault"]) is { } ms && ms <= 1000, $"open {Ms(Opened(health, done["fault"]))} after the fault"),
            PolicyUnchanged(version, inForce, since),
            Check("the sidecar reconnected", reconnected, "controlPlane.connected"),
        ]);
    }

    private static async Task<ScenarioResult> BadPolicyAsync(ChaosSettings settings, CancellationToken cancellationToken)
    {
        await using var mesh = new ChaosMesh();
        var (controlPlane, primary, sidecar, version) = await ControlledMeshAsync(mesh);
        long bad = 0;
        var (samples, done, health) = await mesh.RunAsync(
            settings,
            [[sidecar.Proxy], [new Uri(primary.Address)]],
            [new(settings.At(1 / 3.0), "bad policy", async () => bad = await controlPlane.PutPolicyAsync("orders", "service: orders\nclusters: { backend: { fallback: { cluster: nowhere } } }\n"))],
            sidecar,
            "backend",
            cancellationToken);
        var nacked = await Wait.TryUntilAsync(async () => LastNack(await controlPlane.StatusAsync()) == bad);
        var state = await sidecar.StateAsync();
        return ScenarioResult.From("bad-policy", samples, fault: null, heal: null, health,
        [
            Check("no failed request", samples.All(s => s.Outcome != Outcome.Failed), "counted on both paths"),
            Check("NACKed and shown in the control plane's status", nacked, $"bad version {bad}"),
            Check("old policy kept", state.GetProperty("policyVersion").GetInt64() == version, $"version in force {state.GetProperty("policyVersion").GetInt64()}, good {version}"),
        ]);
    }

    /// <summary>A control plane, a primary and a backup, and a sidecar that gets its fallback from the control plane.</summary>
    private static async Task<(ControlPlaneProcess ControlPlane, UpstreamProcess Primary, SidecarProcess Sidecar, long Version)> ControlledMeshAsync(ChaosMesh mesh)
    {
        var controlPlane = await mesh.ControlPlaneAsync();
        var primary = await mesh.UpstreamAsync("primary");
        var backup = await mesh.UpstreamAsync("backup");
        var sidecar = await mesh.SidecarAsync(
            "orders",
            ChaosMesh.SidecarConfig("orders", ("backend", [primary.Address]), ChaosMesh.Policy(fallback: null), ("backup", [backup.Address])),
            "--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:StateDirectory=" + Path.Combine(mesh.Directory, "sidecar-state"));
        var version = await controlPlane.PutPolicyAsync("orders", """
            service: orders
            clusters:
              backend:
                circuitBreaker: { failureRatio: 0.5, minimumThroughput: 10, samplingDuration: 2s, breakDuration: 1s, recoveryDuration: 1s }
                timeout: 500ms
                retry: { maxAttempts: 2, budgetPercent: 20 }
                outlierDetection: { consecutiveFailures: 3, ejectionDuration: 10s }
                fallback: { cluster: backup }
            """);
        if (!await Wait.TryUntilAsync(async () => (await sidecar.StateAsync()).GetProperty("policyVersion").GetInt64() == version))
        {
            throw new TimeoutException($"the sidecar did not apply policy version {version}:\n{sidecar.Process.Output}");
        }

        return (controlPlane, primary, sidecar, version);
    }

    private static long LastNack(JsonElement status) =>
        status.GetProperty("services").EnumerateArray().SelectMany(s => s.GetProperty("sidecars").EnumerateArray())
            .Select(s => s.TryGetProperty("lastNack", out var nack) ? long.Parse(nack.GetProperty("version").ToString(), CultureInfo.InvariantCulture) : 0)
            .DefaultIfEmpty(0).Max();

    private static ScenarioCheck Availability(IReadOnlyList<Sample> samples)
    {
        var with = samples.Where(s => s.Target == ScenarioResult.WithSidecar).ToList();
        var failed = with.Count(s => s.Outcome == Outcome.Failed);
        var availability = with.Count == 0 ? 0 : 1 - (double)failed / with.Count;
        var first = string.Join(", ", with.Where(s => s.Outcome == Outcome.Failed).Take(5).Select(s => string.Create(
            CultureInfo.InvariantCulture, $"sent at {s.SentAt.TotalMilliseconds:0} ms, failed after {s.Latency.TotalMilliseconds:0} ms")));
        return Check("availability", availability >= AvailabilityTarget || failed <= 1,
            string.Create(CultureInfo.InvariantCulture, $"{availability * 100:0.000} % ({failed} of {with.Count} failed); target {AvailabilityTarget * 100:0.00} %")
            + (failed == 0 ? string.Empty : "; first: " + first));
    }

    /// <summary>After the heal the cluster goes back to Healthy and never to Failed again.</summary>
    /// <remarks>Requests sent before the heal may still fail just after it (a slow upstream's last answers) and send a
    /// ramp that had started back to Failed; from a second after the heal, when they have all ended, a relapse counts.</remarks>
    private static ScenarioCheck NoSecondOutage(IReadOnlyList<HealthPoint> health, TimeSpan heal)
    {
        var after = health.Where(p => p.At >= heal + TimeSpan.FromSeconds(1)).ToList();
        var firstRecovering = after.FindIndex(p => p.Health is "Recovering" or "Healthy");
        var relapse = firstRecovering >= 0 && after.Skip(firstRecovering).Any(p => p.Health == "Failed");
        return Check("recovered without a second outage", firstRecovering >= 0 && !relapse && after.Count > 0 && after[^1].Health == "Healthy",
            $"states after the heal: {string.Join(" -> ", after.Select(p => p.Health).Where((h, i) => i == 0 || after[i - 1].Health != h))}");
    }

    private static double? Opened(IReadOnlyList<HealthPoint> health, TimeSpan fault) =>
        health.FirstOrDefault(p => p.At >= fault && p.Breaker is "Open" or "Isolated") is { Health: not null } open ? (open.At - fault).TotalMilliseconds : null;

    /// <summary>The state changes from <paramref name="from"/> on, with their times, for a failure message.</summary>
    private static string Changes(IReadOnlyList<HealthPoint> health, TimeSpan from)
    {
        var after = health.Where(p => p.At >= from).ToList();
        return string.Join(" -> ", after.Where((p, i) => i == 0 || after[i - 1].Health != p.Health || after[i - 1].Breaker != p.Breaker)
            .Take(8).Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Health}/{p.Breaker} at +{(p.At - from).TotalMilliseconds:0} ms")));
    }

    private static ScenarioCheck Check(string name, bool passed, string detail) => new(name, passed, detail);

    /// <summary>The policy survived the control plane's absence unchanged: the sidecar runs the version
    /// <paramref name="pushed"/>, and the control plane made none after it.</summary>
    /// <param name="pushed">The version the scenario pushed.</param>
    /// <param name="inForce">The version the sidecar runs.</param>
    /// <param name="since">The control plane's versions after <paramref name="pushed"/>, oldest first.</param>
    internal static ScenarioCheck PolicyUnchanged(long pushed, long inForce, IReadOnlyList<PolicyVersionInfo> since) =>
        Check("policy unchanged", inForce == pushed && since.Count == 0,
            string.Create(CultureInfo.InvariantCulture, $"version {inForce} in force, pushed {pushed}")
            + (since.Count == 0 ? string.Empty : "; made since: " + string.Join(", ", since.Select(v => $"{v.Version} from {v.Source} by {v.Author}"))));

    private static string Ms(double? ms) => ms is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v:0} ms") : "never";
}
