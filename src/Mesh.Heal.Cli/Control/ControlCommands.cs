using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Heal.Protocol.Reporting;
using Spectre.Console;
using Spectre.Console.Rendering;
using Wire = Mesh.Heal.Protocol.V1;

namespace Mesh.Heal.Cli.Control;

/// <summary>meshctl's control-plane verbs: status, services, policy get/apply, issues, actions, approve, reject, rollback, audit, replicas, report.</summary>
/// <remarks>Exit codes: 0 done, 1 the control plane refused or could not be reached, 2 the command line is wrong.</remarks>
internal static class ControlCommands
{
    public static readonly string[] Verbs = ["status", "services", "policy", "issues", "actions", "approve", "reject", "rollback", "audit", "replicas", "report"];

    private static readonly JsonFormatter Json = new(JsonFormatter.Settings.Default.WithIndentation().WithFormatDefaultValues(true));

    public static async Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, TextWriter error, Func<string, string?> environment)
    {
        if (!ControlArguments.TryParse(args, environment, out var a, out var problem))
        {
            await error.WriteLineAsync($"meshctl {args[0]}: {problem}");
            return 2;
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No,
        });
        console.Profile.Width = 160;
        using var channel = GrpcChannel.ForAddress(a.Server);
        var client = new Wire.MeshControl.MeshControlClient(channel);
        var headers = new Metadata();
        if (a.Token is { Length: > 0 } token)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        var call = new CallOptions(headers, deadline: TimeProvider.System.GetUtcNow().UtcDateTime.AddSeconds(30));
        try
        {
            IMessage result;
            switch (a.Verb, a.Operands.Count)
            {
                case ("status", 0):
                case ("services", 0):
                    var status = await client.GetStatusAsync(new Wire.GetStatusRequest(), call);
                    result = status;
                    if (!a.Json)
                    {
                        Render(console, status, detailed: a.Verb == "status");
                    }

                    break;
                case ("policy", 2) when a.Operands[0] == "get":
                    var policy = await client.GetPolicyAsync(new Wire.GetPolicyRequest { Service = a.Operands[1] }, call);
                    result = policy;
                    if (!a.Json)
                    {
                        console.WriteLine($"{policy.Service} version {policy.Version} ({policy.Source}, by {policy.Author}, {Time(policy.CreatedAt)})");
                        console.WriteLine();
                        console.Write(new Text(policy.Document));
                        console.WriteLine();
                    }

                    break;
                case ("policy", 1) when a.Operands[0] == "apply" && a.File is { } path:
                    string document;
                    try
                    {
                        document = path == "-" ? await Console.In.ReadToEndAsync() : await File.ReadAllTextAsync(path);
                    }
                    catch (IOException ex)
                    {
                        await error.WriteLineAsync($"meshctl policy apply: -f '{path}' could not be read: {ex.Message}");
                        return 2;
                    }

                    var applied = await client.PutPolicyAsync(
                        new Wire.PutPolicyRequest
                        {
                            Document = new Google.Api.HttpBody { ContentType = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? "application/json" : "application/yaml", Data = ByteString.CopyFromUtf8(document) },
                        },
                        call);
                    result = applied;
                    if (!a.Json)
                    {
                        console.WriteLine(applied.Changed
                            ? $"{applied.Service}: policy version {applied.Version} stored; pushing to the service's sidecars"
                            : $"{applied.Service}: unchanged, version {applied.Version} stays");
                    }

                    break;
                case ("issues", 0):
                    var issues = await client.ListIssuesAsync(new Wire.ListIssuesRequest(), call);
                    result = issues;
                    if (!a.Json)
                    {
                        Table(console, ["id", "service", "kind", "severity", "state", "seen", "last seen", "summary"], issues.Issues.Select(i => new[]
                        {
                            i.Id, i.Service, i.Kind, i.Severity, i.State, i.Occurrences.ToString(CultureInfo.InvariantCulture), Time(i.LastSeen), i.Summary,
                        }));
                    }

                    break;
                case ("actions", 0):
                    var actions = await client.ListActionsAsync(new Wire.ListActionsRequest(), call);
                    result = actions;
                    if (!a.Json)
                    {
                        Table(console, ["id", "service", "kind", "target", "risk", "mode", "state", "verdict", "description"], actions.Actions.Select(x => new[]
                        {
                            x.Id, x.Service, x.Kind, x.Target, x.Risk, x.Mode + (x.DryRun ? " (dry run)" : string.Empty), x.State,
                            x.Verdict.Length == 0 ? "-" : x.SignalAfter.Length == 0 ? x.Verdict : $"{x.Verdict} ({x.SignalBefore} -> {x.SignalAfter})", x.Description,
                        }));
                    }

                    break;
                case ("approve" or "reject" or "rollback", 1):
                    var request = new Wire.ActionRequest { Id = a.Operands[0], Reason = a.Reason ?? string.Empty };
                    var action = a.Verb switch
                    {
                        "approve" => await client.ApproveActionAsync(request, call),
                        "reject" => await client.RejectActionAsync(request, call),
                        _ => await client.RollbackActionAsync(request, call),
                    };
                    result = action;
                    if (!a.Json)
                    {
                        console.WriteLine($"{action.Id}: {action.State}");
                    }

                    break;
                case ("audit", 0):
                    var audit = await client.ListAuditAsync(new Wire.ListAuditRequest(), call);
                    result = audit;
                    if (!a.Json)
                    {
                        Table(console, ["at", "actor", "kind", "subject", "detail"], audit.Entries.Select(e => new[] { Time(e.At), e.Actor, e.Kind, e.Subject, e.Detail }));
                    }

                    break;
                case ("replicas", 0):
                    var replicas = await client.ListReplicasAsync(new Wire.ListReplicasRequest(), call);
                    result = replicas;
                    if (!a.Json)
                    {
                        Table(console, ["replica", "leader", "epoch", "alive", "streams", "heartbeat", "last run", "grpc"], replicas.Replicas.Select(r => new[]
                        {
                            r.Id, r.Leader ? "yes" : "no", r.Leader ? r.Epoch : "-", r.Alive ? "yes" : "no",
                            r.Streams.ToString(CultureInfo.InvariantCulture), Time(r.HeartbeatAt), r.LastRunAt is null ? "-" : Time(r.LastRunAt), r.GrpcUrl,
                        }));
                    }

                    break;
                case ("report", 0):
                    var report = await client.GetReportAsync(new Wire.GetReportRequest { Since = a.Since ?? string.Empty }, call);
                    result = report;
                    if (!a.Json)
                    {
                        Render(console, report);
                    }

                    break;
                default:
                    await error.WriteLineAsync($"meshctl {a.Verb}: {Usage(a.Verb)}");
                    return 2;
            }

            if (a.Json)
            {
                await output.WriteLineAsync(Json.Format(result));
            }

            return 0;
        }
        catch (RpcException ex)
        {
            await error.WriteLineAsync($"meshctl {a.Verb}: {ex.StatusCode}: {ex.Status.Detail}");
            return 1;
        }
    }

    private static string Usage(string verb) => verb switch
    {
        "policy" => "usage: meshctl policy get <service> | meshctl policy apply -f <file.yaml|file.json|->",
        "approve" or "reject" or "rollback" => $"usage: meshctl {verb} <action id> [--reason <text>]",
        "report" => "usage: meshctl report [--since 24h] [--json]",
        _ => $"usage: meshctl {verb} (no operands)",
    };

    private static void Render(IAnsiConsole console, Wire.MeshStatus status, bool detailed)
    {
        if (status.Services.Count == 0)
        {
            console.WriteLine("no services yet: no sidecar has connected and no policy was applied");
            return;
        }

        Table(
            console,
            ["service", "health", "agents", "policy", "sidecars", "out of date", "nacked", "open issues", "active healings", "recovery"],
            status.Services.Select(s => new[]
            {
                s.Name,
                s.Health == Wire.HealthState.Unspecified ? "unknown" : s.Health.ToString().ToLowerInvariant(),
                s.AgentStatus.Length == 0 ? "-" : s.AgentStatus,
                s.PolicyVersion == 0 ? "-" : "v" + s.PolicyVersion.ToString(CultureInfo.InvariantCulture),
                $"{s.Sidecars.Count(x => x.Connected)}/{s.Sidecars.Count} connected",
                s.OutOfDateSidecars.ToString(CultureInfo.InvariantCulture),
                s.Sidecars.Count(x => x.LastNack is { } n && n.Version > x.AckedVersion).ToString(CultureInfo.InvariantCulture),
                s.OpenIssues.ToString(CultureInfo.InvariantCulture),
                s.ActiveHealings.ToString(CultureInfo.InvariantCulture),
                s.RecoveryEstimate.Length == 0 ? "-" : s.RecoveryEstimate,
            }));
        if (!detailed)
        {
            return;
        }

        console.WriteLine();
        Table(console, ["service", "sidecar", "zone", "connected", "acked", "last NACK", "clusters"], status.Services.SelectMany(s => s.Sidecars.Select(x => new[]
        {
            s.Name,
            x.Instance,
            x.Zone,
            x.Connected ? "yes" : "no (" + Time(x.LastSeen) + ")",
            "v" + x.AckedVersion.ToString(CultureInfo.InvariantCulture) + (x.OutOfDate ? " (out of date)" : string.Empty),
            x.LastNack is { } n ? $"v{n.Version}: {n.Error}" : "-",
            string.Join(", ", x.Clusters.Select(c => $"{c.Cluster} {Name(c.Health.ToString())}/{Name(c.Breaker.ToString())}")),
        })));
    }

    private static void Render(IAnsiConsole console, Wire.Report report)
    {
        console.WriteLine(ReportFormat.Window(report));
        Table(console, [.. ReportFormat.Columns], ReportFormat.Rows(report));
        var capacity = ReportFormat.CapacityRows(report).ToList();
        if (capacity.Count > 0)
        {
            Table(console, [.. ReportFormat.CapacityColumns], capacity);
        }

        foreach (var line in ReportFormat.CapacityLines(report))
        {
            console.WriteLine(line);
        }

        foreach (var figure in ReportFormat.Figures(report))
        {
            console.WriteLine(figure);
        }
    }

    private static void Table(IAnsiConsole console, string[] columns, IEnumerable<string[]> rows)
    {
        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns)
        {
            table.AddColumn(column);
        }

        var any = false;
        foreach (var row in rows)
        {
            table.AddRow(row.Select(cell => (IRenderable)new Text(cell)).ToArray());
            any = true;
        }

        if (!any)
        {
            console.WriteLine("(none)");
            return;
        }

        console.Write(table);
    }

    private static string Name(string enumName) => enumName.Replace("Unspecified", "?", StringComparison.Ordinal);

    private static string Time(Timestamp? at) =>
        at is null ? "-" : at.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
