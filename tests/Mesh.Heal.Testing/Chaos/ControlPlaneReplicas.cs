using System.Globalization;
using Mesh.Heal.Testing.Postgres;

namespace Mesh.Heal.Chaos;

/// <summary>A PostgreSQL server of its own and control-plane processes on one database in it, as the HA mode runs them:
/// each replica with its own id and ports; killed with SIGKILL, replaced on the same ports by a process with a new id (a
/// rescheduled pod behind a stable address), and the database stopped and started under them.</summary>
internal sealed class ControlPlaneReplicas : IAsyncDisposable
{
    private readonly string _directory;
    private readonly string[] _args;
    private readonly ControlPlaneProcess[] _processes;
    private readonly string[] _ids;
    private readonly bool[] _killed;
    private int _generation;

    private ControlPlaneReplicas(PostgresServer postgres, string connectionString, string directory, string[] args, int count)
    {
        Postgres = postgres;
        ConnectionString = connectionString;
        _directory = directory;
        _args = args;
        _processes = new ControlPlaneProcess[count];
        _ids = new string[count];
        _killed = new bool[count];
    }

    public PostgresServer Postgres { get; }

    /// <summary>The replicas' database.</summary>
    public string ConnectionString { get; }

    public int Count => _processes.Length;

    /// <summary>Replica <paramref name="index"/>'s process (the newest one on its ports).</summary>
    public ControlPlaneProcess this[int index] => _processes[index];

    /// <summary>The indexes of the replicas not killed.</summary>
    public IReadOnlyList<int> Alive => [.. Enumerable.Range(0, Count).Where(i => !_killed[i])];

    /// <summary>Starts a PostgreSQL server, a database and <paramref name="count"/> replicas on it at once (their migrations
    /// race, as three pods of a Deployment do).</summary>
    /// <param name="directory">Where the replicas keep their files.</param>
    /// <param name="count">How many replicas.</param>
    /// <param name="args">Arguments every replica gets (healing and lease settings).</param>
    public static async Task<ControlPlaneReplicas> StartAsync(string directory, int count, params string[] args)
    {
        var postgres = await PostgresServer.StartAsync();
        ControlPlaneReplicas? replicas = null;
        try
        {
            replicas = new ControlPlaneReplicas(postgres, await postgres.CreateDatabaseAsync(), directory, args, count);
            var started = Enumerable.Range(0, count).Select(i => replicas.StartReplicaAsync(i, 0, 0)).ToList();
            await Task.WhenAll(started);
            return replicas;
        }
        catch
        {
            if (replicas is not null)
            {
                await replicas.DisposeAsync();
            }
            else
            {
                await postgres.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>Replica <paramref name="index"/>'s <c>ControlPlane:Store:ReplicaId</c>.</summary>
    public string IdOf(int index) => _ids[index];

    /// <summary>The index of the replica whose id is <paramref name="id"/>, or -1 for one that was replaced.</summary>
    public int IndexOf(string id) => Array.IndexOf(_ids, id);

    /// <summary>Every replica's gRPC address, comma-separated, starting with replica <paramref name="first"/>'s: a sidecar's
    /// <c>Sidecar:ControlPlaneUrl</c> that connects to that replica and moves on to the next when it fails.</summary>
    public string SidecarAddresses(int first) =>
        string.Join(',', Enumerable.Range(0, Count).Select(i => _processes[(first + i) % Count].GrpcUri.ToString().TrimEnd('/')));

    /// <summary>Kills replica <paramref name="index"/> with SIGKILL, as a lost node does; its ports stay its own.</summary>
    public async Task KillAsync(int index)
    {
        _killed[index] = true;
        await _processes[index].KillAsync();
    }

    /// <summary>Starts a new process for replica <paramref name="index"/> on the same ports, with a new replica id.</summary>
    public async Task ReplaceAsync(int index)
    {
        var old = _processes[index];
        await old.DisposeAsync();
        await StartReplicaAsync(index, old.GrpcUri.Port, old.HttpUri.Port);
        _killed[index] = false;
    }

    /// <summary><c>GET /v1/replicas</c> through replica <paramref name="via"/>.</summary>
    public async Task<IReadOnlyList<ReplicaInfo>> ListAsync(int via) =>
        ReplicaInfo.Parse(await _processes[via].Http.GetStringAsync("/v1/replicas"));

    /// <summary>Waits until a living replica holds the lease, as a living replica's <c>/v1/replicas</c> says, other than
    /// <paramref name="not"/>; with <paramref name="ranSince"/>, until it has also completed a coordinator run since then.</summary>
    /// <returns>The leader's index and its row.</returns>
    public async Task<(int Index, ReplicaInfo Replica)> LeaderAsync(TimeSpan deadline, string? not = null, DateTimeOffset? ranSince = null)
    {
        var via = 0;
        var found = await Wait.UntilAsync(
            async () =>
            {
                var alive = Alive;
                var rows = await ListAsync(alive[via++ % alive.Count]);
                return (Rows: rows, Leader: rows.SingleOrDefault(r => r.Leader && r.Id != not && IndexOf(r.Id) is var i && i >= 0 && !_killed[i]
                    && (ranSince is null || r.LastRunAt >= ranSince)));
            },
            r => r.Leader is not null,
            $"a living replica other than {not ?? "none"} leads{(ranSince is { } since ? $" and completed a run since {since:HH:mm:ss.fff}" : string.Empty)}",
            deadline);
        return (IndexOf(found.Leader!.Id), found.Leader);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _processes.Where(p => p is not null))
        {
            await process.DisposeAsync();
        }

        await Postgres.DisposeAsync();
    }

    private async Task StartReplicaAsync(int index, int grpcPort, int httpPort)
    {
        var id = string.Create(CultureInfo.InvariantCulture, $"cp-{index + 1}-{Interlocked.Increment(ref _generation)}");
        var directory = Path.Combine(_directory, id);
        Directory.CreateDirectory(directory);
        _ids[index] = id;
        _processes[index] = await ControlPlaneProcess.StartOnAsync(
            directory,
            grpcPort,
            httpPort,
            [
                "--ControlPlane:Store:Provider=postgres", "--ControlPlane:Store:ConnectionString=" + ConnectionString, "--ControlPlane:Store:ReplicaId=" + id,
                "--Logging:LogLevel:Mesh.Heal.ControlPlane.Replication=Information", .. _args,
            ]);
    }
}
