using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using WireMock.RequestBuilders;
using WireMock.ResponseBuilders;
using WireMock.Server;

namespace Mesh.Heal.Chaos;

/// <summary>The bug fixer scenario: a real C# service, built from a real git repository, starts throwing
/// NullReferenceException; its log file is tailed by the control plane, which opens an issue classified null-pointer and a
/// pull request with a patch that builds, within a minute. The patch is then built and run to show it answers 404.</summary>
/// <remarks>
/// The GitHub REST API cannot run here: a WireMock stand-in serves the pull-request endpoints Octokit calls, and a bare
/// repository plays GitHub's git side (the branch is pushed to it). The sidecar in front of the service has a static
/// fallback, so its callers are protected while the bug is there.
/// </remarks>
internal static partial class Scenarios
{
    private const string ServiceProject = """
        <Project Sdk="Microsoft.NET.Sdk.Web">
          <PropertyGroup>
            <TargetFramework>net10.0</TargetFramework>
            <Nullable>enable</Nullable>
            <ImplicitUsings>enable</ImplicitUsings>
          </PropertyGroup>
        </Project>
        """;

    // Line 13 dereferences the order; DELETE /orders empties the store (the "bad migration"), and every lookup then returns null.
    private const string ServiceProgram = """
        var builder = WebApplication.CreateBuilder(args);
        builder.Logging.ClearProviders();
        builder.Logging.AddJsonConsole();
        var app = builder.Build();
        var orders = new System.Collections.Concurrent.ConcurrentDictionary<string, Order>();
        orders["1"] = new Order("1", 42.5m);

        app.MapGet("/warm-up", () => "ok");
        app.MapDelete("/orders", () => { orders.Clear(); return Results.NoContent(); });
        app.MapGet("/orders/{id}", (string id) =>
        {
            var order = orders.GetValueOrDefault(id);
            return Results.Ok(new { id, total = order.Total });
        });
        app.Run();

        internal sealed record Order(string Id, decimal Total);
        """;

    private static async Task<ScenarioResult> BugFixAsync(ChaosSettings settings, CancellationToken cancellationToken)
    {
        await using var mesh = new ChaosMesh();
        using var github = WireMockServer.Start();
        github.Given(Request.Create().WithPath("/api/v3/repos/shop/orders/pulls").UsingPost())
            .RespondWith(Response.Create().WithStatusCode(201).WithHeader("Content-Type", "application/json")
                .WithBody("""{ "id": 1001, "number": 12, "state": "open", "title": "fix", "html_url": "https://github.test/shop/orders/pull/12" }"""));

        // The service's repository, its "GitHub" remote, and the service built from it.
        var repo = Path.Combine(mesh.Directory, "orders");
        var remote = Path.Combine(mesh.Directory, "orders.git");
        Directory.CreateDirectory(repo);
        await File.WriteAllTextAsync(Path.Combine(repo, "orders.csproj"), ServiceProject, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(repo, "Program.cs"), ServiceProgram, cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(repo, "appsettings.json"), """{ "Logging": { "LogLevel": { "Default": "Information" } } }""", cancellationToken);
        await File.WriteAllTextAsync(Path.Combine(repo, ".gitignore"), "bin/\nobj/\n", cancellationToken);
        await RunAsync("git", mesh.Directory, cancellationToken, "init", "--quiet", "--bare", "-b", "main", remote);
        await RunAsync("git", repo, cancellationToken, "init", "--quiet", "-b", "main");
        await RunAsync("git", repo, cancellationToken, "add", "-A");
        await RunAsync("git", repo, cancellationToken, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "--quiet", "-m", "orders service");
        await RunAsync("git", repo, cancellationToken, "remote", "add", "origin", remote);
        await RunAsync("git", repo, cancellationToken, "push", "--quiet", "origin", "main");
        var baseRevision = (await RunAsync("git", remote, cancellationToken, "rev-parse", "main")).Trim();
        var service = await BuildAndStartAsync(mesh, repo, Path.Combine(mesh.Directory, "orders-bin"), Path.Combine(mesh.Directory, "orders-0.log"), cancellationToken);

        var controlPlane = await mesh.ControlPlaneAsync(
        [
            .. HealingArgs,
            "--ControlPlane:Logs:PollInterval=00:00:00.5",
            "--ControlPlane:Logs:Analyzer:BurstWindow=00:00:30",
            "--ControlPlane:Logs:Analyzer:Bucket=00:00:01",
            "--ControlPlane:Logs:Services:orders:Files:0=" + Path.Combine(mesh.Directory, "*.log"),
            "--ControlPlane:Logs:Services:orders:Repository:Path=" + repo,
            "--ControlPlane:Logs:Services:orders:Repository:Remote=origin",
            "--ControlPlane:Logs:Services:orders:Repository:Build:0=dotnet",
            "--ControlPlane:Logs:Services:orders:Repository:Build:1=build",
            "--ControlPlane:Logs:Services:orders:Repository:Build:2=--nologo",
            "--ControlPlane:Logs:Services:orders:Repository:Build:3=-v:q",
            "--ControlPlane:Logs:Services:orders:Repository:BuildTimeout=00:02:00",
            "--ControlPlane:Logs:Services:orders:Repository:GitHub:Owner=shop",
            "--ControlPlane:Logs:Services:orders:Repository:GitHub:Repository=orders",
            "--ControlPlane:Logs:Services:orders:Repository:GitHub:ApiUrl=" + github.Url + "/",
            "--ControlPlane:Logs:Services:orders:Repository:GitHub:Token=test-token",
        ]);
        var sidecar = await mesh.SidecarAsync(
            "a", ChaosMesh.SidecarConfig("a", ("orders", [service.Address]), ChaosMesh.Policy(StaticFallback)),
            "--Sidecar:ControlPlaneUrl=" + controlPlane.GrpcUri, "--Sidecar:StateDirectory=" + Path.Combine(mesh.Directory, "state-a"));

        var faultAt = DateTimeOffset.MinValue;
        var (samples, done, health) = await mesh.RunAsync(
            settings,
            [[sidecar.Proxy], [new Uri(service.Address)]],
            [new(settings.At(1 / 3.0), "fault", async () =>
            {
                faultAt = DateTimeOffset.UtcNow;
                using var http = new HttpClient();
                (await http.DeleteAsync(new Uri(new Uri(service.Address), "/orders"), cancellationToken)).EnsureSuccessStatusCode();
            })],
            sidecar,
            "orders",
            cancellationToken);

        // Within a minute of the fault: the issue, and the pull request (the build of the patch takes most of it).
        var deadline = faultAt + TimeSpan.FromSeconds(60);
        JsonElement? issue = null;
        while (DateTimeOffset.UtcNow < deadline && (issue is null || !github.LogEntries.Any()))
        {
            issue ??= (await JsonAsync(controlPlane, "/v1/issues", "issues")).FirstOrDefault(i => i.GetProperty("agent").GetString() == "bug-fixer" && i.GetProperty("service").GetString() == "orders") is { ValueKind: JsonValueKind.Object } found ? found : null;
            await Task.Delay(250, cancellationToken);
        }

        var pull = github.LogEntries.FirstOrDefault(e => e.RequestMessage!.Method == "POST");
        var request = pull is null ? (JsonElement?)null : JsonDocument.Parse(pull.RequestMessage!.Body!).RootElement;
        var issueAfter = issue is { } i1 ? i1.GetProperty("firstSeen").GetDateTimeOffset() - faultAt : (TimeSpan?)null;
        var pullAfter = pull is null ? (TimeSpan?)null : new DateTimeOffset(DateTime.SpecifyKind(pull.RequestMessage!.DateTime, DateTimeKind.Utc)) - faultAt;
        // The pull request is the actuator's last step; the action is recorded applied, then verified, just after it.
        async Task<JsonElement> PatchAction() => (await JsonAsync(controlPlane, "/v1/actions", "actions")).FirstOrDefault(a => a.GetProperty("kind").GetString() == "code.patch");
        await Wait.TryUntilAsync(async () => (await PatchAction()) is { ValueKind: JsonValueKind.Object } a && a.GetProperty("state").GetString() is "succeeded" or "failed");
        var action = await PatchAction();
        var branch = request?.GetProperty("head").GetString() ?? string.Empty;
        string? ActionField(string name) => action.ValueKind == JsonValueKind.Object ? action.GetProperty(name).GetString() : null;

        // The proposal, checked from the outside: the branch on the remote, main untouched, and the patched service built and run.
        var patchedAnswer = "not run";
        var branchDiff = string.Empty;
        if (branch.Length > 0)
        {
            branchDiff = await RunAsync("git", remote, cancellationToken, "diff", "main", branch);
            var checkout = Path.Combine(mesh.Directory, "verify");
            await RunAsync("git", mesh.Directory, cancellationToken, "clone", "--quiet", "--branch", branch, remote, checkout);
            var patched = await BuildAndStartAsync(mesh, checkout, Path.Combine(mesh.Directory, "verify-bin"), null, cancellationToken);
            using var http = new HttpClient();
            await http.DeleteAsync(new Uri(new Uri(patched.Address), "/orders"), cancellationToken);
            using var answer = await http.GetAsync(new Uri(new Uri(patched.Address), "/orders/1"), cancellationToken);
            patchedAnswer = ((int)answer.StatusCode).ToString(CultureInfo.InvariantCulture);
        }

        var mainAfter = (await RunAsync("git", remote, cancellationToken, "rev-parse", "main")).Trim();
        var failed = Failed(samples, ScenarioResult.WithSidecar);
        string Seconds(TimeSpan? t) => t is { } v ? string.Create(CultureInfo.InvariantCulture, $"{v.TotalSeconds:0.0} s") : "never";
        return ScenarioResult.From("bugfix", samples, done["fault"], heal: null, health,
        [
            Availability(samples),
            Check("the issue, classified null-pointer, within a minute", issue is { } i2 && i2.GetProperty("kind").GetString() == "bug.null-pointer" && issueAfter < TimeSpan.FromSeconds(60),
                issue is { } i3 ? $"{i3.GetProperty("kind")} {Seconds(issueAfter)} after the fault: {i3.GetProperty("summary")}" : "no bug-fixer issue"),
            Check("a pull request with a patch that builds, within a minute", request is not null && pullAfter < TimeSpan.FromSeconds(60) && ActionField("state") == "succeeded"
                && request.Value.GetProperty("base").GetString() == "main" && branch.StartsWith("meshheal/fix-null-pointer-", StringComparison.Ordinal),
                $"pull request {Seconds(pullAfter)} after the fault, head {branch}; action {ActionField("state")}: {ActionField("description")}"),
            Check("the patch guards the dereference, and main is untouched", branchDiff.Contains("+    if (order is null)", StringComparison.Ordinal) && mainAfter == baseRevision,
                $"main {(mainAfter == baseRevision ? "unchanged" : "moved to " + mainAfter)}; diff: {branchDiff.Replace('\n', ' ')}"),
            Check("the patched service answers 404 where the original threw", patchedAnswer == "404", $"GET /orders/1 on the patched build answered {patchedAnswer}"),
        ]);
    }

    /// <summary>Builds the service in <paramref name="project"/> into <paramref name="output"/> and starts it; its output goes to <paramref name="log"/> when given.</summary>
    private static async Task<(string Address, ChaosProcess Process)> BuildAndStartAsync(ChaosMesh mesh, string project, string output, string? log, CancellationToken cancellationToken)
    {
        await RunAsync("dotnet", project, cancellationToken, "build", "--nologo", "-v:q", "-o", output);
        var writer = log is null ? null : new StreamWriter(log, append: true) { AutoFlush = true };
        var (process, ready) = await ChaosProcess.StartExecutableAsync(
            Path.GetFileName(project), "dotnet", [Path.Combine(output, "orders.dll"), "--urls", "http://127.0.0.1:0"],
            ListeningOn(), line => writer?.WriteLine(line));
        mesh.Own(new Disposing(async () =>
        {
            await process.DisposeAsync();
            writer?.Dispose();
        }));
        return (ready.Groups[1].Value, process);
    }

    private static async Task<string> RunAsync(string program, string directory, CancellationToken cancellationToken, params string[] args)
    {
        var info = new ProcessStartInfo(program) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        info.Environment["UseSharedCompilation"] = "false";
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken).WaitAsync(TimeSpan.FromMinutes(3), cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', args)} exited with {process.ExitCode}: {await output}{await error}");
        }

        return await output;
    }

    [GeneratedRegex(@"Now listening on: (http://127\.0\.0\.1:\d+)")]
    private static partial Regex ListeningOn();

    private sealed class Disposing(Func<Task> dispose) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync() => await dispose();
    }
}
