using System.Globalization;
using System.Text.Json;

namespace Mesh.Heal.Chaos;

/// <summary>The scenarios of the healing coordinator and its circuit breaker agent: a control plane watches the mesh and
/// pushes healings to the sidecars.</summary>
internal static partial class Scenarios
{
    /// <summary>The coordinator on a chaos clock: runs every second, judges 3 s of telemetry, verifies over 4 s, holds 8 s.</summary>
    internal static readonly string[] HealingArgs =
    [
        "--ControlPlane:Healing:Interval=00:00:01", "--ControlPlane:Healing:LiveWindow=00:00:03", "--ControlPlane:Healing:VerificationWindow=00:00:04",
        "--ControlPlane:Healing:VerificationSettle=00:00:01", "--ControlPlane:Healing:ResolveAfter=00:00:03",
        "--ControlPlane:Agents:CircuitBreaker:MinimumHold=00:00:08",
    ];

    /// <summary>B waits 5 s for C and has a static fallback; A waits 1 s for B and has none.</summary>
    private static readonly object PolicyB = ChaosMesh.Policy(StaticFallback, "00:00:05");
    private static readonly object PolicyA = ChaosMesh.Policy(fallback: null, "00:00:01");

    private static async Task<ScenarioResult> CascadeAgentAsync(ChaosSettings settings, CancellationToken cancellationToken)
    {
        settings = Longer(settings);
        await using var mesh = new ChaosMesh();
        var c = await mesh.UpstreamAsync("c");
        var controlPlane = await mesh.ControlPlaneAsync(HealingArgs);
        var healed = await ChainAsync(mesh, c, PolicyB, PolicyA, controlPlane, "-agent");
        var alone = await ChainAsync(mesh, c, PolicyB, PolicyA, controlPlane: null, "-alone");
        var (samples, done, health) = await mesh.RunAsync(
            settings,
            [[healed.A], [alone.A]],
            [new(settings.At(0.25), "fault", () => c.FaultAsync("delay=3s")), new(settings.At(0.75), "heal", () => c.HealAsync())],
            healed.SidecarB,
            "c",
            cancellationToken);
        var withAgent = Failed(samples, ScenarioResult.WithSidecar);
        var sidecarsAlone = Failed(samples, ScenarioResult.Direct);

        // A healing applied near the end of the traffic is verified a few seconds later.
        await Wait.TryUntilAsync(async () => (await StoryAsync(controlPlane)).Audit.Contains("action.verified", StringComparison.Ordinal));
        var story = await StoryAsync(controlPlane);
        return ScenarioResult.From("cascade-agent", samples, done["fault"], done["heal"], health,
        [
            Check("fewer failed requests at A with the agent than with the sidecars alone", withAgent < sidecarsAlone,
                $"{withAgent} failed with the agent, {sidecarsAlone} with the sidecars alone, of {samples.Count(s => s.Target == 0)} each"),
            Check("issues tell the story", story.Issues.Contains("upstream.unhealthy c") && story.Issues.Contains("cascade.risk c/b"), story.Issues),
            Check("actions tell the story", story.Actions.Contains("fallback.activate b/c") && story.Actions.Contains("timeout.tighten b/c"), story.Actions),
            Check("the audit tells the story", new[] { "issue.opened", "action.proposed", "action.applied", "action.verified" }.All(story.Audit.Contains), story.Audit),
        ]) with { Baseline = "sidecars alone" };
    }

    private static async Task<ScenarioResult> FlappingAsync(ChaosSettings settings, CancellationToken cancellationToken)
    {
        settings = Longer(settings);
        await using var mesh = new ChaosMesh();
        var c = await mesh.UpstreamAsync("c");
        var controlPlane = await mesh.ControlPlaneAsync(HealingArgs);
        var chain = await ChainAsync(mesh, c, ChaosMesh.Policy(StaticFallback, "00:00:01"), PolicyA, controlPlane, string.Empty);
        var flaps = new List<ScriptStep>();
        for (var at = settings.At(0.2); at < settings.At(0.8); at += TimeSpan.FromSeconds(2))
        {
            flaps.Add(new(at, "fault", () => c.FaultAsync("status=503")));
            flaps.Add(new(at + TimeSpan.FromSeconds(1), "heal", () => c.HealAsync()));
        }

        var (samples, done, health) = await mesh.RunAsync(settings, [[chain.A]], flaps, chain.SidecarB, "c", cancellationToken);
        var actions = await JsonAsync(controlPlane, "/v1/actions", "actions");
        var applied = actions.Count(a => a.GetProperty("state").GetString() != "proposed");
        var audit = await JsonAsync(controlPlane, "/v1/audit?limit=1000", "entries");
        var reopened = audit.Count(e => e.GetProperty("kind").GetString() == "issue.reopened");
        var story = await StoryAsync(controlPlane);
        var flapping = settings.At(0.8) - settings.At(0.2);
        var bound = 1 + (int)(flapping / TimeSpan.FromSeconds(8));
        return ScenarioResult.From("flapping", samples, flaps[0].At, done["heal"], health,
        [
            Availability(samples),
            Check("no action storm", applied <= 2 * bound && reopened <= bound,
                $"{flaps.Count / 2} flaps; {actions.Count} actions, {applied} applied (limit {2 * bound}), {reopened} issues reopened (limit {bound}); issues: {story.Issues}; actions: {story.Actions}"),
        ]);
    }

    private static async Task<ScenarioResult> HealingWorseAsync(ChaosSettings settings, CancellationToken cancellationToken)
    {
        settings = Longer(settings);
        await using var mesh = new ChaosMesh();
        var c = await mesh.UpstreamAsync("c");
        var controlPlane = await mesh.ControlPlaneAsync(HealingArgs);

        // B's breaker tolerates 60 % failures, and its fallback cluster points at a closed port.
        var policyB = new
        {
            CircuitBreaker = new { FailureRatio = 0.95, MinimumThroughput = 10, SamplingDuration = "00:00:02", BreakDuration = "00:00:01", ConsecutiveFailures = 0 },
            Timeout = "00:00:01",
            Retry = new { MaxAttempts = 1, BudgetPercent = 0 },
            Fallback = new { Cluster = "backup" },
        };
        var chain = await ChainAsync(mesh, c, policyB, PolicyA, controlPlane, string.Empty, ("backup", ["http://127.0.0.1:1/"]));
        var (samples, done, health) = await mesh.RunAsync(
            settings, [[chain.A]], [new(settings.At(0.15), "fault", () => c.FaultAsync("status=503&ratio=0.6"))], chain.SidecarB, "c", cancellationToken);
        var actions = await JsonAsync(controlPlane, "/v1/actions", "actions");
        var fallback = actions.Where(a => a.GetProperty("kind").GetString() == "fallback.activate").ToList();
        var policy = await controlPlane.Http.GetStringAsync("/v1/policies/b", cancellationToken);
        return ScenarioResult.From("healing-worse", samples, done["fault"], heal: null, health,
        [
            Check("the healing was rolled back automatically", fallback.Count == 1 && fallback[0].GetProperty("state").GetString() == "rolled_back"
                && fallback[0].GetProperty("verdict").GetString() == "worse",
                string.Join("; ", fallback.Select(a => $"{a.GetProperty("state")} {a.GetProperty("verdict")} ({a.GetProperty("signalBefore")} -> {a.GetProperty("signalAfter")})"))),
            Check("the policy is back as it was", !policy.Contains("FORCE_FALLBACK", StringComparison.OrdinalIgnoreCase) && !policy.Contains("forceFallback", StringComparison.Ordinal), "override in b's newest policy"),
            Check("not proposed again", fallback.Count == 1, $"{fallback.Count} fallback.activate actions"),
        ]);
    }

    private static async Task<ScenarioResult> DryRunAsync(ChaosSettings settings, CancellationToken cancellationToken)
    {
        settings = Longer(settings);
        await using var mesh = new ChaosMesh();
        var c = await mesh.UpstreamAsync("c");
        var controlPlane = await mesh.ControlPlaneAsync([.. HealingArgs, "--ControlPlane:Healing:DryRun=true"]);
        var chain = await ChainAsync(mesh, c, PolicyB, PolicyA, controlPlane, string.Empty);
        var (samples, done, health) = await mesh.RunAsync(
            settings, [[chain.A]], [new(settings.At(0.25), "fault", () => c.FaultAsync("delay=3s")), new(settings.At(0.75), "heal", () => c.HealAsync())],
            chain.SidecarB, "c", cancellationToken);
        var actions = await JsonAsync(controlPlane, "/v1/actions", "actions");
        var version = JsonDocument.Parse(await controlPlane.Http.GetStringAsync("/v1/policies/b", cancellationToken)).RootElement.GetProperty("version").ToString();
        var audit = await JsonAsync(controlPlane, "/v1/audit?limit=1000", "entries");
        return ScenarioResult.From("dry-run", samples, done["fault"], done["heal"], health,
        [
            Check("everything recorded", actions.Count > 0 && audit.Any(e => e.GetProperty("kind").GetString() == "action.dry-run"),
                $"{actions.Count} actions, {audit.Count(e => e.GetProperty("kind").GetString() == "action.dry-run")} dry-run audit entries"),
            Check("nothing applied", actions.All(a => a.GetProperty("dryRun").GetBoolean() && a.GetProperty("state").GetString() == "proposed") && version == chain.VersionB.ToString(CultureInfo.InvariantCulture),
                $"states {string.Join(", ", actions.Select(a => a.GetProperty("state").GetString()).Distinct())}; b's policy version {version}, pushed {chain.VersionB}"),
        ]);
    }

    /// <summary>The healing scenarios need time for the agent to see (a 3 s hang shows only when calls end), act and verify: three times the run.</summary>
    private static ChaosSettings Longer(ChaosSettings settings) => settings with { Duration = settings.Duration * 3 };

    /// <summary>C &lt;- B (sidecar) &lt;- A (sidecar); with a control plane the sidecars connect and get their policies from it.</summary>
    private static async Task<(Uri A, SidecarProcess SidecarB, long VersionB)> ChainAsync(
        ChaosMesh mesh, UpstreamProcess c, object policyB, object policyA, ControlPlaneProcess? controlPlane, string suffix, params (string Id, string[] Addresses)[] others)
    {
        string[] Connect(string name) => controlPlane is null
            ? []
            : ["--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:StateDirectory=" + Path.Combine(mesh.Directory, "state-" + name + suffix)];
        var sidecarB = await mesh.SidecarAsync("b" + suffix, ChaosMesh.SidecarConfig("b", ("c", [c.Address]), policyB, others), Connect("b"));
        var b = await mesh.UpstreamAsync("b" + suffix, new Uri(sidecarB.Proxy, "/c"));
        var sidecarA = await mesh.SidecarAsync("a" + suffix, ChaosMesh.SidecarConfig("a", ("b", [b.Address]), policyA), Connect("a"));
        var a = await mesh.UpstreamAsync("a" + suffix, new Uri(sidecarA.Proxy, "/b"));
        long versionB = 0;
        if (controlPlane is not null)
        {
            versionB = await controlPlane.PutPolicyAsync("b", ChaosMesh.PolicyDocument("b", "c", policyB));
            var versionA = await controlPlane.PutPolicyAsync("a", ChaosMesh.PolicyDocument("a", "b", policyA));
            foreach (var (sidecar, version) in new[] { (sidecarB, versionB), (sidecarA, versionA) })
            {
                if (!await Wait.TryUntilAsync(async () => (await sidecar.StateAsync()).GetProperty("policyVersion").GetInt64() == version))
                {
                    throw new TimeoutException($"a sidecar did not apply policy version {version}:\n{sidecar.Process.Output}");
                }
            }
        }

        return (new Uri(a.Address), sidecarB, versionB);
    }

    private static int Failed(IReadOnlyList<Sample> samples, int target) => samples.Count(s => s.Target == target && s.Outcome == Outcome.Failed);

    /// <summary>What <c>meshctl issues</c>, <c>actions</c> and <c>audit</c> show, one line each.</summary>
    private static async Task<(string Issues, string Actions, string Audit)> StoryAsync(ControlPlaneProcess controlPlane)
    {
        var issues = await JsonAsync(controlPlane, "/v1/issues", "issues");
        var actions = await JsonAsync(controlPlane, "/v1/actions", "actions");
        var audit = await JsonAsync(controlPlane, "/v1/audit?limit=1000", "entries");
        return (
            string.Join("; ", issues.Select(i => $"{i.GetProperty("kind")} {i.GetProperty("service")}{Subject(i)} {i.GetProperty("state")} x{i.GetProperty("occurrences")}")),
            string.Join("; ", actions.Select(a => $"{a.GetProperty("kind")} {a.GetProperty("target")} {a.GetProperty("state")} {Prop(a, "verdict")}")),
            string.Join(" -> ", audit.AsEnumerable().Reverse().Select(e => e.GetProperty("kind").GetString()).Where(k => k != "policy.changed")));

        static string Subject(JsonElement issue) =>
            issue.GetProperty("fingerprint").GetString()!.Split('/') is [_, var service, _, { Length: > 0 } subject] ? $"/{subject}" : string.Empty;
    }

    private static string Prop(JsonElement element, string name) => element.TryGetProperty(name, out var value) ? value.ToString() : string.Empty;

    private static async Task<List<JsonElement>> JsonAsync(ControlPlaneProcess controlPlane, string path, string array)
    {
        var body = JsonDocument.Parse(await controlPlane.Http.GetStringAsync(path)).RootElement;
        return body.TryGetProperty(array, out var items) ? [.. items.EnumerateArray().Select(i => i.Clone())] : [];
    }
}
