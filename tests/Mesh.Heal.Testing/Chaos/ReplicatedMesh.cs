using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

namespace Mesh.Heal.Chaos;

/// <summary>The HA mode on real processes: control-plane replicas on one PostgreSQL, sidecars of <c>orders</c> spread over
/// them in front of a primary with a backup, one sidecar of <c>checkout</c> in front of an upstream <c>c</c> that a test
/// makes fail for the circuit-breaker agent to heal, callers through all of them and operators writing policy.</summary>
/// <remarks>Each sidecar gets every replica's address, rotated so that its first is "its" replica; sidecar i starts on
/// replica i mod n.</remarks>
internal sealed class ReplicatedMesh : IAsyncDisposable
{
    /// <summary>The service whose sidecars carry the traffic that must never fail, and whose policy the writers change.</summary>
    public const string Service = "orders";

    /// <summary>The service whose upstream fails, for the agent to heal.</summary>
    public const string SickService = "checkout";

    /// <summary>Checkout's breaker tolerates 95 % failures, so a 60 % failure of c stays for the agent to see and heal by
    /// forcing checkout's fallback (a working backup).</summary>
    public static readonly object SickPolicy = new
    {
        CircuitBreaker = new { FailureRatio = 0.95, MinimumThroughput = 10, SamplingDuration = "00:00:02", BreakDuration = "00:00:01", ConsecutiveFailures = 0 },
        Timeout = "00:00:01",
        Retry = new { MaxAttempts = 1, BudgetPercent = 0 },
        Fallback = new { Cluster = "backup" },
    };

    private readonly ChaosMesh _mesh;

    private ReplicatedMesh(ChaosMesh mesh, ControlPlaneReplicas replicas, UpstreamProcess c, IReadOnlyList<SidecarProcess> sidecars, SidecarProcess checkout)
    {
        _mesh = mesh;
        Replicas = replicas;
        C = c;
        Sidecars = sidecars;
        Checkout = checkout;
    }

    public ControlPlaneReplicas Replicas { get; }

    /// <summary>Checkout's upstream.</summary>
    public UpstreamProcess C { get; }

    /// <summary>The sidecars of <see cref="Service"/>.</summary>
    public IReadOnlyList<SidecarProcess> Sidecars { get; }

    /// <summary>The sidecar of <see cref="SickService"/>.</summary>
    public SidecarProcess Checkout { get; }

    /// <summary>Every sidecar: <see cref="Sidecars"/>, then <see cref="Checkout"/>.</summary>
    public IReadOnlyList<SidecarProcess> All => [.. Sidecars, Checkout];

    /// <summary>Write n's policy for <see cref="Service"/>: the chaos policy with a timeout of 1 s + n ms, so every write
    /// makes a version and the version says which write made it.</summary>
    public static string Document(int n) =>
        ChaosMesh.PolicyDocument(Service, "backend", ChaosMesh.Policy("backup", TimeSpan.FromMilliseconds(1000 + n).ToString("c", CultureInfo.InvariantCulture)));

    /// <summary>Starts everything and waits until every sidecar has applied its service's policy from the control plane.</summary>
    /// <param name="replicas">How many control-plane replicas.</param>
    /// <param name="sidecars">How many sidecars of <see cref="Service"/>.</param>
    /// <param name="args">Arguments for every replica: the coordinator's clock (<see cref="Scenarios.HealingArgs"/> for the
    /// chaos test) and lease settings.</param>
    public static async Task<ReplicatedMesh> StartAsync(int replicas, int sidecars, params string[] args)
    {
        var mesh = new ChaosMesh();
        try
        {
            var set = mesh.Own(await ControlPlaneReplicas.StartAsync(mesh.Directory, replicas, args));
            var primary = await mesh.UpstreamAsync("primary");
            var backup = await mesh.UpstreamAsync("backup");
            var c = await mesh.UpstreamAsync("c");
            var config = ChaosMesh.SidecarConfig(Service, ("backend", [primary.Address]), ChaosMesh.Policy("backup"), ("backup", [backup.Address]));
            var started = new List<SidecarProcess>();
            for (var i = 0; i < sidecars; i++)
            {
                started.Add(await mesh.SidecarAsync($"{Service}-{i + 1}", config, Connect(mesh, set, $"{Service}-{i + 1}", i % replicas)));
            }

            var checkout = await mesh.SidecarAsync(
                SickService, ChaosMesh.SidecarConfig(SickService, ("c", [c.Address]), SickPolicy, ("backup", [backup.Address])), Connect(mesh, set, SickService, sidecars % replicas));
            var result = new ReplicatedMesh(mesh, set, c, started, checkout);
            var orders = await set[0].PutPolicyAsync(Service, Document(0));
            var sick = await set[Math.Min(1, replicas - 1)].PutPolicyAsync(SickService, ChaosMesh.PolicyDocument(SickService, "c", SickPolicy));
            var expected = string.Join(' ', [.. started.Select(_ => orders), sick]);
            await Wait.UntilAsync(
                async () => string.Join(' ', await result.VersionsAsync()),
                v => v == expected,
                $"every sidecar applied its policy ({expected})",
                TimeSpan.FromSeconds(30));
            await ChaosMesh.WarmUpAsync([[.. started.Select(s => s.Proxy), checkout.Proxy]], TimeSpan.FromSeconds(10), CancellationToken.None);
            return result;
        }
        catch
        {
            await mesh.DisposeAsync();
            throw;
        }
    }

    /// <summary>The policy version each sidecar applied, as its <c>/admin/state</c> says, in the order of <see cref="All"/>.</summary>
    public async Task<IReadOnlyList<long>> VersionsAsync()
    {
        var versions = new List<long>();
        foreach (var sidecar in All)
        {
            versions.Add((await sidecar.StateAsync()).GetProperty("policyVersion").GetInt64());
        }

        return versions;
    }

    /// <summary>The control-plane address each sidecar's policy stream is on, as its <c>/admin/state</c> says, or null for
    /// one that is not connected; in the order of <see cref="All"/>.</summary>
    public async Task<IReadOnlyList<string?>> ConnectedToAsync()
    {
        var addresses = new List<string?>();
        foreach (var sidecar in All)
        {
            var state = (await sidecar.StateAsync()).GetProperty("controlPlane");
            addresses.Add(state.GetProperty("connected").GetBoolean() && state.TryGetProperty("address", out var address) ? address.GetString() : null);
        }

        return addresses;
    }

    /// <summary>Starts callers at <paramref name="rate"/> requests a second to <see cref="Service"/>'s sidecars (target 0,
    /// round robin over them) and to checkout's (target 1) until the returned run is stopped.</summary>
    public CallerRun StartTraffic(int rate, TimeSpan callerDeadline) => new(
        new Traffic([[.. Sidecars.Select(s => s.Proxy)], [Checkout.Proxy]], rate, TimeSpan.FromMinutes(30), callerDeadline));

    /// <summary>Starts a policy write for <see cref="Service"/> every <paramref name="interval"/>, to the replicas in turn.</summary>
    public PolicyWriter StartWrites(TimeSpan interval) => new(i => Replicas[i].HttpUri, Replicas.Count, Service, Document, interval);

    /// <summary>The stored document of each version of <see cref="Service"/>'s policy asked for, read through replica <paramref name="via"/>.</summary>
    public async Task<IReadOnlyDictionary<long, string?>> StoredDocumentsAsync(int via, IEnumerable<long> versions)
    {
        var documents = new Dictionary<long, string?>();
        foreach (var version in versions)
        {
            using var response = await Replicas[via].Http.GetAsync($"/v1/policies/{Service}?version={version}");
            documents[version] = response.IsSuccessStatusCode
                ? JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("document").GetString()
                : null;
        }

        return documents;
    }

    /// <summary>The newest version of <paramref name="service"/>'s policy, read through replica <paramref name="via"/>.</summary>
    public async Task<long> NewestVersionAsync(int via, string service = Service)
    {
        var root = JsonDocument.Parse(await Replicas[via].Http.GetStringAsync($"/v1/policies/{service}")).RootElement;
        return long.Parse(root.GetProperty("version").ToString(), CultureInfo.InvariantCulture);
    }

    /// <summary>The actions of <c>GET /v1/actions</c> through replica <paramref name="via"/>: kind, target, state and when made.</summary>
    public async Task<IReadOnlyList<(string Kind, string Target, string State, DateTimeOffset CreatedAt)>> ActionsAsync(int via)
    {
        var root = JsonDocument.Parse(await Replicas[via].Http.GetStringAsync("/v1/actions")).RootElement;
        return !root.TryGetProperty("actions", out var actions)
            ? []
            : [.. actions.EnumerateArray().Select(a => (
                a.GetProperty("kind").GetString()!, a.GetProperty("target").GetString()!, a.GetProperty("state").GetString()!, a.GetProperty("createdAt").GetDateTimeOffset()))];
    }

    /// <summary>The sidecars of <see cref="Service"/> the control plane shows (<c>/v1/mesh/status</c> through replica
    /// <paramref name="via"/>): instance, connected, and the version it ACKed.</summary>
    public async Task<IReadOnlyList<(string Instance, bool Connected, long Acked)>> StatusAsync(int via)
    {
        var root = JsonDocument.Parse(await Replicas[via].Http.GetStringAsync($"/v1/mesh/status?service={Service}")).RootElement;
        var service = root.TryGetProperty("services", out var services) ? services.EnumerateArray().FirstOrDefault() : default;
        return service.ValueKind != JsonValueKind.Object || !service.TryGetProperty("sidecars", out var sidecars)
            ? []
            : [.. sidecars.EnumerateArray().Select(s => (
                s.GetProperty("instance").GetString()!,
                s.TryGetProperty("connected", out var connected) && connected.GetBoolean(),
                s.TryGetProperty("ackedVersion", out var acked) ? long.Parse(acked.ToString(), CultureInfo.InvariantCulture) : 0))];
    }

    public ValueTask DisposeAsync() => _mesh.DisposeAsync();

    private static string[] Connect(ChaosMesh mesh, ControlPlaneReplicas replicas, string name, int first) =>
        ["--Sidecar:ControlPlaneUrl=" + replicas.SidecarAddresses(first), "--Sidecar:StateDirectory=" + Path.Combine(mesh.Directory, "state-" + name)];
}

/// <summary>Callers running until stopped; stopping returns every request they made.</summary>
internal sealed class CallerRun
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task<(IReadOnlyList<Sample> Samples, IReadOnlyDictionary<string, TimeSpan> Done)> _run;

    public CallerRun(Traffic traffic) => _run = traffic.RunAsync([], Stopwatch.StartNew(), CancellationToken.None, _stop.Token);

    public async Task<IReadOnlyList<Sample>> StopAsync()
    {
        await _stop.CancelAsync();
        var (samples, _) = await _run;
        _stop.Dispose();
        return samples;
    }
}
