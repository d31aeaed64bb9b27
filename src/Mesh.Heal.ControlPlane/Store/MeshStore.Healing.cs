namespace Mesh.Heal.ControlPlane.Store;

internal sealed partial class MeshStore
{
    /// <summary>Records a finding under its fingerprint: a new open issue, or one more occurrence of an existing one.</summary>
    public StoredIssue UpsertIssue(string fingerprint, string service, IReadOnlyList<string> services, string kind, string severity, string summary)
    {
        lock (_lock)
        {
            var now = Now();
            Execute(
                """
                INSERT INTO issues (id, fingerprint, service, services, kind, severity, state, summary, first_seen, last_seen)
                VALUES ($id, $f, $s, $ss, $k, $sev, 'open', $sum, $t, $t)
                ON CONFLICT (fingerprint) DO UPDATE SET occurrences = occurrences + 1, last_seen = $t, severity = $sev, summary = $sum,
                    services = $ss, state = CASE WHEN state = 'resolved' THEN 'open' ELSE state END
                """,
                ("$id", NewId("iss")), ("$f", fingerprint), ("$s", service), ("$ss", string.Join(',', services)), ("$k", kind), ("$sev", severity),
                ("$sum", summary), ("$t", now));
            return Issues(null, null, 1, fingerprint)[0];
        }
    }

    public IReadOnlyList<StoredIssue> Issues(string? service, string? state, int limit, string? fingerprint = null) =>
        Query(
            """
            SELECT id, fingerprint, service, services, kind, severity, state, summary, first_seen, last_seen, occurrences FROM issues
            WHERE ($s IS NULL OR service = $s) AND ($st IS NULL OR state = $st) AND ($f IS NULL OR fingerprint = $f)
            ORDER BY last_seen DESC LIMIT $l
            """,
            r => new StoredIssue(
                r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetString(4),
                r.GetString(5), r.GetString(6), r.GetString(7), FromMs(r.GetInt64(8)), FromMs(r.GetInt64(9)), r.GetInt64(10)),
            ("$s", service), ("$st", state), ("$f", fingerprint), ("$l", limit));

    /// <summary>Stores a new action in the state its mode gives it (proposed, or approved for an automatic one).</summary>
    public StoredAction AddAction(
        string? issueId, string service, string agent, string kind, string description, string risk, bool automatic, bool dryRun, string diff, string rollbackPlan)
    {
        lock (_lock)
        {
            var id = NewId("act");
            var now = Now();
            Execute(
                """
                INSERT INTO actions (id, issue_id, service, agent, kind, description, risk, mode, state, dry_run, diff, rollback_plan, created_at, updated_at)
                VALUES ($id, $iss, $s, $ag, $k, $d, $r, $m, $st, $dry, $diff, $rb, $t, $t)
                """,
                ("$id", id), ("$iss", issueId), ("$s", service), ("$ag", agent), ("$k", kind), ("$d", description), ("$r", risk),
                ("$m", automatic ? "auto" : "proposed"), ("$st", automatic ? ActionStates.Approved : ActionStates.Proposed), ("$dry", dryRun ? 1 : 0),
                ("$diff", diff), ("$rb", rollbackPlan), ("$t", now));
            return Action(id)!;
        }
    }

    public StoredAction? Action(string id) => Actions(null, null, 1, id).FirstOrDefault();

    public IReadOnlyList<StoredAction> Actions(string? service, string? state, int limit, string? id = null) =>
        Query(
            """
            SELECT id, issue_id, service, agent, kind, description, risk, mode, state, dry_run, diff, rollback_plan, created_at, updated_at FROM actions
            WHERE ($s IS NULL OR service = $s) AND ($st IS NULL OR state = $st) AND ($id IS NULL OR id = $id)
            ORDER BY created_at DESC LIMIT $l
            """,
            r => new StoredAction(
                r.GetString(0), r.IsDBNull(1) ? null : r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), r.GetString(5), r.GetString(6),
                r.GetString(7), r.GetString(8), r.GetInt64(9) == 1, r.GetString(10), r.GetString(11), FromMs(r.GetInt64(12)), FromMs(r.GetInt64(13))),
            ("$s", service), ("$st", state), ("$id", id), ("$l", limit));

    /// <summary>Moves an action from one of <paramref name="from"/> to <paramref name="to"/>, atomically.</summary>
    /// <returns>The action after the move, or its unchanged self when it was in another state; null when there is no such action.</returns>
    public (StoredAction? Action, bool Moved) MoveAction(string id, IReadOnlyCollection<string> from, string to)
    {
        lock (_lock)
        {
            var current = Action(id);
            if (current is null || !from.Contains(current.State))
            {
                return (current, false);
            }

            Execute("UPDATE actions SET state = $to, updated_at = $t WHERE id = $id", ("$to", to), ("$t", Now()), ("$id", id));
            return (Action(id), true);
        }
    }

    private static string NewId(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..(prefix.Length + 13)];
}
