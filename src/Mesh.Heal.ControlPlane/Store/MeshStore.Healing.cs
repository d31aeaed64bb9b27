using System.Data.Common;
using System.Globalization;
using Mesh.Heal.ControlPlane.Healing;

namespace Mesh.Heal.ControlPlane.Store;

internal sealed partial class MeshStore
{
    /// <summary>Records a finding under its fingerprint: a new open issue, or one more occurrence of an existing one.</summary>
    /// <remarks>A resolved issue seen again opens again; an open or mitigated one keeps its state. <paramref name="details"/> (JSON) replaces the last.</remarks>
    public StoredIssue UpsertIssue(
        string fingerprint, string service, IReadOnlyList<string> services, string kind, string severity, string summary, string details = "{}") =>
        InTransaction(() =>
        {
            var now = Now();
            Execute(
                """
                INSERT INTO issues (id, fingerprint, service, services, kind, severity, state, summary, first_seen, last_seen, details)
                VALUES (@id, @f, @s, @ss, @k, @sev, 'open', @sum, @t, @t, @d)
                ON CONFLICT (fingerprint) DO UPDATE SET occurrences = issues.occurrences + 1, last_seen = @t, severity = @sev, summary = @sum,
                    services = @ss, details = @d, state = CASE WHEN issues.state = 'resolved' THEN 'open' ELSE issues.state END
                """,
                ("@id", NewId("iss")), ("@f", fingerprint), ("@s", service), ("@ss", string.Join(',', services)), ("@k", kind), ("@sev", severity),
                ("@sum", summary), ("@t", now), ("@d", details));
            return Issues(null, null, 1, fingerprint)[0];
        });

    /// <summary>Sets an issue's state.</summary>
    public void SetIssueState(string id, IssueState state) =>
        _ = Execute("UPDATE issues SET state = @st WHERE id = @id", ("@st", ActionStates.Name(state)), ("@id", id));

    /// <summary>The issues not resolved: the open ones, then the mitigated ones, each newest first.</summary>
    public IReadOnlyList<StoredIssue> OpenIssues(string? service = null, int limit = 10_000) =>
        Query(
            """
            SELECT id, fingerprint, service, services, kind, severity, state, summary, first_seen, last_seen, occurrences, details FROM issues
            WHERE (@s IS NULL OR service = @s) AND state IN ('open', 'mitigated')
            ORDER BY CASE state WHEN 'open' THEN 0 ELSE 1 END, last_seen DESC LIMIT @l
            """,
            ReadIssue,
            ("@s", service), ("@l", limit));

    public StoredIssue? Issue(string id) =>
        Query(
            "SELECT id, fingerprint, service, services, kind, severity, state, summary, first_seen, last_seen, occurrences, details FROM issues WHERE id = @id",
            ReadIssue, ("@id", id)).FirstOrDefault();

    public IReadOnlyList<StoredIssue> Issues(string? service, string? state, int limit, string? fingerprint = null) =>
        Query(
            """
            SELECT id, fingerprint, service, services, kind, severity, state, summary, first_seen, last_seen, occurrences, details FROM issues
            WHERE (@s IS NULL OR service = @s) AND (@st IS NULL OR state = @st) AND (@f IS NULL OR fingerprint = @f)
            ORDER BY last_seen DESC LIMIT @l
            """,
            ReadIssue,
            ("@s", service), ("@st", state), ("@f", fingerprint), ("@l", limit));

    /// <summary>Stores a new action in the state its mode gives it (proposed, or approved for an automatic one).</summary>
    public StoredAction AddAction(
        string? issueId, string service, string agent, string kind, string description, string risk, bool automatic, bool dryRun, string diff, string rollbackPlan,
        string key = "", string details = "{}") =>
        InTransaction(() =>
        {
            var id = NewId("act");
            var now = Now();
            Execute(
                """
                INSERT INTO actions (id, issue_id, service, agent, kind, description, risk, mode, state, dry_run, diff, rollback_plan, created_at, updated_at,
                    action_key, details)
                VALUES (@id, @iss, @s, @ag, @k, @d, @r, @m, @st, @dry, @diff, @rb, @t, @t, @key, @det)
                """,
                ("@id", id), ("@iss", issueId), ("@s", service), ("@ag", agent), ("@k", kind), ("@d", description), ("@r", risk),
                ("@m", automatic ? "auto" : "proposed"), ("@st", automatic ? ActionStates.Approved : ActionStates.Proposed), ("@dry", dryRun ? 1 : 0),
                ("@diff", diff), ("@rb", rollbackPlan), ("@t", now), ("@key", key), ("@det", details));
            return Action(id)!;
        });

    public StoredAction? Action(string id) => Actions(null, null, 1, id).FirstOrDefault();

    public IReadOnlyList<StoredAction> Actions(string? service, string? state, int limit, string? id = null, string? key = null, string? issueId = null) =>
        Query(
            """
            SELECT id, issue_id, service, agent, kind, description, risk, mode, state, dry_run, diff, rollback_plan, created_at, updated_at, action_key, details
            FROM actions
            WHERE (@s IS NULL OR service = @s) AND (@st IS NULL OR state = @st) AND (@id IS NULL OR id = @id) AND (@key IS NULL OR action_key = @key)
                AND (@iss IS NULL OR issue_id = @iss)
            ORDER BY created_at DESC LIMIT @l
            """,
            r => new StoredAction(
                r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                r.GetString(7), r.GetString(8), r.GetInt64(9) == 1, r.GetString(10), r.GetString(11), FromMs(r.GetInt64(12)), FromMs(r.GetInt64(13)),
                r.GetString(14), r.GetString(15)),
            ("@s", service), ("@st", state), ("@id", id), ("@l", limit), ("@key", key), ("@iss", issueId));

    /// <summary>Replaces an action's details (what the actuator needs to undo it, the verification's figures).</summary>
    public void SetActionDetails(string id, string details) =>
        _ = Execute("UPDATE actions SET details = @d WHERE id = @id", ("@d", details), ("@id", id));

    /// <summary>Moves an action from one of <paramref name="from"/> to <paramref name="to"/>, atomically.</summary>
    /// <returns>The action after the move, or its unchanged self when it was in another state; null when there is no such action.</returns>
    public (StoredAction? Action, bool Moved) MoveAction(string id, IReadOnlyCollection<ActionState> from, ActionState to) =>
        MoveAction(id, [.. from.Select(ActionStates.Name)], ActionStates.Name(to));

    /// <summary>The actions in <paramref name="state"/>, newest first.</summary>
    public IReadOnlyList<StoredAction> Actions(ActionState state, int limit) => Actions(null, ActionStates.Name(state), limit);

    // One conditional UPDATE: of two replicas moving the same action, exactly one sees its row change.
    private (StoredAction? Action, bool Moved) MoveAction(string id, IReadOnlyCollection<string> from, string to) => InTransaction(() =>
    {
        var states = from.ToArray();
        var parameters = new List<(string Name, object? Value)> { ("@to", to), ("@t", Now()), ("@id", id) };
        parameters.AddRange(states.Select((state, i) => ($"@f{i.ToString(CultureInfo.InvariantCulture)}", (object?)state)));
        var moved = states.Length > 0 && Execute(
            $"UPDATE actions SET state = @to, updated_at = @t WHERE id = @id AND state IN ({string.Join(", ", parameters.Skip(3).Select(p => p.Name))})",
            [.. parameters]) == 1;
        return (Action(id), moved);
    });

    private static StoredIssue ReadIssue(DbDataReader r) => new(
        r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetString(4),
        r.GetString(5), r.GetString(6), r.GetString(7), FromMs(r.GetInt64(8)), FromMs(r.GetInt64(9)), r.GetInt64(10), r.GetString(11));

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
