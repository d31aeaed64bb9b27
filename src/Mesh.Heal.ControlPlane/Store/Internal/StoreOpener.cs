using System.Data.Common;
using System.Net.Sockets;
using Mesh.Heal.ControlPlane.Hosting;
using Mesh.Heal.Policy;

namespace Mesh.Heal.ControlPlane.Store.Internal;

/// <summary>Opens the store the options choose; a PostgreSQL that cannot be reached yet is tried again until
/// <see cref="StoreOptions.StartTimeout"/>, then start-up fails naming <c>ControlPlane:Store:ConnectionString</c>.</summary>
/// <remarks>
/// A pod that starts before its database (both rolled out together, or the database failing over) waits with one log
/// line per attempt, ready only once the store is open, instead of crash-looping at once; one that still cannot reach
/// it after the timeout exits with code 2 like any other configuration error, and Kubernetes restarts it with back-off.
/// </remarks>
internal static partial class StoreOpener
{
    private static readonly TimeSpan RetryInterval = TimeSpan.FromSeconds(1);

    /// <summary>Opens the store.</summary>
    /// <exception cref="ControlPlaneConfigurationException">PostgreSQL could not be opened within the start timeout.</exception>
    public static MeshStore Open(StoreOptions options, string sqlitePath, TimeProvider time, ILogger logger)
    {
        var replica = options.ResolveReplicaId();
        if (options.ProviderKind == StoreProvider.Sqlite)
        {
            return new MeshStore(new SqliteDatabase(sqlitePath), time, replica);
        }

        var deadline = time.GetUtcNow() + options.StartTimeout;
        for (var attempt = 1; ; attempt++)
        {
            var database = new PostgresDatabase(options.ConnectionString!);
            try
            {
                var store = new MeshStore(database, time, replica);
                LogOpened(logger, database.Description, store.SchemaVersion, replica);
                return store;
            }
            catch (Exception ex) when (ex is DbException or SocketException or TimeoutException)
            {
                if (time.GetUtcNow() + RetryInterval > deadline)
                {
                    throw new ControlPlaneConfigurationException(
                    [
                        new PolicyError(
                            StoreConstants.Section + ":ConnectionString",
                            $"{database.Description} could not be opened within {options.StartTimeout:c} ({attempt} attempts): {ex.Message}; accepted: a reachable PostgreSQL database this user may create tables in"),
                    ]);
                }

                LogRetrying(logger, database.Description, attempt, ex.Message);
                Task.Delay(RetryInterval, time).GetAwaiter().GetResult();
            }
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Store opened: {Database}, schema version {Version}, replica {Replica}")]
    private static partial void LogOpened(ILogger logger, string database, int version, string replica);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Store {Database} cannot be opened yet (attempt {Attempt}): {Reason}; trying again")]
    private static partial void LogRetrying(ILogger logger, string database, int attempt, string reason);
}
