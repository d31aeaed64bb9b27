using System.Text.Json;
using Mesh.Heal.Cli.Control;
using Mesh.Heal.IntegrationTests.Support;

namespace Mesh.Heal.IntegrationTests.Cli;

/// <summary>meshctl's control-plane verbs against a real control plane over gRPC, as an operator runs them.</summary>
[Collection(nameof(IntegrationCollection))]
public class MeshctlTests
{
    private const string Admin = "admin-token-0123456789";
    private const string Reader = "reader-token-0123456789";

    [Fact]
    public async Task PolicyApply_StoresAVersion_GetShowsIt_AndAnInvalidFileExitsOneNamingTheField()
    {
        await using var controlPlane = await StartAsync();
        var directory = Directory.CreateTempSubdirectory("meshheal-meshctl-").FullName;
        var good = Path.Combine(directory, "orders.yaml");
        await File.WriteAllTextAsync(good, "service: orders\nclusters:\n  backend:\n    timeout: 2s\n");
        var bad = Path.Combine(directory, "bad.json");
        await File.WriteAllTextAsync(bad, """{ "service": "orders", "clusters": { "backend": { "retry": { "maxAttempts": 99 } } } }""");

        var applied = await RunAsync(controlPlane, Admin, "policy", "apply", "-f", good);
        var again = await RunAsync(controlPlane, Admin, "policy", "apply", "-f", good);
        var rejected = await RunAsync(controlPlane, Admin, "policy", "apply", "-f", bad);
        var got = await RunAsync(controlPlane, Reader, "policy", "get", "orders", "--json");

        Assert.Equal((0, "orders: policy version 1 stored; pushing to the service's sidecars"), (applied.Code, applied.Out.Trim()));
        Assert.Equal((0, "orders: unchanged, version 1 stays"), (again.Code, again.Out.Trim()));
        Assert.Equal(1, rejected.Code);
        Assert.Contains("Clusters:backend:Retry:MaxAttempts", rejected.Err, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("accepted: 1 to 10", rejected.Err, StringComparison.Ordinal);
        Assert.Equal(0, got.Code);
        var policy = JsonDocument.Parse(got.Out).RootElement;
        Assert.Equal("1", policy.GetProperty("version").GetString());
        Assert.Equal("2s", policy.GetProperty("policy").GetProperty("clusters").GetProperty("backend").GetProperty("timeout").GetString());
    }

    [Fact]
    public async Task Replicas_ShowsTheLeaderWithItsEpoch()
    {
        await using var controlPlane = await StartAsync();
        await Wait.UntilAsync(() => Task.FromResult(controlPlane.Store.Replicas(TimeSpan.FromSeconds(12)).Any(r => r.LastRunAt is not null)), "a completed coordinator run");

        var table = await RunAsync(controlPlane, Reader, "replicas");
        var json = await RunAsync(controlPlane, Reader, "replicas", "--json");

        Assert.True(table.Code == 0, table.Err);
        Assert.Matches($@"{System.Text.RegularExpressions.Regex.Escape(controlPlane.Store.ReplicaId)}\s+yes\s+1\s+yes\s+0\s", table.Out);
        var replica = JsonDocument.Parse(json.Out).RootElement.GetProperty("replicas")[0];
        Assert.Equal((true, "1"), (replica.GetProperty("leader").GetBoolean(), replica.GetProperty("epoch").GetString()));
    }

    [Fact]
    public async Task Status_ListsTheConnectedSidecar_WithItsAckedVersion()
    {
        await using var controlPlane = await StartAsync();
        await using var mesh = Support.Mesh.Start();
        await mesh.AddSidecarAsync(controlPlane, "orders-1", token: Admin);
        var version = await controlPlane.PutPolicyAsync("orders", "service: orders\nclusters:\n  backend:\n    timeout: 3s\n", Admin);
        await Wait.UntilAsync(() => Task.FromResult(controlPlane.Store.Sidecars("orders").Any(s => s.AckedVersion == version)), "the sidecar ACKed");

        var table = await RunAsync(controlPlane, Reader, "status");
        var json = await RunAsync(controlPlane, Reader, "status", "--json");

        Assert.True(table.Code == 0, table.Out);
        Assert.Matches(@"orders\s+\S+\s+\S+\s+v1\s+1/1\s+connected\s+0\s+0", table.Out);
        Assert.Matches(@"orders-1\s+\S*\s+yes\s+v1\s", table.Out);
        // The agents may list the sidecar's upstream cluster as a service of its own; the sidecar is under orders.
        var orders = JsonDocument.Parse(json.Out).RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "orders");
        var sidecar = orders.GetProperty("sidecars")[0];
        Assert.Equal(("orders-1", "1", false), (sidecar.GetProperty("instance").GetString(), sidecar.GetProperty("ackedVersion").GetString(), sidecar.GetProperty("outOfDate").GetBoolean()));
    }

    [Fact]
    public async Task Flow_Approve_AppliesThePolicyChange_Rollback_UndoesIt_AndWhatCannotMoveIsRefused()
    {
        await using var controlPlane = await StartAsync();
        await controlPlane.PutPolicyAsync("orders", "service: orders\nclusters:\n  backend:\n    timeout: 3s\n", Admin);
        var action = controlPlane.Store.AddAction(
            null, "orders", "circuit-breaker", "timeout.tighten", "cut the timeout", "medium", automatic: false, dryRun: false, diff: "timeout: 3s -> 1s",
            rollbackPlan: "set it back", key: "timeout.tighten:orders/backend:clusters:backend:timeout",
            details: """{"actuator":"policy","target":"orders/backend","changes":{"clusters:backend:timeout":"1s"},"signal":["orders/backend"]}""");

        var asReader = await RunAsync(controlPlane, Reader, "approve", action.Id);
        var approved = await RunAsync(controlPlane, Admin, "approve", action.Id, "--reason", "on call agrees");
        await Wait.UntilAsync(() => Task.FromResult(controlPlane.Store.Action(action.Id)!.State == "applied"), "the coordinator applied the approved action");
        var applied = controlPlane.Store.Policy("orders")!;
        var reject = await RunAsync(controlPlane, Admin, "reject", action.Id);
        var rolledBack = await RunAsync(controlPlane, Admin, "rollback", action.Id, "--reason", "not needed");
        var missing = await RunAsync(controlPlane, Admin, "approve", "act-nope");
        var unknownOption = await RunAsync(controlPlane, Admin, "approve", action.Id, "--force");
        var audit = await RunAsync(controlPlane, Reader, "audit");

        Assert.Equal(1, asReader.Code);
        Assert.Contains("PermissionDenied", asReader.Err, StringComparison.Ordinal);
        Assert.Equal((0, $"{action.Id}: approved"), (approved.Code, approved.Out.Trim()));
        Assert.Equal(2, applied.Version);
        Assert.Contains("\"1s\"", applied.Document, StringComparison.Ordinal);
        Assert.Equal(1, reject.Code);
        Assert.Contains("is applied; reject accepts an action that is proposed", reject.Err, StringComparison.Ordinal);
        Assert.Equal((0, $"{action.Id}: rolled_back"), (rolledBack.Code, rolledBack.Out.Trim()));
        Assert.Equal(3, controlPlane.Store.Policy("orders")!.Version);
        Assert.Contains("\"3s\"", controlPlane.Store.Policy("orders")!.Document, StringComparison.Ordinal);
        Assert.Equal(1, missing.Code);
        Assert.Contains("NotFound", missing.Err, StringComparison.Ordinal);
        Assert.Equal(2, unknownOption.Code);
        Assert.Contains("action.approve", audit.Out, StringComparison.Ordinal);
        Assert.Contains("on call agrees", audit.Out, StringComparison.Ordinal);
        Assert.Contains("action.applied", audit.Out, StringComparison.Ordinal);
        Assert.Contains("action.rolled-back", audit.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Report_AfterTrafficAndAnApprovedHealing_ShowsAvailabilityAndTheOperatorsMitigation_ToAReader()
    {
        await using var controlPlane = await StartAsync();
        await using var mesh = Support.Mesh.Start();
        var sidecar = await mesh.AddSidecarAsync(controlPlane, "orders-1", token: Admin);
        for (var i = 0; i < 20; i++)
        {
            await Support.Mesh.GetAsync(sidecar);
        }

        var from = DateTimeOffset.UtcNow.AddMinutes(-5);
        await Wait.UntilAsync(
            () => Task.FromResult(controlPlane.Store.Rollups("orders", TimeSpan.FromSeconds(1), from, from.AddMinutes(10), "backend").Sum(r => r.Requests) == 20),
            "the 20 requests in the 1 s rollups");
        await controlPlane.PutPolicyAsync("orders", "service: orders\nclusters:\n  backend:\n    timeout: 3s\n", Admin);
        var issue = controlPlane.Store.UpsertIssue("circuit-breaker/orders/upstream-errors/report-test", "orders", ["orders"], "upstream-errors", "high", "seeded incident");
        var action = controlPlane.Store.AddAction(
            issue.Id, "orders", "circuit-breaker", "timeout.tighten", "cut the timeout", "medium", automatic: false, dryRun: false, diff: "timeout: 3s -> 1s",
            rollbackPlan: "set it back", key: "timeout.tighten:orders/backend:clusters:backend:timeout",
            details: """{"actuator":"policy","target":"orders/backend","changes":{"clusters:backend:timeout":"1s"},"signal":["orders/backend"]}""");
        Assert.Equal(0, (await RunAsync(controlPlane, Admin, "approve", action.Id)).Code);
        await Wait.UntilAsync(
            () => Task.FromResult(controlPlane.Store.Action(action.Id)!.State), state => state is not ("proposed" or "approved"), "the coordinator took the approved action");

        // The leader records orders' connected sidecar in the replica history at the end of a coordinator run.
        await Wait.UntilAsync(
            () => Task.FromResult(controlPlane.Store.ReplicaHistory(from, from.AddMinutes(10)).Any(m => m.Service == "orders")), "orders in the replica history");
        var table = await RunAsync(controlPlane, Reader, "report", "--since", "1h");
        var json = await RunAsync(controlPlane, Reader, "report", "--since=1h", "--json");
        var bad = await RunAsync(controlPlane, Reader, "report", "--since", "soon");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/report?since=1h");
        request.Headers.Authorization = new("Bearer", Reader);
        using var http = await controlPlane.Http.SendAsync(request);

        Assert.True(table.Code == 0, table.Err);
        Assert.Matches(@"orders\s+20\s+100\.0000%\s+1\s", table.Out);
        // One sidecar all along and no per-replica capacity known: provisioned is the static peak (the most in service), saturation n/a.
        Assert.Matches(@"capacity against static peak: (\d+) replica-minutes provisioned against \1 at static peak \(0\.0% less\)", table.Out);
        // The four figures of the whole mesh, in the words the chaos benchmark prints them with (ReportFormat).
        Assert.Contains("availability seen by callers: 100.0000% of 20 requests (0 failed)", table.Out, StringComparison.Ordinal);
        // Overall also pools what the coordinator itself opened on the sidecar's cluster meanwhile.
        Assert.Matches(@"incidents: [1-9]\d*; time to detect p50/max \S+, to mitigate \d+\.\ds/\d+\.\ds, against an unprotected path broken for \S+", table.Out);
        Assert.Matches(@"mitigated with no operator: \d+\.\d% \(\d+ automatically, 1 by an operator, \d+ not mitigated\)", table.Out);
        var orders = JsonDocument.Parse(json.Out).RootElement.GetProperty("services").EnumerateArray().Single(s => s.GetProperty("service").GetString() == "orders");
        Assert.Equal(("20", 1.0, 1, 1), (orders.GetProperty("requests").GetString(), orders.GetProperty("availability").GetDouble(),
            orders.GetProperty("incidents").GetInt32(), orders.GetProperty("mitigatedByOperator").GetInt32()));
        Assert.InRange(orders.GetProperty("mitigateP50Seconds").GetDouble(), 0, 120);
        Assert.Equal(1, orders.GetProperty("staticPeakReplicas").GetInt32());
        Assert.Equal(orders.GetProperty("provisionedReplicaMinutes").GetString(), orders.GetProperty("staticPeakReplicaMinutes").GetString());
        Assert.False(orders.TryGetProperty("saturatedMinutes", out _));
        Assert.StartsWith("n/a: the per-replica capacity of orders is not known", orders.GetProperty("capacityBasis").GetString(), StringComparison.Ordinal);
        Assert.Equal(0.0, orders.GetProperty("automaticShare").GetDouble());
        Assert.Equal(1, bad.Code);
        Assert.Contains("InvalidArgument", bad.Err, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.OK, http.StatusCode);
        var body = await http.Content.ReadAsStringAsync();
        Assert.Contains("\"overall\"", body, StringComparison.Ordinal);
        Assert.Contains("\"provisionedReplicaMinutes\"", body, StringComparison.Ordinal);
        Assert.Contains("the per-replica capacity of orders is not known", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnreachableControlPlane_ExitsOne_AndSaysSo()
    {
        await using var controlPlane = await StartAsync();
        var server = controlPlane.GrpcUri.ToString();
        await controlPlane.StopAsync();

        var (code, _, err) = await RunAsync(server, null, "status");

        Assert.Equal(1, code);
        Assert.Contains("Unavailable", err, StringComparison.Ordinal);
    }

    private static Task<TestControlPlane> StartAsync() =>
        TestControlPlane.StartAsync("--ControlPlane:Auth:AdminTokens:0=" + Admin, "--ControlPlane:Auth:ReaderTokens:0=" + Reader);

    private static Task<(int Code, string Out, string Err)> RunAsync(TestControlPlane controlPlane, string? token, params string[] args) =>
        RunAsync(controlPlane.GrpcUri.ToString(), token, args);

    private static async Task<(int Code, string Out, string Err)> RunAsync(string server, string? token, params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await ControlCommands.RunAsync(args, output, error, name => name switch
        {
            "MESHHEAL_SERVER" => server,
            "MESHHEAL_TOKEN" => token,
            _ => null,
        });
        return (code, output.ToString(), error.ToString());
    }
}
