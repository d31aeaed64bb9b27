using System.Globalization;
using System.Text;

namespace Mesh.Heal.ControlPlane.Store;

/// <summary>The telemetry inbox: reports each replica accepted, for the leader to read into its view.</summary>
internal sealed partial class MeshStore
{
    private const int InboxRowsPerStatement = 500;

    /// <summary>Appends reports this replica (<see cref="ReplicaId"/>) accepted, in multi-row inserts.</summary>
    public void AppendInbox(IReadOnlyList<InboxReport> reports)
    {
        for (var start = 0; start < reports.Count; start += InboxRowsPerStatement)
        {
            var count = Math.Min(InboxRowsPerStatement, reports.Count - start);
            var sql = new StringBuilder("INSERT INTO telemetry_inbox (replica, service, instance, received_at, report) VALUES ");
            var parameters = new (string Name, object? Value)[(count * 4) + 1];
            parameters[0] = ("@replica", ReplicaId);
            for (var i = 0; i < count; i++)
            {
                var report = reports[start + i];
                var n = i.ToString(CultureInfo.InvariantCulture);
                sql.Append(i == 0 ? string.Empty : ", ").Append("(@replica, @s").Append(n).Append(", @i").Append(n).Append(", @t").Append(n).Append(", @b").Append(n).Append(')');
                parameters[(i * 4) + 1] = ("@s" + n, report.Service);
                parameters[(i * 4) + 2] = ("@i" + n, report.Instance);
                parameters[(i * 4) + 3] = ("@t" + n, report.ReceivedAt.ToUnixTimeMilliseconds());
                parameters[(i * 4) + 4] = ("@b" + n, report.Report);
            }

            Execute(sql.ToString(), parameters);
        }
    }

    /// <summary>Inbox rows with an id above <paramref name="afterId"/>, oldest first, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<InboxRow> InboxAfter(long afterId, int limit) =>
        Query(
            "SELECT id, replica, service, instance, received_at, report FROM telemetry_inbox WHERE id > @after ORDER BY id LIMIT @limit",
            ReadInbox, ("@after", afterId), ("@limit", (long)limit));

    /// <summary>The inbox rows with these ids (ones that were not committed yet when a later id was read).</summary>
    public IReadOnlyList<InboxRow> InboxRows(IReadOnlyCollection<long> ids)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var names = ids.Select((_, i) => "@id" + i.ToString(CultureInfo.InvariantCulture)).ToList();
        return Query(
            $"SELECT id, replica, service, instance, received_at, report FROM telemetry_inbox WHERE id IN ({string.Join(", ", names)}) ORDER BY id",
            ReadInbox, [.. ids.Select((id, i) => (names[i], (object?)id))]);
    }

    /// <summary>The id just below the first row received at or after <paramref name="since"/>: where a new leader starts reading.</summary>
    public long InboxStart(DateTimeOffset since) =>
        Convert.ToInt64(
            Scalar("SELECT COALESCE(MIN(id), (SELECT COALESCE(MAX(id), 0) + 1 FROM telemetry_inbox)) - 1 FROM telemetry_inbox WHERE received_at >= @since",
                ("@since", since.ToUnixTimeMilliseconds())) ?? 0L,
            CultureInfo.InvariantCulture);

    /// <summary>Deletes inbox rows received before <paramref name="before"/>.</summary>
    public int PruneInbox(DateTimeOffset before) =>
        Execute("DELETE FROM telemetry_inbox WHERE received_at < @before", ("@before", before.ToUnixTimeMilliseconds()));

    private static InboxRow ReadInbox(System.Data.Common.DbDataReader r) =>
        new(r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(4)), (byte[])r.GetValue(5));
}
